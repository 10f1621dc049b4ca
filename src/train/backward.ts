/**
 * The backward pass: the reverse-topological walk (micrograd's `backward()`), TRAINING.md's
 * "one training step" after the forward pass.
 *
 * Targets flow from the loss toward the inputs: the output receives the gold answer. Every
 * stochastic node (a layer or an ensemble) waits until everything that reads it has sent its
 * targets, merged in the senders' topological order (never in completion order, so the result
 * does not depend on timing); then
 *   - an ensemble passes its targets on to every member (and its judge);
 *   - a parameter (the layers sharing one prompt) takes one optimizer step, which updates its
 *     prompt and sends targets to the stochastic nodes its layers read.
 * When each of these runs, and what may overlap, is src/train/schedule.ts: steps whose inputs are
 * ready run at the same time, and a parent's step starts as soon as its readers have *sent* their
 * targets (`sendSignals`), before they score their own candidates. Prompts are the iteration's
 * throughout, so the schedule changes when steps run, not what they compute.
 */
import type { Observable } from "rxjs";
import type { EnsembleNode } from "../compile/types.js";
import type { Rng } from "../util/random.js";
import { ensembleReceivers, GOLD, type TrainGraph } from "./topology.js";
import { mergeTargetSets } from "./math.js";
import type { Optimizer, StepOutput } from "./optimizer.js";
import { scheduleBackward } from "./schedule.js";
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

/** Walks the graph backward, readers before what they read; emits each parameter's step as it finishes. */
export function backward(input: BackwardInput): Observable<UnitStepped> {
  const { graph, optimizer, batch } = input;
  const targets = new Targets(graph, batch);

  /** An ensemble passes its targets on to every member (and its judge). */
  const passOn = (ensemble: EnsembleNode): void => {
    const merged = targets.of(ensemble.id);
    for (const member of ensembleReceivers(ensemble)) targets.send(member, ensemble.id, merged);
  };

  /** A parameter takes one optimizer step on its layers' targets and sends its parents theirs. */
  const step = async (unit: ParamUnit, handOver: () => void): Promise<UnitStepped> => {
    let sent = false;
    const sendToParents = (signals: ReadonlyMap<string, TargetSets>): void => {
      if (!sent) targets.sendFromLayers(unit, signals);
      sent = true;
    };
    const output = await optimizer.step({
      iteration: input.iteration,
      unit,
      prompts: input.prompts,
      memory: input.memory[unit.param] ?? [],
      targets: new Map(unit.layers.map((l) => [l.id, targets.of(l.id)])),
      batch,
      rng: input.rng.fork(unit.param),
      signal: input.signal,
      // Sent before the step scores its candidates: the parents may start meanwhile.
      sendSignals: (signals) => {
        sendToParents(signals);
        handOver();
      },
    });
    sendToParents(output.signals);
    return { unit, previous: input.prompts[unit.param] ?? "", output };
  };

  return scheduleBackward(graph, (work, handOver) => (work.kind === "ensemble" ? passOn(work.ensemble) : step(work.unit, handOver)), input.signal);
}

/** The targets each stochastic node has received, by sender; the loss sends the gold answer. */
class Targets {
  /** receiver → sender → targets */
  private readonly received = new Map<string, Map<string, TargetSets>>();
  private readonly gold: TargetSets;

  constructor(
    private readonly graph: TrainGraph,
    private readonly batch: BatchTrace,
  ) {
    this.gold = batch.gold.map((y) => [{ text: y, weight: 1 }]);
  }

  send(to: string, from: string, targets: TargetSets): void {
    let bySender = this.received.get(to);
    if (!bySender) this.received.set(to, (bySender = new Map()));
    bySender.set(from, targets);
  }

  /** A step's layers send each stochastic parent they read the targets the step picked for it. */
  sendFromLayers(unit: ParamUnit, signals: ReadonlyMap<string, TargetSets>): void {
    for (const layer of unit.layers) {
      for (const parent of this.graph.stochasticParents.get(layer.id) ?? []) {
        const t = signals.get(parent);
        if (t) this.send(parent, layer.id, t);
      }
    }
  }

  /** A receiver's targets: what its senders sent, merged in the senders' topological order. */
  of(id: string): TargetSets {
    const sets = (this.graph.senders.get(id) ?? [])
      .map((s) => (s === GOLD ? this.gold : this.received.get(id)?.get(s)))
      .filter((t): t is TargetSets => t !== undefined);
    return this.batch.gold.map((_, i) => mergeTargetSets(sets.map((s) => s[i] ?? [])));
  }
}
