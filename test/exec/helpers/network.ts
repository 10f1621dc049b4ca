/** Builds CompiledNetworks by hand for executor tests (the compiler's output shape). */
import type { CompiledNetwork, CompiledNode, LayerNode } from "../../../src/compile/types.js";

type NodeInput = (Partial<LayerNode> & { kind: "layer"; id: string; parents: string[] }) | CompiledNode;

/** A layer whose template is `<id>(<parent values joined by |>)` so answers can be keyed off the prompt. */
export function layer(id: string, parents: string[], extra: Partial<LayerNode> = {}): LayerNode {
  return {
    kind: "layer",
    id,
    parents,
    template: `${id}(${parents.map((p) => `{{ ${p.replace("#", "_")} }}`).join("|")})`,
    prompt: "",
    param: id,
    model: "m",
    trainable: true,
    parse: "trim",
    ...extra,
  };
}

export function network(inputs: string[], output: string, list: NodeInput[]): CompiledNetwork {
  const nodes = new Map<string, CompiledNode>();
  for (const n of list) nodes.set(n.id, n as CompiledNode);
  const children = new Map<string, string[]>();
  for (const n of nodes.values()) for (const p of n.parents) if (nodes.has(p)) children.set(p, [...(children.get(p) ?? []), n.id]);
  // Kahn's algorithm over the hand-made nodes (parents are listed before children in tests anyway).
  const order: string[] = [];
  const seen = new Set(inputs);
  while (order.length < nodes.size) {
    const before = order.length;
    for (const n of nodes.values()) {
      if (!seen.has(n.id) && n.parents.every((p) => seen.has(p))) {
        order.push(n.id);
        seen.add(n.id);
      }
    }
    if (order.length === before) throw new Error("cycle in test network");
  }
  return {
    name: "test",
    baseDir: "/tmp",
    spec: { name: "test", inputs, nodes: {}, output },
    inputs,
    output,
    models: { m: { provider: "sim", model: "test" } },
    nodes,
    order,
    generations: order.map((id) => [id]),
    children,
    loss: { type: "exact_match", normalize: "trim", target: "y" },
    train: {},
    warnings: [],
  };
}
