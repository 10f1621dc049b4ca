import { mkdtempSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import { compile, generateTask, type ClientSource, type GenerateResult, type ModelClient } from "../../src/index.js";

const ECHO = `{
  name: "echo",
  models: { m: { provider: "sim", model: "tasks" } },
  inputs: ["x"],
  nodes: { y: { type: "layer", from: ["x"], prompt: "Repeat it." } },
  output: "y",
}`;

/**
 * A model that holds every request until `n` are in flight, then answers them last first (each
 * after the previous answer was delivered): results complete in reverse input order.
 */
function lastFirstModel(n: number): ClientSource {
  const held: Array<() => void> = [];
  const release = async (): Promise<void> => {
    while (held.length > 0) {
      held.pop()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  const client = {
    id: "last-first",
    capabilities: async () => ({ api: "chat", exactScoring: false, topLogprobs: 0, batching: 1 }),
    score: async () => {
      throw Object.assign(new Error("no"), { code: "E_UNSUPPORTED" });
    },
    async generate(req: { prompt: string }): Promise<GenerateResult> {
      await new Promise<void>((resolve) => {
        held.push(resolve);
        if (held.length === n) void release();
      });
      return { completions: [{ text: req.prompt.slice(-8) }], usage: { requests: 1, promptTokens: 1, completionTokens: 1, cacheHits: 0, cost: 0 } };
    },
  } as unknown as ModelClient;
  return { get: async () => client };
}

describe("graph.run({ ordered })", () => {
  const samples = ["a", "b", "c", "d", "e"].map((x) => ({ x }));

  it("emits results in completion order by default, in input order with ordered", async () => {
    const graph = compile(ECHO);
    const plain = await lastValueFrom(graph.run(samples, { clients: lastFirstModel(5) }).pipe(toArray()));
    expect(plain.map((r) => r.index)).toEqual([4, 3, 2, 1, 0]);
    const ordered = await lastValueFrom(graph.run(samples, { clients: lastFirstModel(5), ordered: true }).pipe(toArray()));
    expect(ordered.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(ordered.every((r) => r.error === undefined)).toBe(true);
  });
});

describe("graph.planTraining / graph.train: checks before anything is sent or written", () => {
  const PRICED = ECHO.replace(
    'models: { m: { provider: "sim", model: "tasks" } }',
    'models: { m: { provider: "openai", model: "my-own-model", baseURL: "http://127.0.0.1:9/v1", apiKey: "k" } }',
  ).replace('prompt: "Repeat it."', 'prompt: "Repeat it.", trainable: true');
  const data = generateTask("navigate", { seed: 1, n: 8 }).map((e) => ({ id: e.id, inputs: { x: e.x }, target: e.y }));
  const splits = { train: data.slice(0, 4), dev: data.slice(4, 6), test: data.slice(6) };

  it("refuses a cost budget when a model in use has no price (as dln train --budget-cost does)", async () => {
    const graph = compile(PRICED);
    const runDir = join(mkdtempSync(join(tmpdir(), "dln-plan-")), "run");
    expect(() => graph.planTraining(splits, { config: { budget: { cost: 1 } } })).toThrow(/needs a price.*m \(my-own-model\)/s);
    await expect(graph.train(splits, { config: { budget: { cost: 1 } }, runDir }).result).rejects.toMatchObject({ code: "E_TRAIN_CONFIG" });
    expect(existsSync(runDir)).toBe(false);
    expect(graph.planTraining(splits, { config: { iterations: 3 } }).config.iterations).toBe(3);
  });

  it("resumes only through the resume policy: no runDir, or a directory with no checkpoint, is refused", () => {
    const graph = compile(PRICED);
    expect(() => graph.planTraining(splits, { resume: true })).toThrow(/no runDir/);
    expect(() => graph.planTraining(splits, { resume: true, runDir: join(tmpdir(), "dln-no-such-run-dir") })).toThrow(/does not exist/);
  });
});
