import { describe, expect, it } from "vitest";
import { accuracy, canonicalAnswer, isCorrect, lastNumber, normalizeAnswer, perClassErrors } from "../../src/metrics/index.js";

describe("normalizeAnswer", () => {
  const text = "  Yes, it does.\nBecause of the steps.  ";
  it.each([
    ["none", text],
    ["trim", "Yes, it does.\nBecause of the steps."],
    ["lower", "yes, it does.\nbecause of the steps."],
    ["first_word", "Yes"], // one first-word normaliser for parse and loss (src/text/answers.ts)
    ["first_line", "Yes, it does."],
  ] as const)("%s", (mode, expected) => {
    expect(normalizeAnswer(text, mode)).toBe(expected);
  });
  it("handles empty text", () => {
    expect(normalizeAnswer("   ", "first_word")).toBe("");
    expect(normalizeAnswer("\n\n", "first_line")).toBe("");
  });
});

describe("canonicalAnswer and lastNumber", () => {
  it("strips surrounding punctuation, quotes and brackets but not inner ones", () => {
    expect(canonicalAnswer("(A)")).toBe("a");
    expect(canonicalAnswer('"Positive."')).toBe("positive");
    expect(canonicalAnswer(" 06/19/2017. ")).toBe("06/19/2017");
  });
  it("finds the last number", () => {
    expect(lastNumber("She has 3 apples, then 1,250.50 dollars.")).toBe(1250.5);
    expect(lastNumber("owes -7")).toBe(-7);
    expect(lastNumber("none")).toBeUndefined();
  });
});

describe("isCorrect", () => {
  const exact = { type: "exact_match", normalize: "first_word" } as const;
  it("exact_match ignores case and surrounding punctuation", () => {
    expect(isCorrect("(A) rubber ship", "(A)", exact)).toBe(true);
    expect(isCorrect("A.", "(A)", exact)).toBe(true);
    expect(isCorrect("a", "A", exact)).toBe(true);
    expect(isCorrect("Yes, because", "yes", exact)).toBe(true);
    expect(isCorrect("(B)", "(A)", exact)).toBe(false);
    expect(isCorrect("Yesterday", "yes", exact)).toBe(false);
  });
  it("exact_match with normalize none compares the whole answer", () => {
    expect(isCorrect("  The answer is 5 ", "the answer is 5", { type: "exact_match", normalize: "none" })).toBe(true);
    expect(isCorrect("5", "the answer is 5", { type: "exact_match" })).toBe(false);
  });
  it("number_match compares the last numbers", () => {
    const num = { type: "number_match", normalize: "none" } as const;
    expect(isCorrect("3 + 4 = 7. The answer is 7.", "7", num)).toBe(true);
    expect(isCorrect("It costs $1,000.00", "1000", num)).toBe(true);
    expect(isCorrect("The answer is 8", "7", num)).toBe(false);
    expect(isCorrect("no idea", "7", num)).toBe(false);
  });
  it("contains looks for the gold anywhere, ignoring case", () => {
    const contains = { type: "contains", normalize: "none" } as const;
    expect(isCorrect("I think it is Paris, France", "paris", contains)).toBe(true);
    expect(isCorrect("London", "Paris", contains)).toBe(false);
  });
  it("a missing prediction is wrong; numbers and parsed answers are read", () => {
    expect(isCorrect(undefined, "a", exact)).toBe(false);
    expect(isCorrect(null, "a", exact)).toBe(false);
    expect(isCorrect(7, "7", { type: "number_match" })).toBe(true);
    expect(isCorrect({ answer: "B" }, "(B)", exact)).toBe(true);
  });
});

describe("accuracy and perClassErrors", () => {
  const loss = { type: "exact_match", normalize: "first_word" } as const;
  const preds = ["yes", "No.", "no", "maybe", undefined, "Yes"];
  const golds = ["yes", "no", "yes", "yes", "no", "Yes"];
  it("accuracy is the fraction right (3 of 6 by hand)", () => {
    expect(accuracy(preds, golds, loss)).toBe(0.5);
    expect(accuracy([], [], loss)).toBe(0);
    expect(() => accuracy(["a"], [], loss)).toThrow(/pair up/);
  });
  it("per-class errors count totals, wrong answers and what they were", () => {
    expect(perClassErrors(preds, golds, loss)).toEqual({
      yes: { total: 4, wrong: 2, confusions: { no: 1, maybe: 1 } },
      no: { total: 2, wrong: 1, confusions: { "(no answer)": 1 } },
    });
  });
});
