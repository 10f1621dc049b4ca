/**
 * Echo scoring asks for `logprobs: 0` (the prompt tokens' own logprobs, no alternatives), parses
 * each response once without reading alternatives, and falls back to `logprobs: 1` on an endpoint
 * that answers 0 with no logprobs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codePoints, parseEchoBody, targetTokensFromEcho } from "../../src/llm/providers/openai-parse.js";
import { fakeTokenize, fakeTokenLogprob, startOpenAIServer, type FakeOpenAIServer, type ReceivedRequest } from "../helpers/openai-server.js";
import { openaiClient } from "./support.js";

/** Echo logprobs of `prompt` as legacy completions return them, with one top alternative per token when `top`. */
function echoChoice(prompt: string, index: number, top: boolean) {
  const tokens = fakeTokenize(prompt);
  const text_offset: number[] = [];
  let at = 0;
  for (const t of tokens) {
    text_offset.push(at);
    at += [...t].length;
  }
  const token_logprobs = tokens.map((t, i) => (i === 0 ? null : fakeTokenLogprob(tokens.slice(0, i).join(""), t)));
  const top_logprobs = top ? tokens.map((t, i) => (i === 0 ? null : { [t]: token_logprobs[i] })) : tokens.map(() => ({}));
  return { index, text: prompt, finish_reason: "length", logprobs: { tokens, token_logprobs, top_logprobs, text_offset } };
}

/** An endpoint like some servers: `logprobs: 0` means "no logprobs" there. */
function zeroMeansNone(request: ReceivedRequest) {
  const prompts: string[] = Array.isArray(request.body.prompt) ? request.body.prompt : [request.body.prompt];
  const withLogprobs = typeof request.body.logprobs === "number" && request.body.logprobs > 0;
  return {
    choices: prompts.map((p, i) => (withLogprobs ? echoChoice(p, i, true) : { index: i, text: p, finish_reason: "length", logprobs: null })),
    usage: { prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 },
  };
}

describe("echo scoring", () => {
  let server: FakeOpenAIServer;
  beforeAll(async () => {
    server = await startOpenAIServer({ responder: zeroMeansNone });
  });
  afterAll(() => server.close());

  it("asks again with logprobs 1 when an endpoint answers 0 with none, and keeps asking with 1", async () => {
    const { client } = await openaiClient(server.baseURL, { model: "zero-means-none" });
    await client.capabilities();
    server.resetStats();
    const context = "Question: is the sky blue? Answer:";
    const first = await client.score({ context, target: " yes it is" });
    const full = fakeTokenize(context + " yes it is");
    const n = fakeTokenize(context).length;
    expect(first.tokens).toEqual(full.slice(n).map((token, i) => ({ token, logprob: fakeTokenLogprob(full.slice(0, n + i).join(""), token) })));
    expect(server.stats.received.map((r) => r.body.logprobs)).toEqual([0, 1]);
    await client.score({ context, target: " no" });
    expect(server.stats.received.map((r) => r.body.logprobs)).toEqual([0, 1, 1]);
  });
});

describe("parseEchoBody", () => {
  it("reads each choice's tokens, logprobs and offsets by index, and no alternatives", () => {
    const body = { choices: [echoChoice("b c", 1, true), echoChoice("a b", 0, true)], usage: { prompt_tokens: 4, completion_tokens: 0 } };
    const parsed = parseEchoBody(body, "t");
    expect(parsed.promptTokens).toBe(4);
    expect(parsed.logprobs.get(0)?.tokens).toEqual(["a", " b"]);
    expect(parsed.logprobs.get(1)?.offsets).toEqual([0, 1]);
    expect(parsed.logprobs.get(1)?.top.every((t) => t === undefined)).toBe(true);
    expect(targetTokensFromEcho(parsed.logprobs.get(0)!, "a", " b", "t")).toEqual([{ token: " b", logprob: fakeTokenLogprob("a", " b") }]);
  });

  it("refuses a malformed choice", () => {
    expect(() => parseEchoBody({ choices: [{ index: 0, logprobs: { tokens: ["a"], token_logprobs: [] } }] }, "t")).toThrow(/token_logprobs/);
  });
});

describe("codePoints", () => {
  it("counts code points as [...text].length does, surrogate pairs as one", () => {
    for (const text of ["", "abc", "😀", "a😀b😀", "\ud800", "x\udc00y", "é🎉\ud83d"]) expect(codePoints(text)).toBe([...text].length);
  });
});
