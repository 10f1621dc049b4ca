import { describe, expect, it } from "vitest";
import { matchClass as execMatchClass } from "../../src/exec/classify.js";
import { firstLine as execFirstLine, firstWord as execFirstWord, parseValue } from "../../src/exec/parse.js";
import { classesForToken as llmClassesForToken, firstWord as llmFirstWord } from "../../src/llm/scoring.js";
import { normalizeAnswer } from "../../src/metrics/normalize.js";
import { classesForToken, firstLine, firstWord, matchClass } from "../../src/text/answers.js";

const yesNo = [
  { label: "yes", verbalizers: ["yes", "true"] },
  { label: "no", verbalizers: ["no", "false", "not sure"] },
];

describe("one normaliser and one class matcher (src/text/answers.ts)", () => {
  it("is what parse, the loss and class scoring use", () => {
    expect(execFirstWord).toBe(firstWord);
    expect(execFirstLine).toBe(firstLine);
    expect(execMatchClass).toBe(matchClass);
    expect(llmClassesForToken).toBe(classesForToken);
  });

  it("cuts the first word the same way for parse, the loss and class scoring", () => {
    for (const text of ['  "(B)" is right', "Yes, it does.", "«No»!", "-5 apples", "   "]) {
      const word = firstWord(text);
      expect(parseValue(text, "first_word")).toBe(word);
      expect(normalizeAnswer(text, "first_word")).toBe(word);
      expect(llmFirstWord(text)).toBe(word.toLowerCase());
    }
    expect(firstWord("-5 apples")).toBe("-5");
    expect(normalizeAnswer("\r\n  Yes.\r\nNo", "first_line")).toBe("Yes.");
  });

  it("matches labels and verbalizers case-insensitively, for answers and for top-logprob tokens alike", () => {
    expect(matchClass("TRUE, obviously", yesNo)).toBe("yes");
    expect(matchClass("Not sure at all", yesNo)).toBe("no");
    expect(classesForToken(" tRUE", yesNo)).toEqual(["yes"]);
    expect(classesForToken(" fal", yesNo)).toEqual(["no"]);
    expect(classesForToken(" maybe", yesNo)).toEqual([]);
  });
});
