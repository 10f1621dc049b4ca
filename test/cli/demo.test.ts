import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";

function capture() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (d) => (text += d));
  return { stream, text: () => text };
}

describe("dln demo", () => {
  it("trains the 2-layer demo network offline and improves dev and test accuracy", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "dln-demo-"));
    const out = capture();
    const err = capture();
    const code = await runCli(["node", "dln", "demo", "--cache", "off", "--run-dir", "run"], { stdout: out.stream, stderr: err.stream, cwd, env: {} });
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
  });

  it("rejects a task whose labels the demo network cannot answer", async () => {
    const err = capture();
    const code = await runCli(["node", "dln", "demo", "--task", "animals"], { stderr: err.stream, stdout: capture().stream });
    expect(code).toBe(2);
    expect(err.text()).toMatch(/navigate/);
  });
});
