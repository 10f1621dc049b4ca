import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeGenerate, startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { AbortError } from "../../src/util/errors.js";
import {
  AuthenticationError,
  ContextLengthError,
  EndpointUnavailableError,
  MalformedResponseError,
  RateLimitedError,
  TimeoutError,
} from "../../src/llm/errors.js";
import { parseRetryAfter } from "../../src/llm/providers/openai-errors.js";
import { backoffDelay } from "../../src/llm/middleware/retry.js";
import { openaiClient } from "./support.js";
import { at } from "../helpers/indexing.js";

const KEY = "sk-test-not-a-real-key-000";
let server: FakeOpenAIServer;
afterEach(() => server?.close());

/** A chat client whose capability probe is already done, so request numbers count only our calls. */
async function primed(spec = {}, opts = {}) {
  const made = await openaiClient(server.baseURL, { api: "chat", scoring: "classes", ...spec }, opts);
  await made.client.capabilities();
  server.resetStats();
  return made;
}

describe("faults", () => {
  it("loses no request under random 429/500/503/malformed/dropped faults, and retries are bounded", async () => {
    server = await startOpenAIServer();
    const { client } = await primed({ maxRetries: 8 });
    server.setFaults({
      random: {
        seed: 7,
        probability: 0.3,
        faults: [{ kind: "429", retryAfterMs: 1 }, { kind: "500" }, { kind: "503" }, { kind: "malformed" }, { kind: "drop" }],
      },
    });
    const prompts = Array.from({ length: 30 }, (_x, i) => `question ${i}`);
    const results = await Promise.all(prompts.map((prompt) => client.generate({ prompt, maxTokens: 3, temperature: 0 })));
    results.forEach((r, i) => expect(at(r.completions, 0).text).toBe(fakeGenerate(at(prompts, i), { maxTokens: 3, temperature: 0 }).text));
    const faults = Object.values(server.stats.faults).reduce((s, n) => s + n, 0);
    expect(faults).toBeGreaterThan(0);
    expect(server.stats.answered.chat).toBe(30);
    expect(server.stats.requests).toBe(30 + faults);
  });

  it("gives up after maxRetries + 1 attempts with a typed, retryable error", async () => {
    server = await startOpenAIServer();
    const { client } = await primed({ maxRetries: 2 });
    server.setFaults({ decide: () => ({ kind: "500" }) });
    const err = await client.generate({ prompt: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(EndpointUnavailableError);
    expect(err.message).toMatch(/gave up after 3 attempts/);
    expect(err.message).toContain("openai:fake-model@127.0.0.1");
    expect(server.stats.requests).toBe(3);
  });

  it("turns persistent 429s into RateLimitedError after all retries, honouring retry-after-ms", async () => {
    server = await startOpenAIServer();
    const { client } = await primed({ maxRetries: 1 });
    server.setFaults({ decide: () => ({ kind: "429", retryAfterMs: 30 }) });
    const started = Date.now();
    const err = await client.generate({ prompt: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err.code).toBe("E_RATE_LIMITED");
    expect(server.stats.requests).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25); // waited for the server's hint
  });

  it("recovers from a 429 with retry-after in seconds", async () => {
    server = await startOpenAIServer();
    const { client } = await primed();
    server.setFaults({ at: { 1: { kind: "429", retryAfter: "0" } } });
    const r = await client.generate({ prompt: "x", maxTokens: 2 });
    expect(r.completions).toHaveLength(1);
    expect(server.stats.requests).toBe(2);
  });

  it.each([
    [{ kind: "401" } as const, AuthenticationError, "E_AUTH"],
    [{ kind: "context_length" } as const, ContextLengthError, "E_CONTEXT_LENGTH"],
    [{ kind: "400" } as const, Error, "E_BAD_REQUEST"],
    [{ kind: "404" } as const, Error, "E_BAD_REQUEST"],
  ])("never retries %o", async (fault, type, code) => {
    server = await startOpenAIServer();
    const { client } = await primed({ maxRetries: 5 });
    server.setFaults({ decide: () => fault });
    const err = await client.generate({ prompt: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(type);
    expect(err.code).toBe(code);
    expect(err.message).not.toContain(KEY);
    expect(server.stats.requests).toBe(1);
  });

  it("retries a malformed body and never half-parses it", async () => {
    server = await startOpenAIServer();
    const { client } = await primed({ maxRetries: 1 });
    server.setFaults({ decide: () => ({ kind: "malformed" }) });
    const err = await client.generate({ prompt: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect(server.stats.requests).toBe(2);
  });

  it("times out a slow response, retries, and succeeds when the server recovers", async () => {
    server = await startOpenAIServer();
    const { client } = await primed({ timeoutMs: 100, maxRetries: 2 });
    server.setFaults({ at: { 1: { kind: "slow", delayMs: 1000 } } });
    const r = await client.generate({ prompt: "x", maxTokens: 2 });
    expect(r.completions).toHaveLength(1);
    expect(server.stats.requests).toBe(2);
    server.setFaults({ decide: () => ({ kind: "slow", delayMs: 1000 }) });
    const err = await client.generate({ prompt: "y", maxTokens: 2 }).catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toMatch(/within 100 ms/);
  });

  it("propagates the caller's abort to the request in flight", async () => {
    server = await startOpenAIServer();
    const { client } = await primed();
    server.setLatency(2000);
    const controller = new AbortController();
    const pending = client.generate({ prompt: "x", signal: controller.signal });
    // Abort once the request is on the server (not after a fixed delay: a loaded machine may not have sent it yet).
    await vi.waitFor(() => expect(server.stats.requests).toBe(1), { timeout: 10_000, interval: 5 });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(server.stats.requests).toBe(1); // not retried
  });

  it("never lets the server see more concurrent requests than the limit", async () => {
    server = await startOpenAIServer({ latencyMs: 15 });
    const { client } = await primed({ concurrency: 3 });
    await Promise.all(Array.from({ length: 15 }, (_x, i) => client.generate({ prompt: `p${i}`, maxTokens: 1 })));
    expect(server.stats.maxConcurrent).toBeLessThanOrEqual(3);
    expect(server.stats.maxConcurrent).toBeGreaterThan(1);
    expect(server.stats.answered.chat).toBe(15);
  });

  it("de-duplicates identical requests in flight", async () => {
    server = await startOpenAIServer({ latencyMs: 20 });
    const { client } = await primed();
    const same = { prompt: "same", maxTokens: 2, temperature: 0 };
    const results = await Promise.all([
      client.generate(same),
      client.generate(same),
      client.generate(same),
      client.generate({ ...same, temperature: 0.7, sampleKey: 1 }),
    ]);
    expect(server.stats.requests).toBe(2);
    expect(at(results[1].completions, 0).text).toBe(at(results[0].completions, 0).text);
  });

  it("counts usage per model, with cost from the price table", async () => {
    server = await startOpenAIServer();
    const { client, meter } = await primed({ price: { prompt: 1, completion: 2 } });
    await client.generate({ prompt: "one two three", maxTokens: 2, temperature: 0 });
    const completionTokens = fakeGenerate("one two three", { maxTokens: 2, temperature: 0 }).tokens.length;
    const snap = meter.snapshot();
    expect(snap.byModel.m).toMatchObject({ requests: 1, promptTokens: 3, completionTokens, cacheHits: 0 });
    expect(snap.total.cost).toBeCloseTo((3 * 1 + completionTokens * 2) / 1e6, 12);
    expect(snap.total.cost).toBeGreaterThan(0);
  });
});

describe("retry-after and backoff", () => {
  it("reads retry-after-ms, retry-after seconds and HTTP dates", () => {
    const now = Date.parse("2024-01-01T00:00:00Z");
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "250" }), now)).toBe(250);
    expect(parseRetryAfter(new Headers({ "retry-after": "2" }), now)).toBe(2000);
    expect(parseRetryAfter(new Headers({ "retry-after": "Mon, 01 Jan 2024 00:00:03 GMT" }), now)).toBe(3000);
    expect(parseRetryAfter(new Headers({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(parseRetryAfter(new Headers({}), now)).toBeUndefined();
  });

  it("backs off exponentially with jitter, or waits the server's hint as given plus up to 10% jitter", () => {
    const o = { baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000, random: () => 1 };
    const err = new EndpointUnavailableError("x");
    expect([0, 1, 2, 3, 4].map((a) => backoffDelay(a, err, o))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(0, err, { ...o, random: () => 0 })).toBe(50);
    expect(backoffDelay(0, new RateLimitedError("x", { retryAfterMs: 3000 }), { ...o, random: () => 0 })).toBe(3000);
    expect(backoffDelay(0, new RateLimitedError("x", { retryAfterMs: 3000 }), o)).toBeCloseTo(3300, 9);
    expect(backoffDelay(0, new RateLimitedError("x", { retryAfterMs: 60_000 }), { ...o, random: () => 0 })).toBe(5000);
    // retry-after: 0 means now (issue 12: it used to wait the exponential backoff anyway).
    expect(backoffDelay(0, new RateLimitedError("x", { retryAfterMs: 0 }), o)).toBe(0);
    expect(backoffDelay(3, new EndpointUnavailableError("x", { retryAfterMs: 0 }), o)).toBe(0);
    // A hint shorter than the backoff is taken as given too.
    expect(backoffDelay(2, new RateLimitedError("x", { retryAfterMs: 20 }), { ...o, random: () => 0 })).toBe(20);
  });
});

describe("capability discovery under faults", () => {
  it("retries a probe that hits a 503, a dropped connection or a timeout", async () => {
    server = await startOpenAIServer();
    server.setFaults({ at: { 1: { kind: "503" }, 2: { kind: "drop" }, 3: { kind: "slow", delayMs: 1000 } } });
    const { client } = await openaiClient(server.baseURL, { timeoutMs: 100, maxRetries: 4 });
    expect(await client.capabilities()).toMatchObject({ api: "completions", exactScoring: true });
    expect(server.stats.requests).toBe(4);
  });
});
