/**
 * `loadExamples`: one data file → examples keyed by the network's inputs, plus the records that
 * were left out and why. Whole-file failures (missing, unparsable, nothing usable) throw a
 * `DataError`; a bad record never does.
 */
import { readFile } from "node:fs/promises";
import type { DataFormat, DataProblem, Example, RawRecord, ReadResult } from "./types.js";
import { decodeDataFile } from "./lines.js";
import { DataError } from "./errors.js";
import { detectFormat } from "./formats/detect.js";
import { readJsonl } from "./formats/jsonl.js";
import { readCsv } from "./formats/csv.js";
import { readJsonDocument } from "./formats/json.js";
import { recordsToExamples, resolveMapping, type FieldMapping, type MappingOptions } from "./mapping.js";

export interface LoadOptions extends MappingOptions {
  format?: "auto" | DataFormat;
  /** Keep at most this many examples (the first ones in the file). */
  limit?: number;
}

export interface LoadResult {
  examples: Example[];
  problems: DataProblem[];
  /** The format that was read. */
  format: DataFormat;
  /** Which file field fed each input and the gold. */
  mapping: FieldMapping;
}

const READERS: Record<DataFormat, (text: string, file: string) => ReadResult> = {
  jsonl: readJsonl,
  csv: readCsv,
  bbh: readJsonDocument,
};

export async function loadExamples(path: string, opts: LoadOptions): Promise<LoadResult> {
  return parseExamples(await readDataFile(path), path, opts);
}

/**
 * The same as `loadExamples` for a file already in memory (`path` names it in messages). The
 * bytes go through the one reader every command uses (src/data/lines.ts): a byte-order mark is
 * dropped, and a record on a line that is not UTF-8 is left out and named.
 */
export function parseExamples(content: string | Uint8Array, path: string, opts: LoadOptions): LoadResult {
  const { text, badLines } = decodeDataFile(typeof content === "string" ? Buffer.from(content, "utf8") : content);
  if (opts.inputs.length === 0) throw new DataError("E_DATA_OPTIONS", "the network declares no inputs to map the data to", path);
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit >= 0)) {
    throw new DataError("E_DATA_OPTIONS", `limit must be a whole number ≥ 0, got ${opts.limit}`, path);
  }
  const format = !opts.format || opts.format === "auto" ? detectFormat(path, text) : opts.format;
  const read = READERS[format](text, path);
  const readProblems = [
    ...read.problems,
    ...[...badLines].map(([line, message]) => ({ file: path, line, message: `${message}; the record on this line is left out` })),
  ];
  const records = badLines.size === 0 ? read.records : read.records.filter((r) => !spansBadLine(r, badLines));
  if (records.length === 0) {
    const why = readProblems.length > 0 ? `none of its records could be read (${describeFirst(readProblems)})` : "it contains no records";
    throw new DataError("E_DATA_EMPTY", `no usable record: ${why}`, path);
  }
  const fileFields = new Set(records.flatMap((r) => Object.keys(r.fields)));
  const mapping = resolveMapping(opts, format, fileFields, path);
  const converted = recordsToExamples(records, mapping, path);
  const problems = [...readProblems, ...converted.problems].sort((a, b) => a.line - b.line);
  if (converted.examples.length === 0) {
    throw new DataError(
      "E_DATA_EMPTY",
      `no usable record: all ${records.length + readProblems.length} records have problems (${describeFirst(problems)})`,
      path,
    );
  }
  const examples = opts.limit === undefined ? converted.examples : converted.examples.slice(0, opts.limit);
  return { examples, problems, format, mapping };
}

/** Whether any line of the record is not UTF-8. */
function spansBadLine(record: RawRecord, badLines: ReadonlyMap<number, string>): boolean {
  for (let line = record.line; line <= (record.endLine ?? record.line); line++) if (badLines.has(line)) return true;
  return false;
}

async function readDataFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new DataError("E_DATA_NOT_FOUND", "no such file", path);
    if (code === "EISDIR") throw new DataError("E_DATA_NOT_FOUND", "is a directory, not a data file", path);
    throw new DataError("E_DATA_NOT_FOUND", `cannot read the file (${(err as Error).message})`, path);
  }
}

function describeFirst([first, ...rest]: DataProblem[]): string {
  if (first === undefined) return "no problem recorded";
  const more = rest.length > 0 ? ` and ${rest.length} more` : "";
  return `line ${first.line}: ${first.message}${more}`;
}
