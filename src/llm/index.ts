/** The model client: one interface for every provider, middleware around it, scoring on top. */
export * from "./types.js";
export * from "./errors.js";
export { expandEnv, resolveModelSpec } from "./env.js";
export { UsageMeter, costOf, type Price, type UsageSnapshot } from "./usage.js";
export { canonicalJSON, canonicalRequest, requestKey } from "./canonical.js";
export { createModelClient, DEFAULT_CACHE_FILE, type CacheSettings, type CreateModelClientOptions } from "./factory.js";
export { ModelRegistry, type ModelRegistryOptions } from "./registry.js";
export {
  scoreClasses,
  targetLogLikelihood,
  chooseScoringMode,
  meanLogprob,
  classProbsFromTop,
  classesForToken,
  caseVariants,
  firstWord,
  type ClassScores,
  type ScoreClassesOptions,
  type ResolvedScoringMode,
} from "./scoring.js";
export { createOpenAIProvider, describeEndpoint, CHAT_TOP_LOGPROBS_MAX, COMPLETIONS_TOP_LOGPROBS_MAX } from "./providers/openai.js";
export { forgetCapabilities } from "./providers/openai-capabilities.js";
export { parseRetryAfter } from "./providers/openai-errors.js";
export { targetTokensFromEcho } from "./providers/openai-parse.js";
export { wrapClient, type Middleware } from "./middleware/wrap.js";
export { withCache, type CacheMode, type CacheOptions } from "./middleware/cache.js";
export { openCache, ResponseStore, type CacheLocation, type ResponseCache } from "./cache-store.js";
export { withDedupe } from "./middleware/dedupe.js";
export { withBatching, Batcher, type BatchOptions } from "./middleware/batch.js";
export { withLimits, Semaphore, SlidingWindow, type LimitOptions } from "./middleware/limit.js";
export { withRetry, backoffDelay, type RetryOptions } from "./middleware/retry.js";
export { withTimeout } from "./middleware/timeout.js";
export { withRouting, type RouterOptions } from "./middleware/router.js";
export { withUsage, type UsageOptions } from "./middleware/usage.js";
export { withDefaults, requestDefaults } from "./middleware/defaults.js";
