/** `renderCombine`: a combine node's value is its template rendered over its parents; no model call. */
import type { NodeOutcome } from "./outcome.js";
import type { PlannedCombine } from "./plan.js";
import { renderNodeTemplate, templateVariables } from "./variables.js";

export function renderCombine(combine: PlannedCombine, depValues: readonly unknown[]): NodeOutcome {
  const started = performance.now();
  const rendered = renderNodeTemplate(combine.node.template, templateVariables(combine.node.parents, depValues), combine.id);
  return { value: rendered, trace: { node: combine.id, kind: "combine", rendered, value: rendered, latencyMs: performance.now() - started } };
}
