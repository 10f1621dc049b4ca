/**
 * The one mapping from an error to the command line's exit status and message, used by every
 * command. docs/cli.md, "Exit status", documents the same table.
 */
import { CommanderError } from "commander";
import { DlnError, isAbort, type ErrorKind } from "../util/errors.js";

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

const BY_KIND: Record<ErrorKind, number> = { usage: EXIT.usage, failed: EXIT.failed, aborted: EXIT.interrupted };

/** The exit status for a thrown value: by the DlnError's kind; a cancellation 130; anything else (a bug) 1. */
export function exitCodeOf(err: unknown): number {
  if (isAbort(err)) return EXIT.interrupted;
  if (err instanceof DlnError) return BY_KIND[err.kind];
  if (err instanceof CommanderError) return EXIT.usage;
  return EXIT.failed;
}

/** `error CODE: message` (and the location and hint when known), one line each, for standard error. */
export function formatError(err: unknown): string {
  if (!(err instanceof DlnError)) return `error: ${err instanceof Error ? err.message : String(err)}\n`;
  const where = err.location ? `${err.location.file}${err.location.line ? `:${err.location.line}:${err.location.column ?? 1}` : ""}: ` : "";
  return `${where}error ${err.code}: ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ""}`;
}
