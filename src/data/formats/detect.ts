import { extname } from "node:path";
import type { DataFormat } from "../types.js";

/**
 * Picks a reader from the file extension, and from the content when the extension says nothing
 * (`.txt`, none): a document starting with `{` followed by more JSON lines is JSONL, a single
 * JSON document is the BBH/array layout, anything else is CSV.
 */
export function detectFormat(path: string, text: string): DataFormat {
  const ext = extname(path).toLowerCase();
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  if (ext === ".csv") return "csv";
  // A `.json` file is one document unless it has at least two lines that are objects each.
  if (ext === ".json") return looksLikeJsonl(text, 2) ? "jsonl" : "bbh";
  const start = text.replace(/^\uFEFF/, "").trimStart();
  if (start.startsWith("[")) return "bbh";
  if (start.startsWith("{")) return looksLikeJsonl(text) ? "jsonl" : "bbh";
  return "csv";
}

/**
 * True when the first two non-blank lines each parse as a JSON object on their own, except a
 * one-line BBH document (`{"examples": [...]}` minified).
 */
function looksLikeJsonl(text: string, minLines = 1): boolean {
  const lines = text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "")
    .slice(0, 2);
  if (lines.length < minLines) return false;
  const objects = lines.map((l) => {
    try {
      const v: unknown = JSON.parse(l);
      return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  });
  if (objects.some((o) => o === undefined)) return false;
  return !(objects.length === 1 && Array.isArray(objects[0]?.examples));
}
