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
/**
 * With these settings a DLN-2 run either finds both rules within 3 iterations (dev 0.48–0.55 →
 * 0.85–0.90, test 0.82–0.87) or does not move at all (gain 0): on this data, training seeds 1–12
 * learned on 11 of 12 with the simulator's old generator (seed 5 did not) and 11 of 12 with `Rng`
 * (seed 3 did not), and 21–22 of 24 over two data seeds; with selection "random", 1 of 6 (seeds
 * 1–6) with either (measured on 2026-11-29, running this file's setup over the seeds). So "every one of four
 * seeds" held with probability ≈ 0.7: these tests ask for most of six seeds (P(≥ 4 of 6) ≈ 0.98
 * at 0.9 a run) and a mean, which a trainer that does not learn (1 of 6, or 0 with 0 iterations) fails.
 */
const SEEDS = [1, 2, 3, 4, 5, 6];
const MOST = 4;
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const learned = (r: TrainResult): boolean => r.devAccuracy! - r.initialDevAccuracy! >= 0.3 && r.testAccuracy! >= 0.75;

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

  it("DLN-2: the trained prompts beat the initial ones on held-out data, on most seeds and on average", () => {
    for (const r of byScore) expect(r.initialDevAccuracy!).toBeLessThan(0.6);
    expect(byScore.filter(learned).length).toBeGreaterThanOrEqual(MOST);
    expect(mean(byScore.map((r) => r.devAccuracy! - r.initialDevAccuracy!))).toBeGreaterThanOrEqual(0.2);
    expect(mean(byScore.map((r) => r.testAccuracy!))).toBeGreaterThanOrEqual(0.65);
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
    expect(best1).toBeLessThan(0.75); // 0.55 with the simulator's old generator, 0.60 with `Rng`
    expect(byScore.filter((r) => r.testAccuracy! >= best1 + 0.15).length).toBeGreaterThanOrEqual(MOST);
    expect(mean(byScore.map((r) => r.testAccuracy!))).toBeGreaterThanOrEqual(best1 + 0.05);
  }, 60_000);
});
