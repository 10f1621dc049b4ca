/**
 * Item 6, compilation: a generated network of 1,000 layer nodes (parallel chains with residual
 * reads of the input, see bench/networks.ts) compiled from its text: parse, schema validation,
 * name resolution, cycle check, topological generations. Median of several runs after a warm-up.
 */
import { compileNetwork } from "../src/compile/index.js";
import { median, repeat, row, timed, type BenchRow } from "./harness.js";
import { largeNetworkSpec } from "./networks.js";

export interface CompileBenchOptions {
  nodes: number;
  repeats: number;
}

export async function benchCompile(o: CompileBenchOptions): Promise<BenchRow[]> {
  const text = JSON.stringify(largeNetworkSpec(o.nodes), null, 2);
  const compileOnce = () => {
    const r = compileNetwork(text, { baseDir: process.cwd(), file: "bench-large.json5" });
    if (!r.ok) throw new Error(`the generated ${o.nodes}-node network does not compile: ${r.diagnostics[0]?.message}`);
    return r.network;
  };
  const network = compileOnce(); // warm-up
  const runs = await repeat(o.repeats, async () => (await timed(async () => compileOnce())).ms);
  return [
    row({
      id: "compile.large",
      item: 6,
      name: `compile a ${network.nodes.size.toLocaleString("en-US")}-node network`,
      measured: median(runs),
      unit: "ms",
      bound: null,
      ratio: null,
      goal: { on: "measured", op: "<", value: 200, text: "< 200 ms" },
      details: { nodes: network.nodes.size, generations: network.generations.length, textBytes: text.length, runsMs: runs.map((x) => Math.round(x * 10) / 10) },
    }),
  ];
}
