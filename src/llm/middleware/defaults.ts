/**
 * Applies a model's default settings (temperature, maxTokens, stop, seed, topLogprobs) to every
 * request that does not set them, and drops the `sampleKey` of temperature-0 requests (the same
 * prompt is one cache entry whatever the iteration). Outermost, so that the cache key and
 * de-duplication see the request that is actually sent.
 */
import type { ModelSpec } from "../../network/types.js";
import type { GenerateRequest, ModelClient } from "../types.js";
import { wrapClient } from "./wrap.js";

export function requestDefaults(spec: ModelSpec): Partial<GenerateRequest> {
  const stop = spec.stop === undefined ? undefined : Array.isArray(spec.stop) ? spec.stop : [spec.stop];
  return { temperature: spec.temperature, maxTokens: spec.maxTokens, stop, seed: spec.seed, topLogprobs: spec.topLogprobs };
}

export function withDefaults(inner: ModelClient, defaults: Partial<GenerateRequest>): ModelClient {
  const apply = (r: GenerateRequest): GenerateRequest => {
    const out: GenerateRequest = { ...r };
    for (const [key, value] of Object.entries(defaults) as [keyof GenerateRequest, never][]) {
      if (out[key] === undefined && value !== undefined) out[key] = value;
    }
    // A greedy request has one answer whatever the iteration or sample asking: without its sample
    // key, the cache and de-duplication answer it once (issue 12, "pay for a prompt once").
    if (out.temperature === 0 && out.sampleKey !== undefined) delete out.sampleKey;
    return out;
  };
  return wrapClient(inner, { generate: (r) => inner.generate(apply(r)) });
}
