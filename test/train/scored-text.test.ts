/**
 * Score what the model wrote (issue 11, item 1): a hidden target is scored after its context with
 * the separator the layer's forward generation used, and the forward value as its raw text, never
 * trimmed and glued to the context ("…step by step.I believe…").
 */
import { describe, expect, it } from "vitest";
import { TASKS } from "../../src/sim/tasks.js";
import { scoreClasses, targetLogLikelihood } from "../../src/llm/scoring.js";
import { createSimClient } from "../../src/llm/providers/sim.js";
import { generateTask } from "../../src/sim/tasks.js";
import { renderTemplate } from "../../src/templates/render.js";
import { FORWARD_TEMPLATES } from "../../src/templates/builtin.js";
import { scoredText } from "../../src/train/dln-vi/scored-text.js";
import { createTrainServices } from "../../src/train/services.js";
import { train } from "../../src/train/trainer.js";
import type { TrainEvent } from "../../src/train/events.js";
import { lastValueFrom, toArray } from "rxjs";
import { dln2, setup, splits } from "./helpers.js";
import { at, key, only } from "../helpers/indexing.js";

const CUE = "Let's think step by step.";

describe("scoredText", () => {
  it("scores the forward value as the raw text the model wrote", () => {
    expect(scoredText("I believe so.", "I believe so.", "\nI believe so.\n")).toBe("\nI believe so.\n");
  });
  it("gives any other text the forward generation's leading whitespace", () => {
    expect(scoredText("Other thought.", "I believe so.", " I believe so.")).toBe(" Other thought.");
    expect(scoredText("  Other thought.", "I believe so.", "\n\nI believe so.")).toBe("\n\nOther thought.");
    expect(scoredText("Other thought.", "I.", "I.")).toBe("Other thought.");
  });
  it("puts the text on its own line when the forward text is unknown or blank", () => {
    expect(scoredText("Other thought.", "I.", undefined)).toBe("\nOther thought.");
    expect(scoredText("Other thought.", "", "  ")).toBe("\nOther thought.");
  });
});

describe("the trainer scores hidden targets as the model wrote them", () => {
  it("sends every hidden target with the forward generation's separator, and forward values raw", async () => {
    const spec = { ...dln2(key(TASKS, "navigate").labels), models: { sim: { provider: "sim" as const, model: "tasks-hard" } } };
    const { network, config, registry } = setup(spec, { iterations: 1, batchSize: 6, promptSamples: 3, hiddenSamples: 3, valEvery: 1, seed: 5 });
    const scored: Array<{ context: string; target: string }> = [];
    const services = createTrainServices(network, registry, {
      scoring: config.scoring,
      burnIn: config.burnIn,
      scoringFunctions: {
        scoreClasses,
        targetLogLikelihood: (client, context, target, o) => {
          scored.push({ context, target });
          return targetLogLikelihood(client, context, target, o);
        },
      },
    });
    const run = train(network, splits("navigate", { train: 12, dev: 4, test: 4 }), { config, services });
    const events: TrainEvent[] = await lastValueFrom(run.events$.pipe(toArray()));
    const hidden = scored.filter((s) => s.context.endsWith(CUE));
    expect(hidden.length).toBeGreaterThan(10);
    // The sim's thinking layer begins every thought with "\n" or " " (like a completion model).
    for (const s of hidden) expect(s.target, JSON.stringify(s.target.slice(0, 30))).toMatch(/^[ \n]\S/);
    expect(events.some((e) => e.type === "candidates" && e.param === "h1")).toBe(true);
  }, 60_000);
});

describe("the score of a fixed hidden target depends on the candidate prompt", () => {
  it("differs between two prompts, and the glued text scores differently from what the model wrote", async () => {
    const client = createSimClient({ world: "tasks-hard", seed: 0 });
    const example = only(generateTask("navigate", { seed: 4, n: 1 }));
    const context = (prompt: string) =>
      renderTemplate(key(FORWARD_TEMPLATES, "think").source, { prompt, from: [{ name: "x", value: example.x }], x: example.x });
    const weak = context("Think about it.");
    const strong = context(
      "Keep two totals: steps north minus steps south, and steps east minus steps west. You end where you started only when both totals are zero.",
    );
    const written = at((await client.generate({ prompt: strong, temperature: 0, maxTokens: 128 })).completions, 0).text;
    expect(written).toMatch(/^\s/);
    const [a, b] = [await targetLogLikelihood(client, weak, written), await targetLogLikelihood(client, strong, written)];
    expect(b).toBeGreaterThan(a + 0.01);
    // Trimmed and glued to the context, the same thought is a token sequence the model never wrote.
    expect(await targetLogLikelihood(client, strong, written.trim())).toBeLessThan(b - 0.01);
  });
});
