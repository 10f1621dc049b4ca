/**
 * Shapes shared by the trainer, the backward walk and the optimizers.
 */
import type { LayerNode } from "../compile/types.js";

/** One weighted target of a node for one sample (TRAINING.md "targets of a layer"). */
export interface Target {
  text: string;
  weight: number;
}

/** A node's targets for every sample of the batch (index = position in the batch). */
export type TargetSets = Target[][];

/** What a forward pass of the batch left behind, as the backward pass reads it. */
export interface BatchTrace {
  /** Example ids, in batch order. */
  ids: string[];
  /** Per sample: every input and node value (inputs by name, nodes by id). */
  values: Array<Record<string, unknown>>;
  /** Per sample: the gold answer. */
  gold: string[];
  /** Per sample: whether the network's answer was right (loss 0). */
  correct: boolean[];
  /**
   * Per sample: each layer's raw generated text, before parsing (layers that generated text),
   * when the forward pass kept it. Hidden targets are scored as the model wrote them: with the
   * leading whitespace of this text (docs/training.md, "Which text is scored").
   */
  raw?: Array<Record<string, string>>;
}

/**
 * One parameter of the network: the layers that share a prompt (usually one layer; the replicas
 * of an ensemble's `replicate` share one). The optimizer steps parameters, not layers.
 */
export interface ParamUnit {
  param: string;
  layers: LayerNode[];
  trainable: boolean;
}

/** How a candidate's score was computed. */
export type ScoreMode = "exact" | "classes" | "accuracy";

/** A candidate prompt and its score, as the event stream records it. */
export interface ScoredCandidate {
  prompt: string;
  source: "current" | "proposal" | "memory";
  score: number;
  /** The parts of the score: weighted log-likelihood (or accuracy), KL term, exploration penalty. */
  parts: { fit: number; kl: number; penalty: number };
}
