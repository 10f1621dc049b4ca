/**
 * The persistent response cache. Key: sha256 of the client id (provider, model, endpoint; never a
 * secret) and the canonical request, which includes `sampleKey` and `seed`, so the k-th sample of
 * a sampled request is its own entry, stable across reruns. Modes: `readwrite` (default),
 * `readonly` (a miss is a CacheMissError: reproducible replays that cannot spend money) and `off`.
 * A hit reports usage `{ cacheHits: 1 }` and no tokens: nothing was spent.
 */
import { canonicalJSON, canonicalRequest, requestKey } from "../canonical.js";
import { openStore } from "../cache-store.js";
import { CacheMissError } from "../errors.js";
import { emptyUsage, type GenerateResult, type ModelClient, type ScoreResult } from "../types.js";
import { perRequestOnly, wrapClient } from "./wrap.js";

export type CacheMode = "readwrite" | "readonly" | "off";

export interface CacheOptions {
  mode: CacheMode;
  /** The SQLite file (absolute). */
  path: string;
}

const hitUsage = () => ({ ...emptyUsage(), cacheHits: 1 });

export function withCache(inner: ModelClient, options: CacheOptions): ModelClient {
  if (options.mode === "off") return inner;
  const { store, release } = openStore(options.path);

  async function cached<T extends GenerateResult | ScoreResult>(canonical: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
    const key = requestKey(inner.id, canonical);
    const hit = store.get<T>(key);
    if (hit) return { ...hit, usage: hitUsage() };
    if (options.mode === "readonly") throw new CacheMissError(options.path, { where: inner.id });
    const result = await run();
    store.put(key, inner.id, canonicalJSON(canonical), result);
    return result;
  }

  return perRequestOnly(wrapClient(inner, {
    generate: (r) => cached(canonicalRequest("generate", r), () => inner.generate(r)),
    score: (r) => cached(canonicalRequest("score", r), () => inner.score(r)),
    close: async () => {
      release();
      await inner.close?.();
    },
  }));
}
