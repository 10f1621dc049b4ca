/**
 * `fireWhenParentsReady`: one node of one sample's dataflow. Waits until every dependency has
 * emitted its value (forkJoin), then fires the node once with those values in order. The result
 * is shared and replayed, so every child (and the sample's collector) sees the same single firing;
 * when the last subscriber leaves before it finishes, the firing is unsubscribed (and its model
 * request aborted).
 */
import { forkJoin, mergeMap, of, ReplaySubject, share, type Observable } from "rxjs";

export function fireWhenParentsReady<T>(dependencies: Observable<unknown>[], fire: (values: unknown[]) => Observable<T>): Observable<T> {
  const ready: Observable<unknown[]> = dependencies.length === 0 ? of([]) : forkJoin(dependencies);
  return ready.pipe(
    mergeMap(fire),
    share({ connector: () => new ReplaySubject<T>(1), resetOnError: false, resetOnComplete: false, resetOnRefCountZero: true }),
  );
}
