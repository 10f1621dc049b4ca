/**
 * Exact teacher-forced scoring: log p(target | context) token by token, from the full softmax
 * llama.cpp returns at each position that predicts a target token.
 */
import type { LlamaModel } from "node-llama-cpp";
import type { TopLogprob } from "../types.js";
import { DlnError } from "../../util/errors.js";
import { noOutput } from "./llama-errors.js";
import { logprobOf } from "./llama-sampling.js";
import type { LlamaSequenceRunner } from "./llama-sequence.js";
import { tokenTexts, type ScorePlan } from "./llama-tokens.js";

/**
 * Evaluates `plan.tokens` minus the last (no position predicts past the target), asking for
 * the distribution at each position from the context's last token on. The sequence keeps the
 * context's KV state, so a next target of T tokens on the same context costs T evaluations.
 */
export async function scoreTarget(runner: LlamaSequenceRunner, model: LlamaModel, plan: ScorePlan): Promise<TopLogprob[]> {
  const targetTokens = plan.tokens.slice(plan.targetStart);
  if (targetTokens.length === 0) return [];
  const outputs = await runner.evaluate(plan.tokens.slice(0, -1), plan.targetStart - 1, { probabilities: true });
  const texts = tokenTexts(model, targetTokens, plan.tokens.slice(0, plan.targetStart));
  return targetTokens.map((token, i) => {
    const probabilities = outputs[i]?.next.probabilities;
    const text = texts[i]; // tokenTexts gives one text per target token
    if (!probabilities) throw noOutput(`no distribution for target token ${i}`);
    if (text === undefined) throw new DlnError("E_INTERNAL", `llama: no text for target token ${i} of ${texts.length}`);
    return { token: text, logprob: logprobOf(probabilities.get(token)) };
  });
}
