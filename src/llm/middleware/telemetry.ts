/**
 * Model calls as OpenTelemetry spans (a no-op unless an SDK is registered: src/util/telemetry.ts).
 * One CLIENT span per request, named `{gen_ai.operation.name} {gen_ai.request.model}` and carrying
 * the attributes of OpenTelemetry's generative-AI semantic conventions: operation, provider,
 * request settings, finish reasons and token usage. A teacher-forced scoring request is a
 * `text_completion` with `dln.request.kind: "score"`. Cache hits say so (`dln.cache_hit`), with no
 * tokens spent. Prompts and completions are never recorded.
 *
 * Sits outside usage accounting (so a span sees priced usage and cache hits) and inside the
 * model's defaults (so it sees the settings the request really has).
 */
import type { Attributes, Span } from "@opentelemetry/api";
import { endSpan, SpanKind, startSpan } from "../../util/telemetry.js";
import type { GenerateRequest, GenerateResult, ModelClient, ScoreRequest, ScoreResult, Usage } from "../types.js";
import { wrapClient } from "./wrap.js";

export interface TelemetryOptions {
  /** gen_ai.provider.name (also written as the older gen_ai.system): "openai", "llama.cpp", "dln.sim". */
  provider: string;
  /** gen_ai.request.model: the model as configured (environment expanded). */
  model: string;
  /** gen_ai.operation.name of a generate request: "chat" or "text_completion". */
  operation: "chat" | "text_completion";
  /** dln.model: the model's name in the network. */
  name?: string;
}

export function withTelemetry(inner: ModelClient, options: TelemetryOptions): ModelClient {
  const common = (operation: string, kind: "generate" | "score"): Attributes => ({
    "gen_ai.operation.name": operation,
    "gen_ai.provider.name": options.provider,
    "gen_ai.system": options.provider,
    "gen_ai.request.model": options.model,
    "dln.request.kind": kind,
    ...(options.name !== undefined ? { "dln.model": options.name } : {}),
  });
  const generateSpan = (r: GenerateRequest): Span => {
    const attributes: Attributes = common(options.operation, "generate");
    if (r.maxTokens !== undefined) attributes["gen_ai.request.max_tokens"] = r.maxTokens;
    if (r.temperature !== undefined) attributes["gen_ai.request.temperature"] = r.temperature;
    if (r.stop?.length) attributes["gen_ai.request.stop_sequences"] = r.stop;
    if (r.seed !== undefined) attributes["gen_ai.request.seed"] = r.seed;
    if (r.n !== undefined && r.n !== 1) attributes["gen_ai.request.choice.count"] = r.n;
    if (r.topLogprobs) attributes["dln.request.top_logprobs"] = r.topLogprobs;
    return startSpan(`${options.operation} ${options.model}`, attributes, { kind: SpanKind.CLIENT });
  };
  const scoreSpan = (_r: ScoreRequest): Span => startSpan(`text_completion ${options.model}`, common("text_completion", "score"), { kind: SpanKind.CLIENT });
  const finish = (span: Span, usage: Usage, finishReasons?: string[]): void => {
    span.setAttributes({
      "gen_ai.usage.input_tokens": usage.promptTokens,
      "gen_ai.usage.output_tokens": usage.completionTokens,
      "dln.cache_hit": usage.cacheHits > 0 && usage.requests === 0,
    });
    if (usage.cost > 0) span.setAttribute("dln.usage.cost", usage.cost);
    if (finishReasons?.length) span.setAttribute("gen_ai.response.finish_reasons", finishReasons);
    endSpan(span);
  };
  const reasons = (r: GenerateResult): string[] => r.completions.map((c) => c.finishReason).filter((f): f is string => typeof f === "string");

  async function traced<Q, R>(requests: Q[], open: (q: Q) => Span, call: () => Promise<R[]>, close: (span: Span, result: R) => void): Promise<R[]> {
    const spans = requests.map(open);
    let results: R[];
    try {
      results = await call();
    } catch (err) {
      for (const span of spans) endSpan(span, err);
      throw err;
    }
    spans.forEach((span, i) => {
      const result = results[i];
      // A provider gives one result per request; a missing one (its caller gets no result) ends its span bare.
      if (result === undefined) endSpan(span);
      else close(span, result);
    });
    return results;
  }
  async function tracedOne<Q, R>(request: Q, open: (q: Q) => Span, call: () => Promise<R>, close: (span: Span, result: R) => void): Promise<R> {
    const span = open(request);
    let result: R;
    try {
      result = await call();
    } catch (err) {
      endSpan(span, err);
      throw err;
    }
    close(span, result);
    return result;
  }
  const closeGenerate = (span: Span, r: GenerateResult): void => finish(span, r.usage, reasons(r));
  const closeScore = (span: Span, r: ScoreResult): void => finish(span, r.usage);

  const generateBatch = inner.generateBatch?.bind(inner);
  const scoreBatch = inner.scoreBatch?.bind(inner);
  return wrapClient(inner, {
    generate: (r) => tracedOne(r, generateSpan, () => inner.generate(r), closeGenerate),
    score: (r) => tracedOne(r, scoreSpan, () => inner.score(r), closeScore),
    generateBatch: generateBatch && ((rs) => traced(rs, generateSpan, () => generateBatch(rs), closeGenerate)),
    scoreBatch: scoreBatch && ((rs) => traced(rs, scoreSpan, () => scoreBatch(rs), closeScore)),
  });
}

/** The conventions' provider name for a dln provider. */
export function telemetryProvider(provider: string): string {
  return provider === "llama" ? "llama.cpp" : provider === "sim" ? "dln.sim" : provider;
}
