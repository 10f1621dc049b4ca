import { describe, expect, it } from "vitest";
import { startOpenAIServer } from "../helpers/openai-server.js";
import { redactSecrets } from "../../src/llm/errors.js";
import { AdaptiveLimit, Semaphore, SlidingWindow } from "../../src/llm/middleware/limit.js";
import { openaiClient } from "./support.js";

describe("limits", () => {
  it("holds a request over the per-minute budget until the window moves", async () => {
    let now = 0;
    const window = new SlidingWindow(2, () => now);
    await window.take(1);
    await window.take(1);
    let third = false;
    const pending = window.take(1).then(() => (third = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(third).toBe(false);
    now = 60_001;
    await pending;
    expect(third).toBe(true);
  });

  it("lets a waiter leave the semaphore queue when aborted", async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: "E_ABORTED" });
    release();
    const again = await semaphore.acquire();
    expect(semaphore.inFlight).toBe(1);
    again();
    expect(semaphore.inFlight).toBe(0);
  });
});

describe("adaptive concurrency (issue 12)", () => {
  it("lets a retry (priority) go ahead of requests already waiting", async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    const order: string[] = [];
    const fresh = semaphore.acquire().then((r) => (order.push("new"), r));
    const retry = semaphore.acquire(undefined, true).then((r) => (order.push("retry"), r));
    release();
    (await retry)();
    (await fresh)();
    expect(order).toEqual(["retry", "new"]);
    expect(semaphore.inFlight).toBe(0);
  });

  it("halves the limit on a 429 once per round and grows it back by one per round of successes", () => {
    const semaphore = new Semaphore(8);
    const limit = new AdaptiveLimit(semaphore, 8);
    const round = limit.started();
    limit.rateLimited(round);
    limit.rateLimited(round); // sent in the same round: no second decrease
    expect(limit.current).toBe(4);
    expect(semaphore.capacity).toBe(4);
    limit.rateLimited(limit.started());
    expect(limit.current).toBe(2);
    for (let i = 0; i < 2; i++) limit.succeeded();
    expect(limit.current).toBe(2); // 2 + 1/2 + 1/2.5: one more only after a round of successes
    limit.succeeded();
    expect(limit.current).toBe(3);
    for (let i = 0; i < 100; i++) limit.succeeded();
    expect(limit.current).toBe(8);
    expect(semaphore.capacity).toBe(8);
  });

  it("slows down on 429s through the limits middleware, and every request still completes", async () => {
    const server = await startOpenAIServer({ latencyMs: 5 });
    try {
      server.setFaults({ at: { 2: { kind: "429", retryAfter: "0" }, 3: { kind: "429", retryAfter: "0" } } });
      const { client } = await openaiClient(server.baseURL, { api: "chat", concurrency: 8, maxRetries: 6 });
      await client.capabilities();
      const results = await Promise.all(Array.from({ length: 24 }, (_x, i) => client.generate({ prompt: `q${i}`, maxTokens: 1, temperature: 0 })));
      expect(results).toHaveLength(24);
      expect(server.stats.faults["429"]).toBe(2);
      expect(server.stats.maxConcurrent).toBeLessThanOrEqual(8);
    } finally {
      await server.close();
    }
  });
});

describe("secrets", () => {
  it("redacts keys and authorization values from text", () => {
    const text = 'Authorization: Bearer abc.def key sk-proj-ABCDEFGH12345 {"api-key": "zzz"} https://x/?api-key=qqq';
    const out = redactSecrets(text);
    for (const secret of ["abc.def", "sk-proj-ABCDEFGH12345", "zzz", "qqq"]) expect(out).not.toContain(secret);
  });

  it("keeps a key the server echoes back out of error messages", async () => {
    const key = "plainsecretvalue-42";
    const server = await startOpenAIServer();
    try {
      const { client, warnings } = await openaiClient(server.baseURL, { api: "chat", scoring: "classes", apiKey: key, topLogprobs: 99 });
      await client.capabilities();
      server.setFaults({ decide: () => ({ kind: "400", message: `Invalid key ${key} for this model` }) });
      const err = await client.generate({ prompt: "x" }).catch((e) => e);
      expect(err.code).toBe("E_BAD_REQUEST");
      expect(server.stats.received.at(-1)!.headers.authorization).toBe(`Bearer ${key}`);
      expect(`${err.message} ${String(err.cause)} ${err.stack}`).not.toContain(key);
      expect(warnings.join(" ")).not.toContain(key);
    } finally {
      await server.close();
    }
  });
});
