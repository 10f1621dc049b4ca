/**
 * The parameter steps of one iteration share their layer scorers: h1's step scores its current
 * prompt on the (context, target) pairs that y's step already scored for the prior term of the
 * posterior weights, and must not ask the model for them again.
 */
import { describe, expect, it } from "vitest";
import type { ClientSource } from "../../src/exec/types.js";
import type { ModelClient, ScoreRequest } from "../../src/llm/types.js";
import { createTrainServices } from "../../src/train/services.js";
import { train } from "../../src/train/trainer.js";
import { dln2, setup, splits } from "./helpers.js";

function recordingScores(registry: ClientSource & { usage(): never }, seen: ScoreRequest[]) {
  return {
    usage: () => registry.usage(),
    async get(name: string): Promise<ModelClient> {
      const inner = await registry.get(name);
      return {
        ...inner,
        id: inner.id,
        capabilities: () => inner.capabilities(),
        generate: (r) => inner.generate(r),
        score: (r) => (seen.push(r), inner.score(r)),
      };
    },
  };
}

describe("layer scorers shared within an iteration", () => {
  it("ask each (context, target) pair once in a DLN-2 iteration, the prior's pairs included", async () => {
    const { network, registry, config } = setup(dln2(), { iterations: 1, batchSize: 6, promptSamples: 3, hiddenSamples: 3, seed: 5, heldOut: false });
    const seen: ScoreRequest[] = [];
    const services = createTrainServices(network, recordingScores(registry as never, seen), { scoring: config.scoring, burnIn: config.burnIn });
    await train(network, splits("navigate", { train: 6, dev: 0, test: 0 }), { config, services }).result;
    // h1's pairs (its targets are texts; y's, scored exactly too, are spellings of yes/no, some of
    // which the executor's forward pass also scores).
    const hidden = seen.filter((r) => !["yes", "no"].includes(r.target.trim().toLowerCase()));
    const pairs = hidden.map((r) => `${r.context}\u0000${r.target}`);
    expect(config.priorTerm).toBe(true);
    expect(pairs.length).toBeGreaterThan(0);
    expect(new Set(pairs).size).toBe(pairs.length);
  });
});
