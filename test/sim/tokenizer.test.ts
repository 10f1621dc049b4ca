import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tokenize } from "../../src/sim/tokenizer.js";

describe("sim tokenizer", () => {
  it("keeps the space before a word and splits punctuation", () => {
    expect(tokenize("It is a bird.")).toEqual(["It", " is", " a", " bird", "."]);
    expect(tokenize(' yes\n"""')).toEqual([" yes", "\n", '"', '"', '"']);
  });

  it("has leading-space and newline tokens like a GPT/llama BPE vocabulary", () => {
    expect(tokenize("step.\nI believe")).toEqual(["step", ".", "\n", "I", " believe"]);
    expect(tokenize("step. I believe")).toEqual(["step", ".", " I", " believe"]);
    expect(tokenize("step.I believe")).toEqual(["step", ".", "I", " believe"]);
    expect(tokenize("a\n\n\nb  c")).toEqual(["a", "\n\n", "\n", "b", " ", " c"]);
    expect(tokenize("Answer: yes")).toEqual(["Answer", ":", " yes"]);
  });

  it("always concatenates back to the original text", () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (s) => tokenize(s).join("") === s));
  });
});
