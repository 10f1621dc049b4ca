/**
 * Issue 14, the gap left by the 4xx bisection: one prompt of a batched legacy request makes the
 * server drop the connection (or answer 500) every time. After the retries the batch is split, so
 * only that prompt's caller fails; an endpoint that fails everything is not split into more
 * requests; a cancellation stops the splitting. Loopback fake server, plus a fake client for abort.
 */
import { afterEach, describe, expect, it } from "vitest";
import { fakeGenerate, startOpenAIServer, type Fault, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { EndpointUnavailableError, RateLimitedError } from "../../src/llm/errors.js";
import { withBatching } from "../../src/llm/middleware/batch.js";
import { retrying, withoutRetriesFor, withRetry } from "../../src/llm/middleware/retry.js";
import { forgetCapabilities } from "../../src/llm/providers/openai-capabilities.js";
import type { GenerateRequest, GenerateResult, ModelClient } from "../../src/llm/types.js";
import { isAbort } from "../../src/util/errors.js";
import { at } from "../helpers/indexing.js";
import { FAST_RETRY, openaiClient } from "./support.js";

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const POISON = "POISON-PILL";
const MAX_RETRIES = 4;
/** One batch given up after its retries, then one request per half at each of log2(n) levels. */
const bound = (n: number) => MAX_RETRIES + 1 + 2 * Math.ceil(Math.log2(n));

const poisoned = (fault: Fault) => ({
  decide: (r: { route: string; body: { prompt?: unknown } }) =>
    r.route === "completions" && JSON.stringify(r.body.prompt).includes(POISON) ? fault : undefined,
});

async function batchedClient(fault: Fault | undefined, batchSize = 8) {
  forgetCapabilities();
  server = await startOpenAIServer({ faults: fault && poisoned(fault) });
  const { client } = await openaiClient(server.baseURL, { api: "completions", batchSize, maxRetries: MAX_RETRIES }, { batchWindowMs: 50 });
  await client.capabilities();
  server.resetStats();
  return client;
}

const reasonOf = (s: PromiseSettledResult<unknown>) => (s as PromiseRejectedResult).reason as Error & { code: string };

describe("one prompt that breaks the connection or the server fails alone", () => {
  for (const [name, fault] of [
    ["the server destroys the connection", { kind: "drop" }],
    ["the server answers 500", { kind: "500" }],
  ] as const) {
    it(`${name} for one prompt of 8: the other 7 are answered, within ${bound(8)} requests`, async () => {
      const client = await batchedClient(fault);
      const prompts = Array.from({ length: 8 }, (_x, i) => (i === 5 ? `question ${i} ${POISON}` : `question ${i}`));
      const settled = await Promise.allSettled(prompts.map((prompt) => client.generate({ prompt, maxTokens: 3, temperature: 0 })));
      expect(settled.map((s) => s.status)).toEqual(prompts.map((_p, i) => (i === 5 ? "rejected" : "fulfilled")));
      settled.forEach((s, i) => {
        if (s.status === "fulfilled") expect(at(s.value.completions, 0).text).toBe(fakeGenerate(at(prompts, i), { maxTokens: 3, temperature: 0 }).text);
      });
      const error = reasonOf(at(settled, 5));
      expect(error.code).toBe("E_ENDPOINT_UNAVAILABLE");
      expect(error.message).toMatch(/on its own/);
      expect(server!.stats.promptsPerRequest.slice(0, MAX_RETRIES + 1)).toEqual(Array(MAX_RETRIES + 1).fill(8)); // the whole batch got its retries
      expect(server!.stats.requests).toBeLessThanOrEqual(bound(8));
    });
  }

  it("the same for batched echo scoring: only the poisoned pair fails", async () => {
    const client = await batchedClient({ kind: "drop" });
    const pairs = Array.from({ length: 8 }, (_x, i) => ({ context: i === 2 ? `context ${POISON}` : `context ${i}`, target: " yes" }));
    const settled = await Promise.allSettled(pairs.map((p) => client.score(p)));
    expect(settled.map((s) => s.status)).toEqual(pairs.map((_p, i) => (i === 2 ? "rejected" : "fulfilled")));
    expect(server!.stats.requests).toBeLessThanOrEqual(bound(8));
  });

  it("two poisoned prompts in different halves of a lone batch look like an outage: the batch is not split further", async () => {
    const client = await batchedClient({ kind: "drop" });
    const prompts = Array.from({ length: 8 }, (_x, i) => (i === 1 || i === 6 ? `q ${i} ${POISON}` : `q ${i}`));
    const settled = await Promise.allSettled(prompts.map((prompt) => client.generate({ prompt, maxTokens: 2, temperature: 0 })));
    expect(settled.every((s) => s.status === "rejected")).toBe(true);
    expect(server!.stats.requests).toBe(MAX_RETRIES + 1 + 2);
  });
});

describe("an endpoint that fails everything is not split into more requests", () => {
  it("every request answered 500: one batch of 8 costs its retries and one split (2 requests), no more", async () => {
    const client = await batchedClient(undefined);
    server!.setFaults({ decide: (r) => (r.route === "completions" ? { kind: "500" } : undefined) });
    const settled = await Promise.allSettled(Array.from({ length: 8 }, (_x, i) => client.generate({ prompt: `q ${i}`, maxTokens: 2, temperature: 0 })));
    expect(settled.every((s) => s.status === "rejected")).toBe(true);
    expect(reasonOf(at(settled, 0)).code).toBe("E_ENDPOINT_UNAVAILABLE");
    expect(reasonOf(at(settled, 0)).message).toMatch(/not split/);
    expect(server!.stats.requests).toBe(MAX_RETRIES + 1 + 2);
  });

  it("four batches in flight during an outage: one split in all (4 × 5 + 2 requests)", async () => {
    const client = await batchedClient(undefined);
    server!.setFaults({ decide: (r) => (r.route === "completions" ? { kind: "drop" } : undefined) });
    const settled = await Promise.allSettled(Array.from({ length: 32 }, (_x, i) => client.generate({ prompt: `q ${i}`, maxTokens: 2, temperature: 0 })));
    expect(settled.every((s) => s.status === "rejected")).toBe(true);
    expect(server!.stats.promptsPerRequest.filter((n) => n === 8)).toHaveLength(4 * (MAX_RETRIES + 1));
    expect(server!.stats.requests).toBe(4 * (MAX_RETRIES + 1) + 2);
  });
});

/** A batching client over a fake endpoint that drops the connection of any batch holding the poison. */
function fakeEndpoint(
  onBatch: (prompts: string[]) => void | Promise<void>,
  failure = () => new EndpointUnavailableError("connection dropped (ECONNRESET)", { where: "fake:model@test" }),
): ModelClient {
  const answer = (r: GenerateRequest): GenerateResult => ({
    completions: [{ text: `ok ${r.prompt}` }],
    usage: { requests: 1, promptTokens: 1, completionTokens: 1, cacheHits: 0, cost: 0 },
  });
  const inner: ModelClient = {
    id: "fake:model@test",
    capabilities: async () => ({ api: "completions", exactScoring: false, topLogprobs: 0, batching: 8 }),
    generate: async (r) => answer(r),
    score: async () => Promise.reject(new Error("not used")),
    generateBatch: async (rs) => {
      await onBatch(rs.map((r) => r.prompt));
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (rs.some((r) => r.prompt.includes(POISON))) throw failure();
      return rs.map(answer);
    },
  };
  return withBatching(withRetry(inner, { ...FAST_RETRY, maxRetries: MAX_RETRIES }), { windowMs: 20 });
}

describe("cancellation and the retry budget of a split", () => {
  it("callers that cancel while their batch is being split stop it: nothing more is sent", async () => {
    const controller = new AbortController();
    const batches: string[][] = [];
    const client = fakeEndpoint((prompts) => {
      batches.push(prompts);
      if (prompts.length < 8) controller.abort(); // the first split: everyone cancels
    });
    const prompts = Array.from({ length: 8 }, (_x, i) => (i === 3 ? POISON : `q ${i}`));
    const settled = await Promise.allSettled(prompts.map((prompt) => client.generate({ prompt, signal: controller.signal })));
    expect(settled.every((s) => s.status === "rejected" && isAbort(s.reason))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(batches.filter((b) => b.length === 8)).toHaveLength(MAX_RETRIES + 1);
    expect(batches.length).toBeLessThanOrEqual(MAX_RETRIES + 1 + 2); // the two halves at most, then nothing
  });

  it("a fake endpoint: 1 poisoned prompt among 8 costs retries + 2·log2(8) batch calls, and the halves are sent once each", async () => {
    const batches: string[][] = [];
    const client = fakeEndpoint((prompts) => void batches.push(prompts));
    const prompts = Array.from({ length: 8 }, (_x, i) => (i === 7 ? POISON : `q ${i}`));
    const settled = await Promise.allSettled(prompts.map((prompt) => client.generate({ prompt })));
    expect(settled.map((s) => s.status)).toEqual(prompts.map((_p, i) => (i === 7 ? "rejected" : "fulfilled")));
    expect(batches.map((b) => b.length)).toEqual([8, 8, 8, 8, 8, 4, 4, 2, 2, 1, 1]);
  });

  it("two poisoned prompts in different halves of a batch, while another batch is answered: only those two fail", async () => {
    let poisonedCalls = 0;
    let lastRetry!: () => void;
    const retried = new Promise<void>((resolve) => (lastRetry = resolve));
    const client = fakeEndpoint(async (prompts) => {
      if (prompts.some((p) => p.includes(POISON)) && ++poisonedCalls === MAX_RETRIES + 1) lastRetry();
      if (prompts.length === 8 && !prompts.some((p) => p.includes(POISON))) await retried; // answered while the other batch retries
    });
    const prompts = Array.from({ length: 16 }, (_x, i) => (i === 9 || i === 14 ? `q ${i} ${POISON}` : `q ${i}`));
    const settled = await Promise.allSettled(prompts.map((prompt) => client.generate({ prompt })));
    expect(settled.map((s) => s.status)).toEqual(prompts.map((_p, i) => (i === 9 || i === 14 ? "rejected" : "fulfilled")));
  });

  for (const [name, failure] of [
    ["a rate limit (429)", () => new RateLimitedError("slow down", { status: 429 })],
    ["an endpoint that cannot be reached (ECONNREFUSED)", () => new EndpointUnavailableError("connection refused", { connectionCode: "ECONNREFUSED" })],
  ] as const) {
    it(`${name} is not a prompt's fault: the batch is not split`, async () => {
      const batches: string[][] = [];
      const client = fakeEndpoint((prompts) => void batches.push(prompts), failure);
      const settled = await Promise.allSettled(Array.from({ length: 8 }, (_x, i) => client.generate({ prompt: i === 0 ? POISON : `q ${i}` })));
      expect(settled.every((s) => s.status === "rejected")).toBe(true);
      expect(batches.map((b) => b.length)).toEqual(Array(MAX_RETRIES + 1).fill(8));
    });
  }

  it("withoutRetriesFor: the errors it names are thrown at once, other transient errors are still retried", async () => {
    let calls = 0;
    const dropped = new EndpointUnavailableError("connection dropped");
    await expect(
      withoutRetriesFor(
        (e) => e instanceof EndpointUnavailableError,
        () => retrying("w", FAST_RETRY, undefined, async () => (calls++, Promise.reject(dropped))),
      ),
    ).rejects.toBe(dropped);
    expect(calls).toBe(1);
    calls = 0;
    const result = await withoutRetriesFor(
      (e) => e instanceof EndpointUnavailableError,
      () => retrying("w", FAST_RETRY, undefined, async () => (++calls < 3 ? Promise.reject(new RateLimitedError("slow down")) : "ok")),
    );
    expect([result, calls]).toEqual(["ok", 3]);
  });
});
