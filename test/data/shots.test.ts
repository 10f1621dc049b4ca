import { describe, expect, it } from "vitest";
import { compileNetwork, type CompiledNetwork } from "../../src/compile/index.js";
import { formatShots, promptsWithShots, type Example } from "../../src/data/index.js";
import { key } from "../helpers/indexing.js";

function compile(text: string): CompiledNetwork {
  const r = compileNetwork(text, { file: "n.json5" });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.network;
}

const shots: Example[] = [
  { id: "a", inputs: { x: "Is a whale a fish?" }, target: "no" },
  { id: "b", inputs: { x: "Is a robin a bird?" }, target: "yes" },
];

const TWO_LAYERS = `{ name: "t", models: { m: { provider: "sim", model: "tasks" } }, inputs: ["x"],
  nodes: { h: { type: "layer", from: ["x"], template: "think", prompt: "Think." },
           y: { type: "layer", from: ["x", "h"], template: "residual", prompt: "Answer yes or no." } },
  output: "y" }`;

describe("k-shot prompts", () => {
  it("formats demonstrations as Input/Answer blocks, or name: value lines for several inputs", () => {
    expect(formatShots(shots, ["x"])).toBe("Examples:\n\nInput: Is a whale a fish?\nAnswer: no\n\nInput: Is a robin a bird?\nAnswer: yes");
    const multi = [{ id: "m", inputs: { q: "Q", ctx: "C" }, target: "T" }];
    expect(formatShots(multi, ["q", "ctx"])).toBe("Examples:\n\nq: Q\nctx: C\nAnswer: T");
  });

  it("adds them after the output layer's prompt only, keeping other overrides", () => {
    const net = compile(TWO_LAYERS);
    const prompts = promptsWithShots(net, { h: "Trained hidden." }, shots);
    expect(prompts.h).toBe("Trained hidden.");
    expect(prompts.y).toBe(`Answer yes or no.\n\n${formatShots(shots, ["x"])}`);
    const trained = promptsWithShots(net, { y: "Trained output." }, shots);
    expect(key(trained, "y").startsWith("Trained output.\n\nExamples:")).toBe(true);
    expect(promptsWithShots(net, undefined, [])).toEqual({});
  });

  it("adds them to every member of an output ensemble", () => {
    const net = compile(`{ name: "e", models: { m: { provider: "sim", model: "tasks" } }, inputs: ["x"],
      nodes: { a: { type: "layer", from: ["x"], prompt: "A." }, b: { type: "layer", from: ["x"], prompt: "B." },
               v: { type: "ensemble", members: ["a", "b"], aggregate: "vote" } }, output: "v" }`);
    const prompts = promptsWithShots(net, undefined, shots);
    expect(Object.keys(prompts).sort()).toEqual(["a", "b"]);
    expect(key(prompts, "a").startsWith("A.\n\nExamples:")).toBe(true);
  });
});
