/**
 * In-flight de-duplication: identical requests (same canonical form, keyed by the cheap
 * `inFlightKey` of src/llm/canonical.ts)
 * made while one is already in flight share its response instead of sending another. Sampled
 * requests that should differ must say so with `sampleKey` or `seed`. Each caller may abort
 * alone; the shared request is aborted only when all of its callers have. The result's usage goes
 * to the caller that sent the request; those who joined it get empty usage (nothing was spent).
 */
import { raceAbort, SharedAbort } from "../abort.js";
import { inFlightKey } from "../canonical.js";
import { emptyUsage, type ModelClient, type Usage } from "../types.js";
import { perRequestOnly, wrapClient } from "./wrap.js";

export function withDedupe(inner: ModelClient): ModelClient {
  /** `shared` is absent when the request's first caller had no signal: nothing can abort it then (see SharedAbort.join), so no signal is made for it. */
  const inFlight = new Map<string, { promise: Promise<unknown>; shared?: SharedAbort }>();

  function shareable<T extends { usage: Usage }>(
    key: string,
    signal: AbortSignal | undefined,
    run: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    let entry = inFlight.get(key);
    const leader = !entry || entry.shared?.signal.aborted === true;
    if (!entry || leader) {
      const shared = signal ? new SharedAbort() : undefined;
      const promise = run(shared?.signal).finally(() => {
        shared?.release();
        if (inFlight.get(key) === entry) inFlight.delete(key);
      });
      promise.catch(() => undefined); // each caller observes it through raceAbort
      entry = { promise, shared };
      inFlight.set(key, entry);
    }
    entry.shared?.join(signal);
    const shared = raceAbort(entry.promise as Promise<T>, signal, inner.id);
    // Only the caller that sent the request carries its usage; those who joined it spent nothing.
    return leader ? shared : shared.then((r) => ({ ...r, usage: emptyUsage() }));
  }

  const client = perRequestOnly(
    wrapClient(inner, {
      generate: (r) => shareable(inFlightKey("generate", r), r.signal, (signal) => inner.generate({ ...r, signal })),
      score: (r) => shareable(inFlightKey("score", r), r.signal, (signal) => inner.score({ ...r, signal })),
    }),
  );
  // A list of scores stays one request (the cache outside has already answered what it knew).
  const scoreBatch = inner.scoreBatch?.bind(inner);
  if (scoreBatch) client.scoreBatch = scoreBatch;
  return client;
}
