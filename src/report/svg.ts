/**
 * An SVG drawing of a compiled network, laid out top to bottom by dagre. Pure: network in, SVG text
 * out, no browser needed. Node kinds have their own shape and colour (inputs, layers, combine,
 * ensemble, the output), trainable layers carry a badge, and each layer shows the first words of its
 * prompt (the initial one, or the trained one given in `prompts`).
 *
 * Every node is a `<g class="dln-node kind-…" data-node="…">` and every edge a
 * `<g class="dln-edge" data-from="…" data-to="…">`, so tools and tests can find them by name.
 */
import dagre from "@dagrejs/dagre";
import type { CompiledNetwork, CompiledNode } from "../compile/types.js";
import { escapeXml, firstWords, wrapWords } from "./escape.js";
import { DlnError } from "../util/errors.js";
import { getOrThrow } from "../util/lookup.js";

export interface DrawSvgOptions {
  /** Prompts to show instead of the initial ones, by parameter or layer id (e.g. a run's bestPrompts). */
  prompts?: Record<string, string>;
  /** Prefix of the ids inside the SVG, so that several drawings can share one HTML page. */
  idPrefix?: string;
  /** Leave the legend out. */
  legend?: boolean;
}

/** What a box in the drawing is: a kind of compiled node, a network input, or the output sink. */
export type DrawnKind = "input" | "layer" | "combine" | "ensemble" | "output";

interface Box {
  key: string;
  kind: DrawnKind;
  title: string;
  subtitle?: string;
  /** Lines of the prompt preview (layers only). */
  promptLines?: string[];
  /** Full prompt, for the hover tooltip. */
  tooltip?: string;
  classes: string[];
  width: number;
  height: number;
}

/** The output sink's key: not a valid node id (ids are identifiers), so it cannot collide with one. */
export const OUTPUT_SINK = "⟨output⟩";

const FONT = `system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif`;
const LAYER_WIDTH = 220;
const PROMPT_CHARS = 30;
const PROMPT_LINES = 2;

/** Every box and edge the drawing has, in a stable order: inputs, nodes (topological), the output sink. */
export function drawingGraph(network: CompiledNetwork, prompts: Record<string, string> = {}): { boxes: Box[]; edges: Array<[string, string]> } {
  const boxes: Box[] = network.inputs.map((name) => pill(name, "input", name, ["kind-input"]));
  for (const id of network.order) boxes.push(nodeBox(getOrThrow(network.nodes, id, "compiled node"), id === network.output, prompts));
  boxes.push(pill(OUTPUT_SINK, "output", "output", ["kind-output"]));
  const edges: Array<[string, string]> = network.order.flatMap((id) =>
    getOrThrow(network.nodes, id, "compiled node").parents.map((p): [string, string] => [p, id]),
  );
  edges.push([network.output, OUTPUT_SINK]);
  return { boxes, edges };
}

function pill(key: string, kind: DrawnKind, title: string, classes: string[]): Box {
  return { key, kind, title, classes, width: Math.max(90, Math.min(220, title.length * 7.5 + 36)), height: 34 };
}

function nodeBox(node: CompiledNode, isOutput: boolean, prompts: Record<string, string>): Box {
  const classes = [`kind-${node.kind}`];
  if (isOutput) classes.push("is-output");
  if (node.kind === "layer") {
    classes.push(node.trainable ? "trainable" : "frozen");
    const prompt = prompts[node.param] ?? prompts[node.id] ?? node.prompt;
    if (prompts[node.param] !== undefined || prompts[node.id] !== undefined) classes.push("prompt-given");
    const role = node.judgeOf !== undefined ? `judge of ${node.judgeOf}` : "layer";
    const promptLines = prompt.trim() ? wrapWords(prompt, PROMPT_CHARS, PROMPT_LINES) : [];
    const subtitle = `${role} · ${node.templateName ?? "inline template"} · ${node.model}`;
    return {
      key: node.id,
      kind: "layer",
      title: node.id,
      subtitle: firstWords(subtitle, 36),
      promptLines,
      tooltip: prompt,
      classes,
      width: LAYER_WIDTH,
      height: 46 + 15 * Math.max(1, promptLines.length) + 8,
    };
  }
  if (node.kind === "combine") {
    return {
      key: node.id,
      kind: "combine",
      title: node.id,
      subtitle: firstWords(`combine · ${node.templateName ?? "inline template"}`, 30),
      classes,
      width: 200,
      height: 50,
    };
  }
  const how = typeof node.aggregate === "object" ? "judge" : node.aggregate;
  return { key: node.id, kind: "ensemble", title: node.id, subtitle: `ensemble · ${how} · ${node.members.length} members`, classes, width: 220, height: 50 };
}

interface Laid {
  boxes: Array<Box & { x: number; y: number }>;
  edges: Array<{ from: string; to: string; points: Array<{ x: number; y: number }> }>;
  width: number;
  height: number;
}

/** Positions from dagre: top to bottom, centres of boxes and the bend points of edges. */
function layout(boxes: Box[], edges: Array<[string, string]>): Laid {
  const g = new dagre.graphlib.Graph<
    Record<string, unknown>,
    { width: number; height: number; x?: number; y?: number },
    { points?: Array<{ x: number; y: number }> }
  >({ multigraph: false });
  g.setGraph({ rankdir: "TB", nodesep: 36, ranksep: 48, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const b of boxes) g.setNode(b.key, { width: b.width, height: b.height });
  for (const [from, to] of edges) g.setEdge(from, to);
  dagre.layout(g);
  const size = g.graph() as { width?: number; height?: number };
  const placed = inDeclaredOrder(
    boxes,
    edges,
    (key) => ({ x: g.node(key).x ?? 0, y: g.node(key).y ?? 0 }),
    (from, to) => g.edge(from, to)?.points ?? [],
  );
  return {
    boxes: boxes.map((b) => ({ ...b, ...placed.at(b.key) })),
    edges: edges.map(([from, to]) => ({ from, to, points: placed.points(from, to) })),
    width: size.width ?? 0,
    height: size.height ?? 0,
  };
}

/**
 * dagre orders interchangeable siblings as it likes (an ensemble's members came out `sc#5 … sc#1`).
 * Boxes on one rank with the same size, the same parents and the same children can trade places
 * without changing a crossing: they are put left to right in the order the network declares
 * them, each taking over the position and the edge routes of the box whose place it takes.
 */
function inDeclaredOrder(
  boxes: Box[],
  edges: Array<[string, string]>,
  position: (key: string) => { x: number; y: number },
  route: (from: string, to: string) => Array<{ x: number; y: number }>,
): { at(key: string): { x: number; y: number }; points(from: string, to: string): Array<{ x: number; y: number }> } {
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const [from, to] of edges) {
    parents.set(to, [...(parents.get(to) ?? []), from]);
    children.set(from, [...(children.get(from) ?? []), to]);
  }
  const at = new Map(boxes.map((b) => [b.key, position(b.key)]));
  const points = new Map(edges.map(([from, to]) => [`${from}\u0000${to}`, route(from, to)]));
  const groups = new Map<string, Box[]>();
  for (const b of boxes) {
    const { y } = getOrThrow(at, b.key, "position of box");
    const key = JSON.stringify([y, b.width, b.height, [...(parents.get(b.key) ?? [])].sort(), [...(children.get(b.key) ?? [])].sort()]);
    groups.set(key, [...(groups.get(key) ?? []), b]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const slots = group
      .map((b) => ({
        pos: getOrThrow(at, b.key, "position of box"),
        in: new Map((parents.get(b.key) ?? []).map((p) => [p, route(p, b.key)])),
        out: new Map((children.get(b.key) ?? []).map((c) => [c, route(b.key, c)])),
      }))
      .sort((a, b) => a.pos.x - b.pos.x);
    group.forEach((b, i) => {
      const slot = slots[i]; // one slot per box of the group
      if (slot === undefined) throw new DlnError("E_INTERNAL", `drawing: no slot ${i} for box "${b.key}" (${slots.length} slots)`);
      at.set(b.key, slot.pos);
      for (const [p, r] of slot.in) points.set(`${p}\u0000${b.key}`, r);
      for (const [c, r] of slot.out) points.set(`${b.key}\u0000${c}`, r);
    });
  }
  return { at: (key) => getOrThrow(at, key, "position of box"), points: (from, to) => points.get(`${from}\u0000${to}`) ?? [] };
}

/** The network as a standalone SVG document (also valid inline in HTML). */
export function drawSvg(network: CompiledNetwork, options: DrawSvgOptions = {}): string {
  const prefix = options.idPrefix ?? "dln-";
  const { boxes, edges } = drawingGraph(network, options.prompts);
  const laid = layout(boxes, edges);
  const legend = options.legend === false ? undefined : drawLegend(laid.height, prefix);
  const width = Math.ceil(Math.max(laid.width, legend?.width ?? 0));
  const height = Math.ceil(laid.height + (legend?.height ?? 0));
  const dx = (width - laid.width) / 2; // centre the graph over a wider legend
  const title = `${network.name}${options.prompts ? " (trained prompts)" : ""}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="dln-drawing" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${prefix}title">`,
    `<title id="${prefix}title">${escapeXml(title)}</title>`,
    `<style>${STYLE}</style>`,
    `<defs><marker id="${prefix}arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>`,
    `<g class="dln-edges" transform="translate(${dx} 0)">`,
    ...laid.edges.map((e) => drawEdge(e, prefix)),
    `</g>`,
    `<g class="dln-nodes" transform="translate(${dx} 0)">`,
    ...laid.boxes.map((b, i) => drawBox(b, `${prefix}node-${i}`)),
    `</g>`,
    legend?.svg ?? "",
    `</svg>`,
    "",
  ].join("\n");
}

function drawEdge(edge: Laid["edges"][number], prefix: string): string {
  return `<g class="dln-edge" data-from="${escapeXml(edge.from)}" data-to="${escapeXml(edge.to)}"><title>${escapeXml(`${edge.from} → ${edge.to === OUTPUT_SINK ? "output" : edge.to}`)}</title><path d="${smoothPath(edge.points)}" marker-end="url(#${prefix}arrow)"/></g>`;
}

/** A curve through dagre's bend points: straight ends, quadratic bends in between. */
function smoothPath(points: Array<{ x: number; y: number }>): string {
  const f = (n: number): string => String(Math.round(n * 10) / 10);
  const [start, ...rest] = points;
  if (start === undefined) return "";
  let d = `M${f(start.x)},${f(start.y)}`;
  // Each bend is a control point; the curve runs halfway to the next bend, and into the last point.
  let bend: { x: number; y: number } | undefined;
  for (const [k, next] of rest.entries()) {
    if (bend !== undefined) {
      const mid = k === rest.length - 1 ? next : { x: (bend.x + next.x) / 2, y: (bend.y + next.y) / 2 };
      d += ` Q${f(bend.x)},${f(bend.y)} ${f(mid.x)},${f(mid.y)}`;
    }
    bend = next;
  }
  if (rest.length === 1 && bend !== undefined) d += ` L${f(bend.x)},${f(bend.y)}`;
  return d;
}

function shape(kind: DrawnKind, w: number, h: number, cls: string): string {
  const x = -w / 2;
  const y = -h / 2;
  switch (kind) {
    case "input":
    case "output":
      return `<rect class="${cls}" x="${x}" y="${y}" width="${w}" height="${h}" rx="${h / 2}"/>`;
    case "combine": {
      const s = Math.min(14, w / 4);
      return `<path class="${cls}" d="M${x + s},${y} H${-x} L${-x - s},${-y} H${x} Z"/>`;
    }
    case "ensemble": {
      const s = Math.min(16, w / 4);
      return `<path class="${cls}" d="M${x + s},${y} H${-x - s} L${-x},0 L${-x - s},${-y} H${x + s} L${x},0 Z"/>`;
    }
    default:
      return `<rect class="${cls}" x="${x}" y="${y}" width="${w}" height="${h}" rx="6"/>`;
  }
}

function drawBox(b: Box & { x: number; y: number }, id: string): string {
  const parts: string[] = [];
  const top = -b.height / 2;
  if (b.classes.includes("is-output")) parts.push(shape(b.kind, b.width + 10, b.height + 10, "output-ring"));
  parts.push(shape(b.kind, b.width, b.height, "box"));
  if (b.kind === "input" || b.kind === "output") {
    parts.push(`<text class="node-title" x="0" y="4" text-anchor="middle">${escapeXml(firstWords(b.title, 24))}</text>`);
  } else {
    const left = -b.width / 2 + (b.kind === "layer" ? 12 : 22);
    parts.push(`<text class="node-title" x="${left}" y="${top + 19}">${escapeXml(firstWords(b.title, 22))}</text>`);
    if (b.subtitle) parts.push(`<text class="node-subtitle" x="${left}" y="${top + 35}">${escapeXml(b.subtitle)}</text>`);
    if (b.kind === "layer") {
      const trainable = b.classes.includes("trainable");
      const label = trainable ? "trainable" : "frozen";
      const bw = label.length * 6 + 14;
      parts.push(
        `<g class="badge ${label}" transform="translate(${b.width / 2 - bw - 8} ${top + 7})"><rect width="${bw}" height="16" rx="8"/><text x="${bw / 2}" y="12" text-anchor="middle">${label}</text></g>`,
      );
      const lines = b.promptLines?.length ? b.promptLines : undefined;
      const texts = lines ?? ["(empty prompt)"];
      texts.forEach((line, i) => {
        const text = lines ? `${i === 0 ? "“" : ""}${line}${i === texts.length - 1 ? "”" : ""}` : line;
        parts.push(`<text class="node-prompt${lines ? "" : " empty"}" x="${left}" y="${top + 53 + 15 * i}">${escapeXml(text)}</text>`);
      });
    }
  }
  const tip = b.tooltip !== undefined ? `${b.title}: ${firstWords(b.tooltip, 600) || "(empty prompt)"}` : b.subtitle ? `${b.title} · ${b.subtitle}` : b.title;
  return `<g id="${id}" class="dln-node ${b.classes.join(" ")}" data-node="${escapeXml(b.key)}" data-kind="${b.kind}" transform="translate(${round(b.x)} ${round(b.y)})"><title>${escapeXml(tip)}</title>${parts.join("")}</g>`;
}

const round = (n: number): number => Math.round(n * 10) / 10;

const LEGEND_ITEMS: Array<{ kind: DrawnKind; label: string; classes: string }> = [
  { kind: "input", label: "input", classes: "kind-input" },
  { kind: "layer", label: "trainable layer", classes: "kind-layer trainable" },
  { kind: "layer", label: "frozen layer", classes: "kind-layer frozen" },
  { kind: "combine", label: "combine", classes: "kind-combine" },
  { kind: "ensemble", label: "ensemble", classes: "kind-ensemble" },
  { kind: "output", label: "output", classes: "kind-output" },
];

function drawLegend(y: number, prefix: string): { svg: string; width: number; height: number } {
  const itemWidth = 128;
  const items = LEGEND_ITEMS.map((item, i) => {
    const sw = 26;
    return `<g class="legend-item ${item.classes}" transform="translate(${16 + i * itemWidth} 0)">${shape(item.kind, sw, 14, "box").replace(/^<(rect|path)/, `<$1 transform="translate(${sw / 2} 0)"`)}<text x="${sw + 6}" y="4">${item.label}</text></g>`;
  });
  return {
    svg: `<g class="dln-legend" id="${prefix}legend" transform="translate(0 ${y + 14})">${items.join("")}</g>`,
    width: 16 * 2 + LEGEND_ITEMS.length * itemWidth,
    height: 32,
  };
}

/** Scoped to the drawing's root class, so it also works inline in an HTML page. */
const STYLE = `
.dln-drawing { font-family: ${FONT}; font-size: 12px; }
.dln-drawing .dln-edge path { fill: none; stroke: #7b8494; stroke-width: 1.4; }
.dln-drawing .arrowhead { fill: #7b8494; }
.dln-drawing .box { stroke-width: 1.5; }
.dln-drawing .node-title { font-weight: 600; font-size: 13px; fill: #111827; }
.dln-drawing .node-subtitle { font-size: 11px; fill: #4b5563; }
.dln-drawing .node-prompt { font-size: 11.5px; font-style: italic; fill: #1f2937; }
.dln-drawing .node-prompt.empty { fill: #9ca3af; }
.dln-drawing .kind-input .box { fill: #f1f5f9; stroke: #64748b; }
.dln-drawing .kind-layer .box { fill: #e8f0fe; stroke: #2563eb; }
.dln-drawing .kind-layer.trainable .box { stroke-width: 2.6; }
.dln-drawing .kind-layer.frozen .box { fill: #f5f6f8; stroke: #6b7280; stroke-dasharray: 5 3; }
.dln-drawing .kind-combine .box { fill: #fff6dc; stroke: #d97706; }
.dln-drawing .kind-ensemble .box { fill: #f3e8ff; stroke: #7c3aed; }
.dln-drawing .kind-output .box { fill: #e7f8ee; stroke: #16a34a; stroke-width: 2; }
.dln-drawing .output-ring { fill: none; stroke: #16a34a; stroke-width: 1.5; }
.dln-drawing .badge rect { fill: #2563eb; }
.dln-drawing .badge text { fill: #fff; font-size: 10px; font-weight: 600; }
.dln-drawing .badge.frozen rect { fill: #9ca3af; }
.dln-drawing .dln-legend text { font-size: 11px; fill: #374151; }
`;
