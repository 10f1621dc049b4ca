/**
 * Errors about a whole data file (missing, unreadable, no usable record). A single bad record is
 * not an error: it becomes a `DataProblem` and the rest of the file is still used.
 */

export type DataErrorCode = "E_DATA_NOT_FOUND" | "E_DATA_FORMAT" | "E_DATA_EMPTY" | "E_DATA_FIELDS" | "E_DATA_OPTIONS" | "E_DATA_TASK";

export class DataError extends Error {
  override readonly name = "DataError";
  constructor(
    readonly code: DataErrorCode,
    message: string,
    /** The file the error is about, when there is one. */
    readonly file?: string,
    /** 1-based line, when the error is at a known place. */
    readonly line?: number,
  ) {
    super(file ? `${file}${line ? `:${line}` : ""}: ${message}` : message);
  }
}
