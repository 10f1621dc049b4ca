/** Small helpers for AbortSignals shared by the middleware. */
import { AbortError } from "../util/errors.js";

/** The error of a model request its caller cancelled: the one AbortError, naming the client (`where`) when known. Never retried. */
export function requestAborted(where?: string): AbortError {
  return new AbortError(`The request was cancelled${where ? ` (on ${where})` : ""}`);
}

/** Rejects with an AbortError as soon as `signal` aborts, else settles like `promise`. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, where?: string): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(requestAborted(where));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(requestAborted(where));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener("abort", onAbort), resolve(v)),
      (e) => (signal.removeEventListener("abort", onAbort), reject(e)),
    );
  });
}

/** Waits `ms`, rejecting early with an AbortError if `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return raceAbort(
    new Promise<void>((resolve) => {
      const onAbort = () => clearTimeout(timer);
      // The listener goes when the timer fires: a run-long signal must not collect one per retry.
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
    signal,
  );
}

/**
 * One underlying operation shared by several callers (de-duplication, batching): its signal
 * aborts only when every caller has aborted. A caller without a signal keeps it alive forever.
 */
export class SharedAbort {
  private readonly controller = new AbortController();
  private live = 0;
  private released = false;
  private readonly listening: Array<{ signal: AbortSignal; onAbort: () => void }> = [];
  readonly signal: AbortSignal = this.controller.signal;

  join(signal: AbortSignal | undefined): void {
    if (!signal) {
      this.live += Infinity;
      return;
    }
    if (signal.aborted) return;
    this.live += 1;
    if (this.released) return;
    const onAbort = () => {
      this.live -= 1;
      if (this.live <= 0) this.controller.abort();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    this.listening.push({ signal, onAbort });
  }

  /**
   * Call when the shared operation has settled: stops listening to the callers' signals. A
   * caller's signal often outlives the request (a whole training run passes one signal to every
   * request), and without this each request would leave a listener on it for good.
   */
  release(): void {
    this.released = true;
    for (const { signal, onAbort } of this.listening) signal.removeEventListener("abort", onAbort);
    this.listening.length = 0;
  }

  /** Call once every caller has joined: aborts now if all of them are already aborted. */
  seal(): void {
    if (this.live <= 0) this.controller.abort();
  }
}
