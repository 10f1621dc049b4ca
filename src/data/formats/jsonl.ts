import type { DataProblem, RawRecord, ReadResult } from "../types.js";

/**
 * Reads JSON Lines: one JSON object per line; blank lines are skipped. A line that is not valid
 * JSON, or is JSON but not an object, becomes a problem and the other lines are still read.
 */
export function readJsonl(text: string, file: string): ReadResult {
  const records: RawRecord[] = [];
  const problems: DataProblem[] = [];
  const lines = stripBom(text).split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      problems.push({ file, line, message: `not valid JSON (${(err as Error).message})` });
      return;
    }
    if (!isPlainObject(value)) {
      problems.push({ file, line, message: `a record must be a JSON object, got ${describeJsonType(value)}` });
      return;
    }
    records.push({ fields: value, line });
  });
  return { records, problems };
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function describeJsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
