import { parse } from "csv-parse/sync";
import type { DataProblem, RawRecord, ReadResult } from "../types.js";
import { DataError } from "../errors.js";
import { stripBom } from "./jsonl.js";

/** Most unreadable records reported before the rest of the file is given up on (each costs a re-parse). */
const MAX_RESTARTS = 200;

/**
 * Reads CSV with a header row (RFC 4180 quoting; quoted fields may span lines). A row whose
 * column count differs from the header's is a problem, as is a record the parser cannot read.
 *
 * An unreadable record (an unclosed or stray quote) is reported at the line where it STARTS, and
 * reading resumes on the next line: an unclosed quote would otherwise swallow every record after
 * it, and csv-parse's own line numbers after a skipped record are off.
 */
export function readCsv(text: string, file: string): ReadResult {
  const records: RawRecord[] = [];
  const problems: DataProblem[] = [];
  const lines = stripBom(text).split("\n");
  let header: string[] | undefined;
  /** 0-based index of the physical line the current parse starts at. */
  let start = 0;
  for (let restarts = 0; start < lines.length; restarts++) {
    // Line (1-based, in the whole file) where the last record read so far ended.
    let lastEnd = start;
    const failure = parseFrom(lines, start, (fields, endLine, firstLine) => {
      lastEnd = endLine;
      if (!header) {
        const names = fields.map((name) => name.trim());
        header = names;
        const duplicate = names.find((name, i) => names.indexOf(name) !== i);
        if (duplicate !== undefined) throw new DataError("E_DATA_FORMAT", `the header row names the column "${duplicate}" twice`, file, firstLine);
        return;
      }
      if (fields.length !== header.length) {
        problems.push({ file, line: firstLine, message: `has ${fields.length} columns but the header has ${header.length} (${header.join(", ")})` });
        return;
      }
      // No prototype: a column named "__proto__" or "constructor" is a field like any other.
      const record: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      header.forEach((name, i) => (record[name] = fields[i]));
      records.push({ fields: record, line: firstLine, ...(endLine > firstLine ? { endLine } : {}) });
    });
    if (!failure) break;
    // The unreadable record starts on the first non-blank line after the last good one.
    let bad = lastEnd; // 0-based index of the line after lastEnd
    while (bad < lines.length && lines[bad]?.trim() === "") bad++;
    const line = bad + 1;
    if (restarts >= MAX_RESTARTS) {
      problems.push({ file, line, message: `unreadable CSV (${failure}); too many unreadable records, the rest of the file from this line is left out` });
      break;
    }
    problems.push({ file, line, message: `unreadable CSV: ${failure}; the record starting on this line is left out` });
    start = bad + 1;
  }
  problems.sort((a, b) => a.line - b.line);
  return { records, problems };
}

/**
 * Parses the lines from `start` on, calling `onRecord` with each record, the 1-based line of the
 * file where it ends and where it starts. Returns the parser's complaint (without its relative line
 * numbers) when a record cannot be read, else undefined.
 */
function parseFrom(lines: string[], start: number, onRecord: (fields: string[], endLine: number, firstLine: number) => void): string | undefined {
  let previousEnd = 0;
  let previousEmpty = 0;
  try {
    parse(lines.slice(start).join("\n"), {
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (record: string[], context: { lines: number; empty_lines: number }) => {
        // csv-parse counts the line where a record ENDS; it starts after the previous one ended
        // plus any blank lines skipped in between.
        const firstLine = start + previousEnd + 1 + (context.empty_lines - previousEmpty);
        previousEnd = context.lines;
        previousEmpty = context.empty_lines;
        onRecord(record, start + context.lines, firstLine);
        return null; // nothing is kept by the parser itself
      },
    });
    return undefined;
  } catch (err) {
    if (err instanceof DataError) throw err;
    const e = err as { code?: string; message?: string };
    const message = String(e.message ?? err)
      .replace(/ at line \d+/g, "")
      .replace(/, value is .*$/s, "");
    return e.code === "CSV_QUOTE_NOT_CLOSED" ? "a quoted field is opened and never closed" : message;
  }
}
