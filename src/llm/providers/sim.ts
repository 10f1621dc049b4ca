/**
 * The `sim` provider: an offline, deterministic stand-in for a language model, built on a
 * simulated world (src/sim). It is NOT a language model: the world recognises the project's own
 * templates and answers from hidden rules (docs/simulator.md).
 *
 * It samples from the world's distribution over answers and scores text exactly against the same
 * distribution, so `score()` and `generate()` always agree:
 * - temperature 0 → the most probable answer; above 0 → a draw from p^(1/T), with a PRNG seeded
 *   by (world seed, prompt, sampleKey, completion index, request seed): the same request gives
 *   the same completion, another sampleKey may give another;
 * - token logprobs (and top logprobs, up to 20) come from the untempered distribution;
 * - usage counts requests and tokens with the simulator's tokenizer; cost is always 0.
 */
import { AnswerDistribution, type SampledToken } from "../../sim/distribution.js";
import { createRng, hashParts, hashString } from "../../sim/random.js";
import { countTokens } from "../../sim/tokenizer.js";
import type { World } from "../../sim/world.js";
import { createWorld, DEFAULT_WORLD, UnknownWorldError, worldNames } from "../../sim/worlds.js";
import { AbortedError, UnsupportedError } from "../errors.js";
import type {
  Capabilities,
  Completion,
  GenerateRequest,
  GenerateResult,
  ModelClient,
  ProviderFactory,
  ScoreRequest,
  ScoreResult,
  Usage,
} from "../types.js";

export const SIM_TOP_LOGPROBS = 20;

export interface SimClientOptions {
  /** A registered world's name (default "tasks"), or a world object. */
  world?: string | World;
  /** Seeds the world and the sampling (default 0). */
  seed?: number;
  /** Used when a request leaves them out. */
  defaults?: { temperature?: number; maxTokens?: number; stop?: string[] };
}

export function createSimClient(options: SimClientOptions = {}): ModelClient {
  const seed = options.seed ?? 0;
  const world = typeof options.world === "object" ? options.world : createWorld(options.world ?? DEFAULT_WORLD, seed);
  const defaults = options.defaults ?? {};
  const id = seed === 0 ? `sim:${world.name}` : `sim:${world.name}@seed${seed}`;
  const capabilities: Capabilities = { api: "completions", exactScoring: true, topLogprobs: SIM_TOP_LOGPROBS, batching: 1 };

  return {
    id,
    capabilities: async () => ({ ...capabilities }),

    async generate(request: GenerateRequest): Promise<GenerateResult> {
      if (request.signal?.aborted) throw new AbortedError({ where: id });
      const temperature = request.temperature ?? defaults.temperature ?? 0;
      const maxTokens = request.maxTokens ?? defaults.maxTokens;
      const stop = (request.stop ?? defaults.stop ?? []).filter((s) => s.length > 0);
      const topK = Math.min(Math.max(0, request.topLogprobs ?? 0), SIM_TOP_LOGPROBS);
      const distribution = new AnswerDistribution(world.answer({ prompt: request.prompt, temperature, maxTokens, stop }));
      const promptHash = hashString(request.prompt);
      const completions: Completion[] = [];
      for (let index = 0; index < Math.max(1, request.n ?? 1); index++) {
        const random = createRng(hashParts(seed, promptHash, request.sampleKey ?? "", index, request.seed ?? ""));
        completions.push(complete(distribution, distribution.pick(temperature, random), stop, maxTokens, topK));
      }
      return { completions, usage: usage(countTokens(request.prompt), completions.reduce((s, c) => s + (c.tokens?.length ?? 0), 0)) };
    },

    async score(request: ScoreRequest): Promise<ScoreResult> {
      if (request.signal?.aborted) throw new AbortedError({ where: id });
      const distribution = new AnswerDistribution(world.answer({ prompt: request.context, temperature: 0 }));
      const tokens = distribution.score(request.target);
      return { tokens, usage: usage(countTokens(request.context) + tokens.length, 0) };
    },
  };
}

/** The provider factory: `{ provider: "sim", model: "<world>", seed }`. An unknown world is an UnsupportedError. */
export const createSimProvider: ProviderFactory = async (spec) => {
  try {
    return createSimClient({
      world: spec.model || DEFAULT_WORLD,
      seed: spec.seed ?? 0,
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
function complete(
  distribution: AnswerDistribution,
  index: number,
  stop: string[],
  maxTokens: number | undefined,
  topK: number,
): Completion {
  if (index < 0) return { text: "", tokens: [], finishReason: "stop" };
  const answer = distribution.alternatives[index];
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
  const tokens = walked.map((t, i) => ({ ...t, token: shown[i] }));
  return { text: shown.join(""), tokens, finishReason };
}
