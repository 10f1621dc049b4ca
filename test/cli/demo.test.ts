import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { learningCurve } from "../../src/cli/commands/demo.js";
import type { CliContext } from "../../src/cli/context.js";
import { capture } from "../helpers/capture.js";

describe("dln demo", () => {
  it("trains the 2-layer demo network offline on the hard world and shows dev accuracy rise over the iterations", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "dln-demo-"));
    const out = capture();
    const err = capture();
    // Fewer iterations than the demo's 8, to keep the test short; the hard world still needs more than one.
    const code = await runCli(["node", "dln", "demo", "--cache", "off", "--run-dir", "run", "--iterations", "4"], {
      stdout: out.stream,
      stderr: err.stream,
      cwd,
      env: {},
    });
    expect(err.text()).toBe("");
    expect(code).toBe(0);
    const text = out.text();
    expect(text).toContain("SIMULATOR, not a language model");
    expect(text).toContain("OPENAI_API_KEY");
    const result = JSON.parse(readFileSync(join(cwd, "run", "result.json"), "utf8"));
    expect(result.devAccuracy).toBeGreaterThan(result.initialDevAccuracy + 0.2);
    expect(result.testAccuracy).toBeGreaterThan(0.8);
    expect(result.bestPrompts.h1).not.toBe("Read the question.");
    expect(text).toMatch(/dev \d+\.\d% → \d+\.\d%/);
    expect(existsSync(join(cwd, "run", "data", "train.jsonl"))).toBe(true);
    // The world is the hard one: learning is not done after one iteration, and a person sees the curve.
    expect(readFileSync(join(cwd, "run", "network.json5"), "utf8")).toContain("tasks-hard");
    expect(result.history[0].devAccuracy).toBeLessThan(result.devAccuracy);
    expect(text).toContain("learning curve");
    for (let i = 1; i <= 4; i++) expect(text).toMatch(new RegExp(`iter ${i} +\\d+%`));
    expect(text).toMatch(/dev accuracy rose from \d+% to \d+%/);
    expect(text).toMatch(/h1: "Read the question\." → "/);
  }, 180_000);

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
