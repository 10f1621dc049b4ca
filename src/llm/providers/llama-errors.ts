/**
 * Errors specific to the embedded llama.cpp provider. They extend the client's `LLMError`
 * (src/llm/errors.ts), so middleware and the CLI treat them like every other model error: a
 * stable code, what happened, where (the client id) and what to do. None is retryable: a missing
 * file or package does not fix itself between attempts.
 */
import { LLMError, type LLMErrorOptions } from "../errors.js";

export type LlamaErrorCode =
  "E_LLAMA_NOT_INSTALLED" | "E_LLAMA_MODEL_NOT_FOUND" | "E_LLAMA_LOAD_FAILED" | "E_LLAMA_CLOSED" | "E_LLAMA_NO_START_TOKEN" | "E_LLAMA_NO_OUTPUT";

export class LlamaProviderError extends LLMError {
  declare readonly code: LlamaErrorCode;
  constructor(code: LlamaErrorCode, what: string, todo: string, opts: LLMErrorOptions = {}) {
    super(code, what, todo, opts);
  }
}

/** llama.cpp gave back less than it was asked for (no output or no distribution at a position): a failure, not a usage error. */
export function noOutput(what: string): LlamaProviderError {
  return new LlamaProviderError(
    "E_LLAMA_NO_OUTPUT",
    `llama.cpp returned ${what}`,
    "Report this with the model file's name: node-llama-cpp answered an evaluation without its output",
  );
}
