/**
 * `pullSamples`: like `mergeMap(project, concurrency)` over an iterable or async iterable, but it
 * *pulls*: the next sample is read only when a slot is free. (`from(asyncIterable)` pushes as fast
 * as the source yields, and mergeMap would buffer the whole input; a file of a million lines
 * would be read into memory before the thousandth result.) Results are emitted in completion
 * order. Unsubscribing stops reading, unsubscribes the work in flight and closes the iterator.
 */
import { Observable, type Subscription } from "rxjs";

export function pullSamples<T, R>(
  source: Iterable<T> | AsyncIterable<T>,
  project: (item: T, index: number) => Observable<R>,
  concurrency: number,
): Observable<R> {
  return new Observable<R>((subscriber) => {
    const isAsync = typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] === "function";
    const iterator: Iterator<T> | AsyncIterator<T> = isAsync
      ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (source as Iterable<T>)[Symbol.iterator]();
    const running = new Set<Subscription>();
    let index = 0;
    let active = 0;
    let exhausted = false;
    let waiting = false; // an async next() is pending
    let pumping = false;
    let again = false;
    let closed = false;

    const fail = (err: unknown): void => {
      closed = true;
      subscriber.error(err);
    };

    const start = (item: T): void => {
      active++;
      let finished = false;
      // `let`, assigned below: a synchronous source completes inside subscribe(), before the assignment.
      let sub: Subscription | undefined = undefined;
      sub = project(item, index++).subscribe({
        next: (r) => subscriber.next(r),
        error: fail,
        complete: () => {
          finished = true;
          active--;
          if (sub) running.delete(sub);
          pump();
        },
      });
      if (!finished) running.add(sub);
    };

    const onAsyncResult = (r: IteratorResult<T>): void => {
      waiting = false;
      if (closed) return;
      if (r.done) exhausted = true;
      else start(r.value);
      pump();
    };

    // Trampolined: work that completes synchronously re-enters pump; it loops instead of recursing.
    function pump(): void {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      try {
        do {
          again = false;
          while (!closed && !exhausted && !waiting && active < concurrency) {
            let r: IteratorResult<T> | Promise<IteratorResult<T>>;
            try {
              r = iterator.next();
            } catch (err) {
              fail(err);
              return;
            }
            if (isAsync) {
              waiting = true;
              (r as Promise<IteratorResult<T>>).then(onAsyncResult, fail);
            } else if ((r as IteratorResult<T>).done) exhausted = true;
            else start((r as IteratorResult<T>).value);
          }
        } while (again && !closed);
      } finally {
        pumping = false;
      }
      if (!closed && exhausted && active === 0 && !waiting) {
        closed = true;
        subscriber.complete();
      }
    }

    pump();
    return () => {
      const wasOpen = !exhausted;
      closed = true;
      for (const sub of running) sub.unsubscribe();
      running.clear();
      if (wasOpen) {
        try {
          const r = iterator.return?.();
          if (r && typeof (r as Promise<unknown>).then === "function") (r as Promise<unknown>).then(undefined, () => undefined);
        } catch {
          // closing a broken iterator is best effort
        }
      }
    };
  });
}
