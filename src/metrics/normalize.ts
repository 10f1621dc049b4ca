/**
 * How a model's raw answer is cut down before it is compared with the gold. The modes match the
 * network file's `loss.normalize`.
 */
import { firstLine, firstWord } from "../text/answers.js";

export type NormalizeMode = "none" | "trim" | "lower" | "first_word" | "first_line";

export function normalizeAnswer(text: string, mode: NormalizeMode): string {
  switch (mode) {
    case "none":
      return text;
    case "trim":
      return text.trim();
    case "lower":
      return text.trim().toLowerCase();
    case "first_word":
      return firstWord(text);
    case "first_line":
      return firstLine(text);
  }
}

/**
 * The comparable core of an answer: lower case, whitespace collapsed, and punctuation, quotes and
 * brackets stripped from both ends, so `"(A)"`, `A.` and `a` are the same answer while `06/19/2017`
 * keeps its inner slashes.
 */
export function canonicalAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/\s+/g, " ")
    .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, "");
}

/** The text of a prediction of any type: strings as they are, numbers and booleans written out. */
export function predictionText(prediction: unknown): string | undefined {
  if (typeof prediction === "string") return prediction;
  if (typeof prediction === "number" && Number.isFinite(prediction)) return String(prediction);
  if (typeof prediction === "boolean") return String(prediction);
  if (prediction && typeof prediction === "object") {
    // A parsed JSON answer: use its `answer` field when it has one.
    const answer = (prediction as Record<string, unknown>).answer;
    if (typeof answer === "string" || typeof answer === "number") return String(answer);
  }
  return undefined;
}

/** The last number written in a text, as a number (`1,234.50` → 1234.5); undefined when there is none. */
export function lastNumber(text: string): number | undefined {
  const last = text.match(/-?\d[\d,]*(?:\.\d+)?|-?\.\d+/g)?.at(-1);
  if (last === undefined) return undefined;
  const value = Number(last.replace(/,/g, ""));
  return Number.isFinite(value) ? value : undefined;
}
