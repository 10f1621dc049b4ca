/**
 * What a node sees, decided in ONE place. The executor (callLayer, renderCombine) and every
 * training path (candidate scoring, posterior sampling, the examples of a backward prompt, via
 * src/train/topology.ts) render through these functions, so training scores exactly the text the
 * forward pass sent, for every node kind: a layer, a combine node, an ensemble member or replica
 * (ordinary layers), and a judge (its declared `from` entries, plus its ensemble's members as
 * `members` and `candidates`).
 */
import type { CombineNode, CompiledNetwork, LayerNode } from "../compile/types.js";
import { addJudgeVariables, asText, renderNodeTemplate, templateVariables } from "./variables.js";

/** The names a layer's template reads its values from. */
export interface LayerInputs {
  /** The declared `from` entries, in order: each a template variable by name, and the `from` list. */
  from: readonly string[];
  /** A judge's ensemble members, in member order (`members`, `candidates`); absent for other layers. */
  members?: readonly string[];
}

/** Where a node's value comes from: an input name or a node id → its value for this sample. */
export type ValueOf = (name: string) => unknown;

const inputsOf = new WeakMap<LayerNode, LayerInputs>();

/**
 * A layer's inputs. A judge's members come from its ensemble in `network`; without the network
 * they are its parents that are not in `from`, which is the same list unless a member is also
 * read through `from`.
 */
export function layerInputs(layer: LayerNode, network?: CompiledNetwork): LayerInputs {
  if (network === undefined) return inputsFrom(layer, layer.judgeOf);
  let inputs = inputsOf.get(layer);
  if (!inputs) {
    inputs = inputsFrom(layer, layer.judgeOf ?? judgedBy(network, layer.id), network);
    inputsOf.set(layer, inputs);
  }
  return inputs;
}

function inputsFrom(layer: LayerNode, judgeOf: string | undefined, network?: CompiledNetwork): LayerInputs {
  const from = layer.from ?? layer.parents;
  if (judgeOf === undefined) return { from };
  const ensemble = network?.nodes.get(judgeOf);
  return { from, members: ensemble?.kind === "ensemble" ? [...ensemble.members] : layer.parents.filter((p) => !from.includes(p)) };
}

function judgedBy(network: CompiledNetwork, layerId: string): string | undefined {
  for (const node of network.nodes.values()) {
    if (node.kind === "ensemble" && typeof node.aggregate === "object" && node.aggregate.judge === layerId) return node.id;
  }
  return undefined;
}

/** The text `layer` sends its model with `prompt`, reading values through `valueOf`. */
export function renderLayerText(layer: LayerNode, inputs: LayerInputs, prompt: string, valueOf: ValueOf): string {
  const vars = templateVariables(inputs.from, inputs.from.map(valueOf), prompt);
  if (inputs.members) addJudgeVariables(vars, inputs.members.map(valueOf));
  return renderNodeTemplate(layer.template, vars, layer.id);
}

/**
 * A layer's input as one text, for the examples of a backward prompt: its `from` values separated
 * by blank lines, then for a judge the numbered candidates it chose from.
 */
export function layerInputText(inputs: LayerInputs, valueOf: ValueOf): string {
  const parts = inputs.from.map((name) => asText(valueOf(name)));
  if (inputs.members) parts.push(`Candidates:\n${inputs.members.map((m, i) => `${i + 1}. ${asText(valueOf(m))}`).join("\n")}`);
  return parts.join("\n\n");
}

/** A combine node's text: its template over its parents. */
export function renderCombineText(node: CombineNode, valueOf: ValueOf): string {
  return renderNodeTemplate(node.template, templateVariables(node.parents, node.parents.map(valueOf)), node.id);
}
