/**
 * The one mapping from an error to the command line's exit status and message, used by every
 * command. docs/cli.md, "Exit status", documents the same table.
 */
import { CommanderError } from "commander";
import { DlnError, errorMessage, isAbort, type ErrorKind, type ErrorLocation } from "../util/errors.js";

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

const BY_KIND: Record<ErrorKind, number> = { usage: EXIT.usage, failed: EXIT.failed, aborted: EXIT.interrupted };

/** The exit status for a thrown value: by the DlnError's kind; a cancellation 130; anything else (a bug) 1. */
export function exitCodeOf(err: unknown): number {
  if (isAbort(err)) return EXIT.interrupted;
  if (err instanceof DlnError) return BY_KIND[err.kind];
  if (err instanceof CommanderError) return EXIT.usage;
  return EXIT.failed;
}

/** `file`, `file:line:column` (column 1 when only the line is known). */
function formatLocation(location: ErrorLocation): string {
  return location.line ? `${location.file}:${location.line}:${location.column ?? 1}` : location.file;
}

/**
 * `[where: ]error CODE: message` and, when known, `  hint: …` on the next line, for standard error.
 * `prefix` (e.g. `dln report`) starts the first line. The place is said once: a message that already
 * starts with it (`runs/x: no events.jsonl`) gives it up to the front (`runs/x: error E_…: no events.jsonl`),
 * and a message that names it elsewhere is not prefixed with it again. Anything that is not a
 * DlnError (a bug, a system error) prints as `error: message`.
 */
export function formatError(err: unknown, prefix?: string): string {
  const lead = prefix ? `${prefix}: ` : "";
  if (!(err instanceof DlnError)) return `${lead}error: ${errorMessage(err)}\n`;
  let message = err.message;
  let where = "";
  const loc = err.location;
  if (loc) {
    // The forms a message may already start with, longest first: file:line:column, file:line, file.
    const forms = [loc.line && loc.column ? `${loc.file}:${loc.line}:${loc.column}` : "", loc.line ? `${loc.file}:${loc.line}` : "", loc.file];
    const start = forms.find((f) => f !== "" && message.startsWith(`${f}: `));
    if (start !== undefined) {
      message = message.slice(start.length + 2);
      where = `${start}: `;
    } else if (!message.includes(loc.file)) {
      where = `${formatLocation(loc)}: `;
    }
  }
  return `${lead}${where}error ${err.code}: ${message}\n${err.hint ? `  hint: ${err.hint}\n` : ""}`;
}
