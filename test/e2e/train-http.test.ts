/**
 * Training end to end through the OpenAI-compatible HTTP path: the fake server answers from the
 * simulated world (test/helpers/sim-responder.ts) and injects faults (429 with retry-after 0,
 * 500, 503, dropped connections); the networks are the docs' DLN-1 and DLN-2 with
 * `provider: "openai"`, trained once with the chat API (class logprobs only: the server has no
 * legacy completions, like OpenAI's chat models) and once with the legacy completions API (exact
 * echo logprobs). Trained prompts must beat the initial ones on held-out data, the server never
 * sees more requests at once than the models' caps, and the API key reaches no file.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastValueFrom, toArray } from "rxjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Example } from "../../src/data/types.js";
import { compile } from "../../src/graph.js";
import { ModelRegistry } from "../../src/llm/registry.js";
import { forgetCapabilities } from "../../src/llm/providers/openai-capabilities.js";
import { generateTask, TASKS } from "../../src/sim/tasks.js";
import type { ModelSpec, NetworkSpec } from "../../src/network/types.js";
import type { TrainEvent } from "../../src/train/events.js";
import type { TrainOverrides } from "../../src/train/config.js";
import type { TrainResult } from "../../src/train/trainer.js";
import { startOpenAIServer, type Fault, type FaultPlan, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { simResponder } from "../helpers/sim-responder.js";
import { key } from "../helpers/indexing.js";

const API_KEY = "sk-test-not-a-secret-000000";
/** Test-friendly backoff; the server's faults are transient, so enough retries always get through. */
const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 10, maxRetryAfterMs: 10 };
const MAX_RETRIES = 12;
/** Every model's concurrency cap; the server must never see more than their sum at once. */
const CAP = 2;

type Api = "chat" | "completions";

function model(baseURL: string, api: Api, extra: Partial<ModelSpec>): ModelSpec {
  return { provider: "openai", model: "sim-model", baseURL, apiKey: API_KEY, api, concurrency: CAP, maxRetries: MAX_RETRIES, ...extra };
}

/** networks/dln-1.json5 on the fake server. */
function dln1(baseURL: string, api: Api, labels: string[]): NetworkSpec {
  return {
    name: "dln-1-http",
    models: { fwd: model(baseURL, api, { temperature: 0, maxTokens: 16 }) },
    inputs: ["x"],
    nodes: { y: { type: "layer", from: ["x"], template: "classify", prompt: "Answer the question.", classes: labels } },
    output: "y",
    loss: { type: "exact_match", normalize: "first_word" },
    train: { optimizer: "dln-vi", iterations: 20, batchSize: 20, promptSamples: 20, valEvery: 2 },
  };
}

/** networks/dln-2.json5 on the fake server. */
function dln2(baseURL: string, api: Api, labels: string[]): NetworkSpec {
  return {
    name: "dln-2-http",
    models: {
      fwd: model(baseURL, api, { temperature: 0, maxTokens: 256 }),
      bwd: model(baseURL, api, { temperature: 0.7, maxTokens: 512 }),
    },
    inputs: ["x"],
    nodes: {
      h1: { type: "layer", from: ["x"], template: "think", prompt: "Think about it.", model: "fwd" },
      y: { type: "layer", from: ["x", "h1"], template: "residual", prompt: "Answer the question.", model: "fwd", classes: labels, maxTokens: 8 },
    },
    output: "y",
    loss: { type: "exact_match", normalize: "first_word" },
    train: { optimizer: "dln-vi", backwardModel: "bwd", iterations: 20, batchSize: 10, promptSamples: 10, hiddenSamples: 10, valEvery: 2 },
  };
}

/** networks/ensemble.json5 on the fake server: three members without classes, majority vote. */
function ensemble(baseURL: string, api: Api): NetworkSpec {
  const member = (prompt: string) => ({ type: "layer" as const, from: ["x"], model: "default", prompt, parse: "first_word" as const, maxTokens: 8 });
  return {
    name: "ensemble-http",
    models: { default: model(baseURL, api, { temperature: 0 }), bwd: model(baseURL, api, { temperature: 0.7, maxTokens: 512 }) },
    inputs: ["x"],
    nodes: {
      terse: member("Answer the question."),
      careful: member("Read the question carefully and check every detail before you answer."),
      brief: member("Give the answer as a single word."),
      vote: { type: "ensemble", members: ["terse", "careful", "brief"], aggregate: "vote" },
    },
    output: "vote",
    loss: { type: "exact_match", normalize: "first_word" },
    train: { optimizer: "dln-vi", backwardModel: "bwd", iterations: 10, batchSize: 20, promptSamples: 10 },
  };
}

/** Data set `data`: examples drawn with seeds 10·data + 1 (train), + 2 (dev), + 3 (test). */
function splits(task: string, n: { train: number; dev: number; test: number }, data = 0): { train: Example[]; dev: Example[]; test: Example[] } {
  const as = (split: string, seed: number, count: number): Example[] =>
    generateTask(task, { seed, n: count }).map((s) => ({ id: `${split}-${s.id}`, inputs: { x: s.x }, target: s.y }));
  return { train: as("train", 10 * data + 1, n.train), dev: as("dev", 10 * data + 2, n.dev), test: as("test", 10 * data + 3, n.test) };
}

/**
 * One of each transient fault at fixed request numbers, so every run meets faults whatever the
 * random draws (a run of ~50 requests at 10% meets none with probability 0.9^50 ≈ 0.5%: with
 * seed 11 the DLN-2 legacy run drew none and the fault check failed by luck).
 */
const SCRIPTED: Record<number, Fault> = { 4: { kind: "429", retryAfter: "0" }, 7: { kind: "500" }, 11: { kind: "503" }, 16: { kind: "drop" } };

/** ~10% of requests fail with a transient fault, seeded, plus the scripted ones. */
function faults(api: Api, seed: number): FaultPlan {
  return {
    random: { seed, probability: 0.1, faults: [{ kind: "429", retryAfter: "0" }, { kind: "500" }, { kind: "503" }, { kind: "drop" }] },
    // A chat-only endpoint, like OpenAI's chat models: no legacy completions, so no echo.
    decide: (r) => (api === "chat" && r.route === "completions" ? { kind: "404" } : SCRIPTED[r.number]),
  };
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

interface Outcome {
  result: TrainResult;
  events: TrainEvent[];
  server: FakeOpenAIServer;
  dir: string;
}

async function trainOverHttp(
  make: (baseURL: string, api: Api, labels: string[]) => NetworkSpec,
  task: string,
  api: Api,
  sizes: { train: number; dev: number; test: number },
  overrides: TrainOverrides,
  servers: FakeOpenAIServer[],
  data = 0,
): Promise<Outcome> {
  forgetCapabilities();
  const server = await startOpenAIServer({ responder: simResponder({ seed: 0 }), faults: faults(api, 11) });
  servers.push(server);
  const dir = mkdtempSync(join(tmpdir(), "dln-e2e-train-"));
  const graph = compile(make(server.baseURL, api, key(TASKS, task).labels), { baseDir: dir });
  const registry = new ModelRegistry(graph.network.models, {
    baseDir: dir,
    env: {},
    cache: { mode: "readwrite", path: join(dir, "cache.sqlite") },
    retry: FAST_RETRY,
  });
  try {
    const run = graph.train(splits(task, sizes, data), { config: overrides, runDir: join(dir, "run"), clients: registry });
    const events = lastValueFrom(run.events$.pipe(toArray()));
    const result = await run.result;
    return { result, events: await events, server, dir };
  } finally {
    await registry.close();
  }
}

function report(name: string, o: Outcome): void {
  const s = o.server.stats;
  console.log(
    `${name}: dev ${o.result.initialDevAccuracy} → ${o.result.devAccuracy}, test ${o.result.testAccuracy}; ` +
      `${s.requests} requests (chat ${s.byRoute.chat}, completions ${s.byRoute.completions}), faults ${JSON.stringify(s.faults)}, ` +
      `max concurrent ${s.maxConcurrent}; ${o.result.wallTimeMs} ms`,
  );
}

/** Held-out improvement of one run: dev (used to pick the best) and test (never seen in training). */
function expectLearned(o: Outcome): void {
  expect(o.result.devAccuracy! - o.result.initialDevAccuracy!).toBeGreaterThanOrEqual(0.2);
  expect(o.result.testAccuracy!).toBeGreaterThanOrEqual(o.result.initialDevAccuracy! + 0.2);
  expect(Object.values(o.result.bestPrompts)).not.toEqual(Object.values(o.result.initialPrompts));
}

/** Shared checks: the run completed through faults, respected the caps, leaked no key. */
function expectHealthyRun(o: Outcome, models: number): void {
  const { result, server } = o;
  expect(result.stopReason).toBe("completed");
  expect(o.events.at(-1)?.type).toBe("done");
  // The faults really happened, and the run got through them.
  const injected = Object.entries(server.stats.faults)
    .filter(([kind]) => kind !== "404")
    .reduce((s, [, n]) => s + n, 0);
  expect(injected).toBeGreaterThan(0);
  // Concurrency: each model's client holds at most CAP requests in flight.
  expect(server.stats.maxConcurrent).toBeGreaterThan(0);
  expect(server.stats.maxConcurrent).toBeLessThanOrEqual(CAP * models);
  // The key went to the server in the Authorization header, and nowhere else.
  expect(server.stats.received.some((r) => r.headers.authorization === `Bearer ${API_KEY}`)).toBe(true);
  const files = filesUnder(o.dir);
  expect(files.some((f) => f.endsWith("cache.sqlite"))).toBe(true);
  expect(files.some((f) => f.endsWith("result.json"))).toBe(true);
  for (const file of files) expect(readFileSync(file).includes(API_KEY), file).toBe(false);
}

const modesOf = (events: TrainEvent[], param: string) => new Set(events.flatMap((e) => (e.type === "candidates" && e.param === param ? [e.mode] : [])));

describe("training through the OpenAI-compatible HTTP path, under injected faults", () => {
  const servers: FakeOpenAIServer[] = [];
  const dirs: string[] = [];
  beforeAll(() => forgetCapabilities());
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const DLN1_SMALL: TrainOverrides = { iterations: 3, batchSize: 8, promptSamples: 4, valEvery: 1, seed: 7 };
  const DLN2_SMALL: TrainOverrides = { iterations: 3, batchSize: 8, promptSamples: 4, hiddenSamples: 3, valEvery: 1, seed: 7 };
  const SIZES = { train: 40, dev: 24, test: 24 };

  it("DLN-1 on animals, legacy completions: exact echo scoring (asked for: auto takes class logprobs)", async () => {
    const o = await trainOverHttp(dln1, "animals", "completions", SIZES, { ...DLN1_SMALL, scoring: "exact" }, servers);
    dirs.push(o.dir);
    report("DLN-1 completions", o);
    expectHealthyRun(o, 1);
    expectLearned(o);
    expect(modesOf(o.events, "y")).toEqual(new Set(["exact"]));
    const echo = o.server.stats.received.filter((r) => r.route === "completions" && r.body.echo === true);
    expect(echo.length).toBeGreaterThan(10);
    expect(o.server.stats.byRoute.chat).toBe(0);
  }, 60_000);

  it("DLN-1 on animals, chat: class logprobs, no echo", async () => {
    const o = await trainOverHttp(dln1, "animals", "chat", SIZES, DLN1_SMALL, servers);
    dirs.push(o.dir);
    report("DLN-1 chat", o);
    expectHealthyRun(o, 1);
    expectLearned(o);
    expect(modesOf(o.events, "y")).toEqual(new Set(["classes"]));
    // Only the capability probe tried legacy completions (and met a 404); nothing was echoed back.
    expect(o.server.stats.answered.completions).toBe(0);
    const withTop = o.server.stats.received.filter((r) => r.route === "chat" && r.body.logprobs === true && r.body.top_logprobs === 20);
    expect(withTop.length).toBeGreaterThan(10);
  }, 60_000);

  it("DLN-2 on navigate, legacy completions: by default class logprobs for the output layer, exact scoring for the hidden one", async () => {
    const o = await trainOverHttp(dln2, "navigate", "completions", SIZES, DLN2_SMALL, servers);
    dirs.push(o.dir);
    report("DLN-2 completions", o);
    expectHealthyRun(o, 2);
    expectLearned(o);
    expect(modesOf(o.events, "y")).toEqual(new Set(["classes"]));
    expect(modesOf(o.events, "h1")).toEqual(new Set(["exact"]));
    expect(o.events.some((e) => e.type === "signal" && e.from === "y" && e.to === "h1" && e.samples > 1)).toBe(true);
  }, 60_000);

  it("DLN-2 on navigate, chat: class logprobs for the output layer, accuracy for the hidden layer", async () => {
    const o = await trainOverHttp(dln2, "navigate", "chat", SIZES, DLN2_SMALL, servers);
    dirs.push(o.dir);
    report("DLN-2 chat", o);
    expectHealthyRun(o, 2);
    expectLearned(o);
    expect(modesOf(o.events, "y")).toEqual(new Set(["classes"]));
    expect(modesOf(o.events, "h1")).toEqual(new Set(["accuracy"]));
    expect(o.server.stats.answered.completions).toBe(0);
  }, 60_000);

  // The ensemble's members are one-layer networks, and one layer cannot solve navigate in the sim
  // world (docs/simulator.md: 0.51 → at best 0.65), so "gain ≥ 0.2" on navigate was luck: over
  // 12 runs (data seeds 1-3, 11-13, 21-23 × training seeds 7, 1, 2, 3) it held on 4/12 with the
  // simulator's old generator and 3/12 with `Rng` (mean dev gain 0.32 / 0.12). On animals, which one layer
  // can learn, over 8 data sets (training seed 7): it held on 8/8 (old generator) and 7/8 (`Rng`);
  // dev gain ≥ 0.208 on all 16 runs, mean 0.46 / 0.45; test − initial dev ≥ 0.083, mean 0.47 /
  // 0.42. Two data sets, with checks that every pair of those 16 runs passes: each improved on
  // dev, mean dev gain ≥ 0.2, mean test ≥ mean initial dev + 0.15. Measured with this test's
  // scenario over HTTP on 2026-11-29.
  it("the ensemble of the docs on animals, chat: members without classes are scored by their own accuracy, and improve", async () => {
    const runs: Outcome[] = [];
    for (const data of [0, 1]) {
      const o = await trainOverHttp((url, api) => ensemble(url, api), "animals", "chat", SIZES, DLN1_SMALL, servers, data);
      dirs.push(o.dir);
      report(`ensemble chat, data ${data}`, o);
      expectHealthyRun(o, 2);
      for (const member of ["terse", "careful", "brief"]) expect(modesOf(o.events, member)).toEqual(new Set(["accuracy"]));
      expect(o.result.devAccuracy!).toBeGreaterThan(o.result.initialDevAccuracy!);
      runs.push(o);
    }
    const mean = (f: (r: TrainResult) => number) => runs.reduce((s, o) => s + f(o.result), 0) / runs.length;
    expect(mean((r) => r.devAccuracy! - r.initialDevAccuracy!)).toBeGreaterThanOrEqual(0.2);
    expect(mean((r) => r.testAccuracy! - r.initialDevAccuracy!)).toBeGreaterThanOrEqual(0.15);
  }, 120_000);
});
