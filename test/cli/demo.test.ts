import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { learningCurve } from "../../src/cli/commands/demo.js";
import type { CliContext } from "../../src/cli/context.js";
import { capture } from "../helpers/capture.js";

describe("dln demo", () => {
  /** `dln demo --seed <seed>` in a fresh directory: the exit code, what it printed, and its result.json. */
  async function demo(seed: number) {
    const cwd = mkdtempSync(join(tmpdir(), "dln-demo-"));
    const out = capture();
    const err = capture();
    // Fewer iterations than the demo's 8, to keep the test short; the hard world still needs more than one.
    const code = await runCli(["node", "dln", "demo", "--cache", "off", "--run-dir", "run", "--iterations", "4", "--seed", String(seed)], {
      stdout: out.stream,
      stderr: err.stream,
      cwd,
      env: {},
    });
    const result = code === 0 ? JSON.parse(readFileSync(join(cwd, "run", "result.json"), "utf8")) : undefined;
    return { cwd, code, text: out.text(), err: err.text(), result };
  }

  // Learning is asserted over three seeds (each seeds the data and the training), never on one:
  // one run's dev set is 50 examples, and whether a 4-iteration run on the hard world lands a
  // two-rule prompt is a matter of the draws. Measured on seeds 1–10 (`dln demo --iterations 4
  // --seed s`, on 2026-11-29): dev gain > 0.2 with test ≥ 0.8 on 10/10
  // seeds with the simulator's old generator and 9/10 with `Rng` (one seed there found nothing: 0.42 → 0.42);
  // mean dev gain 0.39 / 0.34, mean test 0.90 / 0.86. With a per-seed failure rate of ~0.05, "at
  // least 2 of 3" fails with probability < 0.01, and all three checks below hold on all 120
  // 3-subsets of the 10 measured seeds, with either generator. Iteration 1 already reached the
  // final dev accuracy on 3/10 (old generator) and 6/10 seeds, so "the curve still rises after iteration 1"
  // is not asserted per run.
  it("trains the 2-layer demo network offline on the hard world and shows dev accuracy rise over the iterations", async () => {
    const runs = [await demo(1), await demo(2), await demo(3)];
    for (const run of runs) {
      expect(run.err).toBe("");
      expect(run.code).toBe(0);
    }
    const { text, cwd, result } = runs[0]!;
    expect(text).toContain("SIMULATOR, not a language model");
    expect(text).toContain("OPENAI_API_KEY");
    expect(text).toMatch(/dev \d+\.\d% → \d+\.\d%/);
    expect(existsSync(join(cwd, "run", "data", "train.jsonl"))).toBe(true);
    // The world is the hard one, and a person sees the curve, whichever way it went.
    expect(readFileSync(join(cwd, "run", "network.json5"), "utf8")).toContain("tasks-hard");
    expect(text).toContain("learning curve");
    for (let i = 1; i <= 4; i++) expect(text).toMatch(new RegExp(`iter ${i} +\\d+%`));
    if (result.devAccuracy > result.initialDevAccuracy) {
      expect(text).toMatch(/dev accuracy rose from \d+% to \d+%/);
      expect(text).toMatch(/h1: "Read the question\." → "/);
    } else {
      expect(text).toMatch(/dev accuracy did not rise/);
    }
    // Learning, over the seeds: most learn clearly, and on average they learn a lot.
    const results = runs.map((r) => r.result);
    const learned = results.filter((r) => r.devAccuracy > r.initialDevAccuracy + 0.2 && r.testAccuracy >= 0.8 && r.bestPrompts.h1 !== "Read the question.");
    expect(learned.length, JSON.stringify(results.map((r) => [r.initialDevAccuracy, r.devAccuracy, r.testAccuracy]))).toBeGreaterThanOrEqual(2);
    const mean = (f: (r: (typeof results)[number]) => number) => results.reduce((s, r) => s + f(r), 0) / results.length;
    expect(mean((r) => r.devAccuracy - r.initialDevAccuracy)).toBeGreaterThanOrEqual(0.15);
    expect(mean((r) => r.testAccuracy)).toBeGreaterThanOrEqual(0.7);
  }, 300_000);

  it("draws the learning curve from result.json, and says so plainly when accuracy did not rise", () => {
    const ctx = { stdout: capture().stream, stderr: capture().stream, cwd: ".", env: { NO_COLOR: "1" }, exitCode: 0 } as unknown as CliContext;
    const rose = learningCurve(
      {
        initialDevAccuracy: 0.5,
        devAccuracy: 0.9,
        testAccuracy: 0.88,
        bestIteration: 2,
        history: [
          { iteration: 1, devAccuracy: 0.5 },
          { iteration: 2, devAccuracy: 0.9 },
          { iteration: 3, devAccuracy: 0.6 },
        ],
        initialPrompts: { h1: "Read the question.", y: "Answer." },
        bestPrompts: { h1: "Count the moves.", y: "Answer." },
      },
      ctx,
      "stdout",
    );
    const lines = rose.split("\n");
    expect(lines.find((l) => l.trimStart().startsWith("before"))).toMatch(/before +50% +█{20}$/);
    expect(lines.find((l) => l.includes("iter 2"))).toMatch(/iter 2 +90% +█{36} {2}↑ new best$/);
    expect(lines.find((l) => l.includes("iter 3"))).toMatch(/iter 3 +60% +█{24}$/);
    expect(rose).toContain("dev accuracy rose from 50% to 90% (best prompts from iteration 2); held-out test accuracy 88%.");
    expect(rose).toContain('h1: "Read the question." → "Count the moves."');
    expect(rose).not.toContain("y: ");
    const flat = learningCurve({ initialDevAccuracy: 0.5, devAccuracy: 0.5, history: [{ iteration: 1, devAccuracy: 0.4 }] }, ctx, "stdout");
    expect(flat).toContain("dev accuracy did not rise above 50%");
    expect(learningCurve({ history: [] }, ctx, "stdout")).toBe("");
  });

  it("rejects a task whose labels the demo network cannot answer", async () => {
    const err = capture();
    const code = await runCli(["node", "dln", "demo", "--task", "animals"], { stderr: err.stream, stdout: capture().stream });
    expect(code).toBe(2);
    expect(err.text()).toMatch(/navigate/);
  });
});
