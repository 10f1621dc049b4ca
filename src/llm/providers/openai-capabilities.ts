/**
 * What an OpenAI-compatible endpoint supports, found out with at most four tiny requests the
 * first time a model on it is used, and remembered per endpoint and model for the process:
 *
 * 1. legacy completions with `echo`, `logprobs: 1`, `max_tokens: 0` (exact scoring, as vLLM and
 *    Together offer); if refused (400),
 * 2. the same with `max_tokens: 1` (some servers refuse 0; the generated token is ignored when
 *    scoring); if refused,
 * 3. plain legacy completions with `max_tokens: 1` (completions without echo); 404 at any step
 *    means there are no legacy completions (OpenAI's chat models);
 * 4. when generation will use chat: chat with `logprobs`, `top_logprobs: 20`.
 *
 * A model declared `api: "chat"` skips 1–3: it never sends anything to legacy completions.
 *
 * Authentication failures and transient errors propagate (nothing is remembered then).
 */
import type { ModelSpec } from "../../network/types.js";
import { requestKey } from "../canonical.js";
import { BadRequestError, LLMError, TimeoutError } from "../errors.js";
import type { ProviderMemory } from "../types.js";

export interface EndpointFeatures {
  /** Legacy completions exist for this model. */
  completions: boolean;
  /** Legacy completions echo the prompt with logprobs and text offsets. */
  echo: boolean;
  /** max_tokens to send with echo scoring (0, or 1 where 0 is refused). */
  echoMaxTokens: 0 | 1;
  completionsTopLogprobs: number;
  chatTopLogprobs: number;
}

export type Post = (kind: "chat" | "completions", body: Record<string, unknown>, signal?: AbortSignal) => Promise<unknown>;

const remembered = new Map<string, Promise<EndpointFeatures>>();

/** Forget every remembered endpoint (tests; a server that was upgraded in place). */
export function forgetCapabilities(): void {
  remembered.clear();
}

const PROBE_PROMPT = "Hello world";
const CHAT_PROBE_TOP_LOGPROBS = 20;
const PROBE_TIMEOUT_MS = 30_000;

type Outcome = { ok: true; body: unknown } | { ok: false; status: number };

async function attempt(post: Post, kind: "chat" | "completions", body: Record<string, unknown>, timeoutMs: number): Promise<Outcome> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return { ok: true, body: await post(kind, body, signal) };
  } catch (err) {
    if (signal.aborted) throw new TimeoutError(timeoutMs, { where: err instanceof LLMError ? err.where : undefined });
    // "Not there" and "not accepted" are answers; anything else (auth, outage) is the caller's problem.
    if (err instanceof LLMError && (err.status === 404 || err.status === 400 || err.status === 422 || err instanceof BadRequestError)) {
      return { ok: false, status: err.status ?? 400 };
    }
    throw err;
  }
}

function echoWorks(body: unknown): boolean {
  const choice = (body as { choices?: Array<{ logprobs?: { token_logprobs?: unknown; text_offset?: unknown } }> })?.choices?.[0];
  const lp = choice?.logprobs;
  return Array.isArray(lp?.token_logprobs) && lp.token_logprobs.length > 0 && Array.isArray(lp?.text_offset);
}

function hasLegacyLogprobs(body: unknown): boolean {
  const lp = (body as { choices?: Array<{ logprobs?: { token_logprobs?: unknown } }> })?.choices?.[0]?.logprobs;
  return Array.isArray(lp?.token_logprobs);
}

/**
 * The chat top-logprobs limit: 20 (what the probe asked for) when the answer lists any top
 * alternatives, 1 when it only gives the chosen token's logprob, 0 without logprobs. The number
 * of alternatives in one answer is not the limit: a confident model may list fewer for the probe
 * prompt than it would for a classification prompt, and taking that count as the limit would
 * starve class scoring of the other classes.
 */
function chatTopCount(body: unknown): number {
  const content = (body as { choices?: Array<{ logprobs?: { content?: Array<{ top_logprobs?: unknown[] }> } }> })?.choices?.[0]?.logprobs?.content;
  if (!Array.isArray(content) || content.length === 0) return 0;
  return content.some((c) => (c?.top_logprobs?.length ?? 0) > 0) ? CHAT_PROBE_TOP_LOGPROBS : 1;
}

async function probe(spec: ModelSpec, post: Post): Promise<EndpointFeatures> {
  const model = spec.model;
  const timeoutMs = spec.timeoutMs ?? PROBE_TIMEOUT_MS;
  const features: EndpointFeatures = { completions: false, echo: false, echoMaxTokens: 0, completionsTopLogprobs: 0, chatTopLogprobs: 0 };
  // The declared API is the API (issue 12): a model that says `api: "chat"` never touches legacy
  // completions, not even to probe them; exact scoring on it is refused before anything is spent.
  if (spec.api !== "chat") {
    const echoBody = { model, prompt: PROBE_PROMPT, echo: true, logprobs: 1, temperature: 0 };
    let outcome = await attempt(post, "completions", { ...echoBody, max_tokens: 0 }, timeoutMs);
    if (!outcome.ok && outcome.status !== 404) {
      features.echoMaxTokens = 1;
      outcome = await attempt(post, "completions", { ...echoBody, max_tokens: 1 }, timeoutMs);
    }
    if (outcome.ok) {
      features.completions = true;
      features.echo = echoWorks(outcome.body);
      features.completionsTopLogprobs = hasLegacyLogprobs(outcome.body) ? 5 : 0;
    } else if (outcome.status !== 404) {
      const plain = await attempt(post, "completions", { model, prompt: PROBE_PROMPT, max_tokens: 1, logprobs: 1 }, timeoutMs);
      if (plain.ok) {
        features.completions = true;
        features.completionsTopLogprobs = hasLegacyLogprobs(plain.body) ? 5 : 0;
      }
    }
    if (!features.echo) features.echoMaxTokens = 0;
  }
  const usesChat = spec.api === "chat" || (spec.api !== "completions" && !features.completions);
  if (usesChat) {
    const chat = await attempt(
      post,
      "chat",
      { model, messages: [{ role: "user", content: PROBE_PROMPT }], max_tokens: 1, logprobs: true, top_logprobs: CHAT_PROBE_TOP_LOGPROBS },
      timeoutMs,
    );
    features.chatTopLogprobs = chat.ok ? chatTopCount(chat.body) : 0;
  }
  return features;
}

/**
 * The endpoint's features, probed once per (endpoint, model, api) and remembered for the process,
 * and in the cache file when `memory` is given (keyed by the client id, which holds no secret), so
 * a warm rerun sends no probe.
 */
export function discoverCapabilities(baseURL: string, spec: ModelSpec, post: Post, memory?: { id: string; store: ProviderMemory }): Promise<EndpointFeatures> {
  const key = JSON.stringify([baseURL, spec.model, spec.api ?? "auto", spec.azure?.apiVersion ?? ""]);
  let found = remembered.get(key);
  if (!found) {
    const saved = memory && {
      store: memory.store,
      key: requestKey(memory.id, { kind: "capabilities", version: 1, api: spec.api ?? "auto", apiVersion: spec.azure?.apiVersion ?? "" }),
    };
    const stored = saved?.store.get<EndpointFeatures>(saved.key);
    found = stored
      ? Promise.resolve(stored)
      : probe(spec, post).then((features) => {
          saved?.store.put(saved.key, features);
          return features;
        });
    remembered.set(key, found);
    found.catch(() => remembered.delete(key));
  }
  return found;
}
