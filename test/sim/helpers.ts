/** Shared helpers for the simulator tests: render the built-in templates and run them on the sim client. */
import { createSimClient } from "../../src/llm/providers/sim.js";
import type { ModelClient } from "../../src/llm/types.js";
import { FORWARD_TEMPLATES } from "../../src/templates/builtin.js";
import { renderTemplate } from "../../src/templates/render.js";
import type { Sample } from "../../src/sim/tasks.js";
import { at, key } from "../helpers/indexing.js";

export const client = (seed = 0): ModelClient => createSimClient({ seed });

export function classifyPrompt(prompt: string, x: string, hidden?: string): string {
  const from = [{ name: "x", value: x }];
  if (hidden !== undefined) from.push({ name: "h1", value: hidden });
  return renderTemplate(key(FORWARD_TEMPLATES, "classify").source, { prompt, x, from });
}

export function residualPrompt(prompt: string, x: string, hidden: string): string {
  const from = [
    { name: "x", value: x },
    { name: "h1", value: hidden },
  ];
  return renderTemplate(key(FORWARD_TEMPLATES, "residual").source, { prompt, x, h1: hidden, from });
}

export function thinkPrompt(prompt: string, x: string): string {
  return renderTemplate(key(FORWARD_TEMPLATES, "think").source, { prompt, x, from: [{ name: "x", value: x }] });
}

/** First word, lower case, without punctuation: the `first_word` normalisation. */
export const firstWord = (text: string): string => (text.trim().split(/\s+/)[0] ?? "").toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");

export async function answer(model: ModelClient, prompt: string, temperature = 0, sampleKey?: string): Promise<string> {
  const r = await model.generate({ prompt, temperature, maxTokens: 64, sampleKey });
  return at(r.completions, 0).text;
}

/** Accuracy of a 1-layer classify network at temperature 0. */
export async function accuracy1(model: ModelClient, prompt: string, samples: Sample[]): Promise<number> {
  let right = 0;
  for (const s of samples) if (firstWord(await answer(model, classifyPrompt(prompt, s.x))) === s.y) right++;
  return right / samples.length;
}

/** Accuracy of think → residual at temperature 0. */
export async function accuracy2(model: ModelClient, hiddenPrompt: string, outputPrompt: string, samples: Sample[]): Promise<number> {
  let right = 0;
  for (const s of samples) {
    const h = await answer(model, thinkPrompt(hiddenPrompt, s.x));
    if (firstWord(await answer(model, residualPrompt(outputPrompt, s.x, h))) === s.y) right++;
  }
  return right / samples.length;
}

/** Mean over samples of the log-probability of the gold label after the classify prompt. */
export async function meanLabelScore(model: ModelClient, prompt: string, samples: Sample[]): Promise<number> {
  let total = 0;
  for (const s of samples) {
    const r = await model.score({ context: classifyPrompt(prompt, s.x), target: ` ${s.y}` });
    total += r.tokens.reduce((a, t) => a + t.logprob, 0);
  }
  return total / samples.length;
}
