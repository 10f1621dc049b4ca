/**
 * Typed errors of the model client. Each has a stable `code`, says what happened, where (endpoint
 * and model: the client id, which never contains a secret) and, in its `hint`, what to do.
 * `retryable` tells the retry middleware whether another attempt can help; `retryAfterMs` carries
 * the server's hint. A cancelled request rejects with the one `AbortError` (src/util/errors.ts).
 */

import { DlnError, type ErrorKind } from "../util/errors.js";

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

/**
 * A model call's error: a DlnError (code, message, hint, kind) with what the middleware needs.
 * The message says what happened and where (the client id) and is redacted, and so is the cause
 * (only its message is kept); the hint says what to do.
 */
export abstract class LLMError extends DlnError {
  readonly where: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  readonly connectionCode: string | undefined;

  constructor(code: string, what: string, todo: string, opts: LLMErrorOptions = {}, kind: ErrorKind = "failed") {
    // The hint is the library's own advice (names, flags, never a server's words), so it is not redacted:
    // `export OPENAI_API_KEY=…` must read as written.
    super(code, redactSecrets(what + (opts.where ? ` (on ${opts.where})` : "")), { kind, hint: todo || undefined });
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
  constructor(detail: string, opts: LLMErrorOptions = {}) {
    super(
      "E_CONTEXT_LENGTH",
      `The prompt is longer than the model's context window: ${detail}`,
      "Shorten the prompt or inputs, lower maxTokens, or use a model with a longer context",
      opts,
    );
  }
}

/** The endpoint refused the key: a usage error (nothing will work until the setting changes). */
export class AuthenticationError extends LLMError {
  constructor(detail: string, opts: LLMErrorOptions = {}) {
    super(
      "E_AUTH",
      `The endpoint refused the credentials (HTTP ${opts.status ?? 401}): ${detail}`,
      'Check the apiKey setting (write "${OPENAI_API_KEY}" and export the variable) and that the key may use this model',
      opts,
      "usage",
    );
  }
}

export class RateLimitedError extends LLMError {
  constructor(detail: string, opts: LLMErrorOptions = {}) {
    super(
      "E_RATE_LIMITED",
      `The endpoint kept answering 429 (rate limited): ${detail}`,
      "Lower concurrency/rpm/tpm for this model, raise maxRetries, or wait and rerun (the response cache keeps what was already paid for)",
      { retryable: true, ...opts },
    );
  }
}

/** A request was not sent because it would take the run past its budget (a cap, not a wish). */
export class BudgetExceededError extends LLMError {
  constructor(detail: string, opts: LLMErrorOptions = {}) {
    super(
      "E_BUDGET",
      `Not sent: it would cross the ${detail}`,
      "Raise the budget (--budget-tokens, --budget-requests, --budget-cost) or resume with a larger one",
      {
        ...opts,
        retryable: false,
      },
    );
  }
}

export class BadRequestError extends LLMError {
  constructor(detail: string, opts: LLMErrorOptions = {}) {
    super(
      "E_BAD_REQUEST",
      `The endpoint rejected the request (HTTP ${opts.status ?? 400}): ${detail}`,
      "Check the model name and the model settings (api, topLogprobs, stop, maxTokens) against what this endpoint supports",
      opts,
    );
  }
}

export class TimeoutError extends LLMError {
  constructor(ms: number, opts: LLMErrorOptions = {}) {
    super("E_TIMEOUT", `No response within ${ms} ms`, "Raise timeoutMs for this model, lower concurrency, or check that the server is not overloaded", {
      retryable: true,
      ...opts,
    });
  }
}

export class EndpointUnavailableError extends LLMError {
  constructor(detail: string, opts: LLMErrorOptions = {}) {
    super(
      "E_ENDPOINT_UNAVAILABLE",
      `The endpoint is unavailable: ${detail}`,
      "Check that the server is running and baseURL is right; transient failures are retried (maxRetries)",
      { retryable: true, ...opts },
    );
  }
}

/**
 * The circuit breaker (middleware/breaker.ts) gave up on an endpoint after consecutive connection
 * failures: every further request fails at once instead of being retried sample by sample.
 */
export class EndpointDeadError extends LLMError {
  constructor(failures: number, detail: string, opts: LLMErrorOptions = {}) {
    super(
      "E_ENDPOINT_DEAD",
      `The endpoint cannot be reached: ${failures} connections in a row failed (${detail})`,
      "Check that the server is running and that baseURL (host and port) is right",
      { ...opts, retryable: false },
    );
  }
}

export class MalformedResponseError extends LLMError {
  constructor(detail: string, opts: LLMErrorOptions = {}) {
    super(
      "E_MALFORMED_RESPONSE",
      `The endpoint sent a response that is not a valid OpenAI-compatible body: ${detail}`,
      "Check that baseURL points at an OpenAI-compatible API (usually ending in /v1); a malformed body is retried, never half-parsed",
      { retryable: true, ...opts },
    );
  }
}

/** A provider, endpoint kind, world or feature that does not exist or is not supported: a usage error. */
export class UnsupportedError extends LLMError {
  constructor(what: string, instead: string, opts: LLMErrorOptions = {}) {
    super("E_UNSUPPORTED", what, instead, opts, "usage");
  }
}

export class CacheMissError extends LLMError {
  constructor(cacheFile: string, opts: LLMErrorOptions = {}) {
    super(
      "E_CACHE_MISS",
      `The response cache is read-only and has no entry for this request (cache ${cacheFile})`,
      'Run once with cache mode "readwrite" to record the responses, or check that the network, data and model settings match the recorded run',
      opts,
    );
  }
}

/** A `${VAR}` in a model's settings names a variable that is not set: a usage error. */
export class MissingEnvVarError extends LLMError {
  readonly variable: string;
  constructor(variable: string, model: string) {
    super(
      "E_MISSING_ENV",
      `The environment variable ${variable} is not set (used by model "${model}")`,
      `export ${variable}=…, or write \${${variable}:-default} in the network file to give a default`,
      {},
      "usage",
    );
    this.variable = variable;
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
