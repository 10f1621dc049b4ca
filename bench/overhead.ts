/**
 * Item 4, framework overhead per layer call: the in-process `sim` provider (no network, no
 * latency, cache off) under a 2-layer chain, timed on the one thread Node runs JavaScript on.
 * The figure is raw: it includes the simulator's own work, which is reported alongside
 * (the same number of bare `generate` calls on the same client) so the two can be told apart.
 *
 * The figure is the process's CPU time (user + system) per call rather than wall time: on a
 * shared machine wall time also counts the time spent waiting for a core. With a core to itself
 * the two agree (CPU time is a little higher: it includes V8's helper threads); both are given.
 */
import { runAll } from "../src/exec/run.js";
import { ModelRegistry } from "../src/llm/registry.js";
import { generateTask } from "../src/sim/tasks.js";
import { median, repeat, row, timed, type BenchRow } from "./harness.js";
import { shapeNetwork } from "./networks.js";

export interface OverheadBenchOptions {
  samples: number;
  repeats: number;
}

const LAYERS = 2;

export async function benchOverhead(o: OverheadBenchOptions): Promise<BenchRow[]> {
  const network = shapeNetwork("chain", { provider: "sim", model: "tasks" });
  const registry = new ModelRegistry(network.models, { baseDir: process.cwd(), env: {}, cache: { mode: "off" } });
  try {
    const tasks = generateTask("navigate", { seed: 1, n: o.samples });
    const samples = (round: number) => tasks.map((t, i) => ({ x: `${t.x} (${round}.${i})` }));
    await runAll(network, samples(-1).slice(0, 200), { clients: registry }); // warm-up: JIT, templates
    const runs = await repeat(o.repeats, async (round) => {
      const cpu = process.cpuUsage();
      const { ms } = await timed(() => runAll(network, samples(round), { clients: registry }));
      const used = process.cpuUsage(cpu);
      return { ms, cpuMs: (used.user + used.system) / 1000 };
    });
    const calls = o.samples * LAYERS;
    const usPerCall = (median(runs.map((r) => r.cpuMs)) * 1000) / calls;
    const wallUsPerCall = (median(runs.map((r) => r.ms)) * 1000) / calls;

    // The simulator alone: the same number of generate calls, straight to the client.
    const client = await registry.get("m");
    const bare = await repeat(
      o.repeats,
      async (round) =>
        (
          await timed(async () => {
            for (let i = 0; i < calls; i++) await client.generate({ prompt: `Think.\n\n${tasks[i % tasks.length]!.x} (${round}.${i})`, maxTokens: 8 });
          })
        ).ms,
    );
    const bareUs = (median(bare) * 1000) / calls;
    return [
      row({
        id: "overhead.perCall",
        item: 4,
        name: `overhead per layer call (sim, ${calls.toLocaleString("en-US")} calls)`,
        measured: usPerCall,
        unit: "µs",
        bound: null,
        ratio: null,
        goal: { on: "measured", op: "<", value: 100, text: "< 100 µs per call" },
        note: `CPU time per call, raw, simulator included: ${Math.round(1e6 / usPerCall).toLocaleString("en-US")} calls/s of one core; wall time ${wallUsPerCall.toFixed(1)} µs per call; the simulator alone (bare client.generate through the same middleware, wall) ${bareUs.toFixed(1)} µs`,
        details: {
          calls,
          callsPerSecond: 1e6 / usPerCall,
          wallUsPerCall,
          runsMs: runs.map((r) => Math.round(r.ms)),
          runsCpuMs: runs.map((r) => Math.round(r.cpuMs)),
          bareClientUsPerCall: bareUs,
        },
      }),
    ];
  } finally {
    await registry.close();
  }
}
