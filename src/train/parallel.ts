/**
 * Fan-out helpers: every request of a step is fired at once through RxJS and the model client's
 * own limits decide how many run; results come back in the order the tasks were listed, never in
 * completion order, so choices stay reproducible.
 */
import { defer, forkJoin, lastValueFrom } from "rxjs";

/** Runs every task concurrently; resolves to their results in task order (rejects on the first failure). */
export function allConcurrently<T>(tasks: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  if (tasks.length === 0) return Promise.resolve([]);
  return lastValueFrom(forkJoin(tasks.map((t) => defer(t))));
}

/** A failed request that the step can do without (a proposal, one score): `undefined` instead of an error, unless the run was aborted. */
export function tolerant<T>(task: () => Promise<T>, signal: AbortSignal | undefined, onError?: (err: unknown) => void): () => Promise<T | undefined> {
  return () =>
    task().catch((err: unknown) => {
      if (signal?.aborted) throw err;
      onError?.(err);
      return undefined;
    });
}
