import { describe, expect, it } from "vitest";
import { createSimClient } from "../../src/llm/providers/sim.js";
import { understand } from "../../src/sim/rules.js";
import { generateTask, SIM_TASKS, TASKS } from "../../src/sim/tasks.js";
import { POSTERIOR_TEMPLATE, PROPOSE_STOP, PROPOSE_TEMPLATE, REWRITE_INSTRUCTIONS } from "../../src/templates/builtin.js";
import { renderTemplate } from "../../src/templates/render.js";
import { at, key, only } from "../helpers/indexing.js";
import { answer, residualPrompt, thinkPrompt } from "./helpers.js";

const model = createSimClient({ seed: 1 });
const animals = key(SIM_TASKS, "animals");

/** A proposal request for the animals output layer: current prompt, examples with verdicts. */
function proposeRequest(prompt: string, rewrite: string, memory: string[] = []): { text: string; wrongRuleIds: Set<string> } {
  const samples = generateTask("animals", { seed: 31, n: 8 });
  const wrongRuleIds = new Set<string>();
  const examples = samples.map((s, i) => {
    const correct = i % 3 === 0;
    if (!correct) wrongRuleIds.add(animals.parse(new RegExp(animals.inputPattern.source).exec(s.x)!)!.deciding);
    const wrongLabel = key(TASKS, "animals").labels.find((l) => l !== s.y)!;
    return { input: s.x, output: correct ? s.y : wrongLabel, target: s.y, correct };
  });
  return { text: renderTemplate(PROPOSE_TEMPLATE, { prompt, memory, examples, instruction: rewrite }), wrongRuleIds };
}

async function proposals(text: string, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const r = await model.generate({ prompt: text, temperature: 0.7, stop: PROPOSE_STOP, maxTokens: 400, seed: k });
    out.push(at(r.completions, 0).text.trim());
  }
  return out;
}

describe("the tasks world: proposals", () => {
  it("states rules that explain the wrong examples at a reasonable rate, with some noise", async () => {
    const { text, wrongRuleIds } = proposeRequest("Answer the question.", at(REWRITE_INSTRUCTIONS, 0));
    const written = await proposals(text, 40);
    const addsMissingRule = written.filter((p) => understand(animals, p).rules.some((r) => wrongRuleIds.has(r.id)));
    expect(addsMissingRule.length / written.length).toBeGreaterThan(0.4);
    expect(addsMissingRule.length).toBeLessThan(written.length);
    expect(new Set(written).size).toBeGreaterThan(2);
    for (const p of written) expect(p).not.toContain('"""');
  });

  it("keeps the rules the current instruction already states (most of the time)", async () => {
    const current = "Decide what kind of animal it is. Animals with feathers are birds.";
    const { text } = proposeRequest(current, at(REWRITE_INSTRUCTIONS, 3));
    const written = await proposals(text, 30);
    const kept = written.filter((p) => understand(animals, p).rules.some((r) => r.id === "feathers"));
    expect(kept.length / written.length).toBeGreaterThan(0.75);
  });

  it("follows the flavour of the rewrite instruction loosely", async () => {
    const current = key(TASKS, "animals").rules.slice(0, 3).join(" ");
    const shortened = await proposals(proposeRequest(current, at(REWRITE_INSTRUCTIONS, 2)).text, 10);
    const clarified = await proposals(proposeRequest(current, at(REWRITE_INSTRUCTIONS, 0)).text, 10);
    const meanLength = (xs: string[]): number => xs.reduce((a, x) => a + x.length, 0) / xs.length;
    expect(meanLength(shortened)).toBeLessThan(meanLength(clarified));
    const withExamples = await proposals(proposeRequest(current, at(REWRITE_INSTRUCTIONS, 1)).text, 10);
    expect(withExamples.filter((p) => p.includes("For example")).length).toBeGreaterThan(5);
  });

  it("rewrites an instruction for examples it does not know, without failing", async () => {
    const text = renderTemplate(PROPOSE_TEMPLATE, {
      prompt: "Translate to French.",
      memory: [],
      examples: [{ input: "cat", output: "chien", target: "chat", correct: false }],
      instruction: REWRITE_INSTRUCTIONS[0],
    });
    expect(only(await proposals(text, 1))).toContain("Translate to French.");
  });
});

describe("the tasks world: posterior samples", () => {
  // By design (docs/simulator.md, `tasks`: posterior weights step 0.6, shortcut 0.1, vague 0.15,
  // opposite 0.15) a sample steers toward the target 70% of the time and away 15%: each sample is
  // a coin flip, so the rate is asserted over 120 of them, well inside its spread. Measured over
  // data seeds 32…47 (60 inputs × 2 targets each): toward 0.62…0.78 (mean 0.70), away ≤ 0.22
  // (mean 0.15), with the simulator's old generator and with `Rng` alike (measured on
  // 2026-11-29); with 20 inputs the old "> 0.7" held on
  // 6–9 of 16 seeds.
  it("writes intermediate text that steers the output layer toward the target", async () => {
    const samples = generateTask("navigate", { seed: 32, n: 60 });
    let towardTarget = 0;
    let awayFromTarget = 0;
    for (const s of samples) {
      // Ask for the wrong answer too: the posterior follows the target it is given.
      for (const target of ["yes", "no"]) {
        const forward = await answer(model, thinkPrompt("", s.x));
        const posteriorPrompt = renderTemplate(POSTERIOR_TEMPLATE, { input: s.x, prompt: "", output: forward.trim(), target });
        const hidden = at((await model.generate({ prompt: posteriorPrompt, temperature: 1, seed: 1 })).completions, 0).text;
        const scoreWith = async (h: string): Promise<number> =>
          at((await model.score({ context: residualPrompt("Answer the question.", s.x, h), target: ` ${target}` })).tokens, 0).logprob;
        const [withHidden, withForward] = [await scoreWith(hidden), await scoreWith(forward)];
        if (withHidden > withForward) towardTarget++;
        if (withHidden < withForward) awayFromTarget++;
      }
    }
    expect(towardTarget / 120).toBeGreaterThan(0.55);
    expect(awayFromTarget / 120).toBeLessThan(0.3);
  });

  it("writes the same words the hidden layer would, so the prior term is meaningful when scored as the layer writes it", async () => {
    const s = only(generateTask("animals", { seed: 33, n: 1 }));
    const rules = key(TASKS, "animals").rules.join(" ");
    const posteriorPrompt = renderTemplate(POSTERIOR_TEMPLATE, { input: s.x, prompt: rules, output: "", target: s.y });
    const hidden = at((await model.generate({ prompt: posteriorPrompt, temperature: 0 })).completions, 0).text;
    // The hidden layer writes its thought on a new line (or after a space) after "Let's think step by step.".
    const prior = (prompt: string, separator: string) => model.score({ context: thinkPrompt(prompt, s.x), target: separator + hidden.trim() });
    const sum = (r: { tokens: { logprob: number }[] }): number => r.tokens.reduce((a, t) => a + t.logprob, 0);
    for (const separator of ["\n", " "]) {
      expect(sum(await prior(rules, separator))).toBeGreaterThan(Math.log(0.3));
      expect(sum(await prior(rules, separator))).toBeGreaterThan(sum(await prior("", separator)) + 1);
    }
    // Glued to the cue ("step.The key feature …"): text the model never writes, scored as background,
    // far below, and the same whatever the prompt says.
    const glued = sum(await prior(rules, ""));
    expect(glued).toBeLessThan(sum(await prior(rules, "\n")) - 10);
    expect(glued).toBe(sum(await prior("", "")));
  });
});
