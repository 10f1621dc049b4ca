/** `dln run` in-process through runCli, with temp files and the sim provider. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { runCli } from "../../src/cli/main.js";
import { formatDuration, formatCount, formatProgressLine, createProgressBar } from "../../src/cli/progress.js";
import type { CliContext } from "../../src/cli/context.js";

function capture(isTTY = false) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 100 });
  let text = "";
  stream.on("data", (d) => (text += d));
  return { stream, text: () => text };
}

let dir: string;
const NETWORK = `{
  name: "t",
  models: { m: { provider: "sim", model: "tasks" } },
  inputs: ["x"],
  nodes: {
    h1: { type: "layer", from: ["x"], template: "think", prompt: "Think." },
    y: { type: "layer", from: ["x", "h1"], template: "residual", prompt: "Answer yes or no.", classes: ["yes", "no"] },
  },
  output: "y",
}`;

async function dln(args: string[], stdin = "") {
  const out = capture();
  const err = capture();
  const code = await runCli(["node", "dln", "run", ...args], { stdout: out.stream, stderr: err.stream, stdin: Readable.from([stdin]), cwd: dir, env: {} });
  return { code, out: out.text(), err: err.text() };
}

const lines = (text: string) =>
  text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dln-run-"));
  await writeFile(join(dir, "net.json5"), NETWORK);
  await writeFile(join(dir, "bad.json5"), NETWORK.replace('from: ["x", "h1"]', 'from: ["x", "h2"]'));
  const samples = Array.from({ length: 40 }, (_, i) => JSON.stringify({ x: `Is ${i} even?`, id: `q${i}`, gold: i % 2 ? "no" : "yes" }));
  await writeFile(join(dir, "in.jsonl"), `${samples.join("\n")}\n`);
  await writeFile(join(dir, "mixed.jsonl"), `{"x":"Is 1 odd?"}\nnot json\n\n{"z":1,"id":"noinput"}\n[1,2]\n{"x":"Is 2 odd?"}\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("dln run", () => {
  it("runs a file to a file in input order, passing extra fields through, exit 0", async () => {
    const { code, err } = await dln(["net.json5", "--input", "in.jsonl", "--output", "out.jsonl", "--cache", "off", "--concurrency", "7"]);
    expect(code).toBe(0);
    const results = lines(await readFile(join(dir, "out.jsonl"), "utf8"));
    expect(results.map((r) => r.index)).toEqual([...Array(40).keys()]);
    expect(results[3]).toMatchObject({ index: 3, line: 4, id: "q3", gold: "no" });
    expect(["yes", "no"]).toContain(results[3].output);
    expect(err).toMatch(/40 ok, 0 failed of 40 samples/);
  });

  it("reads stdin and writes stdout; --unordered gives the same set of results", async () => {
    const input = await readFile(join(dir, "in.jsonl"), "utf8");
    const ordered = await dln(["net.json5", "--cache", "off"], input);
    const unordered = await dln(["net.json5", "--cache", "off", "--unordered"], input);
    expect(ordered.code).toBe(0);
    const a = lines(ordered.out);
    const b = lines(unordered.out).sort((x, y) => x.index - y.index);
    expect(b).toEqual(a);
  });

  it("reports bad lines with their line numbers as error results, goes on, and exits 1", async () => {
    const { code, out, err } = await dln(["net.json5", "-i", "mixed.jsonl", "--cache", "off"]);
    expect(code).toBe(1);
    const results = lines(out);
    expect(results.map((r) => r.line)).toEqual([1, 2, 4, 5, 6]);
    expect(results[0].output).toBeDefined();
    expect(results[1].error).toMatchObject({ code: "E_INVALID_JSON" });
    expect(results[1].error.message).toMatch(/^line 2: not valid JSON/);
    expect(results[2]).toMatchObject({ id: "noinput", error: { code: "E_MISSING_INPUT", message: "line 4: missing input field x" } });
    expect(results[3].error.code).toBe("E_INVALID_SAMPLE");
    expect(results[4].output).toBeDefined();
    expect(err).toMatch(/2 ok, 3 failed of 5 samples/);
    expect(err).toMatch(/line 2: E_INVALID_JSON/);
    expect(err).toMatch(/line 4 \(id noinput\): E_MISSING_INPUT/);
  });

  it("--json prints the summary as one JSON object on stderr; --trace adds values and traces", async () => {
    const { code, out, err } = await dln(["net.json5", "--cache", "off", "--json", "--trace"], '{"x":"Is 3 odd?"}\n');
    expect(code).toBe(0);
    const summary = JSON.parse(err.trim());
    expect(summary).toMatchObject({ samples: 1, ok: 1, failed: 0, failures: [] });
    expect(summary.usage.requests).toBeGreaterThan(0);
    const [r] = lines(out);
    expect(Object.keys(r.values)).toEqual(["h1", "y"]);
    expect(r.trace.map((t: { node: string }) => t.node)).toEqual(["h1", "y"]);
    expect(r.trace[1].classProbs).toBeDefined();
  });

  it("applies --prompts from a file or a training run directory (result.json bestPrompts)", async () => {
    await writeFile(join(dir, "best.json"), JSON.stringify({ h1: "Reason in detail." }));
    await mkdir(join(dir, "run1"), { recursive: true });
    await writeFile(join(dir, "run1", "result.json"), JSON.stringify({ bestPrompts: { h1: "Reason in detail." }, dev: 0.5 }));
    const input = '{"x":"Is 3 odd?"}\n';
    for (const prompts of ["best.json", "run1"]) {
      const { code, out } = await dln(["net.json5", "--cache", "off", "--trace", "--prompts", prompts], input);
      expect(code).toBe(0);
      expect(lines(out)[0].trace[0].rendered).toContain("Reason in detail.");
    }
    await writeFile(join(dir, "typo.json"), JSON.stringify({ h9: "x" }));
    const { err } = await dln(["net.json5", "--cache", "off", "--prompts", "typo.json"], input);
    expect(err).toMatch(/--prompts names no layer h9/);
  });

  it("exits 2 on usage errors: invalid network with diagnostics, missing files, bad flags", async () => {
    const invalid = await dln(["bad.json5", "--cache", "off"]);
    expect(invalid.code).toBe(2);
    expect(invalid.err).toMatch(/bad\.json5:\d+:\d+: error E_/);
    expect((await dln(["nope.json5"])).code).toBe(2);
    const noInput = await dln(["net.json5", "-i", "missing.jsonl"]);
    expect(noInput.code).toBe(2);
    expect(noInput.err).toMatch(/no such input file: missing.jsonl/);
    expect((await dln(["net.json5", "--concurrency", "0"])).code).toBe(2);
    expect((await dln(["net.json5", "--cache", "sometimes"])).code).toBe(2);
    expect((await dln(["net.json5", "--model", "nomodel=sim:tasks"])).err).toMatch(/no model "nomodel"/);
    expect((await dln(["net.json5", "--model", "m=magic:x"])).code).toBe(2);
    expect((await dln(["net.json5", "--prompts", "nothere.json"])).code).toBe(2);
  });

  it("accepts --model overrides", async () => {
    const { code, out } = await dln(["net.json5", "--cache", "off", "--model", "m=sim:tasks"], '{"x":"Is 3 odd?"}\n');
    expect(code).toBe(0);
    expect(lines(out)).toHaveLength(1);
  });
});

describe("progress bar", () => {
  it("formats rate, ETA, tokens and errors", () => {
    expect(formatProgressLine("run", { done: 50, total: 100, failed: 2, tokens: 12_345 }, 10)).toBe(
      "run  ████████████░░░░░░░░░░░░  50/100  5.0/s  ETA 10s  12k tokens  2 errors",
    );
    expect(formatProgressLine("run", { done: 5 }, 0)).toBe("run  5  0.0/s");
    expect(formatDuration(185)).toBe("3m05s");
    expect(formatDuration(7320)).toBe("2h02m");
    expect(formatCount(1500)).toBe("1.5k");
    expect(formatCount(2_500_000)).toBe("2.5M");
  });

  it("draws only on a terminal, throttled, without colour under NO_COLOR", () => {
    const ctxFor = (isTTY: boolean, env: NodeJS.ProcessEnv) => {
      const err = capture(isTTY);
      const ctx = { stderr: err.stream, env } as unknown as CliContext;
      return { ctx, text: err.text };
    };
    const quiet = ctxFor(false, {});
    const bar = createProgressBar(quiet.ctx, { label: "run" });
    bar.update({ done: 1 });
    bar.stop();
    expect(quiet.text()).toBe("");

    let t = 0;
    const tty = ctxFor(true, { NO_COLOR: "1" });
    const live = createProgressBar(tty.ctx, { label: "run", intervalMs: 100, now: () => t });
    live.update({ done: 1, total: 4 });
    t = 50;
    live.update({ done: 2, total: 4 });
    t = 200;
    live.update({ done: 3, total: 4 });
    live.stop();
    const frames = tty.text().split("\r").filter(Boolean);
    expect(frames).toHaveLength(3);
    expect(tty.text()).not.toMatch(/\x1b\[3\dm/);
    expect(frames[2]).toContain("3/4");
  });
});
