import { parse } from "csv-parse/sync";
import type { DataProblem, RawRecord, ReadResult } from "../types.js";
import { DataError } from "../errors.js";
import { stripBom } from "./jsonl.js";

/**
 * Reads CSV with a header row (RFC 4180 quoting; quoted fields may span lines). A row whose
 * column count differs from the header's is a problem, as is a row the parser cannot read
 * (e.g. an unclosed quote, which swallows the rest of the file: the problem says so).
 */
export function readCsv(text: string, file: string): ReadResult {
  const records: RawRecord[] = [];
  const problems: DataProblem[] = [];
  type Row = { record: string[]; info: { lines: number; empty_lines: number } };
  let rows: Row[];
  try {
    rows = parse(stripBom(text), {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err: { message?: string; lines?: number } | undefined) => {
        problems.push({ file, line: err?.lines ?? 0, message: `unreadable CSV: ${err?.message ?? "unknown error"}` });
        return undefined;
      },
    }) as unknown as Row[];
  } catch (err) {
    throw new DataError("E_DATA_FORMAT", `cannot parse CSV: ${(err as Error).message}`, file);
  }
  if (rows.length === 0) return { records, problems };
  const header = rows[0].record.map((name) => name.trim());
  const duplicate = header.find((name, i) => header.indexOf(name) !== i);
  if (duplicate !== undefined) {
    throw new DataError("E_DATA_FORMAT", `the header row names the column "${duplicate}" twice`, file, 1);
  }
  // csv-parse reports the line where a record ENDS; a record starts after the previous one
  // ended plus any blank lines skipped in between.
  let previousEnd = rows[0].info.lines;
  let previousEmpty = rows[0].info.empty_lines;
  for (const row of rows.slice(1)) {
    const line = previousEnd + 1 + (row.info.empty_lines - previousEmpty);
    previousEnd = row.info.lines;
    previousEmpty = row.info.empty_lines;
    if (row.record.length !== header.length) {
      problems.push({
        file,
        line,
        message: `has ${row.record.length} columns but the header has ${header.length} (${header.join(", ")})`,
      });
      continue;
    }
    // No prototype: a column named "__proto__" or "constructor" is a field like any other.
    const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    header.forEach((name, i) => (fields[name] = row.record[i]));
    records.push({ fields, line });
  }
  problems.sort((a, b) => a.line - b.line);
  return { records, problems };
}
