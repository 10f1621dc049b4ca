/**
 * When the backward walk's work may run (src/train/backward.ts says what the work does).
 *
 * A *work* is a parameter's optimizer step (a unit: the layers sharing one prompt) or an
 * ensemble passing its targets on. A work *hands over* once the targets it sends are recorded;
 * then the nodes it stands for (the unit's layers, or the ensemble) count as heard from.
 * `scheduleBackward` guarantees:
 *
 * - **Once.** Every parameter and every ensemble of the graph runs exactly once per walk.
 * - **Readers first.** A work starts only when every sender of every node it stands for
 *   (`TrainGraph.senders`: the layers and ensembles that read it, and the loss) has handed over;
 *   senders inside the same unit do not count. The loss has handed over from the start.
 * - **Early hand-over, concurrency.** A work hands over when it calls `handOver()` (a DLN-VI step
 *   does once its parents' targets are sent, before it scores its own candidates) or, at the
 *   latest, when it ends. Whatever became ready then starts at once, so a parent's step overlaps
 *   its children's scoring and independent branches run side by side.
 * - **Deterministic start order.** Work that becomes ready together starts in topological order,
 *   parameters before ensembles. What a work computes does not depend on timing: its inputs were
 *   all handed over before it started (backward.ts merges them in the senders' order).
 * - **End.** The walk completes when nothing runs and nothing is ready. An abort (checked before
 *   each work starts) or a work's error ends it with that error; unsubscribing unsubscribes the
 *   work in flight. Results are emitted in completion order.
 */
import { defer, finalize, mergeMap, Observable, Subject } from "rxjs";
import type { EnsembleNode } from "../compile/types.js";
import { throwIfAborted } from "../util/errors.js";
import { getOrThrow } from "../util/lookup.js";
import { GOLD, type TrainGraph } from "./topology.js";
import type { ParamUnit } from "./types.js";

export type Work = { kind: "unit"; unit: ParamUnit } | { kind: "ensemble"; ensemble: EnsembleNode };

/**
 * Does one work, and calls `handOver()` as soon as the targets it sends are recorded (optional:
 * ending hands over too). A work that resolves to a result emits it; one that returns nothing emits nothing.
 */
export type Perform<R> = (work: Work, handOver: () => void) => Promise<R> | void;

/** Runs `perform` on every work of the backward walk, each as soon as its readers have handed over (see the guarantees above). */
export function scheduleBackward<R>(graph: TrainGraph, perform: Perform<R>, signal?: AbortSignal): Observable<R> {
  return new Observable<R>((subscriber) => {
    const readiness = new Readiness(graph);
    const work$ = new Subject<Work>();
    let running = 0;
    /** Starts whatever has become ready; ends the walk when nothing runs and nothing is ready. */
    const schedule = (): void => {
      for (const work of readiness.nextWork()) {
        running++;
        work$.next(work);
      }
      if (running === 0) work$.complete();
    };

    const run = (work: Work): Observable<R | undefined> =>
      defer(async () => {
        throwIfAborted(signal, "the backward pass was cancelled");
        let handedOver = false;
        const handOver = (): void => {
          if (handedOver) return;
          handedOver = true;
          readiness.heardFrom(work);
          schedule();
        };
        const result = (await perform(work, handOver)) ?? undefined;
        // At the latest when it ends; what became ready starts when the work is counted out (finalize).
        handedOver = true;
        readiness.heardFrom(work);
        return result;
      }).pipe(
        finalize(() => {
          running--;
          if (!subscriber.closed) schedule();
        }),
      );

    // Start with what hears only from the loss; each work that hands over may make more work ready.
    const subscription = work$.pipe(mergeMap(run)).subscribe({
      next: (r) => {
        if (r !== undefined) subscriber.next(r);
      },
      error: (err) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });
    schedule();
    return () => subscription.unsubscribe();
  });
}

/** Which nodes have handed over, which work has started, and which is ready to. */
class Readiness {
  private readonly done = new Set<string>([GOLD]);
  private readonly started = new Set<string>();

  constructor(private readonly graph: TrainGraph) {}

  /** The work's nodes have handed over their targets. */
  heardFrom(work: Work): void {
    if (work.kind === "ensemble") this.done.add(work.ensemble.id);
    else for (const layer of work.unit.layers) this.done.add(layer.id);
  }

  /** Work whose nodes have heard from every sender, not started yet, in topological order (marked started). */
  nextWork(): Work[] {
    const out: Work[] = [];
    for (const unit of this.graph.units) {
      if (this.started.has(unit.param)) continue;
      const inside = new Set(unit.layers.map((l) => l.id));
      if (unit.layers.every((l) => this.ready(l.id, inside))) {
        this.started.add(unit.param);
        out.push({ kind: "unit", unit });
      }
    }
    const { network } = this.graph;
    for (const id of network.order) {
      const node = getOrThrow(network.nodes, id, "compiled node");
      if (node.kind !== "ensemble" || this.started.has(id) || !this.ready(id, new Set())) continue;
      this.started.add(id);
      out.push({ kind: "ensemble", ensemble: node });
    }
    return out;
  }

  private ready(id: string, inside: ReadonlySet<string>): boolean {
    return (this.graph.senders.get(id) ?? []).every((s) => this.done.has(s) || inside.has(s));
  }
}
