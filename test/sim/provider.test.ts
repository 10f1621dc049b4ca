import { describe, expect, it } from "vitest";
import { createSimClient, createSimProvider } from "../../src/llm/providers/sim.js";
import { AnswerDistribution } from "../../src/sim/distribution.js";
import { generateTask } from "../../src/sim/tasks.js";
import { createWorld } from "../../src/sim/worlds.js";
import { UnsupportedError } from "../../src/llm/errors.js";
import { AbortError } from "../../src/util/errors.js";
import { classifyPrompt } from "./helpers.js";
import { at, only } from "../helpers/indexing.js";

const sample = only(generateTask("animals", { seed: 11, n: 1 }));
const vaguePrompt = classifyPrompt("Answer the question.", sample.x);
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe("sim provider", () => {
  it("describes itself as a simulator with exact scoring", async () => {
    const model = await createSimProvider({ provider: "sim", model: "tasks" }, { baseDir: ".", env: {} });
    expect(model.id).toBe("sim:tasks");
    expect(await model.capabilities()).toEqual({ api: "completions", exactScoring: true, topLogprobs: 20, batching: 1 });
    expect(createSimClient({ seed: 3 }).id).toBe("sim:tasks@seed3");
  });

  it("pretends to be a vLLM server, OpenAI's legacy completions or a chat-only endpoint, honestly", async () => {
    const ctx = { baseDir: ".", env: {} };
    expect(await (await createSimProvider({ provider: "sim", model: "tasks-hard" }, ctx)).capabilities()).toEqual({
      api: "completions",
      exactScoring: true,
      topLogprobs: 20,
      batching: 1,
    });
    const openai = await createSimProvider({ provider: "sim", model: "tasks", api: "completions" }, ctx);
    expect(await openai.capabilities()).toEqual({ api: "completions", exactScoring: true, topLogprobs: 5, batching: 1 });
    expect(at(at((await openai.generate({ prompt: vaguePrompt, maxTokens: 1, topLogprobs: 5 })).completions, 0).tokens!, 0).top).toHaveLength(5);
    await expect(openai.generate({ prompt: vaguePrompt, maxTokens: 1, topLogprobs: 20 })).rejects.toThrow(/at most 5/);
    const chat = await createSimProvider({ provider: "sim", model: "tasks", api: "chat" }, ctx);
    expect(await chat.capabilities()).toEqual({ api: "chat", exactScoring: false, topLogprobs: 20, batching: 1 });
    await expect(chat.score({ context: vaguePrompt, target: " bird" })).rejects.toThrow(UnsupportedError);
    // A chat reply starts a new message: no leading whitespace; a completion continues the prompt.
    expect(at((await chat.generate({ prompt: vaguePrompt })).completions, 0).text).toMatch(/^\S/);
    expect(at((await createSimClient().generate({ prompt: vaguePrompt })).completions, 0).text).toMatch(/^\s/);
  });

  it("rejects an unknown world with a message naming the known ones", async () => {
    await expect(createSimProvider({ provider: "sim", model: "nope" }, { baseDir: ".", env: {} })).rejects.toThrow(UnsupportedError);
    await expect(createSimProvider({ provider: "sim", model: "nope" }, { baseDir: ".", env: {} })).rejects.toMatchObject({
      hint: expect.stringMatching(/tasks/),
    });
  });

  it("samples like a seeded server: identical requests give identical text, n and seeds give different texts", async () => {
    const model = createSimClient({ seed: 5 });
    const again = createSimClient({ seed: 5 });
    const request = { prompt: vaguePrompt, temperature: 0.7, n: 3 };
    expect(await model.generate(request)).toEqual(await again.generate(request));
    // Without n or seed: the same text every time, whatever the cache's sampleKey says (a server never sees it).
    const identical = new Set<string>();
    for (let k = 0; k < 10; k++) identical.add(at((await model.generate({ prompt: vaguePrompt, temperature: 0.7, sampleKey: k })).completions, 0).text);
    expect(identical.size).toBe(1);
    // With distinct seeds, or n choices in one request: different draws.
    const seeded = new Set<string>();
    for (let k = 0; k < 10; k++) seeded.add(at((await model.generate({ prompt: vaguePrompt, temperature: 0.7, seed: k })).completions, 0).text);
    expect(seeded.size).toBeGreaterThan(1);
    const choices = (await model.generate({ prompt: vaguePrompt, temperature: 0.7, n: 10 })).completions.map((c) => c.text);
    expect(choices).toHaveLength(10);
    expect(new Set(choices).size).toBeGreaterThan(1);
    const greedy = new Set<string>();
    for (let k = 0; k < 5; k++) greedy.add(at((await model.generate({ prompt: vaguePrompt, temperature: 0, seed: k })).completions, 0).text);
    expect(greedy.size).toBe(1);
  });

  it("scores every alternative at its probability, and the classes sum to at most 1", async () => {
    const model = createSimClient();
    const alternatives = new AnswerDistribution(createWorld("tasks", 0).answer({ prompt: vaguePrompt, temperature: 0 })).alternatives;
    expect(alternatives.length).toBeGreaterThan(4);
    for (const a of alternatives) {
      const scored = await model.score({ context: vaguePrompt, target: a.text });
      expect(Math.exp(sum(scored.tokens.map((t) => t.logprob)))).toBeCloseTo(a.p, 2);
    }
    let classMass = 0;
    for (const label of ["mammal", "bird", "fish", "reptile"]) {
      const scored = await model.score({ context: vaguePrompt, target: ` ${label}` });
      // Whitespace is part of the token: "bird" glued to "Answer:" is not what the model writes.
      const glued = await model.score({ context: vaguePrompt, target: label });
      expect(at(glued.tokens, 0).logprob).toBeLessThan(at(scored.tokens, 0).logprob - 5);
      // After "Answer:\n" (the original DLN's class prompt) the bare label is the likely token.
      const afterNewline = await model.score({ context: vaguePrompt + "\n", target: label });
      expect(at(afterNewline.tokens, 0).logprob).toBeGreaterThan(at(glued.tokens, 0).logprob + 5);
      classMass += Math.exp(at(scored.tokens, 0).logprob);
    }
    expect(classMass).toBeLessThanOrEqual(1);
    expect(classMass).toBeGreaterThan(0.5);
  });

  it("gives text the world never writes a finite, very low score", async () => {
    const scored = await createSimClient().score({ context: vaguePrompt, target: " a purple elephant" });
    expect(scored.tokens.map((t) => t.token)).toEqual([" a", " purple", " elephant"]);
    for (const t of scored.tokens) {
      expect(Number.isFinite(t.logprob)).toBe(true);
      expect(t.logprob).toBeLessThan(-5);
    }
  });

  it("returns first-token top logprobs that agree with the sampling distribution", async () => {
    const model = createSimClient();
    const result = await model.generate({ prompt: vaguePrompt, temperature: 0, topLogprobs: 20 });
    const top = at(at(result.completions, 0).tokens!, 0).top!;
    const classes = top.filter((t) => ["mammal", "bird", "fish", "reptile"].includes(t.token.trim()));
    expect(classes).toHaveLength(4);
    const z = sum(classes.map((c) => Math.exp(c.logprob)));
    // Sample many completions and compare class frequencies with the renormalised top logprobs.
    const counts = new Map<string, number>();
    const n = 300;
    for (let k = 0; k < n; k++) {
      const text = at((await model.generate({ prompt: vaguePrompt, temperature: 1, seed: k })).completions, 0).text;
      const label = /(mammal|bird|fish|reptile)/.exec(text)?.[1] ?? "none";
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
    for (const c of classes) expect((counts.get(c.token.trim()) ?? 0) / n).toBeCloseTo(Math.exp(c.logprob) / z, 1);
  });

  it("honours stop sequences and maxTokens, and counts usage", async () => {
    const model = createSimClient();
    const full = await model.generate({ prompt: "Hello there", temperature: 0 });
    expect(at(full.completions, 0).text).toContain("simulated");
    const stopped = await model.generate({ prompt: "Hello there", temperature: 0, stop: ["does not"] });
    expect(at(stopped.completions, 0).text).toBe(at(full.completions, 0).text.split("does not")[0]);
    expect(at(stopped.completions, 0).finishReason).toBe("stop");
    const short = await model.generate({ prompt: "Hello there", temperature: 0, maxTokens: 2 });
    expect(at(short.completions, 0).tokens).toHaveLength(2);
    expect(at(short.completions, 0).finishReason).toBe("length");
    expect(short.usage).toEqual({ requests: 1, promptTokens: 2, completionTokens: 2, cacheHits: 0, cost: 0 });
  });

  it("stops before an aborted request does any work", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(createSimClient().generate({ prompt: "x", signal: controller.signal })).rejects.toThrow(AbortError);
    await expect(createSimClient().score({ context: "x", target: "y", signal: controller.signal })).rejects.toThrow(AbortError);
  });
});
