/**
 * The persistent response cache. Key: sha256 of the client id (provider, model, endpoint; never a
 * secret) and the canonical request, which includes `sampleKey` and `seed`, so the k-th sample of
 * a sampled request is its own entry, stable across reruns. Modes: `readwrite` (default),
 * `readonly` (a miss is a CacheMissError: reproducible replays that cannot spend money) and `off`.
 * A hit reports usage `{ cacheHits: 1 }` and no tokens: nothing was spent. The store is a SQLite
 * file or a PostgreSQL table (src/llm/cache-store.ts); both answer asynchronously.
 */
import { canonicalJSON, canonicalRequest, requestKey } from "../canonical.js";
import { openStore, type ResponseCache } from "../cache-store.js";
import { CacheMissError } from "../errors.js";
import { emptyUsage, type GenerateResult, type ModelClient, type ScoreResult } from "../types.js";
import { perRequestOnly, wrapClient } from "./wrap.js";

export type CacheMode = "readwrite" | "readonly" | "off";

export interface CacheOptions {
  mode: CacheMode;
  /** The SQLite file (absolute), opened here; or give `store`. */
  path?: string;
  /** An open store (a SQLite file or a PostgreSQL table), which the caller closes. */
  store?: ResponseCache;
}

const hitUsage = () => ({ ...emptyUsage(), cacheHits: 1 });

export function withCache(inner: ModelClient, options: CacheOptions): ModelClient {
  if (options.mode === "off") return inner;
  const opened = options.store ? { store: options.store, release: async () => undefined } : options.path !== undefined ? openStore(options.path) : undefined;
  if (!opened) throw new TypeError("withCache: give the cache's path or an open store");
  const { store, release } = opened;

  async function cached<T extends GenerateResult | ScoreResult>(canonical: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
    const key = requestKey(inner.id, canonical);
    const hit = await store.get<T>(key);
    if (hit) return { ...hit, usage: hitUsage() };
    if (options.mode === "readonly") throw new CacheMissError(store.where, { where: inner.id });
    const result = await run();
    await store.put(key, inner.id, canonicalJSON(canonical), result);
    return result;
  }

  const client = perRequestOnly(
    wrapClient(inner, {
      generate: (r) => cached(canonicalRequest("generate", r), () => inner.generate(r)),
      score: (r) => cached(canonicalRequest("score", r), () => inner.score(r)),
      close: async () => {
        await release();
        await inner.close?.();
      },
    }),
  );
  // A list of scores: each is looked up; the misses go out together, as one request.
  const scoreBatch = inner.scoreBatch?.bind(inner);
  if (scoreBatch) {
    client.scoreBatch = async (rs) => {
      const keyed = rs.map((r) => {
        const canonical = canonicalRequest("score", r);
        return { r, canonical, key: requestKey(inner.id, canonical) };
      });
      // The lookups are made together: a remote store answers them in one round trip.
      const results: Array<ScoreResult | undefined> = (await Promise.all(keyed.map(({ key }) => store.get<ScoreResult>(key)))).map(
        (hit) => hit && { ...hit, usage: hitUsage() },
      );
      const missing = keyed.filter((_k, i) => !results[i]);
      if (missing.length && options.mode === "readonly") throw new CacheMissError(store.where, { where: inner.id });
      if (missing.length) {
        const fetched = await scoreBatch(missing.map((m) => m.r));
        await Promise.all(missing.map((m, j) => store.put(m.key, inner.id, canonicalJSON(m.canonical), fetched[j])));
        let j = 0;
        for (let i = 0; i < results.length; i++) if (!results[i]) results[i] = fetched[j++];
      }
      return results as ScoreResult[];
    };
  }
  return client;
}
