import { describe, expect, it } from "vitest";
import type { LayerNode } from "../../src/compile/types.js";
import type { ModelClient } from "../../src/llm/types.js";
import { posteriorWeights } from "../../src/train/dln-vi/posterior.js";
import { combineScore } from "../../src/train/dln-vi/score.js";
import { gatherCandidates } from "../../src/train/dln-vi/update.js";
import { argmax, decayedPenalty, klDivergence, mergeTargetSets, normalizeClassProbs, softmax, weightedScore } from "../../src/train/math.js";
import { createLayerScorer } from "../../src/train/scorer.js";

/** A class layer with the labels yes and no (all the scorer reads of a layer). */
const YES_NO_LAYER = {
  id: "y",
  model: "m",
  classes: [
    { label: "yes", verbalizers: ["yes"] },
    { label: "no", verbalizers: ["no"] },
  ],
} as unknown as LayerNode;

describe("the optimizer's arithmetic, against values worked out by hand", () => {
  it("posterior weights: softmax((ℓ_child + prior) / T)", () => {
    // logits = [-1 + -2, -2 + -1, -0.5 + -4] = [-3, -3, -4.5]; T = 1
    // e^-3 = 0.049787, e^-4.5 = 0.011109; sum = 0.110684 → [0.449817, 0.449817, 0.100366]
    const w = posteriorWeights([-1, -2, -0.5], [-2, -1, -4], 1);
    expect(w[0]).toBeCloseTo(0.449817, 5);
    expect(w[1]).toBeCloseTo(0.449817, 5);
    expect(w[2]).toBeCloseTo(0.100366, 5);
    // Without the prior, T = 0.5: logits/T = [-2, -4, -1] → e^-2=0.135335, e^-4=0.018316, e^-1=0.367879; sum=0.521530
    const v = posteriorWeights([-1, -2, -0.5], undefined, 0.5);
    expect(v[0]).toBeCloseTo(0.259496, 5);
    expect(v[1]).toBeCloseTo(0.035119, 5);
    expect(v[2]).toBeCloseTo(0.705385, 5);
  });

  it("softmax gives failed (non-finite) candidates no weight", () => {
    expect(softmax([0, -Infinity])).toEqual([1, 0]);
    expect(softmax([-Infinity, -Infinity])).toEqual([0.5, 0.5]);
  });

  it("weighted score (the ELBO): mean over samples of Σ w ℓ", () => {
    // sample 1: 0.7·(-1) + 0.3·(-3) = -1.6; sample 2: 1·(-0.4) = -0.4 → mean -1.0
    const s = weightedScore([
      [
        { weight: 0.7, logLikelihood: -1 },
        { weight: 0.3, logLikelihood: -3 },
      ],
      [{ weight: 1, logLikelihood: -0.4 }],
    ]);
    expect(s).toBeCloseTo(-1.0, 10);
    expect(weightedScore([])).toBe(-Infinity);
  });

  it("KL(p ‖ q) over classes", () => {
    // 0.5·ln(0.5/0.25) + 0.5·ln(0.5/0.75) = 0.5·0.693147 + 0.5·(-0.405465) = 0.143841
    expect(klDivergence([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(0.143841, 5);
    expect(klDivergence([0.3, 0.7], [0.3, 0.7])).toBeCloseTo(0, 12);
  });

  it("the score combines fit, KL and penalty with their factors", () => {
    // -1 − 5·0.1 − 2·(-3) = -1 − 0.5 + 6 = 4.5
    expect(combineScore(-1, 0.1, -3, 5, 2)).toBeCloseTo(4.5, 10);
    expect(combineScore(-1, 0.1, -3, 0, 0)).toBe(-1);
  });

  it("the exploration penalty decays linearly to 0 over the run", () => {
    expect(decayedPenalty(2, 0, 20)).toBe(2);
    expect(decayedPenalty(2, 5, 20)).toBeCloseTo(1.5, 12);
    expect(decayedPenalty(2, 10, 20)).toBeCloseTo(1, 12);
    expect(decayedPenalty(2, 20, 20)).toBe(0);
    expect(decayedPenalty(2, 10, 20, false)).toBe(2);
  });

  it("class probabilities are renormalised over the classes, with a floor for missing ones", () => {
    const p = normalizeClassProbs([0.6, 0.2, 0]);
    // floor 1e-6: [0.6, 0.2, 1e-6] / 0.800001
    expect(p[0]).toBeCloseTo(0.6 / 0.800001, 9);
    expect(p[2]).toBeCloseTo(1e-6 / 0.800001, 12);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it("class scores: ℓ(label) is the log of the renormalised class probability", async () => {
    const layer = YES_NO_LAYER;
    const scorer = createLayerScorer(
      layer,
      {} as ModelClient,
      "classes",
      {
        scoreClasses: async () => ({ probs: { yes: 0.3, no: 0.1 } }),
        targetLogLikelihood: async () => 0,
      },
      0,
    );
    expect(await scorer.likelihood!("ctx", "yes")).toBeCloseTo(Math.log(0.75), 10);
    expect(await scorer.likelihood!("ctx", "No")).toBeCloseTo(Math.log(0.25), 10);
    const probs = await scorer.classProbs!("ctx");
    expect(probs[0]).toBeCloseTo(0.75, 12);
    expect(probs[1]).toBeCloseTo(0.25, 12);
  });

  it("class scores: a class missing from the provider's probability array counts as 0 (floored), not NaN", async () => {
    const layer = YES_NO_LAYER;
    const fns = { scoreClasses: async () => ({ probs: [0.3] }), targetLogLikelihood: async () => 0 };
    const scorer = createLayerScorer(layer, {} as ModelClient, "classes", fns, 0);
    expect(await scorer.likelihood!("ctx", "no")).toBeCloseTo(Math.log(1e-6 / (0.3 + 1e-6)), 10);
    expect(await scorer.classProbs!("ctx")).toHaveLength(2);
  });

  it("target sets from several children: union, weights averaged over children", () => {
    const merged = mergeTargetSets([
      [
        { text: "a", weight: 0.5 },
        { text: "b", weight: 0.5 },
      ],
      [{ text: "b", weight: 1 }],
    ]);
    expect(merged).toEqual([
      { text: "a", weight: 0.25 },
      { text: "b", weight: 0.75 },
    ]);
  });

  it("candidates are de-duplicated and ties keep the current prompt", () => {
    const c = gatherCandidates("p", ["q", "p", " q"], ["r", "q"]);
    expect(c.map((x) => [x.prompt, x.source])).toEqual([
      ["p", "current"],
      ["q", "proposal"],
      ["r", "memory"],
    ]);
    expect(argmax([-1, -1, -2])).toBe(0);
    expect(argmax([NaN, -3, -2])).toBe(2);
  });
});
