/**
 * What the backward pass needs to know about the shape of a compiled network: which nodes are
 * stochastic (layers and ensembles: their values were sampled from a model), which stochastic
 * nodes each layer reads through deterministic combine nodes, who sends targets to whom, and how
 * to re-render a layer's input with a different value substituted for one of its ancestors.
 */
import type { CompiledNetwork, CompiledNode, EnsembleNode, LayerNode } from "../compile/types.js";
import { layerInputs, layerInputText as inputText, renderCombineText, renderLayerText } from "../exec/render.js";
import type { ParamUnit } from "./types.js";
import { getOrThrow } from "../util/lookup.js";

/** The pseudo-sender of the gold answer (the loss). */
export const GOLD = "<gold>";

export interface TrainGraph {
  network: CompiledNetwork;
  /** Per layer: the stochastic nodes (layers, ensembles) it reads, directly or through combine nodes. */
  stochasticParents: Map<string, string[]>;
  /** Per stochastic node: who sends it targets (layer ids, ensemble ids, or GOLD), in topological order. */
  senders: Map<string, string[]>;
  /** Layers whose targets are the gold answer (the output layer, an output ensemble's members and judge). */
  outputLayers: Set<string>;
  /** Parameters (layers sharing a prompt), in topological order of their first layer. */
  units: ParamUnit[];
  /** For a judge layer: the members of the ensemble it judges. */
  judgeMembers: Map<string, string[]>;
}

function isStochastic(node: CompiledNode | undefined): boolean {
  return node !== undefined && (node.kind === "layer" || node.kind === "ensemble");
}

/** The stochastic nodes a node reads, looking through combine nodes (they are transparent). */
function stochasticAncestors(network: CompiledNetwork, parents: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    const node = network.nodes.get(id);
    if (!node) return; // an input
    if (node.kind === "combine") node.parents.forEach(visit);
    else out.push(id);
  };
  parents.forEach(visit);
  return out;
}

export function buildTrainGraph(network: CompiledNetwork): TrainGraph {
  const position = new Map(network.order.map((id, i) => [id, i] as const));
  const byOrder = (a: string, b: string): number => (position.get(a) ?? -1) - (position.get(b) ?? -1);
  const stochasticParents = new Map<string, string[]>();
  const senders = new Map<string, string[]>();
  const addSender = (to: string, from: string): void => {
    const list = senders.get(to) ?? [];
    if (!list.includes(from)) list.push(from);
    senders.set(to, list);
  };
  const judgeMembers = new Map<string, string[]>();
  for (const id of network.order) {
    const node = getOrThrow(network.nodes, id, "compiled node");
    if (isStochastic(node)) senders.set(id, senders.get(id) ?? []);
    if (node.kind === "layer") {
      // A judge's members are its inputs as much as its declared parents.
      const ensemble = node.judgeOf ? network.nodes.get(node.judgeOf) : undefined;
      if (ensemble?.kind === "ensemble") judgeMembers.set(id, ensemble.members);
      // A judge reads its members, but they learn from the ensemble's targets, not from the judge's posterior.
      const sp = stochasticAncestors(network, ensemble?.kind === "ensemble" ? (node.from ?? node.parents) : node.parents);
      stochasticParents.set(id, sp);
      for (const m of sp) addSender(m, id);
    } else if (node.kind === "ensemble") {
      for (const m of ensembleReceivers(node)) addSender(m, id);
    }
  }
  // The gold answer goes to the output, or through an output combine to what it reads.
  const outputNode = network.nodes.get(network.output);
  const goldReceivers = outputNode?.kind === "combine" ? stochasticAncestors(network, outputNode.parents) : [network.output];
  for (const r of goldReceivers) senders.set(r, [GOLD, ...(senders.get(r) ?? [])]);
  for (const list of senders.values()) list.sort((a, b) => (a === GOLD ? -1 : b === GOLD ? 1 : byOrder(a, b)));

  const outputLayers = new Set<string>();
  for (const r of goldReceivers) {
    const node = network.nodes.get(r);
    if (node?.kind === "layer") outputLayers.add(r);
    if (node?.kind === "ensemble") for (const m of ensembleReceivers(node)) outputLayers.add(m);
  }

  const units: ParamUnit[] = [];
  const unitOf = new Map<string, ParamUnit>();
  for (const id of network.order) {
    const node = getOrThrow(network.nodes, id, "compiled node");
    if (node.kind !== "layer") continue;
    let unit = unitOf.get(node.param);
    if (!unit) {
      unit = { param: node.param, layers: [], trainable: false };
      unitOf.set(node.param, unit);
      units.push(unit);
    }
    unit.layers.push(node);
    unit.trainable ||= node.trainable;
  }
  return { network, stochasticParents, senders, outputLayers, units, judgeMembers };
}

/** Who an ensemble passes its targets to: every member, and its judge (the judge's answer is the ensemble's). */
export function ensembleReceivers(node: EnsembleNode): string[] {
  return typeof node.aggregate === "object" ? [...node.members, node.aggregate.judge] : node.members;
}

/** Whether the network has a trainable layer that is not an output layer (DLN-2 defaults then apply). */
export function hasHiddenTrainableLayers(graph: TrainGraph): boolean {
  return graph.units.some((u) => u.trainable && u.layers.some((l) => !graph.outputLayers.has(l.id)));
}

/**
 * A sample's values with some stochastic nodes replaced (`overrides`), and every combine node
 * that reads them re-rendered, so a layer downstream sees the substituted text.
 */
export function withOverrides(
  network: CompiledNetwork,
  values: Readonly<Record<string, unknown>>,
  overrides: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const keys = Object.keys(overrides);
  if (keys.length === 0) return values as Record<string, unknown>;
  const out: Record<string, unknown> = { ...values, ...overrides };
  const changed = new Set(keys);
  for (const id of network.order) {
    const node = getOrThrow(network.nodes, id, "compiled node");
    if (node.kind !== "combine" || changed.has(id)) continue;
    if (!node.parents.some((p) => changed.has(p))) continue;
    out[id] = renderCombineText(node, (p) => out[p]);
    changed.add(id);
  }
  return out;
}

/** F_n(prompt, parents): the text layer `layer` sends its model for these values, rendered as the executor renders it (src/exec/render.ts). */
export function renderLayer(graph: TrainGraph, layer: LayerNode, prompt: string, values: Readonly<Record<string, unknown>>): string {
  return renderLayerText(layer, layerInputs(layer, graph.network), prompt, (name) => values[name]);
}

/** The layer's input as one text (what its template reads), for the examples of a backward prompt. */
export function layerInputText(layer: LayerNode, values: Readonly<Record<string, unknown>>): string {
  return inputText(layerInputs(layer), (name) => values[name]);
}

/** For posterior sampling of a stochastic node: the layer whose prompt and input describe it. */
export function describingLayer(network: CompiledNetwork, id: string): LayerNode | undefined {
  const node = network.nodes.get(id);
  if (node?.kind === "layer") return node;
  if (node?.kind === "ensemble") {
    const firstId = (node as EnsembleNode).members[0];
    const first = firstId === undefined ? undefined : network.nodes.get(firstId);
    return first?.kind === "layer" ? first : undefined;
  }
  return undefined;
}
