/**
 * The backward pass: the reverse-topological walk, in one screen (micrograd's `backward()`).
 *
 * Targets flow from the loss toward the inputs. Every stochastic node (a layer or an ensemble)
 * waits until everything that reads it has sent its targets; then
 *   - an ensemble passes its (merged) targets on to every member;
 *   - a parameter (the layers sharing one prompt) takes one optimizer step, which updates its
 *     prompt and sends targets to the stochastic nodes its layers read.
 * Steps whose inputs are ready run at the same time, so a wide graph trains its branches
 * concurrently; and a parameter's step starts as soon as every reader has *sent* its targets
 * (`sendSignals`), which a DLN-VI step does before it scores its own candidates, so a parent's
 * proposals and scoring overlap its children's scoring. Prompts are the iteration's throughout,
 * so this changes when steps run, not what they compute. Every request inside a step streams
 * through the model clients under their limits. Merging is done in topological order of the
 * senders, never in completion order, so the result does not depend on timing.
 */
import { defer, finalize, mergeMap, Observable, Subject } from "rxjs";
import type { Rng } from "../util/random.js";
import { throwIfAborted } from "../util/errors.js";
import { ensembleReceivers, GOLD, type TrainGraph } from "./topology.js";
import { mergeTargetSets } from "./math.js";
import type { Optimizer, StepOutput } from "./optimizer.js";
import type { BatchTrace, ParamUnit, TargetSets } from "./types.js";

export interface BackwardInput {
  graph: TrainGraph;
  optimizer: Optimizer;
  iteration: number;
  prompts: Readonly<Record<string, string>>;
  /** Remembered prompts per parameter. */
  memory: Readonly<Record<string, string[]>>;
  batch: BatchTrace;
  rng: Rng;
  signal?: AbortSignal;
}

export interface UnitStepped {
  unit: ParamUnit;
  /** The prompt the parameter had when the step started. */
  previous: string;
  output: StepOutput;
}

type Work = { kind: "unit"; unit: ParamUnit } | { kind: "ensemble"; id: string };

/** Walks the graph backward; emits each parameter's step as it finishes. */
export function backward(input: BackwardInput): Observable<UnitStepped> {
  const { graph, batch } = input;
  const network = graph.network;
  const gold: TargetSets = batch.gold.map((y) => [{ text: y, weight: 1 }]);
  /** receiver → sender → targets */
  const received = new Map<string, Map<string, TargetSets>>();
  const done = new Set<string>([GOLD]);
  const started = new Set<string>();

  const send = (to: string, fromId: string, targets: TargetSets): void => {
    let m = received.get(to);
    if (!m) received.set(to, (m = new Map()));
    m.set(fromId, targets);
  };
  /** A receiver's targets: what its senders sent, merged in the senders' topological order. */
  const targetsOf = (id: string): TargetSets => {
    const sets = (graph.senders.get(id) ?? []).map((s) => (s === GOLD ? gold : received.get(id)?.get(s))).filter((t): t is TargetSets => t !== undefined);
    return batch.gold.map((_, i) => mergeTargetSets(sets.map((s) => s[i] ?? [])));
  };
  const ready = (id: string, inside: ReadonlySet<string>): boolean => (graph.senders.get(id) ?? []).every((s) => done.has(s) || inside.has(s));

  /** Work whose receivers have heard from every sender, not started yet, in topological order. */
  const nextWork = (): Work[] => {
    const out: Work[] = [];
    for (const unit of graph.units) {
      if (started.has(unit.param)) continue;
      const inside = new Set(unit.layers.map((l) => l.id));
      if (unit.layers.every((l) => ready(l.id, inside))) {
        started.add(unit.param);
        out.push({ kind: "unit", unit });
      }
    }
    for (const id of network.order) {
      const node = network.nodes.get(id)!;
      if (node.kind !== "ensemble" || started.has(id) || !ready(id, new Set())) continue;
      started.add(id);
      out.push({ kind: "ensemble", id });
    }
    return out;
  };

  /** A step's layers have sent their targets: record them, and the readers are done. */
  const signalled = (unit: ParamUnit, signals: ReadonlyMap<string, TargetSets>): void => {
    for (const layer of unit.layers) {
      for (const parent of graph.stochasticParents.get(layer.id) ?? []) {
        const t = signals.get(parent);
        if (t) send(parent, layer.id, t);
      }
      done.add(layer.id);
    }
  };

  return new Observable<UnitStepped>((subscriber) => {
    const work$ = new Subject<Work>();
    let running = 0;
    /** Starts whatever has become ready; ends the walk when nothing runs and nothing is ready. */
    const schedule = (): void => {
      for (const work of nextWork()) {
        running++;
        work$.next(work);
      }
      if (running === 0) work$.complete();
    };

    const perform = (work: Work): Observable<UnitStepped | null> =>
      defer(async () => {
        throwIfAborted(input.signal, "the backward pass was cancelled");
        if (work.kind === "ensemble") {
          const node = network.nodes.get(work.id)!;
          const targets = targetsOf(work.id);
          if (node.kind === "ensemble") for (const m of ensembleReceivers(node)) send(m, work.id, targets);
          done.add(work.id);
          return null;
        }
        const { unit } = work;
        let sent = false;
        const output = await input.optimizer.step({
          iteration: input.iteration,
          unit,
          prompts: input.prompts,
          memory: input.memory[unit.param] ?? [],
          targets: new Map(unit.layers.map((l) => [l.id, targetsOf(l.id)])),
          batch,
          rng: input.rng.fork(unit.param),
          signal: input.signal,
          sendSignals: (signals) => {
            if (sent) return;
            sent = true;
            signalled(unit, signals);
            schedule();
          },
        });
        if (!sent) signalled(unit, output.signals);
        return { unit, previous: input.prompts[unit.param], output };
      }).pipe(
        finalize(() => {
          running--;
          if (!subscriber.closed) schedule();
        }),
      );

    // Start with what hears only from the loss; each step that sends its targets may make more work ready.
    const subscription = work$.pipe(mergeMap(perform)).subscribe({
      next: (r) => {
        if (r) subscriber.next(r);
      },
      error: (err) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });
    schedule();
    return () => subscription.unsubscribe();
  });
}
