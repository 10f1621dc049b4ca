/**
 * Reading OpenAI-compatible response bodies. Every body is checked before use: a malformed one
 * becomes a MalformedResponseError (retried), never a half-parsed result.
 */
import { MalformedResponseError } from "../errors.js";
import type { Completion, TokenLogprob, TopLogprob, Usage } from "../types.js";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

interface ParsedChoice {
  index: number;
  completion: Completion;
}

export interface ParsedBody {
  choices: ParsedChoice[];
  promptTokens?: number;
  completionTokens?: number;
}

function fail(where: string, detail: string): never {
  throw new MalformedResponseError(detail, { where });
}

function baseBody(body: unknown, where: string): { choices: Json[]; usage: Json | undefined } {
  if (!isObject(body)) fail(where, typeof body === "string" ? "the body is not JSON" : "the body is not a JSON object");
  if (!Array.isArray(body.choices) || !body.choices.every(isObject)) fail(where, "`choices` is missing or not a list of objects");
  return { choices: body.choices as Json[], usage: isObject(body.usage) ? body.usage : undefined };
}

function usageOf(usage: Json | undefined): Pick<ParsedBody, "promptTokens" | "completionTokens"> {
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  return { promptTokens: n(usage?.prompt_tokens), completionTokens: n(usage?.completion_tokens) };
}

function sortedTop(entries: TopLogprob[]): TopLogprob[] {
  return entries.sort((a, b) => b.logprob - a.logprob);
}

/** Legacy completions logprobs: parallel arrays `tokens`, `token_logprobs`, `top_logprobs`, `text_offset`. */
export interface LegacyLogprobs {
  tokens: string[];
  logprobs: (number | null)[];
  top: (TopLogprob[] | undefined)[];
  offsets: number[] | undefined;
}

/**
 * A choice's legacy logprobs, checked. `withTop: false` leaves the top alternatives unread (every
 * entry `undefined`): echo scoring reads only the prompt tokens' own logprobs, and building the
 * alternatives of every prompt token was a large share of the client's CPU in a training step.
 */
function readLegacyLogprobs(value: unknown, where: string, withTop = true): LegacyLogprobs | undefined {
  if (value === null || value === undefined) return undefined;
  if (!isObject(value)) fail(where, "`logprobs` is not an object");
  const { tokens, token_logprobs, top_logprobs, text_offset } = value;
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === "string")) fail(where, "`logprobs.tokens` is not a list of strings");
  if (!Array.isArray(token_logprobs) || token_logprobs.length !== tokens.length || !token_logprobs.every((l) => l === null || typeof l === "number")) {
    fail(where, "`logprobs.token_logprobs` does not match `logprobs.tokens`");
  }
  let offsets: number[] | undefined;
  if (text_offset !== undefined && text_offset !== null) {
    if (!Array.isArray(text_offset) || text_offset.length !== tokens.length || !text_offset.every((o) => typeof o === "number")) {
      fail(where, "`logprobs.text_offset` does not match `logprobs.tokens`");
    }
    offsets = text_offset as number[];
  }
  if (!withTop) return { tokens: tokens as string[], logprobs: token_logprobs as (number | null)[], top: new Array(tokens.length), offsets };
  const top = tokens.map((_t, i) => {
    const entry = Array.isArray(top_logprobs) ? top_logprobs[i] : undefined;
    if (!isObject(entry)) return undefined;
    return sortedTop(
      Object.entries(entry)
        .filter(([, l]) => typeof l === "number")
        .map(([token, logprob]) => ({ token, logprob: logprob as number })),
    );
  });
  return { tokens: tokens as string[], logprobs: token_logprobs as (number | null)[], top, offsets };
}

/** A legacy completions body: choices carry `text`, `index` and optional logprobs. */
export function parseCompletionsBody(body: unknown, where: string, withTop: boolean): ParsedBody {
  const { choices, usage } = baseBody(body, where);
  const parsed = choices.map((choice, position): ParsedChoice => {
    if (typeof choice.text !== "string") fail(where, "a choice has no `text`");
    const index = typeof choice.index === "number" ? choice.index : position;
    const lp = readLegacyLogprobs(choice.logprobs, where);
    const tokens: TokenLogprob[] | undefined = lp?.tokens.map((token, i) => ({
      token,
      logprob: lp.logprobs[i] ?? 0,
      ...(withTop && lp.top[i] ? { top: lp.top[i] } : {}),
    }));
    return { index, completion: { text: choice.text, tokens, finishReason: typeof choice.finish_reason === "string" ? choice.finish_reason : undefined } };
  });
  return { choices: parsed.sort((a, b) => a.index - b.index), ...usageOf(usage) };
}

/** An echo scoring body: each choice's logprobs by choice index (top alternatives unread), and the usage. */
export interface EchoBody {
  logprobs: Map<number, LegacyLogprobs | undefined>;
  promptTokens?: number;
  completionTokens?: number;
}

export function parseEchoBody(body: unknown, where: string): EchoBody {
  const { choices, usage } = baseBody(body, where);
  const logprobs = new Map<number, LegacyLogprobs | undefined>();
  choices.forEach((choice, position) => {
    logprobs.set(typeof choice.index === "number" ? choice.index : position, readLegacyLogprobs(choice.logprobs, where, false));
  });
  return { logprobs, ...usageOf(usage) };
}

/** A chat completions body: choices carry `message.content` and optional `logprobs.content`. */
export function parseChatBody(body: unknown, where: string, withTop: boolean): ParsedBody {
  const { choices, usage } = baseBody(body, where);
  const parsed = choices.map((choice, position): ParsedChoice => {
    const message = choice.message;
    if (!isObject(message)) fail(where, "a choice has no `message`");
    const content = message.content ?? "";
    if (typeof content !== "string") fail(where, "`message.content` is not text");
    let tokens: TokenLogprob[] | undefined;
    const lp = choice.logprobs;
    if (isObject(lp) && Array.isArray(lp.content)) {
      tokens = lp.content.map((entry): TokenLogprob => {
        if (!isObject(entry) || typeof entry.token !== "string" || typeof entry.logprob !== "number") fail(where, "a `logprobs.content` entry is malformed");
        const top = Array.isArray(entry.top_logprobs)
          ? sortedTop(
              entry.top_logprobs
                .filter((t): t is Json => isObject(t) && typeof t.token === "string" && typeof t.logprob === "number")
                .map((t) => ({ token: t.token as string, logprob: t.logprob as number })),
            )
          : undefined;
        return { token: entry.token, logprob: entry.logprob, ...(withTop && top ? { top } : {}) };
      });
    }
    const index = typeof choice.index === "number" ? choice.index : position;
    return { index, completion: { text: content, tokens, finishReason: typeof choice.finish_reason === "string" ? choice.finish_reason : undefined } };
  });
  return { choices: parsed.sort((a, b) => a.index - b.index), ...usageOf(usage) };
}

/**
 * The target's tokens in an echoed `context + target`, found from the server's `text_offset`s:
 * the target starts at the first token whose offset is ≥ the context's length. A token that
 * straddles the boundary (starts inside the context, ends inside the target, as when the
 * tokenizer merges the context's last characters with the target's first) belongs to the target:
 * its probability is about target text, and dropping it would score a target that lost its first
 * characters. Tokens at or after the end of `context + target` (generated, when an endpoint needs
 * max_tokens ≥ 1) are dropped. Offsets count Unicode code points (Python `str` indices, as vLLM
 * reports them), so lengths are measured in code points too. The first token of a sequence has no
 * logprob (`null`); it only occurs in the target when the context is empty, and is skipped then.
 */
export function targetTokensFromEcho(lp: LegacyLogprobs, context: string, target: string, where: string): TopLogprob[] {
  const { tokens, logprobs, offsets } = lp;
  if (!offsets) fail(where, "echoed logprobs have no `text_offset`, so the target cannot be located");
  const contextLength = codePoints(context);
  const end = contextLength + codePoints(target);
  let start = offsets.findIndex((offset) => offset >= contextLength);
  if (start === -1) start = tokens.length;
  // The token before `start` (none when start is 0) may straddle the context's end.
  const previousOffset = offsets[start - 1];
  const previousToken = tokens[start - 1];
  if (previousOffset !== undefined && previousToken !== undefined && previousOffset + codePoints(previousToken) > contextLength) start--;
  const out: TopLogprob[] = [];
  // readLegacyLogprobs checked that the three lists have the same length.
  for (let i = start; i < tokens.length; i++) {
    const token = tokens[i];
    const offset = offsets[i];
    if (token === undefined || offset === undefined || offset >= end) break;
    const logprob = logprobs[i];
    if (logprob == null) continue;
    out.push({ token, logprob });
  }
  return out;
}

/** The length of `text` in Unicode code points (`[...text].length` without building the array: contexts are long). */
export function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point written as two UTF-16 units.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Usage of one HTTP response, with a character-based estimate where the server reports none. */
export function usageFrom(parsed: Pick<ParsedBody, "promptTokens" | "completionTokens">, promptChars: number, completionChars: number): Usage {
  return {
    requests: 1,
    promptTokens: parsed.promptTokens ?? Math.ceil(promptChars / 4),
    completionTokens: parsed.completionTokens ?? Math.ceil(completionChars / 4),
    cacheHits: 0,
    cost: 0,
  };
}
