import { accuracy, isCorrect, perClassErrors, type ClassErrors, type LossLike } from "./accuracy.js";

/** What `dln eval` (and anything else that scores a split) reports about a set of answers. */
export interface AnswerSummary {
  examples: number;
  correct: number;
  accuracy: number;
  perClass: Record<string, ClassErrors>;
}

export function summarizeAnswers(preds: readonly unknown[], golds: readonly string[], loss: LossLike): AnswerSummary {
  const correct = golds.filter((gold, i) => isCorrect(preds[i], gold, loss)).length;
  return { examples: golds.length, correct, accuracy: accuracy(preds, golds, loss), perClass: perClassErrors(preds, golds, loss) };
}
