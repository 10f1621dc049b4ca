/**
 * The `sim` provider: an offline, deterministic stand-in for a language model, built on a
 * simulated world (src/sim). It is NOT a language model: the world recognises the project's own
 * templates and answers from hidden rules (docs/simulator.md).
 *
 * It samples from the world's distribution over answers and scores text exactly against the same
 * distribution, so `score()` and `generate()` always agree:
 * - temperature 0 → the most probable answer; above 0 → a draw from p^(1/T), with a PRNG seeded
 *   by (world seed, prompt, completion index, request `seed`), as a seeded server does: identical
 *   requests without `seed` or `n` get identical text; the `n` completions of one request differ,
 *   and so do requests with different seeds. The cache's `sampleKey` is NOT seen (a server never
 *   sees it), so it does not change what is sampled;
 * - whitespace is significant: the world's answers are continuations of the exact prompt, and a
 *   target glued to its context scores as background text (src/sim/distribution.ts);
 * - token logprobs (and top logprobs) come from the untempered distribution;
 * - the endpoint it pretends to be (`endpoint`): a vLLM-like legacy completions server (echo
 *   scoring, 20 top logprobs, the default), OpenAI's legacy completions (echo, 5 top logprobs) or
 *   a chat-only endpoint (no scoring, 20 top logprobs, replies without leading whitespace);
 * - usage counts requests and tokens with the simulator's tokenizer; cost is always 0.
 */
import { type AnswerDistribution, distributionAfter, type SampledToken } from "../../sim/distribution.js";
import { countTokens } from "../../sim/tokenizer.js";
import type { World } from "../../sim/world.js";
import { createWorld, DEFAULT_WORLD, UnknownWorldError, worldNames } from "../../sim/worlds.js";
import { requestAborted } from "../abort.js";
import { UnsupportedError } from "../errors.js";
import { hashParts, hashString, Rng } from "../../util/random.js";
import type { Capabilities, Completion, GenerateRequest, GenerateResult, ModelClient, ProviderFactory, ScoreRequest, ScoreResult, Usage } from "../types.js";

/** The kinds of endpoint the simulator can pretend to be. */
type SimEndpoint = "vllm" | "openai-completions" | "chat";

/** What each endpoint offers: its API, whether it echoes prompt logprobs (exact scoring), its top-logprobs cap. */
const SIM_ENDPOINTS: Record<SimEndpoint, { api: "completions" | "chat"; echo: boolean; topLogprobs: number }> = {
  vllm: { api: "completions", echo: true, topLogprobs: 20 },
  "openai-completions": { api: "completions", echo: true, topLogprobs: 5 },
  chat: { api: "chat", echo: false, topLogprobs: 20 },
};

export interface SimClientOptions {
  /** A registered world's name (default "tasks"; "tasks-hard" for the hard mode), or a world object. */
  world?: string | World;
  /** Seeds the world and the sampling (default 0). */
  seed?: number;
  /** The endpoint to pretend to be (default "vllm": legacy completions with echo, 20 top logprobs). */
  endpoint?: SimEndpoint;
  /** Used when a request leaves them out. */
  defaults?: { temperature?: number; maxTokens?: number; stop?: string[] };
}

export function createSimClient(options: SimClientOptions = {}): ModelClient {
  const seed = options.seed ?? 0;
  const world = typeof options.world === "object" ? options.world : createWorld(options.world ?? DEFAULT_WORLD, seed);
  const defaults = options.defaults ?? {};
  const endpoint = options.endpoint ?? "vllm";
  const profile = SIM_ENDPOINTS[endpoint];
  if (!profile) throw new UnsupportedError(`sim: there is no endpoint kind "${String(endpoint)}"`, `Use one of: ${Object.keys(SIM_ENDPOINTS).join(", ")}`);
  const id = (seed === 0 ? `sim:${world.name}` : `sim:${world.name}@seed${seed}`) + (endpoint === "vllm" ? "" : `#${endpoint}`);
  const capabilities: Capabilities = { api: profile.api, exactScoring: profile.echo, topLogprobs: profile.topLogprobs, batching: 1 };

  return {
    id,
    capabilities: async () => ({ ...capabilities }),

    async generate(request: GenerateRequest): Promise<GenerateResult> {
      if (request.signal?.aborted) throw requestAborted(id);
      const temperature = request.temperature ?? defaults.temperature ?? 0;
      const maxTokens = request.maxTokens ?? defaults.maxTokens;
      const stop = (request.stop ?? defaults.stop ?? []).filter((s) => s.length > 0);
      const topK = Math.max(0, request.topLogprobs ?? 0);
      if (topK > profile.topLogprobs) {
        throw new UnsupportedError(
          `sim: a request asked for ${topK} top logprobs; this endpoint (${endpoint}) returns at most ${profile.topLogprobs}`,
          `Ask for at most ${profile.topLogprobs} (capabilities().topLogprobs)`,
          { where: id },
        );
      }
      // A chat reply starts a new message: no leading whitespace, as if the prompt ended in a line break.
      const prompt = profile.api === "chat" ? request.prompt.trimEnd() + "\n" : request.prompt;
      const distribution = distributionAfter(world, { prompt, temperature, maxTokens, stop });
      const promptHash = hashString(request.prompt);
      const completions: Completion[] = [];
      for (let index = 0; index < Math.max(1, request.n ?? 1); index++) {
        const random = new Rng(hashParts(seed, promptHash, index, request.seed ?? ""));
        completions.push(complete(distribution, distribution.pick(temperature, random), stop, maxTokens, topK));
      }
      return {
        completions,
        usage: usage(
          countTokens(request.prompt),
          completions.reduce((s, c) => s + (c.tokens?.length ?? 0), 0),
        ),
      };
    },

    async score(request: ScoreRequest): Promise<ScoreResult> {
      if (request.signal?.aborted) throw requestAborted(id);
      if (!profile.echo) {
        throw new UnsupportedError(
          `sim: this endpoint (${endpoint}) cannot score a target (no echo logprobs)`,
          "Use class scoring from top logprobs, or a completions endpoint",
          { where: id },
        );
      }
      const distribution = distributionAfter(world, { prompt: request.context, temperature: 0 });
      const tokens = distribution.score(request.target);
      return { tokens, usage: usage(countTokens(request.context) + tokens.length, 0) };
    },
  };
}

/**
 * The provider factory: `{ provider: "sim", model: "<world>", seed, api }`. `api: "chat"` makes a
 * chat-only endpoint, `api: "completions"` OpenAI's legacy completions (5 top logprobs), anything
 * else a vLLM-like server (20). An unknown world is an UnsupportedError.
 */
export const createSimProvider: ProviderFactory = async (spec) => {
  try {
    return createSimClient({
      world: spec.model || DEFAULT_WORLD,
      seed: spec.seed ?? 0,
      endpoint: spec.api === "chat" ? "chat" : spec.api === "completions" ? "openai-completions" : "vllm",
      defaults: {
        temperature: spec.temperature,
        maxTokens: spec.maxTokens,
        stop: typeof spec.stop === "string" ? [spec.stop] : spec.stop,
      },
    });
  } catch (e) {
    if (!(e instanceof UnknownWorldError)) throw e;
    throw new UnsupportedError(`There is no simulated world named "${e.world}"`, `Set model to one of: ${worldNames().join(", ")}`, {
      where: `sim:${e.world}`,
    });
  }
};

function usage(promptTokens: number, completionTokens: number): Usage {
  return { requests: 1, promptTokens, completionTokens, cacheHits: 0, cost: 0 };
}

/**
 * One completion from the chosen answer: cut before the first stop sequence, then at maxTokens.
 * A token cut by a stop sequence keeps the logprob of the whole token.
 */
function complete(distribution: AnswerDistribution, index: number, stop: string[], maxTokens: number | undefined, topK: number): Completion {
  const answer = distribution.alternatives[index];
  if (answer === undefined) return { text: "", tokens: [], finishReason: "stop" }; // index -1: no answer
  const cut = Math.min(...stop.map((s) => answer.text.indexOf(s)).filter((i) => i >= 0), answer.text.length);
  const full: string[] = [];
  const shown: string[] = [];
  let offset = 0;
  for (const token of answer.tokens) {
    if (offset >= cut) break;
    full.push(token);
    shown.push(token.slice(0, cut - offset));
    offset += token.length;
  }
  let finishReason = "stop";
  if (maxTokens !== undefined && maxTokens >= 0 && full.length > maxTokens) {
    full.length = maxTokens;
    shown.length = maxTokens;
    finishReason = "length";
  }
  const walked: SampledToken[] = distribution.walk(full, topK);
  // One walked token per token of `full`; `shown` is the same tokens, the last one cut at a stop.
  const tokens = walked.map((t, i) => ({ ...t, token: shown[i] ?? t.token }));
  return { text: shown.join(""), tokens, finishReason };
}
