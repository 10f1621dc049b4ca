/** Regression tests for bugs the end-to-end HTTP runs found (one per fix, named after it). */
import { afterEach, describe, expect, it } from "vitest";
import { createModelClient } from "../../src/llm/factory.js";
import { forgetCapabilities } from "../../src/llm/providers/openai-capabilities.js";
import { startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";

const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 5 };
let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("regressions found end to end", () => {
  it("openai-capabilities: a chat probe answered with few top alternatives does not cap top logprobs at that count", async () => {
    forgetCapabilities();
    // A confident model: the probe's one token has a single alternative; a classification prompt has many.
    server = await startOpenAIServer({
      completions: false,
      responder: (r) => {
        const prompt = String(r.body.messages?.at(-1)?.content ?? "");
        const top = prompt === "Hello world" ? [{ token: "!", logprob: -0.01 }] : Array.from({ length: r.body.top_logprobs ?? 0 }, (_x, i) => ({ token: ` t${i}`, logprob: -1 - i }));
        return {
          choices: [{ index: 0, message: { role: "assistant", content: top[0]?.token ?? "" }, finish_reason: "length",
            logprobs: r.body.logprobs ? { content: [{ token: top[0]?.token ?? "", logprob: top[0]?.logprob ?? 0, top_logprobs: top }] } : null }],
          usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 },
        };
      },
      faults: { decide: (r) => (r.route === "completions" ? { kind: "404" } : undefined) },
    });
    const client = await createModelClient(
      { provider: "openai", model: "confident", baseURL: server.baseURL, apiKey: "sk-test-not-a-secret-000000", api: "chat" },
      { baseDir: ".", env: {}, cache: { mode: "off" }, retry: FAST_RETRY },
    );
    expect(await client.capabilities()).toMatchObject({ api: "chat", exactScoring: false, topLogprobs: 20 });
    const r = await client.generate({ prompt: "Is it a bird?", maxTokens: 1, temperature: 0, topLogprobs: 20 });
    expect(r.completions[0].tokens?.[0]?.top).toHaveLength(20);
  });
});
