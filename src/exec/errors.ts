/**
 * Errors the executor raises. A node failure becomes the sample's error result (RunResult.error),
 * never the run's end; only cancellation ends a run with an error.
 */
export class ExecError extends Error {
  override readonly name = "ExecError";
  constructor(
    /** Stable code, e.g. `E_PARSE`, `E_TEMPLATE`, `E_MODEL`, `E_ABORTED`. */
    readonly code: string,
    message: string,
    /** The node where it happened. */
    readonly node?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The code of any thrown value: its own `code` when it has a string one, else `fallback`. */
export function errorCode(err: unknown, fallback: string): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code !== "" ? code : fallback;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function isAbortError(err: unknown): boolean {
  const e = err as { name?: string; code?: string } | null;
  return e?.name === "AbortError" || e?.code === "E_ABORTED" || e?.code === "ABORT_ERR";
}

export const abortedError = (): ExecError => new ExecError("E_ABORTED", "the run was cancelled");
