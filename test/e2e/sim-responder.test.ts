/**
 * The sim responder speaks OpenAI's shapes and agrees with the sim client it wraps: what the
 * openai provider reads back through HTTP (generation, top logprobs, exact echo scores) is what
 * the sim client returns directly.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createModelClient } from "../../src/llm/factory.js";
import { createSimClient } from "../../src/llm/providers/sim.js";
import type { ModelClient } from "../../src/llm/types.js";
import { generateTask } from "../../src/sim/tasks.js";
import { tokenize } from "../../src/sim/tokenizer.js";
import type { ModelSpec } from "../../src/network/types.js";
import { startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { segmentStarts, simResponder } from "../helpers/sim-responder.js";
import { classifyPrompt, residualPrompt, thinkPrompt } from "../sim/helpers.js";
import { at, only } from "../helpers/indexing.js";

const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 5 };

function httpClient(baseURL: string, spec: Partial<ModelSpec>): Promise<ModelClient> {
  return createModelClient(
    { provider: "openai", model: "sim-model", baseURL, apiKey: "sk-test-not-a-secret-000000", ...spec },
    { baseDir: ".", env: {}, cache: { mode: "off" }, retry: FAST_RETRY },
  );
}

const sum = (xs: Array<{ logprob: number }>) => xs.reduce((s, t) => s + t.logprob, 0);

describe("sim responder", () => {
  let server: FakeOpenAIServer;
  const sim = createSimClient({ seed: 0 });
  beforeAll(async () => {
    server = await startOpenAIServer({ responder: simResponder({ seed: 0 }) });
  });
  afterAll(() => server.close());

  it("cuts prompts after every closing cue", () => {
    const p = "Q Answer: yes\nmore Let's think step by step. t";
    expect(segmentStarts(p)).toEqual([0, p.indexOf(":") + 1, p.indexOf(".") + 1]);
  });

  it("echo scores through the provider equal the sim's exact scores, token by token", async () => {
    const client = await httpClient(server.baseURL, { api: "completions" });
    expect(await client.capabilities()).toMatchObject({ api: "completions", exactScoring: true });
    const [a, n] = [generateTask("animals", { seed: 5, n: 2 }), generateTask("navigate", { seed: 5, n: 2 })];
    const reasoning = at((await sim.generate({ prompt: thinkPrompt("Count the steps.", at(n, 0).x), temperature: 0 })).completions, 0).text;
    const pairs: Array<[string, string]> = [
      [classifyPrompt("Which class of animal is it? Answer with one word.", at(a, 0).x), ` ${at(a, 0).y}`],
      [classifyPrompt("Which class of animal is it? Answer with one word.", at(a, 0).x), "fish"],
      [thinkPrompt("Count the steps.", at(n, 0).x), reasoning],
      [thinkPrompt("Count the steps.", at(n, 1).x), " We follow the moves one at a time."],
      [residualPrompt("Answer the question.", at(n, 0).x, reasoning), " no"],
      [residualPrompt("Answer the question.", at(n, 1).x, "Some thoughts. Answer: maybe"), " yes"],
    ];
    const viaHttp = await Promise.all(pairs.map(([context, target]) => client.score({ context, target })));
    const direct = await Promise.all(pairs.map(([context, target]) => sim.score({ context, target })));
    pairs.forEach(([, target], i) => {
      expect(at(viaHttp, i).tokens.map((t) => t.token)).toEqual(tokenize(target));
      expect(at(viaHttp, i).tokens.map((t) => t.logprob)).toEqual(at(direct, i).tokens.map((t) => t.logprob));
      expect(sum(at(viaHttp, i).tokens)).toBeCloseTo(sum(at(direct, i).tokens), 12);
    });
    // The scores discriminate between answers.
    expect(sum(at(viaHttp, 0).tokens)).not.toBe(sum(at(viaHttp, 1).tokens));
    const echo = server.stats.received.filter((r) => r.body.echo === true);
    expect(echo.length).toBeGreaterThan(0);
    expect(echo.every((r) => r.body.max_tokens === 0)).toBe(true);
  });

  it("legacy completions: a prompt list, n, top logprobs and usage like the sim's", async () => {
    const client = await httpClient(server.baseURL, { api: "completions" });
    const prompts = generateTask("animals", { seed: 9, n: 3 }).map((s) => classifyPrompt("Is it a mammal? Answer yes or no.", s.x));
    const results = await Promise.all(prompts.map((prompt) => client.generate({ prompt, maxTokens: 8, temperature: 0, topLogprobs: 3, n: 2 })));
    for (const [i, prompt] of prompts.entries()) {
      const want = await sim.generate({ prompt, maxTokens: 8, temperature: 0, topLogprobs: 3, n: 2 });
      expect(at(results, i).completions.map((c) => c.text)).toEqual(want.completions.map((c) => c.text));
      expect(at(at(results, i).completions, 0).tokens).toEqual(at(want.completions, 0).tokens);
    }
    const last = server.stats.received.filter((r) => r.route === "completions" && !r.body.echo).at(-1)!;
    expect(last.body.logprobs).toBe(3);
  });

  it("chat: the sim's text, and per-token logprobs with top alternatives", async () => {
    const client = await httpClient(server.baseURL, { api: "chat" });
    const prompt = classifyPrompt("Answer yes or no.", only(generateTask("animals", { seed: 2, n: 1 })).x);
    const r = await client.generate({ prompt, maxTokens: 1, temperature: 0, topLogprobs: 20 });
    // A chat reply starts a new message, without the leading space a completion has.
    const want = await createSimClient({ seed: 0, endpoint: "chat" }).generate({ prompt, maxTokens: 1, temperature: 0, topLogprobs: 20 });
    expect(at(r.completions, 0).text).toBe(at(want.completions, 0).text);
    expect(at(r.completions, 0).tokens).toEqual(at(want.completions, 0).tokens);
    expect(at(at(r.completions, 0).tokens!, 0).top!.length).toBeGreaterThan(1);
    const sent = server.stats.received.filter((q) => q.route === "chat").at(-1)!.body;
    expect(sent.messages).toEqual([{ role: "user", content: prompt }]);
  });

  it("sampled requests: identical ones draw the same text (a seeded server), seeds and n draw different, reproducible samples; stop and max_tokens hold", async () => {
    const client = await httpClient(server.baseURL, { api: "chat" });
    const prompt = thinkPrompt("Reason about it.", only(generateTask("navigate", { seed: 3, n: 1 })).x);
    // Distinct sample keys keep the client from de-duplicating them; the HTTP bodies are identical.
    const identical = await Promise.all(Array.from({ length: 6 }, (_x, k) => client.generate({ prompt, temperature: 1, maxTokens: 64, sampleKey: k })));
    expect(new Set(identical.map((r) => at(r.completions, 0).text)).size).toBe(1);
    const draw = (c: ModelClient) => Promise.all(Array.from({ length: 20 }, (_x, k) => c.generate({ prompt, temperature: 1, maxTokens: 64, seed: k })));
    const texts = (await draw(client)).map((r) => at(r.completions, 0).text);
    expect(new Set(texts).size).toBeGreaterThan(1);
    const withN = await client.generate({ prompt, temperature: 1, maxTokens: 64, n: 20 });
    expect(new Set(withN.completions.map((c) => c.text)).size).toBeGreaterThan(1);
    const again = await startOpenAIServer({ responder: simResponder({ seed: 0 }) });
    try {
      const other = await httpClient(again.baseURL, { api: "chat" });
      const replay = await draw(other);
      expect(replay.map((r) => at(r.completions, 0).text)).toEqual(texts);
    } finally {
      await again.close();
    }
    const cut = await client.generate({ prompt, temperature: 0, maxTokens: 3 });
    expect(tokenize(at(cut.completions, 0).text)).toHaveLength(3);
    expect(at(cut.completions, 0).finishReason).toBe("length");
    const stopped = await client.generate({ prompt, temperature: 0, stop: [","] });
    expect(at(stopped.completions, 0).text).not.toContain(",");
  });
});
