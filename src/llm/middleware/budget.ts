/**
 * The budget guard: before a request is sent, the run's UsageMeter is asked whether its estimate
 * (prompt characters / 4, plus maxTokens · n for generation; one request; priced) fits under the
 * cap with what is spent and what is already in flight; if not, the request is refused with a
 * BudgetExceededError and nothing is sent. Requests already admitted finish and are metered. It
 * sits inside de-duplication and the cache (hits and joined requests cost nothing) and outside
 * the spent-usage layer (so a request's usage is recorded before its reservation is released).
 */
import { costOf, type Price, type UsageMeter } from "../usage.js";
import type { GenerateRequest, ModelClient, ScoreRequest } from "../types.js";
import { wrapClient } from "./wrap.js";

export interface BudgetGuardOptions {
  meter: UsageMeter;
  price?: Price;
  /** Completion tokens assumed when a request does not set maxTokens. Default 256. */
  defaultMaxTokens?: number;
}

const promptTokens = (text: string) => Math.ceil(text.length / 4);

export function withBudgetGuard(inner: ModelClient, options: BudgetGuardOptions): ModelClient {
  const estimate = (prompt: number, completion: number) => ({
    requests: 1,
    tokens: prompt + completion,
    cost: costOf({ promptTokens: prompt, completionTokens: completion }, options.price),
  });
  const gen = (r: GenerateRequest) => estimate(promptTokens(r.prompt), (r.maxTokens ?? options.defaultMaxTokens ?? 256) * Math.max(1, r.n ?? 1));
  const sc = (r: ScoreRequest) => estimate(promptTokens(r.context + r.target), 0);
  const guarded = async <T>(e: ReturnType<typeof estimate>, run: () => Promise<T>): Promise<T> => {
    const done = options.meter.admit(e, inner.id);
    try {
      return await run();
    } finally {
      done();
    }
  };
  const generateBatch = inner.generateBatch?.bind(inner);
  const scoreBatch = inner.scoreBatch?.bind(inner);
  return wrapClient(inner, {
    generate: (r) => guarded(gen(r), () => inner.generate(r)),
    score: (r) => guarded(sc(r), () => inner.score(r)),
    generateBatch: generateBatch && ((rs) => guarded(sumOf(rs.map(gen)), () => generateBatch(rs))),
    scoreBatch: scoreBatch && ((rs) => guarded(sumOf(rs.map(sc)), () => scoreBatch(rs))),
  });
}

function sumOf(es: Array<{ requests: number; tokens: number; cost: number }>) {
  return es.reduce((s, e) => ({ requests: 1, tokens: s.tokens + e.tokens, cost: s.cost + e.cost }), { requests: 1, tokens: 0, cost: 0 });
}
