/**
 * A bounded reorder buffer: results arrive in completion order and leave in input order. The
 * reader of the input calls `waitForRoom(index)` before handing out sample `index`, so at most
 * `window` samples are between the oldest unwritten one and the newest read one: memory stays
 * flat however long the input, and a slow sample holds back reading, never correctness.
 */
export interface ReorderBuffer<T extends { index: number }> {
  /** Adds a finished result; returns the results now ready to write, in input order. */
  push(result: T): T[];
  /** Resolves when sample `index` may be read without exceeding the window. */
  waitForRoom(index: number): Promise<void>;
  /** Removes and returns every held result in input order, gaps and all (the end of a stopped run). */
  drainHeld(): T[];
  /** Index of the next result to write. */
  readonly next: number;
  /** Results held, waiting for an earlier one. */
  readonly held: number;
}

export function createReorderBuffer<T extends { index: number }>(window: number): ReorderBuffer<T> {
  const held = new Map<number, T>();
  let next = 0;
  let waiter: { index: number; resolve: () => void } | undefined;
  const size = Math.max(1, Math.floor(window));

  return {
    push(result) {
      held.set(result.index, result);
      const ready: T[] = [];
      for (let r = held.get(next); r !== undefined; r = held.get(next)) {
        held.delete(next);
        ready.push(r);
        next++;
      }
      if (waiter && waiter.index < next + size) {
        const w = waiter;
        waiter = undefined;
        w.resolve();
      }
      return ready;
    },
    waitForRoom(index) {
      if (index < next + size) return Promise.resolve();
      return new Promise<void>((resolve) => (waiter = { index, resolve }));
    },
    drainHeld() {
      const rest = [...held.values()].sort((a, b) => a.index - b.index);
      held.clear();
      return rest;
    },
    get next() {
      return next;
    },
    get held() {
      return held.size;
    },
  };
}
