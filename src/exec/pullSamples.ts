/**
 * `pullSamples`: like `mergeMap(project, concurrency)` over an iterable or async iterable, but it
 * *pulls*: the next sample is read only when a slot is free. (`from(asyncIterable)` pushes as fast
 * as the source yields, and mergeMap would buffer the whole input; a file of a million lines
 * would be read into memory before the thousandth result.) Results are emitted in completion
 * order. Unsubscribing stops reading, unsubscribes the work in flight and closes the iterator.
 */
import { Observable, type Subscriber, type Subscription } from "rxjs";

export function pullSamples<T, R>(
  source: Iterable<T> | AsyncIterable<T>,
  project: (item: T, index: number) => Observable<R>,
  concurrency: number,
): Observable<R> {
  return new Observable<R>((subscriber) => {
    const puller = new Puller(source, project, concurrency, subscriber);
    puller.pump();
    return () => puller.stop();
  });
}

/** One subscription's reading: whenever a slot is free, the next item is read and its work started. */
class Puller<T, R> {
  private readonly iterator: Iterator<T> | AsyncIterator<T>;
  private readonly isAsync: boolean;
  private readonly running = new Set<Subscription>();
  private index = 0;
  private active = 0;
  private exhausted = false;
  /** An async next() is pending. */
  private waiting = false;
  private pumping = false;
  private again = false;
  private closed = false;

  constructor(
    source: Iterable<T> | AsyncIterable<T>,
    private readonly project: (item: T, index: number) => Observable<R>,
    private readonly concurrency: number,
    private readonly subscriber: Subscriber<R>,
  ) {
    this.isAsync = typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] === "function";
    this.iterator = this.isAsync ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]();
  }

  /**
   * Reads while a slot is free (one pending read at a time for an async source), then completes
   * if the source is exhausted and nothing runs. Trampolined: work that completes synchronously
   * re-enters pump; it loops instead of recursing.
   */
  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        while (!this.closed && !this.exhausted && !this.waiting && this.active < this.concurrency) this.readNext();
      } while (this.again && !this.closed);
    } finally {
      this.pumping = false;
    }
    if (!this.closed && this.exhausted && this.active === 0 && !this.waiting) {
      this.closed = true;
      this.subscriber.complete();
    }
  }

  /** Unsubscribed: stops reading, unsubscribes the work in flight and closes the iterator. */
  stop(): void {
    const wasOpen = !this.exhausted;
    this.closed = true;
    for (const sub of this.running) sub.unsubscribe();
    this.running.clear();
    if (wasOpen) closeQuietly(this.iterator);
  }

  /** Asks the source for its next item: a sync source answers now, an async one later. */
  private readNext(): void {
    let r: IteratorResult<T> | Promise<IteratorResult<T>>;
    try {
      r = this.iterator.next();
    } catch (err) {
      this.fail(err);
      return;
    }
    if (this.isAsync) {
      this.waiting = true;
      (r as Promise<IteratorResult<T>>).then(
        (result) => this.onAsyncRead(result),
        (err: unknown) => this.fail(err),
      );
    } else this.take(r as IteratorResult<T>);
  }

  private onAsyncRead(result: IteratorResult<T>): void {
    this.waiting = false;
    if (this.closed) return;
    this.take(result);
    this.pump();
  }

  private take(result: IteratorResult<T>): void {
    if (result.done) this.exhausted = true;
    else this.start(result.value);
  }

  /** Runs one item's work in a free slot; the slot is free again when the work completes. */
  private start(item: T): void {
    this.active++;
    let finished = false;
    // `let`, assigned below: a synchronous source completes inside subscribe(), before the assignment.
    let sub: Subscription | undefined = undefined;
    sub = this.project(item, this.index++).subscribe({
      next: (r) => this.subscriber.next(r),
      error: (err: unknown) => this.fail(err),
      complete: () => {
        finished = true;
        this.active--;
        if (sub) this.running.delete(sub);
        this.pump();
      },
    });
    if (!finished) this.running.add(sub);
  }

  private fail(err: unknown): void {
    this.closed = true;
    this.subscriber.error(err);
  }
}

/** Closes an iterator the reader gives up on; closing a broken one is best effort. */
function closeQuietly(iterator: Iterator<unknown> | AsyncIterator<unknown>): void {
  try {
    const r = iterator.return?.();
    if (r && typeof (r as Promise<unknown>).then === "function") (r as Promise<unknown>).then(undefined, () => undefined);
  } catch {
    // closing a broken iterator is best effort
  }
}
