/**
 * The optimizer interface (PyTorch's split: the optimizer owns the update rule, the trainer owns
 * the loop, src/train/backward.ts owns the walk). An optimizer steps one parameter at a time:
 * given the targets its layers received and the forward trace, it picks the parameter's new
 * prompt and says what its layers' stochastic parents should aim for.
 */
import type { Rng } from "../util/random.js";
import type { BatchTrace, ParamUnit, ScoreMode, ScoredCandidate, TargetSets } from "./types.js";

export interface StepInput {
  /** 0-based iteration of the run. */
  iteration: number;
  unit: ParamUnit;
  /** Every parameter's current prompt (parents' prompts are needed for posterior samples). */
  prompts: Readonly<Record<string, string>>;
  /** Remembered good prompts for this parameter (memory), best first. */
  memory: readonly string[];
  /** Targets per layer of the unit, per sample of the batch. */
  targets: ReadonlyMap<string, TargetSets>;
  batch: BatchTrace;
  /** This parameter's own generator for this step (forked from the iteration's), so concurrency cannot change the draws. */
  rng: Rng;
  signal?: AbortSignal;
  /**
   * Called once, as soon as the step knows its parents' targets (before it scores its own
   * candidates), so that the parents' steps can start meanwhile; the output's `signals` must be
   * the same. A step that never calls it sends its signals with its output.
   */
  sendSignals?: (signals: Map<string, TargetSets>) => void;
}

/** What the step says about one stochastic parent, for the event stream. */
export interface SignalSummary {
  from: string;
  to: string;
  /** Posterior candidates per sample (mean). */
  samples: number;
  /** Mean weight of the highest-weighted candidate (how peaked the posterior is). */
  peak: number;
}

export interface StepOutput {
  /** The parameter's prompt after the step (the old one when not trainable or nothing beat it). */
  prompt: string;
  /** Every candidate with its score (empty when the parameter was not trained this step). */
  candidates: ScoredCandidate[];
  mode?: ScoreMode;
  /** Targets for stochastic parents (layer or ensemble id → per-sample targets). */
  signals: Map<string, TargetSets>;
  summaries: SignalSummary[];
  /** Requests that failed and were done without (proposals, scores, posterior samples). */
  failures: number;
}

export interface Optimizer {
  readonly name: string;
  step(input: StepInput): Promise<StepOutput>;
}
