/**
 * Fan-out helpers: every request of a step is fired through RxJS and the model client's own
 * limits decide how many run; results come back in the order the tasks were listed, never in
 * completion order, so choices stay reproducible.
 *
 * Tasks start in turns of at most `TASKS_PER_TURN` per event-loop turn (`paced`): a stage renders
 * hundreds of prompts, and started all at once it rendered every one of them (and walked each
 * through the client's middleware) before the first request reached the network, so that CPU
 * came on top of the stage's latency. Started in turns, the first batches are on the wire while
 * the rest are rendered, and answers that arrive meanwhile are read between turns. The order in
 * which tasks start is unchanged.
 */
import { defer, forkJoin, lastValueFrom, Observable } from "rxjs";

/** Tasks started per event-loop turn, over every fan-out in the process (about one request batch). */
export const TASKS_PER_TURN = 32;

interface Turn {
  started: number;
  /** Resolves on the next event-loop turn (setImmediate: after pending I/O has been read). */
  next: Promise<void>;
}

let turn: Turn | undefined;

function newTurn(): Turn {
  const t: Turn = { started: 0, next: Promise.resolve() };
  t.next = new Promise<void>((resolve) =>
    setImmediate(() => {
      if (turn === t) turn = undefined;
      resolve();
    }),
  );
  return t;
}

/** Undefined when a task may start now; else a promise of the turn to try again in. */
function mayStart(): Promise<void> | undefined {
  turn ??= newTurn();
  if (turn.started < TASKS_PER_TURN) {
    turn.started++;
    return undefined;
  }
  return turn.next;
}

/**
 * `task` started as soon as this turn has room (at once when it has), FIFO across turns; not
 * started at all when unsubscribed before (forkJoin unsubscribes the others on a failure).
 */
function paced<T>(task: () => Promise<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    let live = true;
    let inner: { unsubscribe(): void } | undefined;
    const attempt = (): void => {
      if (!live) return;
      const wait = mayStart();
      if (wait) void wait.then(attempt);
      else inner = defer(task).subscribe(subscriber);
    };
    attempt();
    return () => {
      live = false;
      inner?.unsubscribe();
    };
  });
}

/** Runs every task concurrently (in turns, see `paced`); resolves to their results in task order (rejects on the first failure). */
export function allConcurrently<T>(tasks: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  if (tasks.length === 0) return Promise.resolve([]);
  return lastValueFrom(forkJoin(tasks.map((t) => paced(t))));
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
