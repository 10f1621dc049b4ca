/**
 * A placeholder for a sample that could not be read (a JSONL line that is not JSON, a missing
 * input field found by the reader): put it in the input stream where the sample would have been,
 * and the executor emits an error result for it at that index without calling any model.
 */
export class InvalidSample {
  constructor(
    /** `E_INVALID_SAMPLE`, `E_MISSING_INPUT`, … */
    readonly code: string,
    /** What is wrong and where, e.g. `line 7: not valid JSON (Unexpected token)`. */
    readonly message: string,
    /** The sample's id, when it could be read. */
    readonly id?: string,
  ) {}
}
