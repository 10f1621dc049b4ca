/** `renderCombine`: a combine node's value is its template rendered over its parents; no model call. */
import type { NodeOutcome } from "./outcome.js";
import type { PlannedCombine } from "./execution-plan.js";
import { renderCombineText } from "./render.js";

export function renderCombine(combine: PlannedCombine, depValues: readonly unknown[]): NodeOutcome {
  const started = performance.now();
  const rendered = renderCombineText(combine.node, (name) => depValues[combine.deps.indexOf(name)]);
  return { value: rendered, trace: { node: combine.id, kind: "combine", rendered, value: rendered, latencyMs: performance.now() - started } };
}
