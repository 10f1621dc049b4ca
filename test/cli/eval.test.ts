import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.js";
import { buildReport, formatReport, parseFieldMappings, type EvalReport } from "../../src/cli/commands/eval.js";
import { compileNetwork } from "../../src/compile/index.js";
import { generateTask, TASKS } from "../../src/sim/tasks.js";
import { emptyUsage } from "../../src/llm/types.js";
import { capture } from "../helpers/capture.js";
import { key } from "../helpers/indexing.js";
import { SIM_ANIMALS_NETWORK } from "../helpers/sim-animals.js";

/** A working directory with the network, 40 simulated samples (+1 malformed line) and trained prompts. */
function workspace() {
  const dir = mkdtempSync(join(tmpdir(), "dln-eval-"));
  writeFileSync(join(dir, "net.json5"), SIM_ANIMALS_NETWORK);
  const lines = generateTask("animals", { seed: 1, n: 40 }).map((s) => JSON.stringify({ id: s.id, question: s.x, label: s.y }));
  lines.splice(3, 0, "{oops");
  writeFileSync(join(dir, "animals.jsonl"), `${lines.join("\n")}\n`);
  writeFileSync(join(dir, "best.json"), JSON.stringify({ y: key(TASKS, "animals").rules.join(" ") }));
  return dir;
}

async function evalCli(dir: string, args: string[]) {
  const out = capture();
  const err = capture();
  const code = await runCli(["node", "dln", "eval", "net.json5", ...args], { stdout: out.stream, stderr: err.stream, cwd: dir, env: {} });
  return { code, stdout: out.text(), stderr: err.text() };
}

const common = ["--data", "animals.jsonl", "--field", "x=question", "--target", "label", "--cache", "off"];

describe("dln eval (end to end with the sim provider)", () => {
  const dir = workspace();

  it("reports accuracy, per-class errors and usage as JSON; reports the malformed line", async () => {
    const r = await evalCli(dir, [...common, "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as EvalReport;
    expect(report).toMatchObject({ network: "sim-animals", split: "test", shots: 0, seed: 42, examples: 10, failed: 0, dataProblems: 1 });
    expect(report.accuracy).toBe(report.correct / report.examples);
    const totals = Object.values(report.perClass).reduce((n, c) => n + c.total, 0);
    expect(totals).toBe(10);
    expect(report.usage.requests).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/1 malformed record left out:\n\s+.*animals\.jsonl:4: not valid JSON/);
  });

  it("trained prompts beat the initial prompt on the same split; the text report has a table", async () => {
    const base = JSON.parse((await evalCli(dir, [...common, "--split", "dev", "--json"])).stdout) as EvalReport;
    const trained = await evalCli(dir, [...common, "--split", "dev", "--prompts", "best.json"]);
    expect(trained.code).toBe(0);
    const acc = Number(/accuracy: ([\d.]+)%/.exec(trained.stdout)![1]) / 100;
    expect(acc).toBeGreaterThan(base.accuracy);
    expect(trained.stdout).toMatch(/on the dev split \(10 examples, 0-shot, prompts from best\.json, seed 42\)/);
    expect(trained.stdout).toMatch(/gold\s+total\s+wrong\s+acc\s+wrong answers/);
    expect(trained.stdout).toMatch(/usage: \d+ requests/);
  });

  it("runs a k-shot baseline and honours --limit and --seed", async () => {
    const r = await evalCli(dir, [...common, "--shots", "3", "--limit", "4", "--seed", "7", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as EvalReport;
    expect(report).toMatchObject({ shots: 3, examples: 4, seed: 7 });
  });

  it("reads a paper task with --data paper:<task>:<dir>, the dir relative to the working directory", async () => {
    const fixtures = join(import.meta.dirname, "../fixtures/data");
    const out = capture();
    const code = await runCli(["node", "dln", "eval", join(dir, "net.json5"), "--data", "paper:mpqa:paper", "--split", "dev", "--cache", "off", "--json"], {
      stdout: out.stream,
      stderr: capture().stream,
      cwd: fixtures,
      env: {},
    });
    expect(code).toBe(0);
    const report = JSON.parse(out.text()) as EvalReport;
    expect(report.examples).toBe(2);
    expect(Object.keys(report.perClass).sort()).toEqual(["negative", "positive"]);
    expect(report.dataProblems).toBe(1);
  });

  it("exits 2 on usage errors", async () => {
    expect((await evalCli(dir, ["--cache", "off"])).code).toBe(2);
    const missing = await evalCli(dir, ["--data", "nope.jsonl"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.jsonl: error E_DATA_NOT_FOUND: no such file/);
    const unmapped = await evalCli(dir, ["--data", "animals.jsonl", "--cache", "off"]);
    expect(unmapped.code).toBe(2);
    // `question` is mapped to the single input automatically; the gold field is not guessed
    expect(unmapped.stderr).toMatch(
      /no gold-answer field \("y" or "target"\); the file's fields are "id", "question", "label": name one with --target <field>/,
    );
    expect((await evalCli(dir, [...common, "--shots", "-1"])).code).toBe(2);
    expect((await evalCli(dir, [...common, "--split", "train"])).code).toBe(2);
    expect((await evalCli(dir, [...common, "--field", "nonsense"])).code).toBe(2);
  });
});

describe("eval report", () => {
  const compiled = compileNetwork(SIM_ANIMALS_NETWORK, { file: "net.json5" });
  if (!compiled.ok) throw new Error("fixture network does not compile");
  const examples = ["mammal", "mammal", "bird", "fish"].map((target, i) => ({ id: `e${i}`, inputs: { x: `q${i}` }, target }));

  it("pairs results by index, counts failures as wrong and lists them", () => {
    const report = buildReport({
      network: compiled.network,
      examples,
      results: [
        { index: 1, output: "bird", values: {} },
        { index: 0, output: "Mammal.", values: {} },
        { index: 2, values: {}, error: { node: "y", code: "E_MODEL", message: "server said no" } },
        { index: 3, output: "fish", values: {} },
      ],
      split: "test",
      shots: 0,
      seed: 1,
      usage: { ...emptyUsage(), requests: 3, promptTokens: 30, completionTokens: 3 },
      dataProblems: 0,
      wallMs: 12,
    });
    expect(report).toMatchObject({ examples: 4, correct: 2, accuracy: 0.5, failed: 1 });
    expect(report.perClass).toEqual({
      mammal: { total: 2, wrong: 1, confusions: { bird: 1 } },
      bird: { total: 1, wrong: 1, confusions: { "(no answer)": 1 } },
      fish: { total: 1, wrong: 0, confusions: {} },
    });
    expect(report.failures).toEqual([{ id: "e2", code: "E_MODEL", node: "y", message: "server said no" }]);
    const text = formatReport(report);
    expect(text).toMatch(/accuracy: 50\.0% \(2\/4\), 1 failed samples counted as wrong/);
    expect(text).toMatch(/mammal\s+2\s+1\s+50\.0%\s+bird ×1/);
    expect(text).toMatch(/usage: 3 requests \(0 cached\), 33 tokens \(30 prompt \+ 3 completion\)/);
    expect(text).toMatch(/e2: E_MODEL at y: server said no/);
  });

  it("parses --field mappings", () => {
    expect(parseFieldMappings([])).toBeUndefined();
    expect(parseFieldMappings(["x=question", "ctx=context"])).toEqual({ x: "question", ctx: "context" });
    expect(() => parseFieldMappings(["x"])).toThrow(/expected input=field/);
    expect(() => parseFieldMappings(["x=a", "x=b"])).toThrow(/twice/);
  });
});
