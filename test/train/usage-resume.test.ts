/**
 * Issue 12, "requests of an iteration that was killed added on resume": a run aborted mid-iteration
 * after some requests were answered, then resumed, reports in result.json what the sim provider
 * really answered over both processes, and a budget on resume counts the killed iteration's spending.
 * The sim provider is wrapped to add up the usage it answers (cache off: every request reaches it).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { addUsage, emptyUsage, type ModelClient, type Usage } from "../../src/llm/types.js";
import { TASKS } from "../../src/sim/tasks.js";
import { subtractUsage } from "../../src/train/budget.js";
import { CHECKPOINT_FILE, readUsageLog, USAGE_FILE } from "../../src/train/checkpoint.js";
import { dln1, runTraining, splits } from "./helpers.js";
import { key } from "../helpers/indexing.js";

const answered: Usage = emptyUsage();

vi.mock("../../src/llm/providers/sim.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/llm/providers/sim.js")>();
  const count = <T extends { usage: Usage }>(result: T): T => (addUsage(answered, result.usage), result);
  return {
    ...original,
    createSimProvider: async (...args: Parameters<typeof original.createSimProvider>) => {
      const client: ModelClient = await original.createSimProvider(...args);
      return {
        ...client,
        capabilities: () => client.capabilities(),
        generate: async (r: Parameters<ModelClient["generate"]>[0]) => count(await client.generate(r)),
        score: async (r: Parameters<ModelClient["score"]>[0]) => count(await client.score(r)),
        generateBatch:
          client.generateBatch && (async (rs: Parameters<NonNullable<ModelClient["generateBatch"]>>[0]) => (await client.generateBatch!(rs)).map(count)),
        scoreBatch: client.scoreBatch && (async (rs: Parameters<NonNullable<ModelClient["scoreBatch"]>>[0]) => (await client.scoreBatch!(rs)).map(count)),
      } as ModelClient;
    },
  };
});

const tmp = mkdtempSync(join(tmpdir(), "dln-usage-resume-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TINY = { iterations: 3, batchSize: 6, promptSamples: 3, valEvery: 1, seed: 11, memory: 2, patience: 1 };
const data = splits("animals", { train: 24, dev: 12, test: 12 });
const labels = key(TASKS, "animals").labels;
const reset = () => Object.assign(answered, emptyUsage());

/** A run aborted in iteration 2, after its forward pass (requests answered) and before its checkpoint. */
async function killedRun(d: string): Promise<void> {
  const abort = new AbortController();
  const killed = runTraining(dln1(labels), data, TINY, { runDir: d, signal: abort.signal });
  killed.events$.subscribe({ next: (e) => e.type === "batch" && e.iteration === 2 && abort.abort(new Error("killed")), error: () => undefined });
  await expect(killed.result).rejects.toThrow("killed");
}

describe("exact usage across a kill (issue 12)", () => {
  it("result.json's usage is what the provider answered in both processes, the killed iteration included", async () => {
    reset();
    const d = join(tmp, "exact");
    await killedRun(d);
    const atKill = { ...answered };
    const checkpointed = JSON.parse(readFileSync(join(d, CHECKPOINT_FILE), "utf8")).usage as Usage;
    expect(checkpointed.requests).toBeLessThan(atKill.requests); // the killed iteration spent something
    expect(readUsageLog(d)).toEqual(atKill);

    const result = await runTraining(dln1(labels), data, TINY, { runDir: d, resume: true }).result;
    expect(result.iterations).toBe(3);
    const reported = addUsage({ ...result.usage.train }, result.usage.test);
    expect(reported).toEqual(answered);
    expect(JSON.parse(readFileSync(join(d, "result.json"), "utf8")).usage.train).toEqual(result.usage.train);
    // The log was compacted when the resume opened it, and holds training usage only (not the test).
    expect(readUsageLog(d)).toEqual(result.usage.train);
    expect(readFileSync(join(d, USAGE_FILE), "utf8").trim().split("\n").length).toBeGreaterThan(1);
  }, 60_000);

  it("a request budget on resume counts the killed iteration's requests", async () => {
    reset();
    const d = join(tmp, "budget");
    await killedRun(d);
    const cap = answered.requests + 5;
    const result = await runTraining(dln1(labels), data, { ...TINY, budget: { requests: cap } }, { runDir: d, resume: true }).result;
    expect(result.stopReason).toBe("budget");
    expect(result.usage.train.requests).toBeLessThanOrEqual(cap);
    expect(answered.requests - result.usage.test.requests).toBeLessThanOrEqual(cap);
    expect(result.usage.train.requests).toBe(answered.requests - result.usage.test.requests);
  }, 60_000);

  it("a usage log behind the checkpoint (restored from elsewhere) is not used: the checkpoint's usage is", async () => {
    reset();
    const d = join(tmp, "stale");
    await runTraining(dln1(labels), data, { ...TINY, iterations: 1 }, { runDir: d }).result;
    const checkpointed = JSON.parse(readFileSync(join(d, CHECKPOINT_FILE), "utf8")).usage as Usage;
    writeFileSync(join(d, USAGE_FILE), JSON.stringify({ ...emptyUsage(), requests: 1 }) + "\n");
    reset();
    const result = await runTraining(dln1(labels), data, { ...TINY, iterations: 2 }, { runDir: d, resume: true }).result;
    const spentHere = subtractUsage(answered, result.usage.test); // by the resumed run's training
    expect(result.usage.train).toEqual(addUsage({ ...checkpointed }, spentHere));
  }, 60_000);
});
