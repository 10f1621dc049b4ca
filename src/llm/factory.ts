/**
 * Builds the client for one model: the provider (one per endpoint) wrapped in the middleware,
 * innermost first:
 *
 *   provider → timeout → circuit breaker → limits (per endpoint) → routing (several endpoints) → retry
 *   → batching → usage (spent) → budget guard → de-duplication → cache → usage (hits) → telemetry
 *   → defaults
 *
 * Timeouts are per attempt, limits count what each endpoint really receives, retries re-route,
 * batching groups what the cache and de-duplication did not answer, usage meters a request that
 * de-duplication joined once and counts cache hits as hits, the budget guard refuses a request
 * that would cross the run's cap before it is sent, and
 * the model's default settings are applied before anything looks at a request.
 */
import { resolve } from "node:path";
import type { ModelSpec } from "../network/types.js";
import { UnsupportedError } from "./errors.js";
import { withBatching } from "./middleware/batch.js";
import { withBudgetGuard } from "./middleware/budget.js";
import { withBreaker } from "./middleware/breaker.js";
import { withCache, type CacheMode } from "./middleware/cache.js";
import { withDedupe } from "./middleware/dedupe.js";
import { requestDefaults, withDefaults } from "./middleware/defaults.js";
import { withLimits } from "./middleware/limit.js";
import { withRetry, type RetryOptions } from "./middleware/retry.js";
import { withRouting } from "./middleware/router.js";
import { withTimeout } from "./middleware/timeout.js";
import { withUsage } from "./middleware/usage.js";
import { telemetryProvider, withTelemetry } from "./middleware/telemetry.js";
import { createOpenAIProvider, describeEndpoint } from "./providers/openai.js";
import { createSimProvider } from "./providers/sim.js";
import { priceOf } from "./prices.js";
import { openCache } from "./cache-store.js";
import type { ModelClient, ProviderContext, ProviderFactory, ProviderMemory } from "./types.js";
import { UsageMeter } from "./usage.js";

export const DEFAULT_CACHE_FILE = ".dln/cache.sqlite";

export interface CacheSettings {
  mode: CacheMode;
  /** Default `.dln/cache.sqlite` under the working directory; relative paths resolve against it. */
  path?: string;
  /**
   * A PostgreSQL URL (`postgres://…`): the responses are kept in its table `dln_cache` instead
   * of the SQLite file, shared by every process that reaches the database (sweep workers).
   */
  postgres?: string;
}

export interface CreateModelClientOptions {
  /** Directory relative model paths resolve against (the network file's directory). */
  baseDir: string;
  env?: NodeJS.ProcessEnv;
  /** Default: readwrite at `.dln/cache.sqlite` under the working directory. */
  cache?: CacheSettings;
  usage?: UsageMeter;
  /** The model's name in the network (usage is recorded under it). Default: spec.model. */
  name?: string;
  /** Told about settings a provider had to adjust (e.g. topLogprobs clamped). */
  warn?: (message: string) => void;
  /** Retry tuning (tests use short delays); maxRetries comes from the spec. */
  retry?: Omit<RetryOptions, "maxRetries">;
  /** Batching window in ms (default 5). */
  batchWindowMs?: number;
}

/** Per-provider defaults where one size does not fit all. */
const DEFAULTS = {
  openai: { concurrency: 8, timeoutMs: 120_000 },
  llama: { concurrency: 1, timeoutMs: undefined },
  sim: { concurrency: 64, timeoutMs: undefined },
} as const;

async function loadLlama(): Promise<ProviderFactory> {
  try {
    const module = (await import("./providers/llama.js")) as { createLlamaProvider: ProviderFactory };
    return module.createLlamaProvider;
  } catch (err) {
    throw new UnsupportedError(
      `The llama provider could not be loaded (${String((err as Error)?.message ?? err).split("\n")[0]})`,
      'Install the optional peer dependency: npm install node-llama-cpp@3.21.1 (about 700 MB), or use provider "openai" or "sim"',
    );
  }
}

async function providerFor(spec: ModelSpec): Promise<ProviderFactory> {
  switch (spec.provider) {
    case "openai":
      return createOpenAIProvider;
    case "sim":
      return createSimProvider;
    case "llama":
      return loadLlama();
    default:
      throw new UnsupportedError(`Unknown provider "${String((spec as ModelSpec).provider)}"`, 'Use provider "openai", "llama" or "sim"');
  }
}

/** The endpoints of a spec: `endpoints` when given, else the spec's own baseURL/apiKey. */
function endpointSpecs(spec: ModelSpec): ModelSpec[] {
  const { endpoints, ...single } = spec;
  if (!endpoints?.length) return [single];
  return endpoints.map((e) => ({ ...single, baseURL: e.baseURL, apiKey: e.apiKey ?? spec.apiKey }));
}

export async function createModelClient(spec: ModelSpec, opts: CreateModelClientOptions): Promise<ModelClient> {
  const env = opts.env ?? process.env;
  const cache = opts.cache ?? { mode: "readwrite" };
  // What providers learn about their endpoints (capability probes) is kept in the cache too.
  const opened =
    cache.mode === "off"
      ? undefined
      : await openCache(cache.postgres !== undefined ? { postgres: cache.postgres } : { path: resolve(process.cwd(), cache.path ?? DEFAULT_CACHE_FILE) });
  const memory: ProviderMemory | undefined = opened && {
    get: (key) => opened.store.memory.get(key),
    put: (key, value) => void (cache.mode === "readwrite" && opened.store.memory.put(key, value)),
  };
  const ctx: ProviderContext = { baseDir: opts.baseDir, env, warn: opts.warn, memory };
  const endpoints = endpointSpecs(spec);
  let perEndpoint: ModelClient[];
  try {
    const factory = await providerFor(spec);
    const defaults = DEFAULTS[spec.provider];
    const timeoutMs = spec.timeoutMs ?? defaults.timeoutMs;
    perEndpoint = await Promise.all(
      endpoints.map(async (endpointSpec) => {
        let client = await factory(endpointSpec, ctx);
        if (timeoutMs !== undefined) client = withTimeout(client, { timeoutMs });
        client = withBreaker(client); // a dead endpoint fails at once instead of being retried per sample
        return withLimits(client, { concurrency: spec.concurrency ?? defaults.concurrency, rpm: spec.rpm, tpm: spec.tpm });
      }),
    );
  } catch (err) {
    await opened?.release(); // a database connection left open would keep the process alive
    throw err;
  }
  const [only, ...others] = perEndpoint;
  let client: ModelClient =
    only !== undefined && others.length === 0
      ? only
      : withRouting(perEndpoint, {
          id: `${spec.provider}:${spec.model}@{${endpoints
            .map((e) => describeEndpoint(e.baseURL ?? ""))
            .sort()
            .join(",")}}`,
          weights: spec.endpoints?.map((e) => e.weight ?? 1),
        });
  client = withRetry(client, { ...opts.retry, maxRetries: spec.maxRetries ?? 4 });
  client = withBatching(client, { windowMs: opts.batchWindowMs });
  const meter = opts.usage ?? new UsageMeter();
  const model = opts.name ?? spec.model;
  const price = priceOf(spec);
  client = withUsage(client, { meter, model, price, count: "spent" });
  client = withBudgetGuard(client, { meter, price });
  client = withDedupe(client);
  if (opened) client = withCache(client, { mode: cache.mode, store: opened.store });
  client = withUsage(client, { meter, model, price, count: "hits" });
  client = withTelemetry(client, {
    provider: telemetryProvider(spec.provider),
    model: spec.model,
    operation: spec.provider === "openai" && spec.api !== "completions" ? "chat" : "text_completion",
    name: opts.name,
  });
  client = withDefaults(client, requestDefaults(spec));
  if (!opened) return client;
  const inner = client;
  return {
    ...inner,
    close: async () => {
      await inner.close?.();
      await opened.release();
    },
  };
}
