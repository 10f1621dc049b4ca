/**
 * Typed errors of the model client. Each has a stable `code`, says what happened, where (endpoint
 * and model: the client id, which never contains a secret) and what to do. `retryable` tells the
 * retry middleware whether another attempt can help; `retryAfterMs` carries the server's hint.
 */

export interface LLMErrorOptions {
  /** provider:model@endpoint (never a key). */
  where?: string;
  retryable?: boolean;
  retryAfterMs?: number;
  status?: number;
  cause?: unknown;
  /** The system error code of a failed connection (ECONNREFUSED, ENOTFOUND, …), when there was one. */
  connectionCode?: string;
}

export abstract class LLMError extends Error {
  abstract readonly code: string;
  readonly where: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  readonly connectionCode: string | undefined;

  constructor(what: string, todo: string, opts: LLMErrorOptions = {}) {
    super(redactSecrets([what + (opts.where ? ` (on ${opts.where})` : ""), todo].filter(Boolean).join(". ")));
    this.name = new.target.name;
    this.where = opts.where;
    this.retryable = opts.retryable ?? false;
    this.retryAfterMs = opts.retryAfterMs;
    this.status = opts.status;
    this.connectionCode = opts.connectionCode;
    // The cause may hold request details from the HTTP library; keep only its message, redacted.
    if (opts.cause !== undefined) this.cause = redactSecrets(String((opts.cause as Error)?.message ?? opts.cause));
  }
}

export class ContextLengthError extends LLMError {
  readonly code = "E_CONTEXT_LENGTH";
  constructor(detail: string, opts: LLMErrorOptions = {}) {
    super(
      `The prompt is longer than the model's context window: ${detail}`,
      "Shorten the prompt or inputs, lower maxTokens, or use a model with a longer context",
      opts,
    );
  }
}

export class AuthenticationError extends LLMError {
  readonly code = "E_AUTH";
  constructor(detail: string, opts: LLMErrorOptions = {}) {
    super(
      `The endpoint refused the credentials (HTTP ${opts.status ?? 401}): ${detail}`,
      'Check the apiKey setting (write "${OPENAI_API_KEY}" and export the variable) and that the key may use this model',
      opts,
    );
  }
}

export class RateLimitedError extends LLMError {
  readonly code = "E_RATE_LIMITED";
  constructor(detail: string, opts: LLMErrorOptions = {}) {
    super(
      `The endpoint kept answering 429 (rate limited): ${detail}`,
      "Lower concurrency/rpm/tpm for this model, raise maxRetries, or wait and rerun (the response cache keeps what was already paid for)",
      { retryable: true, ...opts },
    );
  }
}

/** A request was not sent because it would take the run past its budget (a cap, not a wish). */
export class BudgetExceededError extends LLMError {
  readonly code = "E_BUDGET";
  constructor(detail: string, opts: LLMErrorOptions = {}) {
    super(`Not sent: it would cross the ${detail}`, "Raise the budget (--budget-tokens, --budget-requests, --budget-cost) or resume with a larger one", {
      ...opts,
      retryable: false,
    });
  }
}

export class BadRequestError extends LLMError {
  readonly code = "E_BAD_REQUEST";
  constructor(detail: string, opts: LLMErrorOptions = {}) {
    super(
      `The endpoint rejected the request (HTTP ${opts.status ?? 400}): ${detail}`,
      "Check the model name and the model settings (api, topLogprobs, stop, maxTokens) against what this endpoint supports",
      opts,
    );
  }
}

export class TimeoutError extends LLMError {
  readonly code = "E_TIMEOUT";
  constructor(ms: number, opts: LLMErrorOptions = {}) {
    super(`No response within ${ms} ms`, "Raise timeoutMs for this model, lower concurrency, or check that the server is not overloaded", {
      retryable: true,
      ...opts,
    });
  }
}

export class EndpointUnavailableError extends LLMError {
  readonly code = "E_ENDPOINT_UNAVAILABLE";
  constructor(detail: string, opts: LLMErrorOptions = {}) {
    super(`The endpoint is unavailable: ${detail}`, "Check that the server is running and baseURL is right; transient failures are retried (maxRetries)", {
      retryable: true,
      ...opts,
    });
  }
}

/**
 * The circuit breaker (middleware/breaker.ts) gave up on an endpoint after consecutive connection
 * failures: every further request fails at once instead of being retried sample by sample.
 */
export class EndpointDeadError extends LLMError {
  readonly code = "E_ENDPOINT_DEAD";
  constructor(failures: number, detail: string, opts: LLMErrorOptions = {}) {
    super(
      `The endpoint cannot be reached: ${failures} connections in a row failed (${detail})`,
      "Check that the server is running and that baseURL (host and port) is right",
      { ...opts, retryable: false },
    );
  }
}

export class MalformedResponseError extends LLMError {
  readonly code = "E_MALFORMED_RESPONSE";
  constructor(detail: string, opts: LLMErrorOptions = {}) {
    super(
      `The endpoint sent a response that is not a valid OpenAI-compatible body: ${detail}`,
      "Check that baseURL points at an OpenAI-compatible API (usually ending in /v1); a malformed body is retried, never half-parsed",
      { retryable: true, ...opts },
    );
  }
}

export class UnsupportedError extends LLMError {
  readonly code = "E_UNSUPPORTED";
  constructor(what: string, instead: string, opts: LLMErrorOptions = {}) {
    super(what, instead, opts);
  }
}

export class CacheMissError extends LLMError {
  readonly code = "E_CACHE_MISS";
  constructor(cacheFile: string, opts: LLMErrorOptions = {}) {
    super(
      `The response cache is read-only and has no entry for this request (cache ${cacheFile})`,
      'Run once with cache mode "readwrite" to record the responses, or check that the network, data and model settings match the recorded run',
      opts,
    );
  }
}

export class MissingEnvVarError extends LLMError {
  readonly code = "E_MISSING_ENV";
  readonly variable: string;
  constructor(variable: string, model: string) {
    super(
      `The environment variable ${variable} is not set (used by model "${model}")`,
      `Export ${variable}, or write \${${variable}:-default} in the network file to give a default`,
    );
    this.variable = variable;
  }
}

/** The error a caller's AbortSignal produced; never retried. */
export class AbortedError extends LLMError {
  readonly code = "E_ABORTED";
  constructor(opts: LLMErrorOptions = {}) {
    super("The request was cancelled", "", opts);
  }
}

export const isLLMError = (e: unknown): e is LLMError => e instanceof LLMError;

/**
 * Removes anything that looks like a credential from a message: bearer tokens, `sk-…` keys,
 * `api-key`/`authorization` header values, `key=` query parameters and the user-info of URLs
 * (`http://user:password@host` → `http://[redacted]@host`).
 */
export function redactSecrets(text: string): string {
  return (
    text
      .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi, "$1[redacted]@")
      .replace(/(bearer\s+)[^\s"',;]+/gi, "$1[redacted]")
      .replace(/\bsk-[A-Za-z0-9_-]{6,}/g, "sk-[redacted]")
      // (not `${OPENAI_API_KEY:-default}`: a placeholder in advice is no secret)
      .replace(/((?:api[-_]?key|authorization)["']?\s*(?::(?!-)|=)\s*["']?)[^\s"',;&]+/gi, "$1[redacted]")
      .replace(/([?&](?:api[-_]?key|key|token)=)[^&\s"']+/gi, "$1[redacted]")
  );
}
