/**
 * Whether an answer is right, and summaries over many answers. The loss types are those of the
 * network file's `loss`: `exact_match`, `number_match`, `contains`.
 */
import type { LossSpec } from "../network/types.js";
import { canonicalAnswer, lastNumber, normalizeAnswer, predictionText, type NormalizeMode } from "./normalize.js";

/** The part of a network's `loss` the metrics need (a CompiledNetwork's `loss` is one). */
export interface LossLike {
  type: LossSpec["type"];
  normalize?: NormalizeMode;
}

/**
 * - `exact_match`: both sides normalised with `loss.normalize`, then compared case-insensitively
 *   without surrounding punctuation, quotes or brackets.
 * - `number_match`: the last number of the normalised prediction equals the last number of the gold.
 * - `contains`: the gold (canonical form) appears in the normalised prediction, ignoring case.
 * A missing prediction (a failed sample) is always wrong.
 */
export function isCorrect(prediction: unknown, gold: string, loss: LossLike): boolean {
  const text = predictionText(prediction);
  if (text === undefined) return false;
  const mode = loss.normalize ?? "none";
  const predicted = normalizeAnswer(text, mode);
  switch (loss.type) {
    case "exact_match":
      return canonicalAnswer(predicted) === canonicalAnswer(normalizeAnswer(gold, mode));
    case "number_match": {
      const want = lastNumber(gold);
      const got = lastNumber(predicted);
      return want !== undefined && got !== undefined && Math.abs(want - got) <= 1e-9 * Math.max(1, Math.abs(want));
    }
    case "contains": {
      const needle = canonicalAnswer(gold);
      return needle !== "" && predicted.toLowerCase().replace(/\s+/g, " ").includes(needle);
    }
  }
}

/** The fraction of predictions that are correct; 0 for no predictions. */
export function accuracy(preds: readonly unknown[], golds: readonly string[], loss: LossLike): number {
  checkLengths(preds, golds);
  if (golds.length === 0) return 0;
  let right = 0;
  golds.forEach((gold, i) => (right += isCorrect(preds[i], gold, loss) ? 1 : 0));
  return right / golds.length;
}

export interface ClassErrors {
  total: number;
  wrong: number;
  /** What the wrong answers were (their comparable form, or `(no answer)`) → how often. */
  confusions: Record<string, number>;
}

export const NO_ANSWER = "(no answer)";

/**
 * Errors per gold class. Classes are keyed by the gold as first written (golds that differ only in
 * case or surrounding punctuation are one class); a wrong answer is recorded under its
 * normalised, comparable form, cut to 40 characters.
 */
export function perClassErrors(preds: readonly unknown[], golds: readonly string[], loss: LossLike): Record<string, ClassErrors> {
  checkLengths(preds, golds);
  const mode = loss.normalize ?? "none";
  const keyOf = new Map<string, string>();
  const out: Record<string, ClassErrors> = {};
  golds.forEach((gold, i) => {
    const canon = canonicalAnswer(normalizeAnswer(gold, mode));
    const key = keyOf.get(canon) ?? gold.trim();
    keyOf.set(canon, key);
    const entry = (out[key] ??= { total: 0, wrong: 0, confusions: {} });
    entry.total += 1;
    if (isCorrect(preds[i], gold, loss)) return;
    entry.wrong += 1;
    const text = predictionText(preds[i]);
    const answer = text === undefined ? NO_ANSWER : canonicalAnswer(normalizeAnswer(text, mode)).slice(0, 40) || '""';
    entry.confusions[answer] = (entry.confusions[answer] ?? 0) + 1;
  });
  return out;
}

function checkLengths(preds: readonly unknown[], golds: readonly string[]): void {
  if (preds.length !== golds.length) {
    throw new RangeError(`${preds.length} predictions for ${golds.length} gold answers: they must pair up one to one`);
  }
}
