/**
 * The one error model. Every error the library throws on purpose is a `DlnError`: a stable `code`
 * (documented, greppable, e.g. `E_NETWORK_INVALID`), a message that names what and where, an
 * optional `hint` (what to do about it), an optional `location` (file:line:column for network and
 * data files) and a `kind` that says whose fault it is. The command line turns the kind into its
 * exit status in one place (src/cli/exit.ts); programs switch on `code`.
 *
 * Cancellation is one error, `AbortError` (code `E_ABORTED`), whatever was cancelled.
 */

/**
 * Whose fault, which decides the exit status:
 * - `usage`: the caller's input cannot be used as given (bad flags, unreadable or invalid files,
 *   settings out of range, a missing API key): nothing was done. Exit 2.
 * - `failed`: the work was started and failed (a model endpoint gave up, a sample failed). Exit 1.
 * - `aborted`: cancelled by the caller (Ctrl-C, an AbortSignal). Exit 130.
 */
export type ErrorKind = "usage" | "failed" | "aborted";

/** Where in a file: lines and columns are 1-based. */
export interface ErrorLocation {
  file: string;
  line?: number;
  column?: number;
}

export interface DlnErrorOptions {
  kind?: ErrorKind;
  hint?: string;
  location?: ErrorLocation;
  cause?: unknown;
}

export class DlnError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly location: ErrorLocation | undefined;

  constructor(code: string, message: string, options: DlnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.kind = options.kind ?? "failed";
    this.hint = options.hint;
    this.location = options.location;
  }
}

/** The one cancellation error: whatever was cancelled (a request, a sample, a run, a sweep). */
export class AbortError extends DlnError {
  constructor(message = "cancelled", options: Omit<DlnErrorOptions, "kind"> = {}) {
    super("E_ABORTED", message, { ...options, kind: "aborted" });
  }
}

/**
 * The error to throw for an aborted `signal`: its reason when that is already an AbortError, else a
 * new AbortError with the reason as its cause (and its message, when the caller gave one:
 * `abort(new Error("killed"))` → "training was cancelled: killed"). One cancellation error whoever aborted.
 */
export function abortErrorOf(signal: AbortSignal, message = "cancelled"): AbortError {
  const reason: unknown = signal.reason;
  if (reason instanceof AbortError) return reason;
  if (reason === undefined) return new AbortError(message);
  const own = reason instanceof Error && !isAbort(reason) ? `: ${reason.message}` : "";
  return new AbortError(`${message}${own}`, { cause: reason });
}

/** Throws `abortErrorOf(signal, message)` when `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, message?: string): void {
  if (signal?.aborted) throw abortErrorOf(signal, message);
}

/** Whether `err` is a cancellation: ours, the platform's (`AbortSignal.abort()`'s DOMException) or Node's. */
export function isAbort(err: unknown): boolean {
  if (err instanceof AbortError) return true;
  const e = err as { name?: unknown; code?: unknown } | null;
  return e?.name === "AbortError" || e?.code === "E_ABORTED" || e?.code === "ABORT_ERR";
}

/** The code of any thrown value: its own `code` when it has a string one, else `fallback`. */
export function errorCode(err: unknown, fallback: string): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code !== "" ? code : fallback;
}

/** The message of any thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
