/**
 * How a layer's raw text becomes its value (`parse` in a network file). Pure functions, no model
 * calls: `parseValue(raw, spec)` returns the value or throws an `E_PARSE` ExecError.
 */
import type { ParseSpec } from "../network/types.js";
import { firstLine, firstWord } from "../text/answers.js";
import { ExecError } from "./errors.js";

/** Compiled regular expressions by spec object: compiled once per layer, not once per call. */
const compiled = new WeakMap<object, RegExp>();

export function parseValue(raw: string, spec: ParseSpec, node?: string): unknown {
  switch (spec) {
    case "none":
      return raw;
    case "trim":
      return raw.trim();
    case "first_line":
      return firstLine(raw);
    case "first_word":
      return firstWord(raw);
    case "json":
      return parseJson(raw, node);
    default:
      return parseRegex(raw, spec, node);
  }
}

export { firstLine, firstWord };

/**
 * JSON from the text: the whole text, else inside a ``` fence, else the first `{…}` or `[…]`
 * block, so a model's chatter around the JSON does not fail the sample.
 */
function parseJson(raw: string, node?: string): unknown {
  const text = raw.trim();
  const attempts = [text];
  const [, fenced] = /```(?:json)?\s*([\s\S]*?)```/i.exec(text) ?? [];
  if (fenced !== undefined) attempts.push(fenced.trim());
  const start = text.search(/[[{]/);
  if (start >= 0) {
    const close = text[start] === "{" ? "}" : "]";
    const end = text.lastIndexOf(close);
    if (end > start) attempts.push(text.slice(start, end + 1));
  }
  for (const attempt of attempts) {
    try {
      return JSON.parse(attempt);
    } catch {
      // try the next shape
    }
  }
  throw new ExecError("E_PARSE", `the model's answer is not JSON: ${preview(raw)}`, node);
}

function parseRegex(raw: string, spec: { regex: string; group?: number | string; flags?: string }, node?: string): string {
  let re = compiled.get(spec);
  if (!re) {
    try {
      re = new RegExp(spec.regex, (spec.flags ?? "").replace(/g/g, ""));
    } catch (err) {
      throw new ExecError("E_PARSE", `invalid parse regex /${spec.regex}/: ${(err as Error).message}`, node);
    }
    compiled.set(spec, re);
  }
  const m = re.exec(raw);
  if (!m) throw new ExecError("E_PARSE", `the model's answer does not match /${spec.regex}/: ${preview(raw)}`, node);
  // Default: the first capture group when there is one, else the whole match.
  const group = spec.group ?? (m.length > 1 ? 1 : 0);
  const value = typeof group === "number" ? m[group] : m.groups?.[group];
  if (value === undefined) {
    throw new ExecError("E_PARSE", `group ${JSON.stringify(group)} of /${spec.regex}/ matched nothing in: ${preview(raw)}`, node);
  }
  return value.trim();
}

function preview(raw: string): string {
  const one = raw.replace(/\s+/g, " ").trim();
  return JSON.stringify(one.length > 120 ? `${one.slice(0, 117)}...` : one);
}
