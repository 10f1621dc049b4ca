/**
 * The compiled form of a network: what the compiler (src/compile/compile.ts) produces and what
 * the executor (src/exec) and the trainer (src/train) consume. Every name is resolved, every
 * template is inline text, and the nodes are in a checked topological order.
 */
import type { Diagnostic, SourceLocation } from "../network/diagnostics.js";
import type { AggregateSpec, ModelSpec, NetworkSpec, ParseSpec, LossSpec, PosteriorForm, TrainSpec } from "../network/types.js";
import type { ClassDef } from "../text/answers.js";

export type { ClassDef, Diagnostic, SourceLocation };

interface NodeBase {
  id: string;
  /** Upstream input names or node ids, in the order declared. */
  parents: string[];
  loc?: SourceLocation;
}

export interface LayerNode extends NodeBase {
  kind: "layer";
  /**
   * The declared `from` entries: what the template's `from` variable lists, and the names it sees.
   * Equal to `parents` except for a judge layer, whose parents also include its ensemble's members.
   */
  from?: string[];
  /** Template source text (LiquidJS). Variables: `prompt`, each parent by name, `from` (list of {name, value}). */
  template: string;
  /** The built-in or named template this came from, if any. */
  templateName?: string;
  /** The initial prompt. */
  prompt: string;
  /**
   * The parameter this layer's prompt belongs to. Usually the layer id; the replicas of an
   * ensemble's `replicate` share the replicated layer's id, so they are trained as one parameter.
   */
  param: string;
  /** Name of the model in the network's `models`. */
  model: string;
  trainable: boolean;
  classes?: ClassDef[];
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
  parse: ParseSpec;
  /** How the trainer asks for posterior samples of this layer's value (absent: the default, `hint`). */
  posterior?: PosteriorForm;
  /** For a judge layer: the ensemble whose members it judges (it also sees `members`, `candidates`). */
  judgeOf?: string;
}

export interface CombineNode extends NodeBase {
  kind: "combine";
  template: string;
  templateName?: string;
}

export interface EnsembleNode extends NodeBase {
  kind: "ensemble";
  /** Member layer ids (for `replicate`, synthetic ids `ens#1` … `ens#N`); they are also its parents. */
  members: string[];
  aggregate: AggregateSpec;
}

export type CompiledNode = LayerNode | CombineNode | EnsembleNode;

/** The checked, ordered network. The `Graph` class (src/graph.ts) wraps this with run/train. */
export interface CompiledNetwork {
  name: string;
  description?: string;
  /** Absolute path of the network file, when it came from one. */
  file?: string;
  /** Directory that relative paths in the network (GGUF models, data) resolve against. */
  baseDir: string;
  spec: NetworkSpec;
  inputs: string[];
  output: string;
  /** Model settings as written (`${VAR}` not yet expanded). */
  models: Record<string, ModelSpec>;
  /** Every executable node by id (replicated prototypes are not executed, their replicas are). */
  nodes: Map<string, CompiledNode>;
  /** Node ids in a topological order (parents first). */
  order: string[];
  /** Topological generations: nodes in one generation do not depend on each other. */
  generations: string[][];
  /** Node id → node ids that read it (inputs are not keys). */
  children: Map<string, string[]>;
  loss: Required<Pick<LossSpec, "type" | "normalize" | "target">>;
  train: TrainSpec;
  /** Warnings found while compiling (errors make compilation fail). */
  warnings: Diagnostic[];
}
