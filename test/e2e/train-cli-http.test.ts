/**
 * `dln train` (in process, through runCli) on the docs' network files as they are shipped
 * (networks/dln-1.json5 and networks/dln-2.json5: `${OPENAI_API_KEY}`, `${OPENAI_BASE_URL}`,
 * `${DLN_MODEL}` from the environment, `api` left to discovery) against the fake OpenAI server
 * answering from the sim world, with injected faults: on an endpoint with legacy completions (three data sets)
 * and echo (exact scoring), once on a chat-only endpoint (class logprobs). The CLI keeps its own
 * retry settings, so the fault rate is lower than in train-http.test.ts to keep this quick.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { forgetCapabilities } from "../../src/llm/providers/openai-capabilities.js";
import { generateTask } from "../../src/sim/tasks.js";
import { startOpenAIServer, type Fault, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { simResponder } from "../helpers/sim-responder.js";

const API_KEY = "sk-test-not-a-secret-000000";
/** Faults by request number on top of the random ones; both retried at once (retry-after 0). */
const SCRIPTED: Record<number, Fault> = { 5: { kind: "429", retryAfter: "0" }, 9: { kind: "503", retryAfter: "0" } };

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function sink() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (c) => (text += c));
  return { stream, text: () => text };
}

describe("dln train on the docs' networks through the OpenAI-compatible HTTP path", () => {
  const servers: FakeOpenAIServer[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** The data of run k: navigate examples drawn with seeds 10k+1 (train), 10k+2 (dev), 10k+3 (test). */
  async function trainCli(network: string, endpoint: "chat-only" | "legacy", flags: string[], data = 0) {
    forgetCapabilities();
    const server = await startOpenAIServer({
      responder: simResponder({ seed: 0 }),
      faults: {
        // Two scripted faults (retried at once), so every run meets faults whatever the random draws:
        // ~60 requests at 5% meet none with probability 0.95^60 ≈ 5%.
        decide: (r) => (endpoint === "chat-only" && r.route === "completions" ? { kind: "404" } : SCRIPTED[r.number]),
        random: { seed: 3, probability: 0.05, faults: [{ kind: "429", retryAfter: "0" }, { kind: "500" }, { kind: "503" }, { kind: "drop" }] },
      },
    });
    servers.push(server);
    const dir = mkdtempSync(join(tmpdir(), "dln-e2e-cli-"));
    dirs.push(dir);
    const write = (name: string, seed: number, n: number) =>
      writeFileSync(
        join(dir, name),
        generateTask("navigate", { seed, n })
          .map((s) => JSON.stringify({ x: s.x, y: s.y }))
          .join("\n") + "\n",
      );
    write("train.jsonl", 10 * data + 1, 40);
    write("dev.jsonl", 10 * data + 2, 24);
    write("test.jsonl", 10 * data + 3, 24);
    const stdout = sink();
    const stderr = sink();
    const code = await runCli(
      [
        "node",
        "dln",
        "train",
        resolve("networks", network),
        "--train",
        "train.jsonl",
        "--dev",
        "dev.jsonl",
        "--test",
        "test.jsonl",
        "--run-dir",
        "run",
        "--seed",
        "7",
        "--val-every",
        "1",
        ...flags,
      ],
      { cwd: dir, env: { OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: server.baseURL, DLN_MODEL: "sim-model" }, stdout: stdout.stream, stderr: stderr.stream },
    );
    const result = JSON.parse(readFileSync(join(dir, "run", "result.json"), "utf8"));
    console.log(
      `dln train ${network} (${endpoint}): dev ${result.initialDevAccuracy} → ${result.devAccuracy}, test ${result.testAccuracy}; ` +
        `${server.stats.requests} requests, faults ${JSON.stringify(server.stats.faults)}`,
    );
    return { code, result, server, dir, out: stdout.text() + stderr.text() };
  }

  /** The run got through the faults, and the key reached no file and no output. */
  function expectHealthy(r: Awaited<ReturnType<typeof trainCli>>): void {
    expect(r.code, r.out).toBe(0);
    expect(r.result.stopReason).toBe("completed");
    expect(Object.values(r.server.stats.faults).reduce((s, n) => s + n, 0)).toBeGreaterThan(0);
    expect(r.server.stats.received.every((q) => q.headers.authorization === `Bearer ${API_KEY}`)).toBe(true);
    const files = filesUnder(r.dir);
    expect(files.some((f) => f.endsWith("cache.sqlite"))).toBe(true);
    for (const file of files) expect(readFileSync(file).includes(API_KEY), file).toBe(false);
    expect(r.out).not.toContain(API_KEY);
  }

  /** Held-out improvement of one run: dev (used to pick the best) and test (never seen in training). */
  function expectLearned(r: Awaited<ReturnType<typeof trainCli>>): void {
    expect(r.result.devAccuracy - r.result.initialDevAccuracy).toBeGreaterThanOrEqual(0.2);
    expect(r.result.testAccuracy).toBeGreaterThanOrEqual(r.result.initialDevAccuracy + 0.2);
  }

  // One layer cannot solve navigate in the sim world (docs/simulator.md: a vague prompt 0.51, all
  // the rules 0.65), so a gain of 0.2 on a 24-example dev set is luck, not learning: measured over
  // 16 data seeds (training seed 7, the settings below with 3 iterations) it held on 6/16 with the
  // simulator's old generator and 3/16 with `Rng` (mean dev gain 0.19 / 0.12; mean test 0.62 / 0.64; the old
  // generator's data happened to start lower: mean initial dev 0.41 / 0.51). So three data sets, 6 iterations,
  // and what one layer does learn: on average the trained prompt beats the initial one on dev, and
  // is no worse on test. With 6 iterations the mean dev gain is 0.23 (old) / 0.17 (`Rng`)
  // (gain > 0 on 16/16 / 14/16 data seeds), and these two checks held on 99.3% / 99.1% of the 560
  // 3-subsets of the 16 data seeds. Measured with this test's scenario over HTTP
  // on 2026-11-29.
  it("networks/dln-1.json5 on an endpoint with legacy completions: exact echo scoring (asked for; auto takes class logprobs)", async () => {
    const flags = ["--iterations", "6", "--batch-size", "8", "--prompt-samples", "4", "--scoring", "exact"];
    const runs = [
      await trainCli("dln-1.json5", "legacy", flags, 0),
      await trainCli("dln-1.json5", "legacy", flags, 1),
      await trainCli("dln-1.json5", "legacy", flags, 2),
    ];
    for (const r of runs) {
      expectHealthy(r);
      expect(r.server.stats.byRoute.chat).toBe(0);
      expect(r.server.stats.received.filter((q) => q.body.echo === true).length).toBeGreaterThan(5);
    }
    const mean = (f: (r: (typeof runs)[number]["result"]) => number) => runs.reduce((s, r) => s + f(r.result), 0) / runs.length;
    const summary = JSON.stringify(runs.map((r) => [r.result.initialDevAccuracy, r.result.devAccuracy, r.result.testAccuracy]));
    expect(
      mean((r) => r.devAccuracy - r.initialDevAccuracy),
      summary,
    ).toBeGreaterThanOrEqual(0.05);
    expect(
      mean((r) => r.testAccuracy - r.initialDevAccuracy),
      summary,
    ).toBeGreaterThanOrEqual(0);
  }, 180_000);

  it("networks/dln-2.json5 on a chat-only endpoint: class logprobs, accuracy for the hidden layer", async () => {
    const r = await trainCli("dln-2.json5", "chat-only", ["--iterations", "2", "--batch-size", "6", "--prompt-samples", "3", "--hidden-samples", "2"]);
    expectHealthy(r);
    expectLearned(r);
    expect(r.server.stats.answered.completions).toBe(0);
    const events = readFileSync(join(r.dir, "run", "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const modes = new Set(events.filter((e) => e.type === "candidates").map((e) => `${e.param}:${e.mode}`));
    expect(modes).toEqual(new Set(["y:classes", "h1:accuracy"]));
  }, 60_000);
});
