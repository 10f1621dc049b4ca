/**
 * OpenTelemetry spans through `@opentelemetry/api`: a no-op until the program registers an SDK
 * (a TracerProvider and, for parent/child links across `await`, a context manager). Runs, layer
 * calls, training runs and training steps are spans here; model calls are spans of the telemetry
 * middleware (src/llm/middleware/telemetry.ts), with the attribute names of OpenTelemetry's
 * generative-AI semantic conventions. docs/observability.md shows a trace.
 *
 * Spans never carry prompts, completions or secrets: names, counts, settings and outcomes only.
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from "@opentelemetry/api";

/** The instrumentation scope every dln span is created under. */
const TRACER_NAME = "dln";
const TRACER_VERSION = "0.1.0";

function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME, TRACER_VERSION);
}

/** Starts a span, a child of the active one (or of `parent`). */
export function startSpan(name: string, attributes: Attributes, options: { kind?: SpanKind; parent?: Context } = {}): Span {
  return tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes }, options.parent ?? context.active());
}

/** Runs `fn` with `span` as the active span: spans started inside (also after `await`) are its children. */
export function withSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn);
}

/** Ends a span, marking it as failed (with the error's class and message) when `error` is given. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    const e = error as { name?: string; code?: string; message?: string };
    span.setAttribute("error.type", String(e?.code ?? e?.name ?? "Error"));
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(e?.message ?? error) });
  }
  span.end();
}

export { SpanKind };
