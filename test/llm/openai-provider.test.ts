import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeGenerate, fakeNextTokenDistribution, fakeTokenize, fakeTokenLogprob, startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { targetTokensFromEcho, type LegacyLogprobs } from "../../src/llm/providers/openai-parse.js";
import { openaiClient } from "./support.js";
import { at } from "../helpers/indexing.js";

describe("openai provider against the fake server", () => {
  let server: FakeOpenAIServer;
  beforeAll(async () => {
    server = await startOpenAIServer();
  });
  afterAll(() => server.close());

  it("discovers capabilities once per endpoint: echo, completions, top-logprobs limit", async () => {
    const { client } = await openaiClient(server.baseURL);
    const before = server.stats.requests;
    const caps = await client.capabilities();
    expect(caps).toEqual({ api: "completions", exactScoring: true, topLogprobs: 5, batching: 20 });
    const { client: again } = await openaiClient(server.baseURL);
    await again.capabilities();
    expect(server.stats.requests - before).toBe(1); // one echo probe, remembered
  });

  it("generates through legacy completions with n, stop, seed and top logprobs", async () => {
    const { client } = await openaiClient(server.baseURL, { api: "completions" });
    const result = await client.generate({ prompt: "Is it?", n: 2, maxTokens: 5, temperature: 0.7, seed: 3, topLogprobs: 3, stop: ["."] });
    expect(result.completions).toHaveLength(2);
    const expected = fakeGenerate("Is it?", { maxTokens: 5, temperature: 0.7, seed: 3, stop: ["."], choice: 1, topK: 3 });
    expect(at(result.completions, 1).text).toBe(expected.text);
    expect(at(result.completions, 1).tokens?.[0]?.top).toHaveLength(3);
    expect(result.usage.requests).toBe(1);
    expect(result.usage.promptTokens).toBe(fakeTokenize("Is it?").length);
  });

  it("generates through chat, and clamps top logprobs to the chat limit with a warning", async () => {
    const { client, warnings } = await openaiClient(server.baseURL, { api: "chat" });
    const result = await client.generate({ prompt: "Hello", maxTokens: 2, temperature: 0, topLogprobs: 50 });
    const expected = fakeGenerate("Hello", { maxTokens: 2, temperature: 0 });
    expect(at(result.completions, 0).text).toBe(expected.text);
    expect(at(result.completions, 0).tokens?.[0]?.top).toHaveLength(20);
    const sent = server.stats.received.at(-1)!.body;
    expect(sent.top_logprobs).toBe(20);
    expect(warnings.join("\n")).toMatch(/topLogprobs 50 .* using 20/);
  });

  it("batches concurrent legacy prompts with identical parameters into one request, split by index", async () => {
    const { client } = await openaiClient(server.baseURL, { api: "completions", batchSize: 3 }, { batchWindowMs: 20 });
    await client.capabilities();
    server.resetStats();
    const prompts = ["a", "b", "c", "d", "e", "f", "g"];
    const results = await Promise.all(prompts.map((prompt) => client.generate({ prompt, maxTokens: 3, temperature: 0, n: 2 })));
    expect(server.stats.promptsPerRequest.sort()).toEqual([1, 3, 3]);
    results.forEach((r, i) => {
      expect(r.completions.map((c) => c.text)).toEqual([0, 1].map((choice) => fakeGenerate(at(prompts, i), { maxTokens: 3, temperature: 0, choice }).text));
    });
    // A request with other parameters is not mixed in.
    server.resetStats();
    await Promise.all([client.generate({ prompt: "x", maxTokens: 3 }), client.generate({ prompt: "y", maxTokens: 4 })]);
    expect(server.stats.promptsPerRequest).toEqual([1, 1]);
  });

  it("scores a target exactly with echo, locating it by text offsets", async () => {
    const { client } = await openaiClient(server.baseURL);
    const context = "Question: is the sky blue? Answer:";
    const target = " yes it is";
    const { tokens } = await client.score({ context, target });
    const full = fakeTokenize(context + target);
    const contextTokens = fakeTokenize(context).length;
    const expected = full.slice(contextTokens).map((token, i) => ({ token, logprob: fakeTokenLogprob(full.slice(0, contextTokens + i).join(""), token) }));
    expect(tokens).toEqual(expected);
    const sent = server.stats.received.at(-1)!.body;
    expect(sent).toMatchObject({ echo: true, max_tokens: 0, logprobs: 0 }); // own logprobs only: no alternatives to receive and parse
  });

  it("batches concurrent score requests into one echo request", async () => {
    const { client } = await openaiClient(server.baseURL, {}, { batchWindowMs: 20 });
    await client.capabilities();
    server.resetStats();
    const scored = await Promise.all([" yes", " no", " maybe"].map((target) => client.score({ context: "Q?", target })));
    expect(server.stats.promptsPerRequest).toEqual([3]);
    expect(scored.map((s) => at(s.tokens, 0).logprob)).toEqual([" yes", " no", " maybe"].map((t) => fakeTokenLogprob("Q?", t)));
  });

  it("reports no exact scoring when completions are missing (OpenAI chat models) and refuses score()", async () => {
    const chatOnly = await startOpenAIServer({ completions: false });
    try {
      const { client } = await openaiClient(chatOnly.baseURL);
      expect(await client.capabilities()).toEqual({ api: "chat", exactScoring: false, topLogprobs: 20, batching: 1 });
      await expect(client.score({ context: "a", target: "b" })).rejects.toMatchObject({
        code: "E_UNSUPPORTED",
        message: expect.stringMatching(/echo/),
        hint: expect.stringMatching(/classes.*accuracy/),
      });
      const result = await client.generate({ prompt: "hi", maxTokens: 2 });
      expect(chatOnly.stats.byRoute.chat).toBeGreaterThanOrEqual(2);
      expect(result.completions).toHaveLength(1);
    } finally {
      await chatOnly.close();
    }
  });

  it("sees completions without echo as non-exact", async () => {
    const noEcho = await startOpenAIServer({ echo: false });
    try {
      const { client } = await openaiClient(noEcho.baseURL);
      expect(await client.capabilities()).toMatchObject({ api: "completions", exactScoring: false, topLogprobs: 5 });
    } finally {
      await noEcho.close();
    }
  });

  it("speaks Azure OpenAI: deployment path, api-version query, api-key header", async () => {
    const { client } = await openaiClient(server.url, { api: "chat", model: "my-deploy", azure: { apiVersion: "2024-10-21" } });
    server.resetStats();
    await client.generate({ prompt: "hi", maxTokens: 1 });
    const last = server.stats.received.at(-1)!;
    expect(last.url).toBe("/openai/deployments/my-deploy/chat/completions?api-version=2024-10-21");
    expect(last.headers["api-key"]).toBe("sk-test-not-a-real-key-000");
  });
});

describe("targetTokensFromEcho", () => {
  const lp = (tokens: string[], logprobs: (number | null)[]): LegacyLogprobs => {
    let offset = 0;
    const offsets = tokens.map((t) => ((offset += [...t].length), offset - [...t].length));
    return { tokens, logprobs, top: tokens.map(() => undefined), offsets };
  };

  it("takes the tokens from the first offset at or after the context's end", () => {
    const echo = lp(["Q", ":", " yes", " sir"], [null, -1, -2, -3]);
    expect(targetTokensFromEcho(echo, "Q:", " yes sir", "t")).toEqual([
      { token: " yes", logprob: -2 },
      { token: " sir", logprob: -3 },
    ]);
  });

  it("counts a token that straddles the boundary as part of the target", () => {
    // The tokenizer merged the context's trailing space with the target's first word.
    const echo = lp(["Answer", ":", " yes"], [null, -1, -2]);
    expect(targetTokensFromEcho(echo, "Answer: ", "yes", "t")).toEqual([{ token: " yes", logprob: -2 }]);
  });

  it("ignores generated tokens after the target and the null first logprob of an empty context", () => {
    const echo = lp(["yes", " no", "."], [null, -1, -9]);
    expect(targetTokensFromEcho(echo, "", "yes no", "t")).toEqual([{ token: " no", logprob: -1 }]);
  });

  it("measures offsets in code points, as Python servers report them", () => {
    const echo = lp(["😀", " ok"], [null, -1]);
    expect(targetTokensFromEcho(echo, "😀", " ok", "t")).toEqual([{ token: " ok", logprob: -1 }]);
  });
});

it("the fake model's next-token distribution is normalised", () => {
  const total = fakeNextTokenDistribution("abc").reduce((s, t) => s + Math.exp(t.logprob), 0);
  expect(total).toBeCloseTo(1, 10);
});
