/** Answer normalisation, correctness and accuracy summaries (docs/data.md, "Scoring answers"). */
export { normalizeAnswer, canonicalAnswer, predictionText, lastNumber, type NormalizeMode } from "./normalize.js";
export { isCorrect, accuracy, perClassErrors, NO_ANSWER, type ClassErrors, type LossLike } from "./accuracy.js";
export { summarizeAnswers, type AnswerSummary } from "./summary.js";
