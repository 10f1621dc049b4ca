/**
 * A per-request timeout. Each attempt gets its own deadline (the retry middleware sits outside),
 * and the caller's signal aborts the request in flight too. A deadline that passes becomes a
 * TimeoutError (retryable); a caller's abort becomes an AbortError (never retried).
 */
import { requestAborted } from "../abort.js";
import { TimeoutError } from "../errors.js";
import type { ModelClient } from "../types.js";
import { wrapClient } from "./wrap.js";

export interface TimeoutOptions {
  timeoutMs: number;
}

/** Runs `fn` with a signal that aborts at the deadline or when `callerSignal` aborts. */
async function withDeadline<T>(where: string, timeoutMs: number, callerSignal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (callerSignal?.aborted) throw requestAborted(where);
  const controller = new AbortController();
  let timedOut = false;
  const onCallerAbort = () => controller.abort();
  callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
      reject(new TimeoutError(timeoutMs, { where }));
    }, timeoutMs);
  });
  try {
    // Racing the deadline guarantees the timeout even if the provider ignores its signal.
    return await Promise.race([fn(controller.signal), deadline]);
  } catch (err) {
    if (timedOut) throw new TimeoutError(timeoutMs, { where });
    if (callerSignal?.aborted) throw requestAborted(where);
    throw err;
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener("abort", onCallerAbort);
  }
}

export function withTimeout(inner: ModelClient, options: TimeoutOptions): ModelClient {
  const { timeoutMs } = options;
  const generateBatch = inner.generateBatch?.bind(inner);
  const scoreBatch = inner.scoreBatch?.bind(inner);
  return wrapClient(inner, {
    generate: (r) => withDeadline(inner.id, timeoutMs, r.signal, (signal) => inner.generate({ ...r, signal })),
    score: (r) => withDeadline(inner.id, timeoutMs, r.signal, (signal) => inner.score({ ...r, signal })),
    generateBatch: generateBatch && ((rs) => withDeadline(inner.id, timeoutMs, rs[0]?.signal, (signal) => generateBatch(rs.map((r) => ({ ...r, signal }))))),
    scoreBatch: scoreBatch && ((rs) => withDeadline(inner.id, timeoutMs, rs[0]?.signal, (signal) => scoreBatch(rs.map((r) => ({ ...r, signal }))))),
  });
}
