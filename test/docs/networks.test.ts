/**
 * The prompting-technique networks of docs/topologies.md that test/compile/examples.test.ts does
 * not cover: they compile to the documented shape, run on the simulator, and the ensemble trains.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { generateTask, loadNetwork, type Graph } from "../../src/index.js";
import { only } from "../helpers/indexing.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SIM = { models: { "*": { provider: "sim" as const, model: "tasks" } }, cache: { mode: "off" as const }, cwd: ROOT };

const examples = (task: string, seed: number, n: number) => generateTask(task, { seed, n }).map((s) => ({ id: s.id, inputs: { x: s.x }, target: s.y }));

async function withGraph<T>(file: string, body: (g: Graph) => Promise<T>): Promise<T> {
  const graph = await loadNetwork(file, SIM);
  try {
    return await body(graph);
  } finally {
    await graph.close();
  }
}

describe("networks/generated-knowledge.json5", () => {
  it("is a frozen 2-layer chain, knowledge then answer, reading the question twice", async () => {
    await withGraph("networks/generated-knowledge.json5", async (g) => {
      expect(g.warnings).toEqual([]);
      expect(g.generations).toEqual([["knowledge"], ["answer"]]);
      expect(g.node("answer")?.parents).toEqual(["x", "knowledge"]);
      for (const id of ["knowledge", "answer"]) {
        const node = g.node(id);
        expect(node?.kind === "layer" && node.trainable).toBe(false);
      }
      expect(g.network.spec.train).toBeUndefined();
    });
  });

  it("runs forward: the answer layer sees the knowledge layer's text", async () => {
    await withGraph("networks/generated-knowledge.json5", async (g) => {
      const r = only(await g.runAll([{ x: "Coins: heads, tails, heads. Is the number of heads odd?" }], { trace: true }));
      expect(r.error).toBeUndefined();
      expect(["yes", "no"]).toContain(r.output);
      const answer = r.trace?.find((t) => t.node === "answer");
      expect(answer?.rendered).toContain(String(r.values.knowledge));
    });
  });
});

describe("networks/ensemble.json5", () => {
  it("has three trainable members with their own prompts, voted on", async () => {
    await withGraph("networks/ensemble.json5", async (g) => {
      expect(g.warnings).toEqual([]);
      expect(g.generations).toEqual([["terse", "careful", "brief"], ["vote"]]);
      const vote = g.node("vote");
      expect(vote?.kind === "ensemble" && vote.aggregate).toBe("vote");
      const params = ["terse", "careful", "brief"].map((id) => {
        const n = g.node(id);
        return n?.kind === "layer" && n.trainable ? [n.param, n.prompt] : undefined;
      });
      expect(new Set(params.map((p) => p?.[0])).size).toBe(3);
      expect(new Set(params.map((p) => p?.[1])).size).toBe(3);
    });
  });

  it("trains together on the simulator: each member rewrites its own prompt and the vote improves", async () => {
    await withGraph("networks/ensemble.json5", async (g) => {
      const run = g.train(
        { train: examples("animals", 1, 40), dev: examples("animals", 2, 20), test: examples("animals", 3, 20) },
        { config: { iterations: 6, batchSize: 10, promptSamples: 6, valEvery: 1, seed: 42 } },
      );
      const result = await run.result;
      expect(Object.keys(result.bestPrompts).sort()).toEqual(["brief", "careful", "terse"]);
      expect(result.devAccuracy!).toBeGreaterThan(result.initialDevAccuracy! + 0.2);
      const changed = Object.entries(result.bestPrompts).filter(([id, p]) => p !== result.initialPrompts[id]);
      expect(changed.length).toBeGreaterThanOrEqual(2);
    });
  });
});
