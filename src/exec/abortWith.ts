/**
 * `abortWith(signal)`: mirrors the source until the signal aborts, then errors with an
 * `AbortError` (`E_ABORTED`); erroring unsubscribes the source, which aborts every request in flight.
 */
import { Observable, type MonoTypeOperatorFunction } from "rxjs";
import { AbortError } from "../util/errors.js";

export function abortWith<T>(signal: AbortSignal | undefined): MonoTypeOperatorFunction<T> {
  if (!signal) return (source) => source;
  return (source) =>
    new Observable<T>((subscriber) => {
      const onAbort = (): void => subscriber.error(new AbortError("the run was cancelled"));
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener("abort", onAbort, { once: true });
      const inner = source.subscribe(subscriber);
      return () => {
        signal.removeEventListener("abort", onAbort);
        inner.unsubscribe();
      };
    });
}
