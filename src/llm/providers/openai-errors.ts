/**
 * Maps what the `openai` package throws (HTTP statuses, connection failures, unparsable bodies)
 * onto our typed errors, so the retry middleware and users see one vocabulary whatever the
 * endpoint. Messages are redacted: a server that echoes a key back never gets it into a log.
 */
import { APIConnectionError, APIError, APIUserAbortError } from "openai";
import type { AbortError } from "../../util/errors.js";
import { requestAborted } from "../abort.js";
import {
  AuthenticationError,
  BadRequestError,
  ContextLengthError,
  EndpointUnavailableError,
  LLMError,
  MalformedResponseError,
  RateLimitedError,
  redactSecrets,
} from "../errors.js";

/** `retry-after-ms`, then `retry-after` as seconds or an HTTP date; undefined when absent or invalid. */
export function parseRetryAfter(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return undefined;
  if (Number.isFinite(Number(value))) return Math.max(0, Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function serverMessage(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  const text = typeof body?.message === "string" ? body.message : err.message;
  return text.length > 300 ? text.slice(0, 300) + "…" : text;
}

function looksLikeContextLength(err: APIError, message: string): boolean {
  return err.code === "context_length_exceeded" || /context length|context window|maximum context|too many tokens|prompt is too long/i.test(message);
}

/** Turns anything thrown while talking to an endpoint into an LLMError (a cancellation into the one AbortError). */
export function toLLMError(err: unknown, where: string, secrets: string[] = []): LLMError | AbortError {
  if (err instanceof LLMError) return err;
  const hide = (s: string) => secrets.reduce((t, secret) => (secret ? t.split(secret).join("[redacted]") : t), redactSecrets(s));
  if (err instanceof APIUserAbortError) return requestAborted(where);
  if (err instanceof APIConnectionError) {
    const cause = err.cause as (Error & { code?: string; cause?: { code?: string } }) | undefined;
    const connectionCode = cause?.cause?.code ?? cause?.code;
    return new EndpointUnavailableError(hide(`connection failed: ${cause?.message ?? err.message}${connectionCode ? ` (${connectionCode})` : ""}`), {
      where,
      cause: hide(err.message),
      connectionCode,
    });
  }
  if (err instanceof APIError && typeof err.status === "number") {
    const status = err.status;
    const message = hide(serverMessage(err));
    const opts = { where, status };
    if (status === 401 || status === 403) return new AuthenticationError(message, opts);
    if (status === 429) return new RateLimitedError(message, { ...opts, retryAfterMs: parseRetryAfter(err.headers) });
    if (status === 408) return new EndpointUnavailableError(`HTTP 408: ${message}`, { ...opts, retryAfterMs: parseRetryAfter(err.headers) });
    if (status >= 500) return new EndpointUnavailableError(`HTTP ${status}: ${message}`, { ...opts, retryAfterMs: parseRetryAfter(err.headers) });
    if (looksLikeContextLength(err, message)) return new ContextLengthError(message, opts);
    return new BadRequestError(message, opts);
  }
  if (err instanceof SyntaxError) return new MalformedResponseError(hide(`the body is not JSON (${err.message})`), { where });
  // fetch reports a socket closed mid-body as a TypeError ("terminated") with a system cause.
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "AbortError") return requestAborted(where);
  if (e?.name === "TypeError" && (e.message === "terminated" || e.cause?.code || /fetch failed|socket|ECONN/i.test(e.message ?? ""))) {
    return new EndpointUnavailableError(hide(`connection dropped (${e.cause?.code ?? e.cause?.message ?? e.message})`), { where });
  }
  return new MalformedResponseError(hide(String(e?.message ?? err)), { where, retryable: false });
}
