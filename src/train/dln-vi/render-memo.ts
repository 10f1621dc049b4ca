/**
 * One training step renders the same layer input many times: the current prompt's context for
 * every candidate's trust-region term, a hidden layer's forward context for each of its J
 * posterior samples' prior, and each posterior sample substituted into a child's inputs once
 * for its weight and again for every candidate's fit. Within a step the values are never
 * mutated, so a rendering is remembered by (layer, prompt, values object) and a substitution by
 * (values object, node, text): each distinct context is rendered once. Make one per step, so
 * nothing outlives it.
 */
import type { LayerNode } from "../../compile/types.js";
import { renderLayer, withOverrides, type TrainGraph } from "../topology.js";

type Values = Readonly<Record<string, unknown>>;

export class RenderMemo {
  /** values → layer id → prompt → rendered text. */
  private readonly rendered = new WeakMap<Values, Map<string, Map<string, string>>>();
  /** values → node id → substituted text → the values with it substituted. */
  private readonly substituted = new WeakMap<Values, Map<string, Map<string, Values>>>();

  constructor(private readonly graph: TrainGraph) {}

  /** F_n(prompt, values), as `renderLayer` renders it. */
  render(layer: LayerNode, prompt: string, values: Values): string {
    const byLayer = getOrMake(this.rendered, values, () => new Map<string, Map<string, string>>());
    const byPrompt = getOrMake(byLayer, layer.id, () => new Map<string, string>());
    let text = byPrompt.get(prompt);
    if (text === undefined) {
      text = renderLayer(this.graph, layer, prompt, values);
      byPrompt.set(prompt, text);
    }
    return text;
  }

  /** `values` with node `id` set to `text` (combine nodes downstream re-rendered), as `withOverrides` does; the same object for the same substitution. */
  withOverride(values: Values, id: string, text: string): Values {
    const byNode = getOrMake(this.substituted, values, () => new Map<string, Map<string, Values>>());
    const byText = getOrMake(byNode, id, () => new Map<string, Values>());
    let out = byText.get(text);
    if (out === undefined) {
      out = withOverrides(this.graph.network, values, { [id]: text });
      byText.set(text, out);
    }
    return out;
  }
}

function getOrMake<K extends object | string, V>(map: { get(k: K): V | undefined; set(k: K, v: V): unknown }, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}
