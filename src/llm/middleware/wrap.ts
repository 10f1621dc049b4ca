/**
 * The shape every middleware shares (Vercel AI SDK style): take a client, return a client with
 * the same interface. `wrapClient` forwards whatever a middleware does not override, including
 * the optional batch methods, so middleware compose in any order.
 */
import type { ModelClient } from "../types.js";

export type Middleware<Options> = (client: ModelClient, options: Options) => ModelClient;

export function wrapClient(inner: ModelClient, overrides: Partial<ModelClient>): ModelClient {
  const client: ModelClient = {
    id: overrides.id ?? inner.id,
    capabilities: overrides.capabilities ?? (() => inner.capabilities()),
    generate: overrides.generate ?? ((r) => inner.generate(r)),
    score: overrides.score ?? ((r) => inner.score(r)),
    close: overrides.close ?? (async () => inner.close?.()),
  };
  const generateBatch = overrides.generateBatch ?? inner.generateBatch?.bind(inner);
  const scoreBatch = overrides.scoreBatch ?? inner.scoreBatch?.bind(inner);
  if (generateBatch) client.generateBatch = generateBatch;
  if (scoreBatch) client.scoreBatch = scoreBatch;
  return client;
}

/**
 * Drops the batch methods: a middleware that works per request (cache, de-duplication, batching
 * itself) must not let callers bypass it through `generateBatch`/`scoreBatch`.
 */
export function perRequestOnly(client: ModelClient): ModelClient {
  const { generateBatch: _g, scoreBatch: _s, ...rest } = client;
  return rest;
}
