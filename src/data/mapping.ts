/**
 * From file fields to the network's inputs and the gold answer. A file rarely names its fields
 * after the network's inputs, so the mapping is resolved once per file (and fails with the list
 * of fields the file has), then every record is checked against it.
 */
import { basename } from "node:path";
import type { DataFormat, DataProblem, Example, RawRecord } from "./types.js";
import { DataError } from "./errors.js";

export interface FieldMapping {
  /** Network input name → file field. */
  inputs: Record<string, string>;
  /** File field that holds the gold answer. */
  target: string;
}

/**
 * Fields tried, in order, for a network with a single input whose name is not a field of the
 * file: BIG-Bench Hard's `input`, then the names common datasets use.
 */
export const SINGLE_INPUT_FALLBACKS = ["input", "x", "question", "sentence", "text"] as const;

export interface MappingOptions {
  /** The network's input names. */
  inputs: string[];
  /** Network input → file field, for the inputs whose name differs from the file's. */
  fields?: Record<string, string>;
  /** File field of the gold answer; default `target` for BBH, else `y`, else `target`. */
  target?: string;
}

/** Decides which file field feeds each input and which holds the gold, or says why it cannot. */
export function resolveMapping(opts: MappingOptions, format: DataFormat, fileFields: ReadonlySet<string>, file: string): FieldMapping {
  const available = [...fileFields].map((f) => `"${f}"`).join(", ") || "(none)";
  const fields = opts.fields ?? {};
  for (const name of Object.keys(fields)) {
    if (!opts.inputs.includes(name)) {
      throw new DataError(
        "E_DATA_OPTIONS",
        `the field mapping names "${name}", which is not an input of the network (inputs: ${opts.inputs.join(", ")})`,
        file,
      );
    }
  }
  const inputs: Record<string, string> = {};
  for (const input of opts.inputs) {
    const explicit = fields[input];
    if (explicit !== undefined) {
      if (!fileFields.has(explicit)) {
        throw new DataError("E_DATA_FIELDS", `no record has the field "${explicit}" mapped to input "${input}"; the file's fields are ${available}`, file);
      }
      inputs[input] = explicit;
    } else if (fileFields.has(input)) {
      inputs[input] = input;
    } else {
      const fallback = opts.inputs.length === 1 ? SINGLE_INPUT_FALLBACKS.find((f) => fileFields.has(f)) : undefined;
      if (fallback === undefined) {
        throw new DataError(
          "E_DATA_FIELDS",
          `no field for the network input "${input}"; the file's fields are ${available}: map one with --field ${input}=<field>`,
          file,
        );
      }
      inputs[input] = fallback;
    }
  }
  return { inputs, target: resolveTarget(opts.target, format, fileFields, file, available) };
}

function resolveTarget(explicit: string | undefined, format: DataFormat, fileFields: ReadonlySet<string>, file: string, available: string): string {
  if (explicit !== undefined) {
    if (!fileFields.has(explicit)) {
      throw new DataError("E_DATA_FIELDS", `no record has the gold-answer field "${explicit}"; the file's fields are ${available}`, file);
    }
    return explicit;
  }
  const candidates = format === "bbh" ? ["target", "y"] : ["y", "target"];
  const found = candidates.find((c) => fileFields.has(c));
  if (found === undefined) {
    throw new DataError(
      "E_DATA_FIELDS",
      `no gold-answer field ("${candidates.join('" or "')}"); the file's fields are ${available}: name one with --target <field>`,
      file,
    );
  }
  return found;
}

/**
 * Turns the records of one file into examples with the mapping, leaving out (and reporting)
 * every record with a missing, empty or non-text field, or an id seen before.
 */
export function recordsToExamples(records: RawRecord[], mapping: FieldMapping, file: string): { examples: Example[]; problems: DataProblem[] } {
  const examples: Example[] = [];
  const problems: DataProblem[] = [];
  const seenIds = new Map<string, number>();
  const base = basename(file);
  for (const record of records) {
    const problem = (message: string) => problems.push({ file, line: record.line, message });
    const inputs: Record<string, string> = {};
    let bad = false;
    for (const [input, field] of Object.entries(mapping.inputs)) {
      const text = fieldText(record.fields, field);
      if (typeof text !== "string") {
        problem(`${text.error}${field !== input ? ` (mapped to input "${input}")` : ""}`);
        bad = true;
        break;
      }
      inputs[input] = text;
    }
    if (bad) continue;
    const target = fieldText(record.fields, mapping.target);
    if (typeof target !== "string") {
      problem(`${target.error} (the gold answer)`);
      continue;
    }
    const id = recordId(record.fields.id) ?? `${base}:${record.line}`;
    const firstLine = seenIds.get(id);
    if (firstLine !== undefined) {
      problem(`duplicate id "${id}" (first used at line ${firstLine})`);
      continue;
    }
    seenIds.set(id, record.line);
    examples.push({ id, inputs, target, source: { file, line: record.line } });
  }
  return { examples, problems };
}

/** A field's value as text: strings as they are, numbers and booleans written out; nothing else. */
function fieldText(fields: Record<string, unknown>, field: string): string | { error: string } {
  if (!Object.hasOwn(fields, field) || fields[field] === undefined) return { error: `missing the field "${field}"` };
  const value = fields[field];
  if (value === null) return { error: `the field "${field}" is null` };
  if (typeof value === "string") {
    return value.trim() === "" ? { error: `the field "${field}" is empty` } : value;
  }
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return String(value);
  const kind = Array.isArray(value) ? "an array" : `a ${typeof value}`;
  return { error: `the field "${field}" is ${kind}, not text` };
}

function recordId(value: unknown): string | undefined {
  if (typeof value === "string" && value.trim() !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}
