/**
 * Issue 14, runtime items at the model-client level (loopback fake server only):
 * 1. one refused prompt of a batched legacy request fails only its own caller;
 * 7. the user-info of a baseURL never reaches a message;
 * 9. a dead endpoint (refused port) fails fast after a few connection failures, and a pool fails over.
 */
import { afterEach, describe, expect, it } from "vitest";
import { fakeGenerate, startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { redactSecrets } from "../../src/llm/errors.js";
import { withBreaker } from "../../src/llm/middleware/breaker.js";
import { EndpointUnavailableError } from "../../src/llm/errors.js";
import type { ModelClient } from "../../src/llm/types.js";
import { forgetCapabilities } from "../../src/llm/providers/openai-capabilities.js";
import { openaiClient } from "./support.js";
import { refusedPort } from "../helpers/ports.js";
import { at } from "../helpers/indexing.js";

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const HUGE = "word ".repeat(5000);

describe("item 1: one failing prompt of a batch", () => {
  it("a context-length 400 for one prompt of a 20-prompt legacy batch fails only that prompt (generate)", async () => {
    forgetCapabilities();
    server = await startOpenAIServer({
      faults: { decide: (r) => (r.route === "completions" && JSON.stringify(r.body.prompt).includes(HUGE) ? { kind: "context_length" } : undefined) },
    });
    const { client } = await openaiClient(server.baseURL, { api: "completions", batchSize: 20 }, { batchWindowMs: 50 });
    await client.capabilities();
    server.resetStats();
    const prompts = Array.from({ length: 20 }, (_x, i) => (i === 13 ? HUGE : `question ${i}`));
    const settled = await Promise.allSettled(prompts.map((prompt) => client.generate({ prompt, maxTokens: 3, temperature: 0 })));
    expect(settled.filter((s) => s.status === "rejected")).toHaveLength(1);
    expect(at(settled, 13).status).toBe("rejected");
    expect(((settled[13] as PromiseRejectedResult).reason as { code: string }).code).toBe("E_CONTEXT_LENGTH");
    settled.forEach((s, i) => {
      if (i !== 13)
        expect(at((s as PromiseFulfilledResult<{ completions: { text: string }[] }>).value.completions, 0).text).toBe(
          fakeGenerate(at(prompts, i), { maxTokens: 3, temperature: 0 }).text,
        );
    });
    expect(server.stats.promptsPerRequest[0]).toBe(20); // it was one batch first
    expect(server.stats.requests).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(20)));
  });

  it("the same for echo scoring: only the oversized pair fails", async () => {
    forgetCapabilities();
    server = await startOpenAIServer({
      faults: {
        decide: (r) =>
          r.route === "completions" && r.body.echo && JSON.stringify(r.body.prompt).includes(HUGE) ? { kind: "400", message: "too large" } : undefined,
      },
    });
    const { client } = await openaiClient(server.baseURL, { api: "completions", batchSize: 20 }, { batchWindowMs: 50 });
    await client.capabilities();
    const pairs = Array.from({ length: 20 }, (_x, i) => ({ context: i === 4 ? HUGE : `context ${i}`, target: " yes" }));
    const settled = await Promise.allSettled(pairs.map((p) => client.score(p)));
    expect(settled.map((s) => s.status)).toEqual(pairs.map((_p, i) => (i === 4 ? "rejected" : "fulfilled")));
  });

  it("an authentication error is not bisected: every caller gets it from one request", async () => {
    forgetCapabilities();
    server = await startOpenAIServer();
    const { client } = await openaiClient(server.baseURL, { api: "completions", batchSize: 20 }, { batchWindowMs: 50 });
    await client.capabilities();
    server.resetStats();
    server.setFaults({ decide: () => ({ kind: "401" }) });
    const settled = await Promise.allSettled(Array.from({ length: 8 }, (_x, i) => client.generate({ prompt: `q ${i}`, maxTokens: 2, temperature: 0 })));
    expect(settled.every((s) => s.status === "rejected")).toBe(true);
    expect(server.stats.requests).toBe(1);
  });
});

describe("item 7: credentials in baseURL", () => {
  it("redactSecrets removes the user-info of URLs", () => {
    expect(redactSecrets("request to http://user:secret@host:8080/v1/completions failed")).toBe("request to http://[redacted]@host:8080/v1/completions failed");
    expect(redactSecrets("see https://host/v1?x=1")).toBe("see https://host/v1?x=1");
  });

  it("a baseURL with a password is refused before any request, and the password is in no message", async () => {
    const err = await openaiClient("http://user:s3cr3t-pass@127.0.0.1:1/v1").then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(/user name or password/);
    expect(err!.message).not.toContain("s3cr3t-pass");
    expect(err!.message).toContain("127.0.0.1:1/v1");
  });
});

describe("item 9: dead endpoints", () => {
  it("a refused port stops every caller within seconds with one E_ENDPOINT_DEAD, not retries per request", async () => {
    forgetCapabilities();
    const port = await refusedPort();
    let retries = 0;
    const { client } = await openaiClient(
      `http://127.0.0.1:${port}/v1`,
      { api: "chat", maxRetries: 4 },
      { retry: { baseDelayMs: 20, maxDelayMs: 100, onRetry: () => void retries++ } },
    );
    const settled = await Promise.allSettled(Array.from({ length: 200 }, (_x, i) => client.generate({ prompt: `q ${i}` })));
    const codes = new Set(settled.map((s) => ((s as PromiseRejectedResult).reason as { code: string }).code));
    expect(codes).toEqual(new Set(["E_ENDPOINT_DEAD"]));
    expect(((settled[0] as PromiseRejectedResult).reason as Error).message).toMatch(/ECONNREFUSED/);
    expect(retries).toBeLessThan(10); // not 200 × 4
  });

  it("the breaker counts only connection failures, and resets on any answer", async () => {
    let calls = 0;
    const unreachable = () => new EndpointUnavailableError("connection failed", { connectionCode: "ECONNREFUSED" });
    let fail = true;
    const inner: ModelClient = {
      id: "fake",
      capabilities: async () => ({ api: "chat", exactScoring: false, topLogprobs: 0, batching: 1 }),
      generate: async () => {
        calls++;
        if (fail) throw unreachable();
        return { completions: [{ text: "ok" }], usage: { requests: 1, promptTokens: 0, completionTokens: 0, cacheHits: 0, cost: 0 } };
      },
      score: async () => {
        throw new Error("no");
      },
    };
    let t = 0;
    const client = withBreaker(inner, { threshold: 3, openMs: 1000, now: () => t });
    for (let i = 0; i < 2; i++) await expect(client.generate({ prompt: "x" })).rejects.toMatchObject({ code: "E_ENDPOINT_UNAVAILABLE" });
    fail = false;
    await client.generate({ prompt: "x" }); // resets
    fail = true;
    for (let i = 0; i < 2; i++) await expect(client.generate({ prompt: "x" })).rejects.toMatchObject({ code: "E_ENDPOINT_UNAVAILABLE" });
    await expect(client.generate({ prompt: "x" })).rejects.toMatchObject({ code: "E_ENDPOINT_DEAD" });
    const before = calls;
    await expect(client.generate({ prompt: "x" })).rejects.toMatchObject({ code: "E_ENDPOINT_DEAD" });
    expect(calls).toBe(before); // open: no request sent
    t = 2000; // half-open: one request tries again
    fail = false;
    await expect(client.generate({ prompt: "x" })).resolves.toBeDefined();
    expect(calls).toBe(before + 1);
  });

  it("requests in flight together count as one failure (a restarting server does not open the circuit)", async () => {
    let release!: () => void;
    const gate = new Promise<void>((done) => (release = done));
    const inner: ModelClient = {
      id: "fake",
      capabilities: async () => ({ api: "chat", exactScoring: false, topLogprobs: 0, batching: 1 }),
      generate: async () => {
        await gate;
        throw new EndpointUnavailableError("connection failed", { connectionCode: "ECONNREFUSED" });
      },
      score: async () => {
        throw new Error("no");
      },
    };
    const client = withBreaker(inner, { threshold: 3 });
    const pending = Array.from({ length: 10 }, () => client.generate({ prompt: "x" }));
    release();
    const burst = await Promise.allSettled(pending);
    expect(burst.map((s) => ((s as PromiseRejectedResult).reason as { code: string }).code)).toEqual(Array(10).fill("E_ENDPOINT_UNAVAILABLE"));
    // Two more rounds, one after the other, open it.
    await expect(client.generate({ prompt: "x" })).rejects.toMatchObject({ code: "E_ENDPOINT_UNAVAILABLE" });
    await expect(client.generate({ prompt: "x" })).rejects.toMatchObject({ code: "E_ENDPOINT_DEAD" });
  });

  it("a model with a dead and a live endpoint fails over to the live one", async () => {
    forgetCapabilities();
    server = await startOpenAIServer();
    const port = await refusedPort();
    const { client } = await openaiClient(server.baseURL, {
      api: "chat",
      maxRetries: 2,
      endpoints: [{ baseURL: `http://127.0.0.1:${port}/v1` }, { baseURL: server.baseURL }],
    });
    const results = await Promise.all(Array.from({ length: 30 }, (_x, i) => client.generate({ prompt: `q ${i}`, maxTokens: 2, temperature: 0 })));
    expect(results).toHaveLength(30);
  });
});
