/**
 * Issue 14, the command line's part (items 4, 6, 7, 8, 10, and 9 end to end): `--resume <dir>`
 * alone, refused differences, Ctrl-C's resume line, numeric ranges before any request, and
 * configuration errors reported once with exit 2 instead of a number or a row per sample.
 * Sim models, or the loopback fake server; no internet.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { generateTask } from "../../src/sim/tasks.js";
import { forgetCapabilities } from "../../src/llm/providers/openai-capabilities.js";
import { startOpenAIServer } from "../helpers/openai-server.js";
import { capture } from "../helpers/capture.js";
import { refusedPort } from "../helpers/ports.js";

const dir = mkdtempSync(join(tmpdir(), "dln-cli-hard-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const network = `{
  name: "cli-hard",
  models: { sim: { provider: "sim", model: "tasks" } },
  inputs: ["x"],
  nodes: { y: { type: "layer", from: ["x"], template: "classify", prompt: "Answer the question.", classes: ["mammal", "bird", "fish", "reptile"] } },
  output: "y",
  loss: { type: "exact_match", normalize: "first_word" },
  train: { iterations: 1, batchSize: 6, promptSamples: 3, valEvery: 1 },
}`;
writeFileSync(join(dir, "net.json5"), network);
writeFileSync(
  join(dir, "data.jsonl"),
  generateTask("animals", { seed: 5, n: 40 })
    .map((s) => JSON.stringify(s))
    .join("\n") + "\n",
);
writeFileSync(
  join(dir, "other.jsonl"),
  generateTask("animals", { seed: 6, n: 40 })
    .map((s) => JSON.stringify(s))
    .join("\n") + "\n",
);
writeFileSync(
  join(dir, "in.jsonl"),
  generateTask("animals", { seed: 7, n: 500 })
    .map((s) => JSON.stringify({ x: s.x }))
    .join("\n") + "\n",
);

async function dln(args: string[], opts: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; onOut?: (text: string) => void } = {}) {
  const out = capture();
  const err = capture();
  if (opts.onOut) out.stream.on("data", () => opts.onOut!(out.text()));
  const code = await runCli(["node", "dln", ...args], { stdout: out.stream, stderr: err.stream, cwd: dir, env: opts.env ?? {}, signal: opts.signal });
  return { code, out: out.text(), err: err.text() };
}

/** A network of one openai model at `baseURL` (api chat), with this apiKey. */
function httpNetwork(name: string, baseURL: string, apiKey: string): string {
  const text = network.replace(
    `{ sim: { provider: "sim", model: "tasks" } }`,
    JSON.stringify({ sim: { provider: "openai", model: "m", baseURL, apiKey, api: "chat" } }),
  );
  writeFileSync(join(dir, name), text);
  return name;
}

describe("dln train --resume (item 4)", () => {
  it("--resume <dir> alone continues with the run's data and settings", async () => {
    const first = await dln(["train", "net.json5", "--data", "data.jsonl", "--run-dir", "r1", "--cache", "off", "--batch-size", "5"]);
    expect(first.code, first.err).toBe(0);
    const resumed = await dln(["train", "net.json5", "--resume", "r1", "--iterations", "2", "--cache", "off", "--json"]);
    expect(resumed.code, resumed.err).toBe(0);
    const events = resumed.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events[0].resumedFrom).toBe(1);
    expect(events.filter((e) => e.type === "iteration").map((e) => e.iteration)).toEqual([2]);
    expect(events.find((e) => e.type === "batch").ids).toHaveLength(5); // the run's batch size, not the network's 6
  }, 60_000);

  it("other data or another setting is refused with what differs (exit 2); --force accepts it and records it", async () => {
    const data = await dln(["train", "net.json5", "--resume", "r1", "--data", "other.jsonl", "--iterations", "3", "--cache", "off"]);
    expect(data.code).toBe(2);
    expect(data.err).toMatch(/the train data differs/);
    const setting = await dln(["train", "net.json5", "--resume", "r1", "--batch-size", "4", "--iterations", "3", "--cache", "off"]);
    expect(setting.code).toBe(2);
    expect(setting.err).toMatch(/batchSize is 4, the run used 5/);
    const forced = await dln(["train", "net.json5", "--resume", "r1", "--batch-size", "4", "--iterations", "3", "--cache", "off", "--force"]);
    expect(forced.code, forced.err).toBe(0);
    expect(forced.err).toMatch(/--force: batchSize is 4/);
    const manifest = JSON.parse(readFileSync(join(dir, "r1", "run.json"), "utf8"));
    expect(manifest.resumes.at(-1).forced).toEqual(["batchSize is 4, the run used 5"]);
  }, 60_000);
});

describe("Ctrl-C (item 6)", () => {
  it("prints the resume command, not 'The request was cancelled', and the run resumes", async () => {
    const abort = new AbortController();
    const r = await dln(["train", "net.json5", "--data", "data.jsonl", "--run-dir", "ctrlc", "--iterations", "3", "--cache", "off", "--json"], {
      signal: abort.signal,
      onOut: (text) => text.includes('"type":"checkpoint"') && abort.abort(),
    });
    expect(r.err).toContain(`continue with: dln train net.json5 --resume ${join(dir, "ctrlc")}`);
    expect(r.err).not.toMatch(/cancelled/);
    expect(r.code).toBe(130);
    expect(existsSync(join(dir, "ctrlc", "run.lock"))).toBe(false);
    const resumed = await dln(["train", "net.json5", "--resume", "ctrlc", "--cache", "off"]);
    expect(resumed.code, resumed.err).toBe(0);
  }, 60_000);
});

describe("Ctrl-C before the first checkpoint (item 6)", () => {
  it("says there is nothing to resume instead of printing a --resume that would fail", async () => {
    const abort = new AbortController();
    abort.abort();
    const r = await dln(["train", "net.json5", "--data", "data.jsonl", "--run-dir", "early", "--cache", "off", "--json"], { signal: abort.signal });
    expect(r.code).toBe(130);
    expect(r.err).toMatch(/interrupted before the first checkpoint; nothing to resume/);
    expect(r.err).not.toMatch(/cancelled/);
  }, 60_000);
});

describe("numeric flags (item 8)", () => {
  it("every number is range-checked before anything runs, by one parser", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["train", "net.json5", "--data", "data.jsonl", "--prompt-samples", "1e12"], /--prompt-samples must be an integer from 1 to 100 \(got "1e12"\)/],
      [["train", "net.json5", "--data", "data.jsonl", "--hidden-samples", "1e9"], /--hidden-samples must be an integer/],
      [["train", "net.json5", "--data", "data.jsonl", "--memory", "1e9"], /--memory must be an integer from 0 to 100/],
      [["train", "net.json5", "--data", "data.jsonl", "--train-cap", "0"], /--train-cap must be/],
      [["run", "net.json5", "-i", "in.jsonl", "-c", "1e12"], /--concurrency must be an integer from 1 to/],
      [["run", "net.json5", "-i", "in.jsonl", "--temperature", "1e300"], /--temperature must be a number from 0 to 2/],
      [["eval", "net.json5", "--data", "data.jsonl", "-c", "1e12"], /--concurrency must be an integer from 1 to/],
      [["eval", "net.json5", "--data", "data.jsonl", "--shots", "1e9"], /--shots must be an integer from 0 to/],
    ];
    for (const [args, message] of cases) {
      const r = await dln([...args, "--cache", "off"]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err, args.join(" ")).toMatch(message);
      expect(r.out, args.join(" ")).toBe("");
    }
  }, 60_000);
});

describe("configuration errors are found before the first sample (items 7, 9, 10)", () => {
  it("a missing ${VAR}: dln run writes no rows and says so once, exit 2", async () => {
    writeFileSync(
      join(dir, "env.json5"),
      network.replace(
        `{ provider: "sim", model: "tasks" }`,
        `{ provider: "openai", model: "m", apiKey: "\${NO_SUCH_KEY_VAR}", baseURL: "http://127.0.0.1:1/v1" }`,
      ),
    );
    const r = await dln(["run", "env.json5", "-i", "in.jsonl", "-o", "out-env.jsonl", "--cache", "off"]);
    expect(r.code).toBe(2);
    expect(r.err.match(/NO_SUCH_KEY_VAR/g)?.length).toBeGreaterThanOrEqual(1);
    // Said once (not once per sample); the hint line below it says what to export.
    const lines = r.err.trim().split("\n");
    expect(lines.filter((l) => l.includes("NO_SUCH_KEY_VAR") && !l.startsWith("  hint:"))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith("  hint:"))).toHaveLength(1);
    expect(existsSync(join(dir, "out-env.jsonl"))).toBe(false);
  });

  it("a refused key: dln eval prints no accuracy, dln train no initial dev accuracy; exit 2", async () => {
    forgetCapabilities();
    const server = await startOpenAIServer({ faults: { decide: () => ({ kind: "401" }) } });
    try {
      const net = httpNetwork("k401.json5", server.baseURL, "sk-wrong-key-0000000000");
      const ev = await dln(["eval", net, "--data", "data.jsonl", "--cache", "off"]);
      expect(ev.code).toBe(2);
      expect(ev.out).not.toMatch(/accuracy/);
      expect(ev.err).toMatch(/model "sim" cannot be used: .*refused the credentials/);
      const tr = await dln(["train", net, "--data", "data.jsonl", "--run-dir", "r401", "--cache", "off"]);
      expect(tr.code).toBe(2);
      expect(tr.out).not.toMatch(/initial dev accuracy/);
      expect(tr.err).not.toContain("sk-wrong-key");
    } finally {
      await server.close();
    }
  }, 60_000);

  it("an unreachable URL: a 500-sample dln run ends with one E_ENDPOINT_DEAD message, no rows, exit 2", async () => {
    forgetCapabilities();
    const net = httpNetwork("dead.json5", `http://127.0.0.1:${await refusedPort()}/v1`, "sk-test-not-a-secret-0000");
    const r = await dln(["run", net, "-i", "in.jsonl", "-o", "out-dead.jsonl", "--cache", "off"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot be reached: 3 connections in a row failed \(ECONNREFUSED\)/);
    // One error line (not one per sample), and at most its hint.
    expect(
      r.err
        .trim()
        .split("\n")
        .filter((l) => !l.startsWith("  hint:")),
    ).toHaveLength(1);
    expect(existsSync(join(dir, "out-dead.jsonl"))).toBe(false);
  }, 60_000);

  it("when every sample fails, dln train and dln eval print no accuracy but the first error", async () => {
    forgetCapabilities();
    const server = await startOpenAIServer({
      faults: { decide: (r) => (JSON.stringify(r.body).includes("Answer the question") ? { kind: "400", message: "Unsupported prompt." } : undefined) },
    });
    try {
      const net = httpNetwork("k400.json5", server.baseURL, "sk-test-not-a-secret-0000");
      const tr = await dln(["train", net, "--data", "data.jsonl", "--run-dir", "r400", "--cache", "off"]);
      expect(tr.code).toBe(1);
      expect(tr.out).not.toMatch(/initial dev accuracy/);
      expect(tr.err).toMatch(/every sample of the initial validation failed.*E_BAD_REQUEST at y: .*Unsupported prompt/);
      const ev = await dln(["eval", net, "--data", "data.jsonl", "--cache", "off"]);
      expect(ev.code).toBe(1);
      expect(ev.out).not.toMatch(/accuracy/);
      expect(ev.err).toMatch(/every one of the \d+ samples failed.*E_BAD_REQUEST at y: .*Unsupported prompt/);
    } finally {
      await server.close();
    }
  }, 60_000);

  it("a password in baseURL is never printed", async () => {
    const net = httpNetwork("pw.json5", "http://user:hunter2-secret@127.0.0.1:1/v1", "sk-test-not-a-secret-0000");
    const r = await dln(["run", net, "-i", "in.jsonl", "-o", "out-pw.jsonl", "--cache", "off"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/user name or password/);
    expect(r.err + r.out).not.toContain("hunter2");
  });
});
