/**
 * The variables a template sees. Forward templates (src/templates/builtin.ts) read `prompt`, each
 * parent by name, and `from` (the parents as `{ name, value }` in declared order); a judge layer
 * also reads `members` (its ensemble's member values) and `candidates` (them as a numbered list).
 */
import { renderTemplate, TemplateError } from "../templates/render.js";
import { ExecError } from "./errors.js";

interface NamedValue {
  name: string;
  value: unknown;
}

/** Variables of a layer or combine node, from its parents' names and values (same order). */
export function templateVariables(parentNames: readonly string[], parentValues: readonly unknown[], prompt?: string): Record<string, unknown> {
  // No prototype: a parent named like an inherited property must not find Object.prototype's.
  const vars: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const from: NamedValue[] = parentNames.map((name, i) => ({ name, value: parentValues[i] }));
  for (const { name, value } of from) vars[name] = value;
  vars.from = from;
  if (prompt !== undefined) vars.prompt = prompt;
  return vars;
}

/** Adds a judge layer's `members` and `candidates` ("1. …\n2. …") to its variables. */
export function addJudgeVariables(vars: Record<string, unknown>, memberValues: readonly unknown[]): Record<string, unknown> {
  vars.members = memberValues;
  vars.candidates = memberValues.map((v, i) => `${i + 1}. ${asText(v)}`).join("\n");
  return vars;
}

/** Renders a node's template, turning a LiquidJS failure into an `E_TEMPLATE` error that names the node. */
export function renderNodeTemplate(source: string, vars: Record<string, unknown>, node: string): string {
  try {
    return renderTemplate(source, vars);
  } catch (err) {
    // A template bomb is E_TEMPLATE_LIMIT: an error of this node and this sample only.
    const code = err instanceof TemplateError && err.code === "E_TEMPLATE_LIMIT" ? err.code : "E_TEMPLATE";
    throw new ExecError(code, `rendering the template of node "${node}" failed: ${(err as Error).message}`, node, { cause: err });
  }
}

/** A value as text: strings as they are, everything else as JSON. */
export function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
