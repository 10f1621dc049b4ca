/**
 * Issue 12 (cost), at the model-client level on the loopback fake server: usage counts what the
 * provider really did (a request several callers joined is metered once, cache hits as hits),
 * and a temperature-0 request is answered from the cache whatever sample key asks it.
 */
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { forgetCapabilities } from "../../src/llm/providers/openai-capabilities.js";
import { startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { openaiClient, tempDir } from "./support.js";

describe("usage and the cache (issue 12)", () => {
  let server: FakeOpenAIServer;
  const tmp = tempDir();
  beforeAll(async () => {
    server = await startOpenAIServer({ latencyMs: 20 });
  });
  afterEach(() => {
    forgetCapabilities();
    server.resetStats();
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it("meters a request that de-duplication joined once, and only its sender carries its usage", async () => {
    const { client, meter } = await openaiClient(server.baseURL, { api: "chat" });
    await client.capabilities();
    server.resetStats();
    const results = await Promise.all(Array.from({ length: 5 }, () => client.generate({ prompt: "Same question?", maxTokens: 2, temperature: 0 })));
    expect(server.stats.byRoute.chat).toBe(1);
    expect(meter.snapshot().total.requests).toBe(1);
    expect(results.reduce((s, r) => s + r.usage.requests, 0)).toBe(1);
    expect(results.reduce((s, r) => s + r.usage.promptTokens, 0)).toBe(meter.snapshot().total.promptTokens);
    await client.close?.();
  });

  it("answers an identical temperature-0 request from the cache whatever its sample key; sampled ones stay apart", async () => {
    const cache = { mode: "readwrite" as const, path: join(tmp.dir, "cache.sqlite") };
    const { client, meter } = await openaiClient(server.baseURL, { api: "chat" }, { cache });
    await client.generate({ prompt: "Greedy?", maxTokens: 2, temperature: 0, sampleKey: "iteration-1/0/y" });
    server.resetStats();
    await client.generate({ prompt: "Greedy?", maxTokens: 2, temperature: 0, sampleKey: "iteration-2/0/y" });
    expect(server.stats.requests).toBe(0);
    expect(meter.snapshot().total.cacheHits).toBe(1);
    await client.generate({ prompt: "Sampled?", maxTokens: 2, temperature: 0.7, sampleKey: 1 });
    await client.generate({ prompt: "Sampled?", maxTokens: 2, temperature: 0.7, sampleKey: 2 });
    expect(server.stats.byRoute.chat).toBe(2);
    await client.close?.();
  });
});

describe("prices (issue 15 item 4)", () => {
  it("knows well-known model names, dated snapshots too; the network's price wins; local models are free", async () => {
    const { priceOf, costBudgetProblem } = await import("../../src/llm/prices.js");
    expect(priceOf({ provider: "openai", model: "gpt-4o-mini" })).toEqual({ prompt: 0.15, completion: 0.6 });
    expect(priceOf({ provider: "openai", model: "gpt-4o-mini-2024-07-18" })).toEqual({ prompt: 0.15, completion: 0.6 });
    expect(priceOf({ provider: "openai", model: "gpt-4o-mini", price: { prompt: 1, completion: 2 } })).toEqual({ prompt: 1, completion: 2 });
    expect(priceOf({ provider: "sim", model: "tasks" })).toEqual({ prompt: 0, completion: 0 });
    expect(priceOf({ provider: "openai", model: "my-own-model" })).toBeUndefined();
    expect(costBudgetProblem({ a: { provider: "openai", model: "gpt-4.1-mini" } })).toBeUndefined();
    expect(costBudgetProblem({ a: { provider: "openai", model: "gpt-4.1-mini" }, b: { provider: "openai", model: "x" } })).toMatch(/b \(x\)/);
  });
});

describe("an n-request pays for its prompt once (issue 12)", () => {
  it("meters one request and the prompt's tokens once for n completions, and caches them as one entry", async () => {
    const server = await startOpenAIServer();
    const tmp = tempDir();
    try {
      const cache = { mode: "readwrite" as const, path: join(tmp.dir, "cache.sqlite") };
      const { client, meter } = await openaiClient(server.baseURL, { api: "chat" }, { cache });
      await client.capabilities();
      const one = await client.generate({ prompt: "Propose a better instruction for this task.", maxTokens: 4, temperature: 0.7, sampleKey: "p" });
      const before = meter.snapshot().total;
      const many = await client.generate({
        prompt: "Propose a better instruction for this task, please.",
        maxTokens: 4,
        temperature: 0.7,
        n: 5,
        sampleKey: "p",
      });
      const after = meter.snapshot().total;
      expect(many.completions).toHaveLength(5);
      expect(after.requests - before.requests).toBe(1);
      expect(after.promptTokens - before.promptTokens).toBeLessThanOrEqual(one.usage.promptTokens + 2);
      server.resetStats();
      const again = await client.generate({
        prompt: "Propose a better instruction for this task, please.",
        maxTokens: 4,
        temperature: 0.7,
        n: 5,
        sampleKey: "p",
      });
      expect(server.stats.requests).toBe(0);
      expect(again.completions.map((c) => c.text)).toEqual(many.completions.map((c) => c.text));
      await client.close?.();
    } finally {
      await server.close();
      tmp.cleanup();
      forgetCapabilities();
    }
  });
});
