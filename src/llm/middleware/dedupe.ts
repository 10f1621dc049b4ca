/**
 * In-flight de-duplication: identical requests (same canonical form, keyed by the cheap
 * `inFlightKey` of src/llm/canonical.ts)
 * made while one is already in flight share its response instead of sending another. Sampled
 * requests that should differ must say so with `sampleKey` or `seed`. Each caller may abort
 * alone; the shared request is aborted only when all of its callers have.
 */
import { raceAbort, SharedAbort } from "../abort.js";
import { inFlightKey } from "../canonical.js";
import type { ModelClient } from "../types.js";
import { perRequestOnly, wrapClient } from "./wrap.js";

export function withDedupe(inner: ModelClient): ModelClient {
  const inFlight = new Map<string, { promise: Promise<unknown>; shared: SharedAbort }>();

  function shareable<T>(key: string, signal: AbortSignal | undefined, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    let entry = inFlight.get(key);
    if (!entry || entry.shared.signal.aborted) {
      const shared = new SharedAbort();
      const promise = run(shared.signal).finally(() => {
        shared.release();
        if (inFlight.get(key) === entry) inFlight.delete(key);
      });
      promise.catch(() => undefined); // each caller observes it through raceAbort
      entry = { promise, shared };
      inFlight.set(key, entry);
    }
    entry.shared.join(signal);
    return raceAbort(entry.promise as Promise<T>, signal, inner.id);
  }

  return perRequestOnly(wrapClient(inner, {
    generate: (r) => shareable(inFlightKey("generate", r), r.signal, (signal) => inner.generate({ ...r, signal })),
    score: (r) => shareable(inFlightKey("score", r), r.signal, (signal) => inner.score({ ...r, signal })),
  }));
}
