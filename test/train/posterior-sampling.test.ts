/**
 * Posterior samples are samples (issue 11, item 2): the J samples of one example go out as ONE
 * request with `n: J` and a seed derived from the run's seed; a provider that returns fewer
 * choices gets one request per missing sample, each with its own seed. And the `hint` form renders
 * the hidden layer's own forward context with the wanted answer before its prompt and cue.
 */
import { describe, expect, it } from "vitest";
import type { GenerateRequest, ModelClient } from "../../src/llm/types.js";
import { emptyUsage } from "../../src/llm/types.js";
import { createSimClient } from "../../src/llm/providers/sim.js";
import { renderHintPosterior, requestSeed, samplePosterior } from "../../src/train/dln-vi/posterior.js";
import { generateTask } from "../../src/sim/tasks.js";
import { renderTemplate } from "../../src/templates/render.js";
import { FORWARD_TEMPLATES } from "../../src/templates/builtin.js";
import { at, key, only } from "../helpers/indexing.js";

/** A client that records requests and answers `choices` completions (at most), each text naming its request seed and choice. */
function recording(choices: (r: GenerateRequest) => number): { client: ModelClient; requests: GenerateRequest[] } {
  const requests: GenerateRequest[] = [];
  const client: ModelClient = {
    id: "rec",
    capabilities: async () => ({ api: "completions", exactScoring: false, topLogprobs: 0, batching: 1 }),
    async generate(r) {
      requests.push(r);
      const k = choices(r);
      return { completions: Array.from({ length: k }, (_, j) => ({ text: ` sample seed=${r.seed} j=${j}` })), usage: emptyUsage() };
    },
    score: async () => {
      throw new Error("no scoring");
    },
  };
  return { client, requests };
}

const samples = [
  { input: "x1", forward: "f1", target: "yes", resample: true },
  { input: "x2", forward: "f2", target: "no", resample: true },
];
const base = { prompt: "Think.", samples, count: 4, keepForward: false, temperature: 0.7, sampleKey: "1/h1/y/posterior/h1", seed: 7 };

describe("posterior sampling", () => {
  it("asks for the J samples of one example in one request with n: J and a seed from the run's seed", async () => {
    const { client, requests } = recording((r) => r.n ?? 1);
    const out = await samplePosterior({ ...base, client });
    expect(requests).toHaveLength(2);
    for (const r of requests) {
      expect(r.n).toBe(4);
      expect(r.seed).toBe(requestSeed(7, base.sampleKey));
      expect(r.temperature).toBe(0.7);
    }
    expect(out.map((o) => o.length)).toEqual([4, 4]);
    // Another run seed, another request seed.
    expect(requestSeed(8, base.sampleKey)).not.toBe(requestSeed(7, base.sampleKey));
  });

  it("gives each missing sample its own request and seed when the provider ignores n", async () => {
    const { client, requests } = recording(() => 1);
    const out = await samplePosterior({ ...base, client });
    expect(requests).toHaveLength(2 * 4);
    // Each example: the n-request (the step's seed) and three single requests, each its own seed.
    const single = requests.filter((r) => r.n === undefined);
    expect(single).toHaveLength(2 * 3);
    const seeds = single.map((r) => r.seed);
    expect(new Set([...seeds, requestSeed(7, base.sampleKey)]).size).toBe(seeds.length + 1);
    expect(out.map((o) => o.length)).toEqual([4, 4]);
  });

  it("keeps the forward value first when keepForward is on", async () => {
    const { client } = recording((r) => r.n ?? 1);
    const out = await samplePosterior({ ...base, client, keepForward: true });
    expect(at(out, 0)[0]).toBe("f1");
    expect(out[0]).toHaveLength(5);
  });

  it("draws J different samples of one input at temperature 0.7 from a seeded model", async () => {
    const task = only(generateTask("navigate", { seed: 3, n: 1 }));
    const rendered = renderTemplate(key(FORWARD_TEMPLATES, "think").source, { prompt: "Think about it.", from: [{ name: "x", value: task.x }], x: task.x });
    const prompt = renderHintPosterior(rendered, "Think about it.", task.y);
    const client = createSimClient({ world: "tasks-hard", seed: 1 });
    const out = await samplePosterior({ ...base, client, count: 6, samples: [{ input: task.x, forward: "f", target: task.y, resample: true, prompt }] });
    expect(new Set(out[0]).size).toBeGreaterThan(1);
  });
});

describe("the hint posterior form", () => {
  it("shows the wanted answer before the layer's prompt and closing cue, in its own forward context", () => {
    const rendered = renderTemplate(key(FORWARD_TEMPLATES, "think").source, { prompt: "Be careful.", from: [{ name: "x", value: "Q?" }], x: "Q?" });
    expect(renderHintPosterior(rendered, "Be careful.", " yes ")).toBe("Q?\n\nGiven that the answer is:\nyes\n\nBe careful. Let's think step by step.");
  });

  it("puts the hint before the last paragraph when the prompt is empty", () => {
    expect(renderHintPosterior("Q?\n\n Let's think step by step.", "", "no")).toBe("Q?\n\nGiven that the answer is:\nno\n\n Let's think step by step.");
  });
});
