/**
 * Issue 11, "the simulator must be able to fail us": the places where a trainer that mistreats a
 * real model loses accuracy must cost it on the simulator too. Each test here failed on the
 * easy world (whitespace-blind scoring, sampling keyed by sampleKey, a generous proposer, one
 * layer enough for every task).
 */
import { describe, expect, it } from "vitest";
import { createSimClient } from "../../src/llm/providers/sim.js";
import type { ModelClient } from "../../src/llm/types.js";
import { understand } from "../../src/sim/rules.js";
import { generateTask, SIM_TASKS, TASKS } from "../../src/sim/tasks.js";
import { POSTERIOR_TEMPLATE, PROPOSE_STOP, PROPOSE_TEMPLATE, REWRITE_INSTRUCTIONS } from "../../src/templates/builtin.js";
import { renderTemplate } from "../../src/templates/render.js";
import { at, key, only } from "../helpers/indexing.js";
import { accuracy1, accuracy2, answer, classifyPrompt, firstWord, thinkPrompt } from "./helpers.js";

const hard = (seed = 0): ModelClient => createSimClient({ world: "tasks-hard", seed });
const total = (r: { tokens: { logprob: number }[] }): number => r.tokens.reduce((a, t) => a + t.logprob, 0);
const rules = (task: string): string[] => key(TASKS, task).rules.slice(0, -1);

/** Every subset of a list. */
const subsets = <T>(xs: T[]): T[][] => xs.reduce<T[][]>((acc, x) => acc.concat(acc.map((s) => [...s, x])), [[]]);

describe("scoring sees the exact tokens", () => {
  it("a hidden target glued to its context scores worse than the text as the model generated it, and ignores the prompt", async () => {
    for (const model of [createSimClient(), hard()]) {
      const s = only(generateTask("navigate", { seed: 40, n: 1 }));
      const good = thinkPrompt(rules("navigate").join(" "), s.x);
      const generated = await answer(model, good);
      expect(generated).toMatch(/^[\n ]\S/); // "\nNorth …" or " North …", as a completion model writes it
      const thought = generated.trimStart();
      const asGenerated = total(await model.score({ context: good, target: generated }));
      const onItsOwnLine = total(await model.score({ context: good, target: "\n" + thought }));
      const afterSpace = total(await model.score({ context: good, target: " " + thought }));
      const glued = total(await model.score({ context: good, target: thought })); // "step.North …"
      expect(asGenerated).toBeGreaterThan(Math.log(0.2));
      expect(Math.min(onItsOwnLine, afterSpace)).toBeGreaterThan(glued + 20);
      // The score of a fixed hidden target changes when the candidate prompt changes …
      const vague = thinkPrompt("Read the question.", s.x);
      expect(total(await model.score({ context: vague, target: "\n" + thought }))).toBeLessThan(onItsOwnLine - 1);
      // … unless it is glued: then every candidate prompt gets the same score (issue 11's symptom).
      expect(total(await model.score({ context: vague, target: thought }))).toBe(glued);
    }
  });

  it('a class answer glued to `Answer:` scores far below " yes", and "yes" is likely on the next line', async () => {
    const model = hard();
    const s = only(generateTask("coins", { seed: 41, n: 1 }));
    const context = classifyPrompt(key(TASKS, "coins").rules.join(" "), s.x);
    const spaced = total(await model.score({ context, target: ` ${s.y}` }));
    expect(total(await model.score({ context, target: s.y }))).toBeLessThan(spaced - 5);
    expect(total(await model.score({ context: context + "\n", target: s.y }))).toBeGreaterThan(Math.log(0.2));
    const top = at(at((await model.generate({ prompt: context, maxTokens: 1, topLogprobs: 5 })).completions, 0).tokens!, 0).top!;
    expect(at(top, 0).token).toMatch(/^ (yes|no)$/);
  });
});

describe("sampling like a seeded server", () => {
  it("J identical posterior requests give one text; n or seeds give J different samples at T=0.7", async () => {
    const model = hard();
    const s = only(generateTask("navigate", { seed: 42, n: 1 }));
    const prompt = renderTemplate(POSTERIOR_TEMPLATE, { input: s.x, prompt: "Read the question.", output: " We follow the moves.", target: s.y });
    const J = 6;
    const identical = await Promise.all(Array.from({ length: J }, (_x, j) => model.generate({ prompt, temperature: 0.7, sampleKey: `p/${j}` })));
    expect(new Set(identical.map((r) => at(r.completions, 0).text)).size).toBe(1);
    const withN = (await model.generate({ prompt, temperature: 0.7, n: J })).completions.map((c) => c.text);
    expect(new Set(withN).size).toBeGreaterThan(1);
    const seeded = await Promise.all(Array.from({ length: J }, (_x, j) => model.generate({ prompt, temperature: 0.7, seed: j })));
    expect(new Set(seeded.map((r) => at(r.completions, 0).text)).size).toBeGreaterThan(1);
  });
});

describe("noisy backward passes (tasks-hard)", () => {
  // The share of better (or worse) proposals depends on the batch the request shows and on the dev
  // set, and each proposal is a draw: from ONE batch of 8 the "better" share ranged 0.13…0.50 (mean
  // 0.28 with the simulator's old generator, 0.33 with `Rng`; the old single-batch test held on
  // 10/12 and 8/12 batches). So the proposals of six batches (240) are pooled against one dev set. Measured on
  // 2026-11-29 over 10 dev sets, with either generator:
  // better 0.13…0.36 (mean 0.30–0.33), worse 0.12…0.38 (mean 0.18; by design ≈ 0.17 drop a rule or
  // the format at T = 0.7).
  it("most proposals are no better than their parent, and some are worse", async () => {
    const model = hard();
    const task = key(SIM_TASKS, "animals");
    const dev = generateTask("animals", { seed: 43, n: 40 });
    const parent = `${task.header} ${at(key(TASKS, "animals").rules, 0)} Answer with exactly one word: mammal, bird, fish or reptile.`;
    const proposals: string[] = [];
    for (const seed of [44, 54, 64, 74, 84, 94]) {
      const examples = [];
      for (const s of generateTask("animals", { seed, n: 8 })) {
        const output = (await answer(model, classifyPrompt(parent, s.x))).trim();
        examples.push({ input: s.x, output, target: s.y, correct: firstWord(output) === s.y });
      }
      expect(examples.some((e) => !e.correct)).toBe(true);
      const request = renderTemplate(PROPOSE_TEMPLATE, { prompt: parent, memory: [], examples, instruction: REWRITE_INSTRUCTIONS[0] });
      proposals.push(...(await model.generate({ prompt: request, temperature: 0.7, stop: PROPOSE_STOP, n: 40 })).completions.map((c) => c.text.trim()));
    }
    const base = await accuracy1(model, parent, dev);
    const accuracies = new Map<string, number>();
    for (const p of new Set(proposals)) accuracies.set(p, await accuracy1(model, p, dev));
    const better = proposals.filter((p) => accuracies.get(p)! > base + 0.02).length / proposals.length;
    const worse = proposals.filter((p) => accuracies.get(p)! < base - 0.02).length / proposals.length;
    expect(better).toBeGreaterThan(0.05); // the optimizer has something to find …
    expect(better).toBeLessThan(0.5); // … but most proposals are no better,
    expect(worse).toBeGreaterThan(0.08); // and some are worse (a misleading rule, a rule or the format lost).
    expect(proposals.some((p) => understand(task, p).misleading.length > 0)).toBe(true);
    expect(proposals.some((p) => !understand(task, p).format)).toBe(true);
  });

  it("posterior samples only sometimes carry the missing intermediate step", async () => {
    const model = hard();
    const task = key(SIM_TASKS, "navigate");
    let withStep = 0;
    let count = 0;
    for (const s of generateTask("navigate", { seed: 45, n: 10 })) {
      const prompt = renderTemplate(POSTERIOR_TEMPLATE, { input: s.x, prompt: "Read the question.", output: " We follow the moves.", target: s.y });
      for (const c of (await model.generate({ prompt, temperature: 0.7, n: 8 })).completions) {
        count++;
        if (task.hasStep(c.text) && task.readConclusion(c.text) === s.y) withStep++;
      }
    }
    expect(withStep / count).toBeGreaterThan(0.15);
    expect(withStep / count).toBeLessThan(0.75);
  });

  it("the original DLN's posterior form (the forward template with the answer as a hint) gives hidden-layer text that leans to the hint", async () => {
    const model = hard();
    const s = only(generateTask("coins", { seed: 46, n: 1 }));
    const other = s.y === "yes" ? "no" : "yes";
    const hinted = (y: string) => `${s.x}\n\nGiven that the answer is:\n${y}\n\nRead the question. Let's think step by step.`;
    for (const y of [s.y, other]) {
      const texts = (await model.generate({ prompt: hinted(y), temperature: 0.7, n: 30 })).completions.map((c) => c.text);
      const toward = texts.filter((t) => key(SIM_TASKS, "coins").readConclusion(t) === y).length;
      const away = texts.filter((t) => key(SIM_TASKS, "coins").readConclusion(t) === (y === "yes" ? "no" : "yes")).length;
      expect(toward).toBeGreaterThan(2 * away);
      // The texts are of the hidden layer's own kind: likely under its forward prompt (without the hint).
      const stepText = texts.find((t) => key(SIM_TASKS, "coins").hasStep(t) && /^[\n ]/.test(t));
      expect(stepText).toBeDefined();
      expect(total(await model.score({ context: thinkPrompt("Read the question.", s.x), target: stepText! }))).toBeGreaterThan(Math.log(0.01));
    }
  });
});

describe("multi-step tasks (tasks-hard)", () => {
  it("one layer cannot reach the answer with any rule set; a thinking layer plus an answer layer can", async () => {
    const model = hard();
    for (const name of ["navigate", "coins"]) {
      const dev = generateTask(name, { seed: 47, n: 60 });
      const task = key(SIM_TASKS, name);
      const stated = [...task.rules, ...task.misleading].map((r) => r.statement);
      let bestOneLayer = 0;
      for (const subset of subsets(stated)) {
        bestOneLayer = Math.max(bestOneLayer, await accuracy1(model, [...subset, task.format.statement].join(" "), dev));
      }
      const twoLayers = await accuracy2(model, rules(name).join(" "), task.format.statement, dev);
      expect(bestOneLayer).toBeLessThan(0.7);
      expect(twoLayers).toBeGreaterThan(0.8);
      expect(twoLayers).toBeGreaterThan(bestOneLayer + 0.2);
    }
  });

  it("a hidden layer needs every rule: with one of two, accuracy does not move (the optimizer must find both)", async () => {
    const model = hard();
    const dev = generateTask("navigate", { seed: 48, n: 60 });
    const navigate = key(SIM_TASKS, "navigate");
    const out = navigate.format.statement;
    const initial = await accuracy2(model, "Read the question.", out, dev);
    const oneRule = await accuracy2(model, at(rules("navigate"), 0), out, dev);
    const both = await accuracy2(model, rules("navigate").join(" "), out, dev);
    expect(initial).toBeLessThan(0.65);
    expect(oneRule).toBeLessThan(0.65);
    expect(both).toBeGreaterThan(initial + 0.3);
    // Yet one rule already makes the right step likelier, which candidate scoring can see.
    const s = at(dev, 0);
    const step = "\n" + navigate.reasoning(navigate.parse(new RegExp(navigate.inputPattern.source).exec(s.x)!), s.y).trim();
    const prior = async (prompt: string) => total(await model.score({ context: thinkPrompt(prompt, s.x), target: step }));
    expect(await prior(at(rules("navigate"), 0))).toBeGreaterThan((await prior("Read the question.")) + 1);
    expect(await prior(rules("navigate").join(" "))).toBeGreaterThan((await prior(at(rules("navigate"), 0))) + 0.5);
  });
});
