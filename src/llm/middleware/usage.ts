/**
 * Usage accounting: every result's usage (requests, tokens, cache hits) is priced with the
 * model's price table and recorded in the shared UsageMeter under the model's name. The factory
 * places it twice: inside de-duplication for what was really sent (a request several callers
 * joined is metered once) and outside the cache for hits (counted as hits, no tokens spent).
 */
import { costOf, type Price, type UsageMeter } from "../usage.js";
import { emptyUsage, type ModelClient, type Usage } from "../types.js";
import { wrapClient } from "./wrap.js";

export interface UsageOptions {
  meter: UsageMeter;
  /** The name usage is recorded under (the model's name in the network). */
  model: string;
  price?: Price;
  /**
   * What this layer records: `all` (default), `spent` (requests, tokens, cost: placed inside
   * de-duplication, so a joined request is metered once) or `hits` (cache hits only: placed
   * outside the cache, which answers them).
   */
  count?: "all" | "spent" | "hits";
}

export function withUsage(inner: ModelClient, options: UsageOptions): ModelClient {
  const count = options.count ?? "all";
  const account = <T extends { usage: Usage }>(result: T): T => {
    const usage = { ...result.usage, cost: result.usage.cost || costOf(result.usage, options.price) };
    if (count === "all") options.meter.record(options.model, usage);
    else if (count === "spent") options.meter.record(options.model, { ...usage, cacheHits: 0 });
    else if (usage.cacheHits) options.meter.record(options.model, { ...emptyUsage(), cacheHits: usage.cacheHits });
    return { ...result, usage };
  };
  const generateBatch = inner.generateBatch?.bind(inner);
  const scoreBatch = inner.scoreBatch?.bind(inner);
  return wrapClient(inner, {
    generate: async (r) => account(await inner.generate(r)),
    score: async (r) => account(await inner.score(r)),
    generateBatch: generateBatch && (async (rs) => (await generateBatch(rs)).map(account)),
    scoreBatch: scoreBatch && (async (rs) => (await scoreBatch(rs)).map(account)),
  });
}
