/**
 * A judge layer trains: its ensemble passes the gold answer on to it (as to the members), so it
 * proposes prompts from its own mistakes and keeps one under which the gold answers score higher.
 */
import { describe, expect, it } from "vitest";
import { TASKS } from "../../src/sim/tasks.js";
import type { GenerateRequest, GenerateResult, ModelClient } from "../../src/llm/types.js";
import { PROPOSE_STOP } from "../../src/templates/builtin.js";
import { buildTrainGraph, GOLD } from "../../src/train/topology.js";
import { createTrainServices } from "../../src/train/services.js";
import { train } from "../../src/train/trainer.js";
import type { NetworkSpec } from "../../src/network/types.js";
import { setup, splits } from "./helpers.js";
import { at, key } from "../helpers/indexing.js";

const KEYWORD = "Trust the first candidate.";
const usage = { requests: 1, promptTokens: 1, completionTokens: 1, cacheHits: 0, cost: 0 };

/** The candidates of a judge prompt ("1. …\n2. …"), in order. */
function candidatesIn(prompt: string): string[] {
  return [...prompt.matchAll(/^\d+\. (.*)$/gm)].map((m) => at(m, 1).trim());
}

/**
 * The judge's model. It proposes KEYWORD; as a judge it picks the first candidate when its prompt
 * says so and the last one otherwise; a target scores high when it is the candidate it would pick.
 */
function judgeModel(): ModelClient {
  const pick = (prompt: string): string => {
    const c = candidatesIn(prompt);
    return (prompt.includes(KEYWORD) ? c[0] : c[c.length - 1]) ?? "";
  };
  return {
    id: "fake:judge",
    capabilities: async () => ({ api: "completions", exactScoring: true, topLogprobs: 0, batching: 1 }),
    async score(req) {
      const hit = req.target.trim().toLowerCase() === pick(req.context).toLowerCase();
      return { tokens: [{ token: req.target, logprob: hit ? -0.05 : -4 }], usage };
    },
    async generate(req: GenerateRequest): Promise<GenerateResult> {
      const text = req.stop?.[0] === PROPOSE_STOP[0] ? KEYWORD : ` ${pick(req.prompt)}`;
      return { completions: [{ text }], usage };
    },
  };
}

const rules = key(TASKS, "animals").rules.join(" ");

function judged(): NetworkSpec {
  return {
    name: "judged",
    models: { sim: { provider: "sim", model: "tasks" }, judge: { provider: "sim", model: "tasks" } },
    inputs: ["x"],
    nodes: {
      // The first member knows the rules; the last one is told misleading ones.
      good: { type: "layer", from: ["x"], model: "sim", prompt: rules, classes: ["mammal", "bird", "fish", "reptile"], trainable: false },
      bad: {
        type: "layer",
        from: ["x"],
        model: "sim",
        prompt: key(TASKS, "animals").misleadingRules.join(" "),
        classes: ["mammal", "bird", "fish", "reptile"],
        trainable: false,
      },
      j: { type: "layer", from: ["x"], model: "judge", template: "judge", prompt: "Pick the best answer.", parse: "first_word" },
      e: { type: "ensemble", members: ["good", "bad"], aggregate: { judge: "j" } },
    },
    output: "e",
    loss: { type: "exact_match", normalize: "first_word" },
  };
}

describe("a judge layer", () => {
  it("receives its ensemble's targets (it is an output layer) and does not send posterior targets to the members", () => {
    const { network } = setup(judged(), { iterations: 1 });
    const graph = buildTrainGraph(network);
    expect(graph.senders.get("j")).toEqual(["e"]);
    expect(graph.senders.get("e")).toEqual([GOLD]);
    expect(graph.outputLayers.has("j")).toBe(true);
    expect(graph.stochasticParents.get("j")).toEqual([]);
  });

  it("trains: it keeps the proposed prompt, and the ensemble it decides scores higher on dev than with its initial prompt", async () => {
    const { network, registry, config } = setup(judged(), { iterations: 2, batchSize: 8, promptSamples: 2, valEvery: 1, seed: 5 });
    const judge = judgeModel();
    const clients = { usage: () => registry.usage(), get: async (name: string) => (name === "judge" ? judge : registry.get(name)) };
    const services = createTrainServices(network, clients, { scoring: config.scoring, burnIn: config.burnIn });
    const data = splits("animals", { train: 16, dev: 12, test: 8 });
    const r = await train(network, data, { config, services }).result;
    expect(r.initialPrompts.j).toBe("Pick the best answer.");
    expect(r.bestPrompts.j).toContain(KEYWORD);
    expect(r.devAccuracy!).toBeGreaterThan(r.initialDevAccuracy!);
    await registry.close();
  });
});
