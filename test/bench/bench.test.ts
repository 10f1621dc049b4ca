/**
 * Smoke test of the benchmark harness: every piece runs in-process at tiny sizes and yields rows
 * of the documented shape, with bound/measured ratios that are finite and at most ~1 (a bound
 * above the measured time would mean the bound is wrong). No speed goal is asserted.
 */
import { describe, expect, it } from "vitest";
import { benchCompile } from "../../bench/compile.js";
import { benchCost } from "../../bench/cost.js";
import { benchExecutor, executorBoundMs } from "../../bench/executor.js";
import { checkGoal, describeMachine, formatTable, median, type BenchReport, type BenchRow } from "../../bench/harness.js";
import { benchLlamaScoring } from "../../bench/llama-scoring.js";
import { benchOverhead } from "../../bench/overhead.js";
import { benchTraining, originalStepRequests, stepBoundRounds } from "../../bench/training.js";

function expectRowShape(r: BenchRow): void {
  expect(typeof r.id).toBe("string");
  expect(r.item).toBeGreaterThanOrEqual(1);
  expect(r.item).toBeLessThanOrEqual(8);
  expect(typeof r.name).toBe("string");
  expect(typeof r.unit).toBe("string");
  expect(r.measured === null || Number.isFinite(r.measured)).toBe(true);
  if (r.bound !== null) {
    expect(r.ratio).not.toBeNull();
    expect(Number.isFinite(r.ratio)).toBe(true);
    expect(r.ratio!).toBeGreaterThan(0);
    expect(r.ratio!).toBeLessThanOrEqual(1.2);
  }
  if (r.ratio !== null) expect(Number.isFinite(r.ratio) && r.ratio > 0).toBe(true);
  if (r.goal) expect(["ratio", "measured"]).toContain(r.goal.on);
  expect(r.pass === null || typeof r.pass === "boolean").toBe(true);
}

describe("the benchmark harness", () => {
  it("takes medians and checks goals", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(checkGoal({ on: "ratio", op: ">=", value: 0.9, text: "" }, 100, 0.95)).toBe(true);
    expect(checkGoal({ on: "measured", op: "<", value: 100, text: "" }, 120, null)).toBe(false);
    expect(checkGoal({ on: "measured", op: "==", value: 0, text: "" }, null, null)).toBeNull();
  });

  it("computes the executor bound from rounds of C requests and the depth", () => {
    expect(executorBoundMs(96, 2, 8, 50)).toBe(600); // 12 rounds
    expect(executorBoundMs(97, 2, 8, 50)).toBe(650); // a 13th, partial round
    expect(executorBoundMs(3, 5, 8, 50)).toBe(250); // few requests: the depth decides
  });

  it("counts the original implementation's DLN-2 step from its algorithm", () => {
    const c = originalStepRequests(10, 10, 10);
    expect(c.totalPrompts).toBe(2418);
    expect(c.totalRequests).toBe(125);
    expect(stepBoundRounds(10, 10, 10, 10, 8)).toEqual({ rounds: 8, stages: [1, 1, 1, 1, 4, 1, 3] }); // 1+1+1+1 + max(4, 1+3)
  });

  it("runs the in-process pieces at tiny sizes and reports rows of the documented shape", async () => {
    const rows: BenchRow[] = [
      ...(await benchExecutor({ samples: 6, latencyMs: 20, concurrency: 4, repeats: 1 })),
      ...(await benchTraining({ latencyMs: 10, concurrency: 4, repeats: 1, batchSize: 4, promptSamples: 3, hiddenSamples: 2 })),
      ...(await benchOverhead({ samples: 40, repeats: 1 })),
      ...(await benchCompile({ nodes: 40, repeats: 1 })),
      ...(await benchLlamaScoring({ candidates: 2, inputs: 2 })),
    ];
    for (const r of rows) expectRowShape(r);
    const ids = rows.map((r) => r.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "executor.chain",
        "executor.diamond",
        "executor.deep5",
        "executor.ensemble",
        "executor.transport",
        "train.requests.asked",
        "train.requests.sent",
        "train.requests.warm",
        "train.requests.original",
        "overhead.perCall",
        "compile.large",
        "llama.tokens",
      ]),
    );
    const warm = rows.find((r) => r.id === "train.requests.warm")!;
    expect(warm.measured).toBe(0); // a warm cache answers the same step without the server
    const llama = rows.find((r) => r.id === "llama.tokens")!;
    // Item 8 (issue 12): one request per layer call at most, nothing to legacy completions from api: "chat".
    const cost = await benchCost({ samples: 6, concurrency: 4 });
    for (const r of cost) expectRowShape(r);
    expect(cost.find((r) => r.id === "cost.run.two-layer.chat")!.measured).toBeLessThanOrEqual(2);
    expect(cost.find((r) => r.id === "cost.run.two-layer.chat.legacy")!.measured).toBe(0);
    expect(cost.find((r) => r.id === "cost.run.one-class.completions")!.measured).toBeLessThanOrEqual(1);
    if (llama.measured !== null) expect(llama.ratio!).toBeLessThan(1); // reuse evaluates fewer tokens

    const report: BenchReport = { version: 1, env: describeMachine(true), startedAt: new Date(0).toISOString(), durationMs: 1, rows };
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    const table = formatTable(report);
    for (const r of rows) expect(table).toContain(r.name);
    expect(table).toContain(`${report.env.cores} cores`);
    expect(table).toContain(report.env.node);
  }, 90_000);
});
