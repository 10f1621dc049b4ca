/**
 * A bare-bones DLN-1 loop written in the test (not the project's trainer): propose from a
 * minibatch, score candidates by the log-probability of the gold labels, keep the best. It shows
 * that the simulated world rewards what the trainer does, rather than scripting an outcome.
 */
import { describe, expect, it } from "vitest";
import { createSimClient } from "../../src/llm/providers/sim.js";
import { generateTask } from "../../src/sim/tasks.js";
import { PROPOSE_STOP, PROPOSE_TEMPLATE, REWRITE_INSTRUCTIONS } from "../../src/templates/builtin.js";
import { renderTemplate } from "../../src/templates/render.js";
import { accuracy1, answer, classifyPrompt, firstWord, meanLabelScore } from "./helpers.js";
import { at } from "../helpers/indexing.js";

describe("training on the simulated world", () => {
  it("a tiny propose-and-score loop raises dev accuracy from near chance", async () => {
    const model = createSimClient({ seed: 7 });
    const train = generateTask("animals", { seed: 100, n: 40 });
    const dev = generateTask("animals", { seed: 101, n: 40 });
    let prompt = "Answer the question.";
    const before = await accuracy1(model, prompt, dev);
    for (let iteration = 0; iteration < 5; iteration++) {
      const batch = train.slice(iteration * 8, iteration * 8 + 8);
      const examples = [];
      for (const s of batch) {
        const output = (await answer(model, classifyPrompt(prompt, s.x), 0.7, `fwd-${iteration}-${s.id}`)).trim();
        examples.push({ input: s.x, output, target: s.y, correct: firstWord(output) === s.y });
      }
      const candidates = [prompt];
      for (let k = 0; k < 4; k++) {
        const request = renderTemplate(PROPOSE_TEMPLATE, { prompt, memory: [], examples, instruction: REWRITE_INSTRUCTIONS[k] });
        const r = await model.generate({ prompt: request, temperature: 0.7, stop: PROPOSE_STOP, sampleKey: `${iteration}-${k}` });
        candidates.push(at(r.completions, 0).text.trim());
      }
      let best = { prompt, score: -Infinity };
      for (const c of candidates) {
        const score = await meanLabelScore(model, c, batch);
        if (score > best.score) best = { prompt: c, score };
      }
      prompt = best.prompt;
    }
    const after = await accuracy1(model, prompt, dev);
    expect(before).toBeLessThan(0.45);
    expect(after).toBeGreaterThan(before + 0.3);
  });
});
