import { describe, expect, it } from "vitest";
import { lastValueFrom, toArray } from "rxjs";
import { TASKS } from "../../src/sim/tasks.js";
import { dln1, dln2, runTraining, splits } from "./helpers.js";
import { key } from "../helpers/indexing.js";

const SMALL = { iterations: 4, batchSize: 8, promptSamples: 4, valEvery: 1, seed: 7 };

describe("training on the sim world", () => {
  it("DLN-1 raises dev accuracy by a clear margin", async () => {
    const data = splits("animals", { train: 40, dev: 30, test: 30 });
    const run = runTraining(dln1(key(TASKS, "animals").labels), data, SMALL);
    const events = lastValueFrom(run.events$.pipe(toArray()));
    const r = await run.result;
    expect(r.devAccuracy! - r.initialDevAccuracy!).toBeGreaterThanOrEqual(0.3);
    expect(r.testAccuracy!).toBeGreaterThan(r.initialDevAccuracy! + 0.2);
    expect(r.bestPrompts.y).not.toBe("Answer the question.");
    const all = await events;
    expect(all.filter((e) => e.type === "candidates").length).toBe(4);
    expect(all.at(-1)!.type).toBe("done");
  }, 60_000);

  it("DLN-2 raises dev accuracy by a clear margin", async () => {
    const data = splits("navigate", { train: 40, dev: 30, test: 30 });
    const r = await runTraining(dln2(key(TASKS, "navigate").labels), data, { ...SMALL, hiddenSamples: 3 }).result;
    expect(r.config.preset).toBe("dln-2");
    expect(r.devAccuracy! - r.initialDevAccuracy!).toBeGreaterThanOrEqual(0.3);
    expect(Object.keys(r.bestPrompts).sort()).toEqual(["h1", "y"]);
  }, 60_000);
});
