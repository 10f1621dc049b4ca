import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { generateTask } from "../../src/sim/tasks.js";
import { capture } from "../helpers/capture.js";

const dir = mkdtempSync(join(tmpdir(), "dln-cli-train-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const network = `{
  name: "cli-dln-1",
  models: { sim: { provider: "sim", model: "tasks" } },
  inputs: ["x"],
  nodes: { y: { type: "layer", from: ["x"], template: "classify", prompt: "Answer the question.", classes: ["mammal", "bird", "fish", "reptile"] } },
  output: "y",
  loss: { type: "exact_match", normalize: "first_word" },
  train: { iterations: 2, batchSize: 6, promptSamples: 3, valEvery: 1 },
}`;
writeFileSync(join(dir, "net.json5"), network);
writeFileSync(
  join(dir, "data.jsonl"),
  generateTask("animals", { seed: 5, n: 40 })
    .map((s) => JSON.stringify(s))
    .join("\n") + "\n",
);

async function dln(...args: string[]) {
  const out = capture();
  const err = capture();
  const code = await runCli(["node", "dln", "train", ...args], { stdout: out.stream, stderr: err.stream, cwd: dir, env: {} });
  return { code, out: out.text(), err: err.text() };
}

describe("dln train", () => {
  it("trains, prints one line per iteration and the best prompts, and writes the run directory", async () => {
    const r = await dln("net.json5", "--data", "data.jsonl", "--run-dir", "run1", "--cache", "off", "--seed", "3");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/iter\s+1\/2/);
    expect(r.out).toMatch(/iter\s+2\/2/);
    expect(r.out).toContain("best prompts");
    const result = JSON.parse(readFileSync(join(dir, "run1", "result.json"), "utf8"));
    expect(result.config.iterations).toBe(2);
    expect(result.seed).toBe(3);
    expect(existsSync(join(dir, "run1", "events.jsonl"))).toBe(true);
  }, 60_000);

  it("--json prints one JSON event per line; flags override the network's train section", async () => {
    const r = await dln(
      "net.json5",
      "--data",
      "data.jsonl",
      "--run-dir",
      "run2",
      "--cache",
      "off",
      "--json",
      "--iterations",
      "1",
      "--prompt-samples",
      "2",
      "--no-held-out",
    );
    expect(r.code).toBe(0);
    const events = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events[0].type).toBe("start");
    expect(events[0].config.iterations).toBe(1);
    expect(events[0].config.promptSamples).toBe(2);
    expect(events[0].config.heldOut).toBe(false);
    expect(events.at(-1).type).toBe("done");
  }, 60_000);

  it("resumes a finished run without training again", async () => {
    const r = await dln("net.json5", "--data", "data.jsonl", "--resume", "run1", "--cache", "off", "--json");
    expect(r.code).toBe(0);
    const events = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events[0].resumedFrom).toBe(2);
    expect(events.some((e) => e.type === "candidates")).toBe(false);
  }, 60_000);

  it("exits 2 on usage errors", async () => {
    expect((await dln("net.json5")).code).toBe(2);
    expect((await dln("net.json5", "--data", "data.jsonl", "--iterations", "x")).code).toBe(2);
    const missing = await dln("net.json5", "--data", "data.jsonl", "--resume", "nope");
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/checkpoint/);
  });

  it("refuses --budget-cost before spending anything when a model in use has no price (issue 15)", async () => {
    writeFileSync(
      join(dir, "priced.json5"),
      network
        .replace(
          'models: { sim: { provider: "sim", model: "tasks" } }',
          'models: { sim: { provider: "sim", model: "tasks" }, remote: { provider: "openai", model: "my-own-model", baseURL: "http://127.0.0.1:9/v1" } }',
        )
        .replace('prompt: "Answer the question.",', 'prompt: "Answer the question.", model: "remote",'),
    );
    const r = await dln("priced.json5", "--data", "data.jsonl", "--run-dir", "run-priced", "--cache", "off", "--budget-cost", "0.5");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--budget-cost needs a price.*remote \(my-own-model\).*price: \{ prompt/s);
    expect(existsSync(join(dir, "run-priced"))).toBe(false);
  });
});
