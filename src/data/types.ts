/**
 * The shapes every dataset takes once loaded, whatever file format it came from. The trainer
 * and `dln eval` only ever see `Example`s; file formats and field names stop at src/data.
 */

export interface Example {
  /** From the record's `id` field, else `${basename}:${line}`. */
  id: string;
  /** Keyed by the NETWORK's input names (after field mapping). */
  inputs: Record<string, string>;
  /** The gold answer. */
  target: string;
  /** Where the record came from (1-based line of its first character). */
  source?: { file: string; line: number };
}

/** A malformed record: it was left out of the examples, and this says where and why. */
export interface DataProblem {
  file: string;
  line: number;
  message: string;
}

export interface Splits {
  train: Example[];
  dev: Example[];
  test: Example[];
  problems: DataProblem[];
}

/** File formats the loader reads. `bbh` also reads a plain top-level JSON array of records. */
export type DataFormat = "jsonl" | "csv" | "bbh";

/** One record as read from a file, before field mapping: field name → raw JSON/CSV value. */
export interface RawRecord {
  fields: Record<string, unknown>;
  /** 1-based line where the record starts. */
  line: number;
  /** 1-based line where it ends, when it spans several (a quoted CSV field, a JSON object). */
  endLine?: number;
}

/** What a format reader returns: the records it could read and the ones it could not. */
export interface ReadResult {
  records: RawRecord[];
  problems: DataProblem[];
}
