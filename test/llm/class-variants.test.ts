/** classesForToken remembers each class's verbalizer variants; a class given new verbalizers is read afresh. */
import { describe, expect, it } from "vitest";
import type { ClassDef } from "../../src/compile/types.js";
import { classesForToken, classProbsFromTop } from "../../src/llm/scoring.js";

describe("classesForToken with remembered variants", () => {
  it("gives the same answers on repeated calls and follows replaced verbalizers", () => {
    const classes = [
      { label: "yes", verbalizers: ["Yes"] },
      { label: "no", verbalizers: ["No"] },
    ] as ClassDef[];
    for (let k = 0; k < 3; k++) {
      expect(classesForToken(" YES", classes)).toEqual(["yes"]);
      expect(classesForToken("n", classes)).toEqual(["no"]);
      expect(classesForToken(" maybe", classes)).toEqual([]);
    }
    (classes[0] as { verbalizers: string[] }).verbalizers = ["Maybe"];
    expect(classesForToken(" maybe", classes)).toEqual(["yes"]);
    expect(classesForToken(" yes", classes)).toEqual([]);
    const probs = classProbsFromTop(
      [
        { token: " maybe", logprob: Math.log(0.6) },
        { token: " no", logprob: Math.log(0.2) },
      ],
      classes,
      "sum",
    );
    expect(probs.yes).toBeCloseTo(0.75);
  });
});
