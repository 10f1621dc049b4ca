import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateTask, loadNetwork, loadSplits, TASKS, type Example } from "../../src/index.js";
import { runCli } from "../../src/cli/main.js";
import { capture } from "../helpers/capture.js";
import { key } from "../helpers/indexing.js";
import { SIM_ANIMALS_NETWORK } from "../helpers/sim-animals.js";

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), "dln-graph-eval-"));
  writeFileSync(join(dir, "net.json5"), SIM_ANIMALS_NETWORK);
  const lines = generateTask("animals", { seed: 3, n: 48 }).map((s) => JSON.stringify({ id: s.id, question: s.x, label: s.y }));
  writeFileSync(join(dir, "animals.jsonl"), `${lines.join("\n")}\n`);
  writeFileSync(join(dir, "best.json"), JSON.stringify({ y: key(TASKS, "animals").rules.join(" ") }));
  return dir;
}

async function evalCli(dir: string, args: string[]): Promise<Record<string, unknown>> {
  const out = capture();
  const err = capture();
  const code = await runCli(
    ["node", "dln", "eval", "net.json5", "--data", "animals.jsonl", "--field", "x=question", "--target", "label", "--cache", "off", "--json", ...args],
    {
      stdout: out.stream,
      stderr: err.stream,
      cwd: dir,
      env: {},
    },
  );
  expect(code, err.text()).toBe(0);
  return JSON.parse(out.text()) as Record<string, unknown>;
}

describe("graph.evaluate", () => {
  const dir = workspace();
  const splitsOf = () => loadSplits({ data: join(dir, "animals.jsonl"), inputs: ["x"], fields: { x: "question" }, target: "label", seed: 42 });

  it("returns what `dln eval` reports on the same data: accuracy, per class, failures, usage", async () => {
    const cli = await evalCli(dir, []);
    const graph = await loadNetwork(join(dir, "net.json5"), { cache: { mode: "off" } });
    const { test } = await splitsOf();
    const evaluation = await graph.evaluate(test);
    await graph.close();
    expect(evaluation.examples).toBe(test.length);
    expect(evaluation.results.map((r) => r.index)).toEqual(test.map((_, i) => i));
    const { examples, correct, accuracy, failed, perClass, failures, usage } = evaluation;
    expect({ examples, correct, accuracy, failed, perClass, failures, usage }).toEqual({
      examples: cli.examples,
      correct: cli.correct,
      accuracy: cli.accuracy,
      failed: cli.failed,
      perClass: cli.perClass,
      failures: cli.failures,
      usage: cli.usage,
    });
    expect(usage.requests).toBe(test.length);
  });

  it("scores trained prompts and a k-shot baseline as `dln eval --prompts` and `--shots` do", async () => {
    const prompts = { y: key(TASKS, "animals").rules.join(" ") };
    const cliTrained = await evalCli(dir, ["--prompts", "best.json"]);
    const cliShots = await evalCli(dir, ["--shots", "3"]);
    const graph = await loadNetwork(join(dir, "net.json5"), { cache: { mode: "off" } });
    const { train, test } = await splitsOf();
    const trained = await graph.evaluate(test, { prompts });
    const shots = await graph.evaluate(test, { shots: { k: 3, examples: train, seed: 42 } });
    await graph.close();
    expect(trained.accuracy).toBe(cliTrained.accuracy);
    expect(trained.accuracy).toBeGreaterThan(0.9);
    expect(shots.shots).toBe(3);
    expect({ accuracy: shots.accuracy, perClass: shots.perClass }).toEqual({ accuracy: cliShots.accuracy, perClass: cliShots.perClass });
  });

  it("counts a failed sample as wrong and lists it", async () => {
    const graph = await loadNetwork(join(dir, "net.json5"), { cache: { mode: "off" } });
    const examples: Example[] = [
      { id: "a", inputs: { x: "Is a dog a mammal, bird, fish or reptile?" }, target: "mammal" },
      { id: "b", inputs: {}, target: "bird" },
    ];
    const evaluation = await graph.evaluate(examples);
    await graph.close();
    expect(evaluation).toMatchObject({ examples: 2, failed: 1, failures: [{ id: "b" }] });
    expect(evaluation.correct).toBeLessThanOrEqual(1);
    expect(evaluation.perClass.bird).toMatchObject({ total: 1, wrong: 1 });
  });
});
