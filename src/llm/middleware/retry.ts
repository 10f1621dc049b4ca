/**
 * Retries with exponential backoff and jitter, or after exactly the server's retry-after (carried
 * on the error as `retryAfterMs`; 0 means at once) plus a little jitter. Only errors marked retryable are retried: 429, 5xx, timeouts,
 * dropped connections, malformed bodies; never 400, 401, 403, 404 or a caller's abort. After the
 * last attempt the last error is thrown, its message saying how many attempts were made.
 * `withoutRetriesFor` lets a caller above (the batcher, sending the parts of a batch it has already
 * retried as a whole) have some errors thrown at once instead.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { sleep } from "../abort.js";
import { LLMError } from "../errors.js";
import type { ModelClient } from "../types.js";
import { wrapClient } from "./wrap.js";

export interface RetryOptions {
  /** Retries after the first attempt. Default 4. */
  maxRetries?: number;
  /** First backoff. Default 500 ms. */
  baseDelayMs?: number;
  /** Longest backoff, and the longest retry-after honoured. Default 30 s / 120 s. */
  maxDelayMs?: number;
  maxRetryAfterMs?: number;
  /** For tests: a seeded random source. */
  random?: () => number;
  /** Told about each retry (for progress displays); never given a secret. */
  onRetry?: (info: { where: string; attempt: number; delayMs: number; error: LLMError }) => void;
}

export const isRetryable = (err: unknown): err is LLMError => err instanceof LLMError && err.retryable;

/**
 * The delay before retry number `attempt` (0-based). When the server said when to come back
 * (`retry-after-ms` or `retry-after`), that, as given (0 means now), plus up to 10% jitter so
 * callers told the same time do not all return at once; otherwise a jittered exponential backoff.
 */
export function backoffDelay(
  attempt: number,
  err: LLMError,
  o: Required<Pick<RetryOptions, "baseDelayMs" | "maxDelayMs" | "maxRetryAfterMs" | "random">>,
): number {
  if (err.retryAfterMs !== undefined && Number.isFinite(err.retryAfterMs)) {
    const hinted = Math.min(Math.max(0, err.retryAfterMs), o.maxRetryAfterMs);
    return hinted * (1 + 0.1 * o.random());
  }
  const exponential = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** attempt);
  return exponential / 2 + o.random() * (exponential / 2);
}

const attempts = new AsyncLocalStorage<number>();

/** The attempt the current call belongs to (0: the first; the limiter lets retries go first). */
export function currentAttempt(): number {
  return attempts.getStore() ?? 0;
}

const unretried = new AsyncLocalStorage<(err: LLMError) => boolean>();

/**
 * Runs `fn` so that the retry middleware it calls throws the errors `skip` matches at their first
 * occurrence instead of retrying them; other retryable errors (a 429) are retried as usual.
 */
export function withoutRetriesFor<T>(skip: (err: LLMError) => boolean, fn: () => T): T {
  return unretried.run(skip, fn);
}

export async function retrying<T>(where: string, options: RetryOptions, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  const skip = unretried.getStore();
  const maxRetries = options.maxRetries ?? 4;
  const o = {
    baseDelayMs: options.baseDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
    random: options.random ?? Math.random,
  };
  for (let attempt = 0; ; attempt++) {
    try {
      return await (attempt === 0 ? fn() : attempts.run(attempt, fn));
    } catch (err) {
      if (!isRetryable(err) || signal?.aborted || skip?.(err)) throw err;
      if (attempt >= maxRetries) {
        err.message += ` [gave up after ${attempt + 1} attempts]`;
        throw err;
      }
      const delayMs = backoffDelay(attempt, err, o);
      options.onRetry?.({ where, attempt: attempt + 1, delayMs, error: err });
      await sleep(delayMs, signal);
    }
  }
}

export function withRetry(inner: ModelClient, options: RetryOptions = {}): ModelClient {
  const run = <T>(signal: AbortSignal | undefined, fn: () => Promise<T>) => retrying(inner.id, options, signal, fn);
  const generateBatch = inner.generateBatch?.bind(inner);
  const scoreBatch = inner.scoreBatch?.bind(inner);
  return wrapClient(inner, {
    // Discovery probes can meet the same transient failures as requests.
    capabilities: () => run(undefined, () => inner.capabilities()),
    generate: (r) => run(r.signal, () => inner.generate(r)),
    score: (r) => run(r.signal, () => inner.score(r)),
    generateBatch: generateBatch && ((rs) => run(rs[0]?.signal, () => generateBatch(rs))),
    scoreBatch: scoreBatch && ((rs) => run(rs[0]?.signal, () => scoreBatch(rs))),
  });
}
