/**
 * A circuit breaker per endpoint: after `threshold` consecutive connection failures (the server
 * could not be reached at all: ECONNREFUSED, a DNS failure, an unreachable host), the endpoint is
 * taken as dead and every further request to it fails at once with an `EndpointDeadError`, which
 * is not retried. Without it a refused port is retried sample by sample (5 attempts with backoff
 * each), minutes for a long run. Any answer from the server (even an error status) resets the
 * count; a dropped connection or a timeout does not count (the server is there, but slow or
 * flaky). After `openMs` one request is let through again (half-open): a success closes the
 * circuit, a failure keeps it open. Requests that were in flight together count as one failure
 * (only a request sent after the last counted failure counts again), so a burst of concurrent
 * requests meeting a restarting server does not open it: it takes `threshold` rounds, that is the
 * first attempt and the retries' backoff, a few seconds. With several endpoints the router skips a dead one
 * (router.ts), so the model fails over.
 */
import { EndpointDeadError, LLMError } from "../errors.js";
import type { ModelClient } from "../types.js";
import { wrapClient } from "./wrap.js";

export interface BreakerOptions {
  /** Consecutive connection failures that open the circuit. Default 3. */
  threshold?: number;
  /** How long the circuit stays open before one request may try again. Default 30 s. */
  openMs?: number;
  now?: () => number;
}

/** System codes of a connection that could not be made (not of one that broke midway). */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NONAME",
  "EAI_FAIL",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "EADDRNOTAVAIL",
]);

export const isUnreachable = (err: unknown): err is LLMError =>
  err instanceof LLMError && err.connectionCode !== undefined && UNREACHABLE.has(err.connectionCode);

export const isEndpointDead = (err: unknown): err is EndpointDeadError => err instanceof EndpointDeadError;

export function withBreaker(inner: ModelClient, options: BreakerOptions = {}): ModelClient {
  const threshold = Math.max(1, options.threshold ?? 3);
  const openMs = options.openMs ?? 30_000;
  const now = options.now ?? Date.now;
  let failures = 0;
  /** Bumped at every counted failure and every success: a request counts only if none happened since it started. */
  let epoch = 0;
  let openUntil = 0;
  let lastDetail = "";
  let probing = false;

  async function guard<T>(call: () => Promise<T>): Promise<T> {
    let probe = false;
    const started = epoch;
    if (failures >= threshold) {
      if (now() < openUntil || probing) throw new EndpointDeadError(failures, lastDetail, { where: inner.id });
      probing = probe = true; // half-open: this one request tries again
    }
    try {
      const result = await call();
      failures = 0;
      epoch++;
      return result;
    } catch (err) {
      if (isUnreachable(err)) {
        lastDetail = err.connectionCode ?? "unreachable";
        if (started === epoch || probe) {
          failures++;
          epoch++;
        }
        if (failures >= threshold) {
          openUntil = now() + openMs;
          throw new EndpointDeadError(failures, lastDetail, { where: inner.id, cause: err });
        }
      } else if (err instanceof LLMError && err.status !== undefined) {
        failures = 0; // the server answered
        epoch++;
      }
      throw err;
    } finally {
      if (probe) probing = false;
    }
  }

  const generateBatch = inner.generateBatch?.bind(inner);
  const scoreBatch = inner.scoreBatch?.bind(inner);
  return wrapClient(inner, {
    capabilities: () => guard(() => inner.capabilities()),
    generate: (r) => guard(() => inner.generate(r)),
    score: (r) => guard(() => inner.score(r)),
    generateBatch: generateBatch && ((rs) => guard(() => generateBatch(rs))),
    scoreBatch: scoreBatch && ((rs) => guard(() => scoreBatch(rs))),
  });
}
