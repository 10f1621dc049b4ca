import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { PAPER_TASKS, loadPaperTask, loadSplits, parsePaperDataRef, type Example } from "../../src/data/index.js";
import { goldLetter, gsm8kAnswer, optionLetter, parseLetteredOptions, shuffleOptions } from "../../src/data/paper/transforms.js";
import { Rng } from "../../src/util/random.js";
import { at, key } from "../helpers/indexing.js";

const dir = join(import.meta.dirname, "../fixtures/data/paper");
const ids = (list: Example[]) => list.map((e) => e.id);

describe("PAPER_TASKS", () => {
  it("lists the paper's tasks with labels, fields, loss and a source", () => {
    expect(Object.keys(PAPER_TASKS).sort()).toEqual([
      "airline",
      "date_understanding",
      "disaster",
      "gsm8k",
      "hyperbaton",
      "logical_deduction_seven_objects",
      "mpqa",
      "navigate",
      "subj",
      "trec",
    ]);
    expect(key(PAPER_TASKS, "hyperbaton").labels).toEqual(["A", "B"]);
    expect(key(PAPER_TASKS, "logical_deduction_seven_objects").labels).toHaveLength(7);
    expect(key(PAPER_TASKS, "navigate").labels).toEqual(["Yes", "No"]);
    expect(key(PAPER_TASKS, "disaster").labels).toEqual(["no", "yes"]);
    expect(key(PAPER_TASKS, "trec").labels).toEqual(["description", "entity", "expression", "human", "location", "number"]);
    expect(key(PAPER_TASKS, "gsm8k").loss.type).toBe("number_match");
    for (const task of Object.values(PAPER_TASKS)) expect(task.source).toMatch(/https:\/\/github\.com\//);
  });
});

describe("multiple-choice transforms", () => {
  const input = "Q?\nOptions:\n(A) one\n(B) two\n(C) three";
  it("reads option letters and lettered options", () => {
    expect(optionLetter("(C)")).toBe("C");
    expect(optionLetter("C")).toBe("C");
    expect(optionLetter("(CC)")).toBeUndefined();
    expect(parseLetteredOptions(input)?.options.map((o) => o.text)).toEqual(["one", "two", "three"]);
    expect(parseLetteredOptions("Q?\nOptions:\n- Yes\n- No")).toBeUndefined();
  });
  it("finds the gold letter from a letter or from an option's text", () => {
    expect(goldLetter(input, "(B)")).toBe("B");
    expect(goldLetter(input, "three")).toBe("C");
    expect(goldLetter(input, "(D)")).toBeUndefined();
    expect(goldLetter(input, "four")).toBeUndefined();
  });
  it("shuffling moves the gold letter with its option", () => {
    for (let seed = 0; seed < 10; seed++) {
      const s = shuffleOptions(input, "B", new Rng(seed));
      const options = parseLetteredOptions(s.input)!.options;
      expect(options.find((o) => o.letter === s.target)?.text).toBe("two");
      expect(options.map((o) => o.text).sort()).toEqual(["one", "three", "two"]);
      expect(s.input.startsWith("Q?\nOptions:\n(A) ")).toBe(true);
    }
  });
  it("reads the GSM8K answer after ####", () => {
    expect(gsm8kAnswer("so 3+4=7\n#### 7")).toBe("7");
    expect(gsm8kAnswer("#### 1,250")).toBe("1250");
    expect(gsm8kAnswer("#### -3.5")).toBe("-3.5");
    expect(gsm8kAnswer("7")).toBeUndefined();
  });
});

describe("loadPaperTask: BIG-Bench Hard", () => {
  it("hyperbaton: train/dev from bb_minus_bbh, test from bbh, letters as gold, bad golds reported", async () => {
    const s = await loadPaperTask("hyperbaton", dir, { inputs: ["x"], seed: 13 });
    expect(s.test).toHaveLength(4);
    expect(s.test.map((e) => e.target)).toEqual(["A", "B", "A", "B"]);
    expect(at(s.test, 0).inputs.x).toMatch(/^Which sentence has the correct adjective order:/);
    expect(s.train.length + s.dev.length).toBe(7);
    expect(ids(s.train).filter((id) => ids(s.dev).includes(id))).toEqual([]);
    for (const e of [...s.train, ...s.dev, ...s.test]) expect(["A", "B"]).toContain(e.target);
    expect(s.problems).toEqual([
      { file: join(dir, "bb_minus_bbh", "hyperbaton.json"), line: expect.any(Number), message: expect.stringMatching(/"old huge stone" is not one of A, B/) },
    ]);
    // the example whose gold was written as the option's text got the right letter
    const fine = [...s.train, ...s.dev].find((e) => key(e.inputs, "x").includes("fine small car"))!;
    expect(parseLetteredOptions(key(fine.inputs, "x"))!.options.find((o) => o.letter === fine.target)?.text).toBe("fine small car");
  });

  it("is reproducible for a seed; option shuffling can be turned off", async () => {
    const a = await loadPaperTask("hyperbaton", dir, { inputs: ["x"], seed: 1 });
    const b = await loadPaperTask("hyperbaton", dir, { inputs: ["x"], seed: 1 });
    expect(a).toEqual(b);
    const plain = await loadPaperTask("hyperbaton", dir, { inputs: ["x"], seed: 1, shuffleOptions: false });
    expect(plain.test).toEqual(a.test);
    for (const e of plain.train) {
      const original = key(e.inputs, "x").match(/\(A\) (.*)\n/)![1];
      expect([
        "lovely small old house",
        "green huge tree",
        "nice tall wooden door",
        "glass old lamp",
        "good big box",
        "red tiny ball",
        "fine small car",
      ]).toContain(original);
    }
  });

  it("navigate: Yes/No gold; without bb_minus_bbh the BBH file is split with the seed", async () => {
    const s = await loadPaperTask("navigate", dir, { inputs: ["q"], seed: 3 });
    expect(s.train.length + s.dev.length + s.test.length).toBe(7);
    for (const e of [...s.train, ...s.dev, ...s.test]) expect(["Yes", "No"]).toContain(e.target);
    expect(s.problems.map((p) => p.message)).toEqual([expect.stringMatching(/"Maybe" is not one of Yes, No/)]);
  });

  it("date_understanding: dev also holds the training examples, as in the original", async () => {
    const s = await loadPaperTask("date_understanding", dir, { inputs: ["x"], seed: 3 });
    expect(s.train).toHaveLength(2);
    expect(s.dev).toHaveLength(4);
    for (const e of s.train) expect(ids(s.dev)).toContain(e.id);
    expect(s.test.map((e) => e.target)).toEqual(["A", "A", "A"]);
  });

  it("logical deduction: seven option letters", async () => {
    const s = await loadPaperTask("logical_deduction_seven_objects", dir, { inputs: ["x"], seed: 3, shuffleOptions: false });
    const golds = [...s.train, ...s.dev, ...s.test].map((e) => e.target).sort();
    expect(golds).toEqual(["A", "B", "C", "D", "E", "F", "G"]);
  });
});

describe("loadPaperTask: NLU and GSM8K", () => {
  it("mpqa: the Ordered-Prompt files, label words, options appended, bad labels reported", async () => {
    const s = await loadPaperTask("mpqa", dir, { inputs: ["x"], seed: 1 });
    expect([s.train.length, s.dev.length, s.test.length]).toEqual([4, 2, 2]);
    expect(s.dev.map((e) => e.target)).toEqual(["negative", "positive"]);
    expect(at(s.dev, 0).inputs.x).toBe("bitter criticism\nOptions:\n- negative\n- positive");
    expect(s.problems).toEqual([{ file: join(dir, "ordered_prompt", "mpqa", "test.jsonl"), line: 3, message: expect.stringMatching(/label "7"/) }]);
    const bare = await loadPaperTask("mpqa", dir, { inputs: ["x"], seed: 1, appendOptions: false });
    expect(at(bare.dev, 0).inputs.x).toBe("bitter criticism");
  });

  it("trec: six label words", async () => {
    const s = await loadPaperTask("trec", dir, { inputs: ["x"], seed: 1 });
    expect(s.train.map((e) => e.target)).toEqual(["human", "location"]);
    expect(at(s.dev, 0).inputs.x).toMatch(/- description\n- entity\n- expression\n- human\n- location\n- number$/);
  });

  it("disaster: the Leopard file cut into train/dev/test with yes/no gold", async () => {
    const s = await loadPaperTask("disaster", dir, { inputs: ["tweet"], seed: 2 });
    expect([s.train.length, s.dev.length, s.test.length]).toEqual([4, 1, 1]);
    for (const e of [...s.train, ...s.dev, ...s.test]) expect(["yes", "no"]).toContain(e.target);
    const fire = [...s.train, ...s.dev, ...s.test].find((e) => key(e.inputs, "tweet").startsWith("Forest fire"))!;
    expect(fire.target).toBe("yes");
    const airline = await loadPaperTask("airline", dir, { inputs: ["tweet"], seed: 2 });
    expect([...airline.train, ...airline.dev, ...airline.test].map((e) => e.target).sort()).toEqual(["negative", "neutral", "positive"]);
  });

  it("gsm8k: question in, the number after #### as gold, caps apply", async () => {
    const s = await loadPaperTask("gsm8k", dir, { inputs: ["question"], seed: 1 });
    expect(s.test.map((e) => e.target)).toEqual(["42", "-3"]);
    expect(s.train.length + s.dev.length).toBe(4);
    expect([...s.train, ...s.dev].map((e) => e.target).sort()).toEqual(["1250", "16", "5", "7"]);
    expect(s.problems.map((p) => p.line)).toEqual([5]);
    const capped = await loadPaperTask("gsm8k", dir, { inputs: ["question"], seed: 1, caps: { test: 1 } });
    expect(capped.test).toHaveLength(1);
  });

  it("refuses unknown tasks and networks with several inputs", async () => {
    await expect(loadPaperTask("squad", dir, { inputs: ["x"], seed: 1 })).rejects.toThrow(/unknown paper task "squad"; known: hyperbaton/);
    await expect(loadPaperTask("mpqa", dir, { inputs: ["a", "b"], seed: 1 })).rejects.toThrow(/gives one input text/);
  });

  it("loadSplits reads `paper:<task>:<dir>`", async () => {
    expect(parsePaperDataRef("paper:navigate")).toEqual({ task: "navigate", dir: "data" });
    expect(parsePaperDataRef(`paper:navigate:${dir}`)).toEqual({ task: "navigate", dir });
    expect(parsePaperDataRef("data.jsonl")).toBeUndefined();
    const s = await loadSplits({ data: `paper:mpqa:${dir}`, inputs: ["x"], seed: 1 });
    expect(s.dev.map((e) => e.target)).toEqual(["negative", "positive"]);
  });
});
