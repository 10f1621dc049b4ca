/**
 * The execution plan: everything about a node that does not depend on the sample, worked out
 * once per run (dependencies, effective prompt and temperature, judge wiring), so firing a node
 * for a sample does no lookups beyond its own entry.
 */
import type { ClassDef, CompiledNetwork, CombineNode, EnsembleNode, LayerNode } from "../compile/types.js";
import type { AggregateSpec, ScoringMode } from "../network/types.js";
import { layerInputs, type LayerInputs } from "./render.js";
import type { RunOptions } from "./types.js";

interface PlannedBase {
  id: string;
  /** What the node waits for (input names or node ids); its values reach the node in this order. */
  deps: string[];
}

export interface PlannedLayer extends PlannedBase {
  kind: "layer";
  node: LayerNode;
  /** The prompt after overrides (layer id, then parameter id, then the network's). */
  prompt: string;
  temperature?: number;
  /** Scoring mode the layer's model insists on, if any. */
  scoring?: ScoringMode;
  /** What the template reads (src/exec/render.ts: the same for the executor and the trainer). */
  inputs: LayerInputs;
  /** Members of an ensemble get a sample key so sampled replicas are distinct cache entries. */
  isMember: boolean;
}

export interface PlannedCombine extends PlannedBase {
  kind: "combine";
  node: CombineNode;
}

export interface PlannedEnsemble extends PlannedBase {
  kind: "ensemble";
  node: EnsembleNode;
  aggregate: AggregateSpec;
  /** Members are `deps[0 … members.length)`; a judge, if any, is the last dep. */
  memberCount: number;
  /** Class labels in order, from the members' classes: the vote's first tie-break. */
  classOrder: string[];
}

export type PlannedNode = PlannedLayer | PlannedCombine | PlannedEnsemble;

export interface ExecutionPlan {
  network: CompiledNetwork;
  nodes: Map<string, PlannedNode>;
  /** Node ids in topological order. */
  order: string[];
}

export function planRun(network: CompiledNetwork, options: Pick<RunOptions, "prompts" | "temperature">): ExecutionPlan {
  const prompts = options.prompts ?? {};
  const memberOf = new Set<string>();
  for (const node of network.nodes.values()) {
    if (node.kind !== "ensemble") continue;
    for (const m of node.members) memberOf.add(m);
  }

  const nodes = new Map<string, PlannedNode>();
  for (const node of network.nodes.values()) {
    const parents = [...node.parents];
    if (node.kind === "layer") {
      const inputs = layerInputs(node, network);
      // What the template reads first, then the other declared parents, then a judge's ensemble members.
      const deps = [...inputs.from];
      for (const p of [...parents, ...(inputs.members ?? [])]) if (!deps.includes(p)) deps.push(p);
      nodes.set(node.id, {
        kind: "layer",
        id: node.id,
        node,
        deps,
        prompt: prompts[node.id] ?? prompts[node.param] ?? node.prompt,
        temperature: options.temperature ?? node.temperature,
        scoring: network.models[node.model]?.scoring,
        inputs,
        isMember: memberOf.has(node.id),
      });
    } else if (node.kind === "combine") {
      nodes.set(node.id, { kind: "combine", id: node.id, node, deps: parents });
    } else {
      const deps = [...node.members];
      if (typeof node.aggregate === "object") deps.push(node.aggregate.judge);
      const classOrder: string[] = [];
      for (const m of node.members) {
        const member = network.nodes.get(m);
        const classes: ClassDef[] = (member?.kind === "layer" && member.classes) || [];
        for (const c of classes) if (!classOrder.includes(c.label)) classOrder.push(c.label);
      }
      nodes.set(node.id, {
        kind: "ensemble",
        id: node.id,
        node,
        deps,
        aggregate: node.aggregate,
        memberCount: node.members.length,
        classOrder,
      });
    }
  }
  return { network, nodes, order: network.order };
}
