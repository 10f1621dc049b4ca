/**
 * Errors the executor raises. A node failure becomes the sample's error result (RunResult.error),
 * never the run's end; only cancellation ends a run with an error, the one `AbortError`
 * (src/util/errors.ts).
 */
import { DlnError, type DlnErrorOptions } from "../util/errors.js";

/**
 * A node failed (its template, its model call, its parse): the sample's error, kind `failed`; or a
 * prompts file given to the run cannot be used (`E_PROMPTS`, kind `usage`).
 */
export class ExecError extends DlnError {
  constructor(
    /** Stable code, e.g. `E_PARSE`, `E_TEMPLATE`, `E_MODEL`, or the model error's own code. */
    code: string,
    message: string,
    /** The node where it happened. */
    readonly node?: string,
    options: Omit<DlnErrorOptions, "location"> = {},
  ) {
    super(code, message, { kind: "failed", ...options });
  }
}
