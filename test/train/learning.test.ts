/**
 * Learning on the simulator's hard world (issue 11): tests that can fail. In `tasks-hard` one
 * layer cannot solve `navigate` whatever its prompt (it miscounts when it answers directly), a
 * thinking layer needs both rules before it usually writes the right intermediate step, most
 * proposals are no better than their parent and posterior samples only sometimes carry the step.
 * So: trained beats initial only if training works; selection by score beats a random candidate
 * only if the scores mean something; DLN-2 beats the best DLN-1 only if the hidden layer learns.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { SIM_TASKS, TASKS } from "../../src/sim/tasks.js";
import type { NetworkSpec } from "../../src/network/types.js";
import type { TrainResult } from "../../src/train/trainer.js";
import { dln1, dln2, runTraining, setup, splits } from "./helpers.js";
import { at, key } from "../helpers/indexing.js";

const HARD = { sim: { provider: "sim" as const, model: "tasks-hard" } };
const TASK = "navigate";
const labels = key(TASKS, TASK).labels;
const data = splits(TASK, { train: 60, dev: 40, test: 60 });
/** Small settings (the paper's DLN-2 shape, fewer of everything); several seeds where luck could decide. */
const SETTINGS = { iterations: 3, batchSize: 10, promptSamples: 5, valEvery: 1, seed: 1 };
const DLN2_SETTINGS = { ...SETTINGS, hiddenSamples: 4 };
const SEEDS = [1, 2, 3, 4];
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

const hard = (spec: NetworkSpec): NetworkSpec => ({ ...spec, models: HARD });

/** Test accuracy of a 1-layer network with a fixed prompt. */
async function dln1Accuracy(prompt: string): Promise<number> {
  const { services } = setup(hard(dln1(labels, prompt)), { iterations: 1 });
  const results = await services.forward(
    data.test.map((e) => ({ id: e.id, ...e.inputs })),
    { prompts: { y: prompt }, temperature: 0 },
  );
  return results.filter((r, i) => !r.error && services.isCorrect(r.output, at(data.test, i).target)).length / data.test.length;
}

describe(`learning on the hard simulated world (${TASK})`, () => {
  let byScore: TrainResult[];
  let byRandom: TrainResult[];
  let oneLayer: TrainResult;
  beforeAll(async () => {
    const dln2Runs = (selection: "score" | "random") =>
      Promise.all(SEEDS.map((seed) => runTraining(hard(dln2(labels)), data, { ...DLN2_SETTINGS, seed, selection }).result));
    [byScore, byRandom, oneLayer] = await Promise.all([dln2Runs("score"), dln2Runs("random"), runTraining(hard(dln1(labels)), data, SETTINGS).result]);
  }, 300_000);

  it("DLN-2: the trained prompts beat the initial ones on held-out data, on every seed", () => {
    for (const r of byScore) {
      expect(r.initialDevAccuracy!).toBeLessThan(0.6);
      expect(r.devAccuracy! - r.initialDevAccuracy!).toBeGreaterThanOrEqual(0.3);
      expect(r.testAccuracy!).toBeGreaterThanOrEqual(0.75);
    }
  });

  it("choosing candidates by score beats choosing them at random (mean over seeds)", () => {
    expect(byRandom.every((r) => r.config.selection === "random")).toBe(true);
    const dev = (rs: TrainResult[]) => mean(rs.map((r) => r.devAccuracy!));
    const test = (rs: TrainResult[]) => mean(rs.map((r) => r.testAccuracy!));
    expect(dev(byScore) - dev(byRandom)).toBeGreaterThanOrEqual(0.1);
    expect(test(byScore) - test(byRandom)).toBeGreaterThanOrEqual(0.1);
  });

  it("DLN-2 beats the best DLN-1: trained, and with the task's complete rules as its prompt", async () => {
    const complete = key(SIM_TASKS, TASK).info.rules.join(" ");
    const best1 = Math.max(oneLayer.testAccuracy!, await dln1Accuracy(complete));
    expect(best1).toBeLessThan(0.75);
    expect(Math.min(...byScore.map((r) => r.testAccuracy!))).toBeGreaterThanOrEqual(best1 + 0.05);
  }, 60_000);
});
