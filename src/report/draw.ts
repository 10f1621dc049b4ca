/**
 * Text drawings of a compiled network: Mermaid flowcharts and Graphviz DOT. Each format is a
 * function from the network to text, so a new one (e.g. SVG) is one more entry in a table.
 */
import type { CompiledNetwork, CompiledNode } from "../compile/types.js";
import { drawSvg } from "./svg.js";
import { getOrThrow } from "../util/lookup.js";

/** `prompts`: show these (e.g. a run's trained prompts) instead of the initial ones, where the format shows prompts. */
export type Drawer = (network: CompiledNetwork, options?: { prompts?: Record<string, string> }) => string | Promise<string>;

/** A one-line description of a node for its box: `h1 · layer · think`. */
function nodeCaption(node: CompiledNode): string {
  if (node.kind === "layer") return `${node.id} · ${node.judgeOf !== undefined ? "judge" : "layer"} · ${node.templateName ?? "inline"}`;
  if (node.kind === "combine") return `${node.id} · combine · ${node.templateName ?? "inline"}`;
  return `${node.id} · ensemble · ${typeof node.aggregate === "object" ? "judge" : node.aggregate}`;
}

/** Edges to draw: every parent → node, inputs included. */
function edges(network: CompiledNetwork): Array<[string, string]> {
  return network.order.flatMap((id) => getOrThrow(network.nodes, id, "compiled node").parents.map((p): [string, string] => [p, id]));
}

export function drawMermaid(network: CompiledNetwork): string {
  // Mermaid ids must be plain words; replicas are `ens#1`, so every box gets a generated id.
  const ids = new Map<string, string>();
  network.inputs.forEach((name, i) => ids.set(name, `in${i}`));
  network.order.forEach((id, i) => ids.set(id, `n${i}`));
  const quote = (s: string) => `"${s.replace(/"/g, "#quot;")}"`;
  const lines = ["flowchart TD"];
  network.inputs.forEach((name) => lines.push(`  ${ids.get(name)}([${quote(name)}])`));
  for (const id of network.order) {
    const node = getOrThrow(network.nodes, id, "compiled node");
    const caption = quote(nodeCaption(node));
    const shape = node.kind === "layer" ? `[${caption}]` : node.kind === "combine" ? `[/${caption}/]` : `{{${caption}}}`;
    lines.push(`  ${ids.get(id)}${shape}`);
  }
  for (const [from, to] of edges(network)) lines.push(`  ${ids.get(from)} --> ${ids.get(to)}`);
  lines.push(`  classDef output stroke-width:3px`, `  class ${ids.get(network.output)} output`);
  return `${lines.join("\n")}\n`;
}

export function drawDot(network: CompiledNetwork): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [`digraph ${q(network.name)} {`, "  rankdir=TB;", '  node [fontname="Helvetica"];'];
  for (const name of network.inputs) lines.push(`  ${q(name)} [shape=ellipse];`);
  for (const id of network.order) {
    const node = getOrThrow(network.nodes, id, "compiled node");
    const shape = node.kind === "layer" ? "box" : node.kind === "combine" ? "parallelogram" : "hexagon";
    const extra = id === network.output ? ", penwidth=3" : "";
    lines.push(`  ${q(id)} [shape=${shape}, label=${q(nodeCaption(node))}${extra}];`);
  }
  for (const [from, to] of edges(network)) lines.push(`  ${q(from)} -> ${q(to)};`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** The drawing formats `dln draw --format` accepts. Add an entry to add a format. */
export const DRAWERS: Record<string, Drawer> = {
  mermaid: drawMermaid,
  dot: drawDot,
  svg: (network, options) => drawSvg(network, { prompts: options?.prompts }),
};
