import { describe, expect, it } from "vitest";
import { slips } from "../../src/sim/inputs.js";
import { generateTask, SIM_TASKS, TASKS } from "../../src/sim/tasks.js";
import { accuracy1, accuracy2, answer, classifyPrompt, client, firstWord, meanLabelScore, residualPrompt, thinkPrompt } from "./helpers.js";
import { key, only } from "../helpers/indexing.js";

const VAGUE = "Answer the question.";
const allRules = (task: string): string => key(TASKS, task).rules.join(" ");

describe("the tasks world: forward layers", () => {
  it("answers a rule-stating prompt far better than a vague one, and partial rules in between", async () => {
    const model = client();
    const dev = generateTask("animals", { seed: 21, n: 60 });
    const vague = await accuracy1(model, VAGUE, dev);
    const partial = await accuracy1(model, key(TASKS, "animals").rules.slice(0, 2).join(" "), dev);
    const full = await accuracy1(model, allRules("animals"), dev);
    expect(vague).toBeLessThan(0.45);
    expect(full).toBeGreaterThan(0.9);
    expect(partial).toBeGreaterThan(vague + 0.1);
    expect(partial).toBeLessThan(full - 0.2);
  });

  // What the world is built to do (docs/simulator.md, src/sim/inputs.ts `slips`): stating the rules
  // to a direct layer makes the gold label likelier on every input the model reads right; on a
  // task that needs an intermediate step it miscounts a share 1 − directSkill (0.35) of the inputs
  // when it answers directly, and there the rules' votes go to the wrong label, so the gold label
  // gets LESS likely. So per input, not on average: the mean gain on navigate/coins is small and
  // its sign depends on the sample (over 16 data seeds × 30 inputs it ranged −0.46…0.85 and was
  // below 0.2 on 4–10 of them, with the simulator's old generator and with `Rng` alike,
  // measured on 2026-11-29). Per input the gains are fixed by the design:
  // +0.87…+2.25 nats read right, −1.33…−0.93 miscounted (0.46 of each is the stated format).
  it("scores the gold label higher after a prompt that states the rules on every input it reads right, and lower on the inputs it miscounts", async () => {
    const model = client();
    for (const name of Object.keys(TASKS)) {
      const task = key(SIM_TASKS, name);
      const gains = { read: [] as number[], miscounted: [] as number[] };
      for (const s of generateTask(name, { seed: 22, n: 30 })) {
        const gain = (await meanLabelScore(model, allRules(name), [s])) - (await meanLabelScore(model, VAGUE, [s]));
        (slips(0, task, s.x) ? gains.miscounted : gains.read).push(gain);
      }
      for (const g of gains.read) expect(g, name).toBeGreaterThan(0.5);
      for (const g of gains.miscounted) expect(g, name).toBeLessThan(-0.5);
      if (task.info.needsIntermediate) {
        expect(gains.miscounted.length, name).toBeGreaterThan(0);
      } else {
        expect(gains.miscounted, name).toEqual([]);
        expect(gains.read.reduce((a, g) => a + g, 0) / gains.read.length, name).toBeGreaterThan(1);
      }
    }
  });

  it("states the right intermediate conclusion more often when the hidden prompt states the rules", async () => {
    const model = client();
    for (const name of ["navigate", "coins", "animals"]) {
      const dev = generateTask(name, { seed: 23, n: 20 });
      let vagueRight = 0;
      let goodRight = 0;
      for (const s of dev) {
        const truth = s.y;
        const conclusionOf = async (prompt: string): Promise<string> =>
          answer(model, residualPrompt(VAGUE, s.x, await answer(model, thinkPrompt(prompt, s.x))));
        if (firstWord(await conclusionOf("")) === truth) vagueRight++;
        if (firstWord(await conclusionOf(allRules(name))) === truth) goodRight++;
      }
      expect(goodRight).toBeGreaterThan(vagueRight + 5);
    }
  });

  it("makes think → residual beat one layer on a task that needs an intermediate step", async () => {
    const model = client();
    const dev = generateTask("navigate", { seed: 24, n: 60 });
    const oneLayer = await accuracy1(model, allRules("navigate"), dev);
    const twoLayersGood = await accuracy2(model, allRules("navigate"), VAGUE, dev);
    const twoLayersVague = await accuracy2(model, "", VAGUE, dev);
    expect(oneLayer).toBeGreaterThan(0.55);
    expect(twoLayersGood).toBeGreaterThan(oneLayer + 0.15);
    expect(twoLayersGood).toBeGreaterThan(twoLayersVague + 0.3);
  });

  it("reads a conclusion from the hidden text in the classify template too", async () => {
    const model = client();
    const s = only(generateTask("coins", { seed: 25, n: 1 }));
    const hidden = await answer(model, thinkPrompt(allRules("coins"), s.x));
    expect(firstWord(await answer(model, classifyPrompt(VAGUE, s.x, hidden)))).toBe(s.y);
  });

  it("answers a prompt it does not recognise without failing, plainly as a simulation", async () => {
    const model = client();
    expect(await answer(model, "What is the capital of France?")).toMatch(/simulated/);
    expect(["yes", "no"]).toContain(firstWord(await answer(model, "Is the sky blue? Answer yes or no.\n\nAnswer:")));
    const judged = await answer(model, "Pick the best.\n\nCandidate answers:\n1. no\n2. yes\n3. yes\n\nBest answer:");
    expect(firstWord(judged)).toBe("yes");
  });
});
