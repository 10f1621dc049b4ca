/**
 * The plan of a compiled network as plain data: what `dln plan --json` prints and what
 * docs/network-files.md documents. Keep the shape stable; add fields rather than change them.
 */
import type { AggregateSpec } from "../network/types.js";
import type { CompiledNetwork, Diagnostic } from "./types.js";
import { getOrThrow } from "../util/lookup.js";

export interface PlanNode {
  id: string;
  kind: "layer" | "combine" | "ensemble";
  /** 0-based index into `generations`. */
  generation: number;
  /** Inputs and node ids this node reads. */
  parents: string[];
  /** Node ids that read this node. */
  children: string[];
  /** The model a layer calls; null for combine and ensemble nodes. */
  model: string | null;
  /** Whether training may rewrite the node's prompt (always false for combine and ensemble). */
  trainable: boolean;
  /** Built-in or named template, "inline" for inline text, null for ensembles. */
  template: string | null;
  /** Layers: the parameter (prompt) the layer trains; replicas share their prototype's. */
  param?: string;
  /** Layers: the ensemble this layer judges. */
  judgeOf?: string;
  /** Ensembles: member layer ids, and how their values are aggregated. */
  members?: string[];
  aggregate?: AggregateSpec;
}

export interface Plan {
  name: string;
  file: string | null;
  inputs: string[];
  output: string;
  /** Node ids by generation; the nodes of one generation do not depend on each other. */
  generations: string[][];
  /** Every executable node, in topological order. */
  nodes: PlanNode[];
  warnings: Diagnostic[];
}

export function planOf(network: CompiledNetwork): Plan {
  const generationOf = new Map<string, number>();
  network.generations.forEach((g, i) => g.forEach((id) => generationOf.set(id, i)));
  const nodes = network.order.map((id): PlanNode => {
    const node = getOrThrow(network.nodes, id, "compiled node");
    const base = {
      id,
      kind: node.kind,
      generation: getOrThrow(generationOf, id, "generation of node"),
      parents: [...node.parents],
      children: [...(network.children.get(id) ?? [])],
    };
    if (node.kind === "layer") {
      return {
        ...base,
        model: node.model,
        trainable: node.trainable,
        template: node.templateName ?? "inline",
        param: node.param,
        ...(node.judgeOf !== undefined ? { judgeOf: node.judgeOf } : {}),
      };
    }
    if (node.kind === "combine") return { ...base, model: null, trainable: false, template: node.templateName ?? "inline" };
    return { ...base, model: null, trainable: false, template: null, members: [...node.members], aggregate: node.aggregate };
  });
  return {
    name: network.name,
    file: network.file ?? null,
    inputs: [...network.inputs],
    output: network.output,
    generations: network.generations.map((g) => [...g]),
    nodes,
    warnings: network.warnings,
  };
}
