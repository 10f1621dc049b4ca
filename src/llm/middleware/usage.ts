/**
 * Usage accounting: every result's usage (requests, tokens, cache hits) is priced with the
 * model's price table and recorded in the shared UsageMeter under the model's name. Sits outside
 * the cache so that hits are counted too (as hits, with no tokens spent).
 */
import { costOf, type Price, type UsageMeter } from "../usage.js";
import type { ModelClient, Usage } from "../types.js";
import { wrapClient } from "./wrap.js";

export interface UsageOptions {
  meter: UsageMeter;
  /** The name usage is recorded under (the model's name in the network). */
  model: string;
  price?: Price;
}

export function withUsage(inner: ModelClient, options: UsageOptions): ModelClient {
  const account = <T extends { usage: Usage }>(result: T): T => {
    const usage = { ...result.usage, cost: result.usage.cost || costOf(result.usage, options.price) };
    options.meter.record(options.model, usage);
    return { ...result, usage };
  };
  return wrapClient(inner, {
    generate: async (r) => account(await inner.generate(r)),
    score: async (r) => account(await inner.score(r)),
    generateBatch: inner.generateBatch && (async (rs) => (await inner.generateBatch!(rs)).map(account)),
    scoreBatch: inner.scoreBatch && (async (rs) => (await inner.scoreBatch!(rs)).map(account)),
  });
}
