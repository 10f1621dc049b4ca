/**
 * `dln train` (in process, through runCli) on the docs' network files as they are shipped
 * (networks/dln-1.json5 and networks/dln-2.json5: `${OPENAI_API_KEY}`, `${OPENAI_BASE_URL}`,
 * `${DLN_MODEL}` from the environment, `api` left to discovery) against the fake OpenAI server
 * answering from the sim world, with injected faults: once on an endpoint with legacy completions
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
import { startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { simResponder } from "../helpers/sim-responder.js";

const API_KEY = "sk-test-not-a-secret-000000";

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

  async function trainCli(network: string, endpoint: "chat-only" | "legacy", flags: string[]) {
    forgetCapabilities();
    const server = await startOpenAIServer({
      responder: simResponder({ seed: 0 }),
      faults: {
        decide: endpoint === "chat-only" ? (r) => (r.route === "completions" ? { kind: "404" } : undefined) : undefined,
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
    write("train.jsonl", 1, 40);
    write("dev.jsonl", 2, 24);
    write("test.jsonl", 3, 24);
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

  function expectHealthy(r: Awaited<ReturnType<typeof trainCli>>): void {
    expect(r.code, r.out).toBe(0);
    expect(r.result.stopReason).toBe("completed");
    expect(r.result.devAccuracy - r.result.initialDevAccuracy).toBeGreaterThanOrEqual(0.2);
    expect(r.result.testAccuracy).toBeGreaterThanOrEqual(r.result.initialDevAccuracy + 0.2);
    expect(Object.values(r.server.stats.faults).reduce((s, n) => s + n, 0)).toBeGreaterThan(0);
    expect(r.server.stats.received.every((q) => q.headers.authorization === `Bearer ${API_KEY}`)).toBe(true);
    const files = filesUnder(r.dir);
    expect(files.some((f) => f.endsWith("cache.sqlite"))).toBe(true);
    for (const file of files) expect(readFileSync(file).includes(API_KEY), file).toBe(false);
    expect(r.out).not.toContain(API_KEY);
  }

  it("networks/dln-1.json5 on an endpoint with legacy completions: exact echo scoring (asked for; auto takes class logprobs)", async () => {
    const r = await trainCli("dln-1.json5", "legacy", ["--iterations", "3", "--batch-size", "8", "--prompt-samples", "4", "--scoring", "exact"]);
    expectHealthy(r);
    expect(r.server.stats.byRoute.chat).toBe(0);
    expect(r.server.stats.received.filter((q) => q.body.echo === true).length).toBeGreaterThan(5);
  }, 60_000);

  it("networks/dln-2.json5 on a chat-only endpoint: class logprobs, accuracy for the hidden layer", async () => {
    const r = await trainCli("dln-2.json5", "chat-only", ["--iterations", "2", "--batch-size", "6", "--prompt-samples", "3", "--hidden-samples", "2"]);
    expectHealthy(r);
    expect(r.server.stats.answered.completions).toBe(0);
    const events = readFileSync(join(r.dir, "run", "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const modes = new Set(events.filter((e) => e.type === "candidates").map((e) => `${e.param}:${e.mode}`));
    expect(modes).toEqual(new Set(["y:classes", "h1:accuracy"]));
  }, 60_000);
});
