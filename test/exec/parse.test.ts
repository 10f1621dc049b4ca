import { describe, expect, it } from "vitest";
import { firstLine, firstWord, parseValue } from "../../src/exec/parse.js";
import { matchClass } from "../../src/exec/classify.js";
import { aggregateEnsemble, majorityVote } from "../../src/exec/aggregateEnsemble.js";
import type { PlannedEnsemble } from "../../src/exec/execution-plan.js";

describe("parseValue", () => {
  const raw = "\n  Yes.  It is.\nSecond line\n";
  it("none keeps the text, trim trims", () => {
    expect(parseValue(raw, "none")).toBe(raw);
    expect(parseValue(raw, "trim")).toBe("Yes.  It is.\nSecond line");
  });
  it("first_line skips blank lines; first_word strips punctuation and quotes", () => {
    expect(parseValue(raw, "first_line")).toBe("Yes.  It is.");
    expect(parseValue(raw, "first_word")).toBe("Yes");
    expect(firstWord(' "(B)" is right')).toBe("B");
    expect(firstWord("   ")).toBe("");
    expect(firstLine("")).toBe("");
  });
  it("json reads the whole text, a fenced block, or the first object in chatter", () => {
    expect(parseValue('{"a": 1}', "json")).toEqual({ a: 1 });
    expect(parseValue("Here:\n```json\n[1, 2]\n```", "json")).toEqual([1, 2]);
    expect(parseValue('Sure! {"answer": "x"} Hope that helps', "json")).toEqual({ answer: "x" });
    expect(() => parseValue("no json here", "json", "h1")).toThrow(expect.objectContaining({ code: "E_PARSE", node: "h1" }));
  });
  it("regex takes the first group by default, a numbered or named group, and flags", () => {
    expect(parseValue("The answer is: 42.", { regex: "answer is: (\\d+)" })).toBe("42");
    expect(parseValue("The answer is: 42.", { regex: "\\d+" })).toBe("42");
    expect(parseValue("ANSWER: b", { regex: "answer: (?<letter>[a-d])", group: "letter", flags: "i" })).toBe("b");
    expect(parseValue("x=1 y=2", { regex: "x=(\\d) y=(\\d)", group: 2 })).toBe("2");
    expect(() => parseValue("nothing", { regex: "answer: (\\d)" }, "y")).toThrow(expect.objectContaining({ code: "E_PARSE", node: "y" }));
    expect(() => parseValue("x", { regex: "(" })).toThrow(expect.objectContaining({ code: "E_PARSE" }));
  });
});

describe("matchClass", () => {
  const classes = [
    { label: "yes", verbalizers: ["yes", "true"] },
    { label: "no", verbalizers: ["no", "false", "not at all"] },
  ];
  it("matches the whole answer, the first word, or the earliest verbalizer, ignoring case", () => {
    expect(matchClass("  TRUE ", classes)).toBe("yes");
    expect(matchClass("No, because…", classes)).toBe("no");
    expect(matchClass("I think the answer is false.", classes)).toBe("no");
    expect(matchClass("Not at all sure", classes)).toBe("no");
    expect(matchClass("nothing matches", classes)).toBeUndefined();
    expect(matchClass("yesterday", classes)).toBeUndefined();
  });
});

describe("majorityVote", () => {
  it("takes the majority, then class order, then member order", () => {
    expect(majorityVote(["a", "b", "b"])).toBe("b");
    expect(majorityVote(["b", "a"], ["a", "b"])).toBe("a");
    expect(majorityVote(["b", "a"])).toBe("b");
    expect(majorityVote([" Yes", "yes ", "no"])).toBe(" Yes");
    expect(majorityVote([])).toBeUndefined();
  });
});

describe("aggregateEnsemble", () => {
  it("mean: members whose class distributions are all empty give no value (not a crash)", () => {
    const ensemble = { id: "e", aggregate: "mean", memberCount: 2, classOrder: ["a", "b"], node: { members: ["m1", "m2"] } } as unknown as PlannedEnsemble;
    expect(aggregateEnsemble(ensemble, ["a", "b"], () => ({})).value).toBeUndefined();
    expect(aggregateEnsemble(ensemble, ["a", "b"], () => ({ a: 0.4, b: 0.6 })).value).toBe("b");
  });
});
