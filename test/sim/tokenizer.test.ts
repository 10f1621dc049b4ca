import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tokenize } from "../../src/sim/tokenizer.js";

describe("sim tokenizer", () => {
  it("keeps the space before a word and splits punctuation", () => {
    expect(tokenize("It is a bird.")).toEqual(["It", " is", " a", " bird", "."]);
    expect(tokenize(' yes\n"""')).toEqual([" yes", '\n"', '"', '"']);
  });

  it("always concatenates back to the original text", () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (s) => tokenize(s).join("") === s));
  });
});
