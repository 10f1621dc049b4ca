/**
 * A simulated world: a pure function from a request's text to a distribution over whole answers.
 * The sim provider (src/llm/providers/sim.ts) turns a world into a model client: it samples from
 * the distribution, and scores any text exactly against it (src/sim/distribution.ts).
 *
 * A world never sees a sample key or a request seed: randomness across samples comes only from
 * the provider's sampling, so `score()` and `generate()` always describe the same model.
 */

/** One answer the world may give, with its probability (a world's alternatives sum to ≤ 1). */
export interface Alternative {
  text: string;
  p: number;
}

export interface WorldRequest {
  prompt: string;
  /** Sampling temperature (the world may ignore it; the provider reshapes probabilities). */
  temperature: number;
  maxTokens?: number;
  stop?: string[];
}

export interface World {
  /** The name that `model` selects in a network file (`{ provider: "sim", model: "tasks" }`). */
  readonly name: string;
  readonly description: string;
  /** The distribution over answers to this request. Deterministic; never throws. */
  answer(request: WorldRequest): Alternative[];
}

/** Builds a world from a seed (`seed` in the model settings). */
export type WorldFactory = (seed: number) => World;

/** Scales probabilities to sum to 1, merging identical texts; drops zero-probability entries. */
export function normalizeAlternatives(alternatives: Alternative[]): Alternative[] {
  const merged = new Map<string, number>();
  for (const a of alternatives) {
    if (!(a.p > 0)) continue;
    merged.set(a.text, (merged.get(a.text) ?? 0) + a.p);
  }
  let total = 0;
  for (const p of merged.values()) total += p;
  if (total <= 0) return [];
  return [...merged].map(([text, p]) => ({ text, p: p / total }));
}
