/**
 * Errors about a whole data file (missing, unreadable, no usable record). A single bad record is
 * not an error: it becomes a `DataProblem` and the rest of the file is still used.
 */
import { DlnError } from "../util/errors.js";

export type DataErrorCode = "E_DATA_NOT_FOUND" | "E_DATA_FORMAT" | "E_DATA_EMPTY" | "E_DATA_FIELDS" | "E_DATA_OPTIONS" | "E_DATA_TASK";

/** Data that cannot be used (missing, unreadable, empty, fields that do not match): a usage error, located at the file and line. */
export class DataError extends DlnError {
  declare readonly code: DataErrorCode;
  constructor(
    code: DataErrorCode,
    message: string,
    /** The file the error is about, when there is one. */
    readonly file?: string,
    /** 1-based line, when the error is at a known place. */
    readonly line?: number,
    hint?: string,
  ) {
    super(code, file ? `${file}${line ? `:${line}` : ""}: ${message}` : message, {
      kind: "usage",
      location: file ? { file, ...(line ? { line } : {}) } : undefined,
      hint,
    });
  }
}
