import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, generateTask, loadNetwork, NetworkError, type Example } from "../../src/index.js";
import { at } from "../helpers/indexing.js";

const SIM = { "*": { provider: "sim" as const, model: "tasks" } };

describe("Graph (the public API)", () => {
  it("loadNetwork compiles a file; run streams results and runAll returns them in input order", async () => {
    const graph = await loadNetwork(resolve("networks/dln-2.json5"), { models: SIM, cache: { mode: "off" }, env: {} });
    expect(graph.name).toBe("dln-2");
    expect(graph.generations).toEqual([["h1"], ["y"]]);
    const samples = generateTask("navigate", { seed: 3, n: 6 }).map(({ x, id }) => ({ x, id }));
    const seen: number[] = [];
    await new Promise<void>((done, fail) => graph.run(samples).subscribe({ next: (r) => seen.push(r.index), error: fail, complete: done }));
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const all = await graph.runAll(samples);
    expect(all.map((r) => r.id)).toEqual(samples.map((s) => s.id));
    for (const r of all) expect(["yes", "no"]).toContain(r.output);
    await graph.close();
  });

  it("compile throws a NetworkError with located diagnostics", () => {
    let error: unknown;
    try {
      compile(`{ name: "x", inputs: ["x"], nodes: { y: { type: "layer", from: ["z"] } }, output: "y" }`, { file: "inline.json5" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NetworkError);
    const d = (error as NetworkError).diagnostics.find((x) => x.severity === "error");
    expect(d).toMatchObject({ code: "E_UNKNOWN_NODE", file: "inline.json5", line: 1, column: 65, path: "nodes.y.from[0]" });
    expect((error as Error).message).toContain("inline.json5:1:65: error E_UNKNOWN_NODE");
  });

  it("train improves the prompts and its best prompts can be run", async () => {
    const graph = compile(
      `{ name: "animals", models: { m: { provider: "sim", model: "tasks" } }, inputs: ["x"],
         nodes: { y: { type: "layer", from: ["x"], prompt: "Classify it.", classes: ["mammal", "bird", "fish", "reptile"] } },
         output: "y", loss: { type: "exact_match", normalize: "first_word" } }`,
      { cache: { mode: "off" } },
    );
    const toExample = (s: { x: string; y: string; id: string }): Example => ({ id: s.id, inputs: { x: s.x }, target: s.y });
    const data = generateTask("animals", { seed: 5, n: 120 }).map(toExample);
    const run = graph.train(
      { train: data.slice(0, 60), dev: data.slice(60, 90), test: data.slice(90) },
      {
        config: { iterations: 3, batchSize: 8, promptSamples: 4, seed: 1 },
      },
    );
    const kinds = new Set<string>();
    run.events$.subscribe((e) => kinds.add(e.type));
    const result = await run.result;
    expect(kinds).toContain("candidates");
    expect(result.devAccuracy!).toBeGreaterThan(result.initialDevAccuracy! + 0.2);
    const after = await graph.runAll(
      data.slice(90).map((e) => e.inputs),
      { prompts: result.bestPrompts },
    );
    const correct = after.filter((r, i) => r.output === at(data, 90 + i).target).length;
    expect(correct / after.length).toBeCloseTo(result.testAccuracy!, 5);
    await graph.close();
  });
});
