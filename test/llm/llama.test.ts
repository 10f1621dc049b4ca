/**
 * The embedded llama.cpp provider against a tiny random-weight llama model the test writes
 * itself (test/helpers/gguf-writer.ts): real llama.cpp, no download, a few hundred tokens.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContextLengthError, isLLMError } from "../../src/llm/errors.js";
import { createLlamaClient, createLlamaProvider, type LlamaClient, type LlamaClientOptions } from "../../src/llm/providers/llama.js";
import { acquireModel } from "../../src/llm/providers/llama-runtime.js";
import { LlamaSequenceRunner } from "../../src/llm/providers/llama-sequence.js";
import { planScore } from "../../src/llm/providers/llama-tokens.js";
import type { ModelSpec } from "../../src/network/types.js";
import type { GenerateRequest, ScoreResult } from "../../src/llm/types.js";
import { writeTinyLlamaGguf, type TinyLlamaInfo } from "../helpers/gguf-writer.js";
import { at } from "../helpers/indexing.js";

let dir: string;
let info: TinyLlamaInfo;
const clients: LlamaClient[] = [];
const spec: ModelSpec = { provider: "llama", model: "./models/tiny.gguf", contextSize: 256, threads: 1 };

async function open(options: LlamaClientOptions = {}, overrides: Partial<ModelSpec> = {}): Promise<LlamaClient> {
  const client = await createLlamaClient({ ...spec, ...overrides }, { baseDir: dir, env: {} }, options);
  clients.push(client);
  return client;
}

const total = (r: ScoreResult): number => r.tokens.reduce((sum, t) => sum + t.logprob, 0);
const CONTEXT = "Q: is the cat a dog? A: the answer is";
const CLASSES = [" yes", " no", " true", " false"];

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "dln-llama-"));
  info = writeTinyLlamaGguf(path.join(dir, "models", "tiny.gguf"));
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close?.()));
  rmSync(dir, { recursive: true, force: true });
});

describe("tiny GGUF fixture", () => {
  it("is reproducible from its seed and small", () => {
    const a = writeTinyLlamaGguf(path.join(dir, "a.gguf"), { seed: 7 });
    const b = writeTinyLlamaGguf(path.join(dir, "b.gguf"), { seed: 7 });
    const c = writeTinyLlamaGguf(path.join(dir, "c.gguf"), { seed: 8 });
    expect(readFileSync(a.path).equals(readFileSync(b.path))).toBe(true);
    expect(readFileSync(a.path).equals(readFileSync(c.path))).toBe(false);
    expect(a.parameters).toBeGreaterThan(10_000);
    expect(a.parameters).toBeLessThan(100_000);
    expect(a.tokens.slice(0, 4)).toEqual(["<unk>", "<s>", "</s>", "<0x00>"]);
  });
});

describe("llama provider", () => {
  it("loads the model through the provider factory, with the cores available as threads", async () => {
    const client = (await createLlamaProvider({ provider: "llama", model: "./models/tiny.gguf", contextSize: 128 }, { baseDir: dir, env: {} })) as LlamaClient;
    clients.push(client);
    expect(client.id).toBe("llama:./models/tiny.gguf");
    expect(await client.capabilities()).toEqual({ api: "local", exactScoring: true, topLogprobs: 20, batching: 1 });
    // llama.cpp rounds the context up to its padding (256 tokens).
    expect(client.contextSize).toBeGreaterThanOrEqual(128);
    expect(client.contextSize).toBeLessThan(1024);
    expect(client.threads).toBe(os.availableParallelism());
    const explicit = await open({}, { threads: 1 });
    expect(explicit.threads).toBe(1);
  });

  it("gives next-token distributions over the whole vocabulary that sum to 1", async () => {
    const lease = await acquireModel(path.join(dir, "models", "tiny.gguf"), false, "test");
    const context = await lease.model.createContext({ contextSize: 64, threads: 1 });
    try {
      const runner = new LlamaSequenceRunner(context.getSequence(), true);
      const tokens = planScore(lease.model, CONTEXT, " yes", "test").tokens;
      const outputs = await runner.evaluate(tokens, 0, { probabilities: true });
      expect(outputs).toHaveLength(tokens.length);
      for (const output of outputs) {
        const probabilities = output.next.probabilities!;
        expect(probabilities.size).toBe(info.vocabSize);
        const sum = [...probabilities.values()].reduce((a, b) => a + b, 0);
        expect(Math.abs(sum - 1)).toBeLessThan(1e-4);
      }
    } finally {
      await context.dispose();
      await lease.release();
    }
  });

  it("scores a target as the sum of its per-position logprobs (chain rule across calls)", async () => {
    const client = await open();
    const both = await client.score({ context: CONTEXT, target: " yes no" });
    const first = await client.score({ context: CONTEXT, target: " yes" });
    const second = await client.score({ context: CONTEXT + " yes", target: " no" });
    expect(both.tokens.map((t) => t.token).join("")).toBe(" yes no");
    expect(both.tokens).toHaveLength(first.tokens.length + second.tokens.length);
    both.tokens.forEach((t) => expect(t.logprob).toBeLessThan(0));
    expect(total(both)).toBeCloseTo(total(first) + total(second), 4);
    // Per position, too: the joint score's tokens are the conditionals scored separately.
    const separately = [...first.tokens, ...second.tokens];
    both.tokens.forEach((t, i) => expect(t.logprob).toBeCloseTo(at(separately, i).logprob, 4));
  });

  it("attributes a token that straddles the context/target boundary to the target", async () => {
    const client = await open();
    const plan = client.scorePlan(CONTEXT + " y", "es");
    expect(plan.boundaryMerged).toBe(true);
    const merged = await client.score({ context: CONTEXT + " y", target: "es" });
    const whole = await client.score({ context: CONTEXT, target: " yes" });
    expect(merged.tokens.map((t) => t.token)).toEqual([" yes"]);
    expect(at(merged.tokens, 0).logprob).toBeCloseTo(at(whole.tokens, 0).logprob, 5);
    expect(client.scorePlan(CONTEXT, " yes").boundaryMerged).toBe(false);
  });

  it("scores the same with and without context reuse, deterministically, across fresh clients", async () => {
    const reusing = await open({ reuseContext: true });
    const fresh = await open({ reuseContext: false });
    const run = async (client: LlamaClient) => {
      const out = [];
      for (const target of CLASSES) out.push(await client.score({ context: CONTEXT, target }));
      return out.map((r) => r.tokens);
    };
    const a = await run(reusing);
    const b = await run(fresh);
    const again = await run(reusing);
    const another = await run(await open({ reuseContext: true }));
    // The same requests in the same order on a fresh client: bit-identical.
    expect(another).toEqual(a);
    // What the sequence held before changes batch shapes, hence float32 rounding, nothing more.
    for (const other of [again, b]) {
      a.forEach((tokens, i) =>
        tokens.forEach((t, j) => {
          expect(at(at(other, i), j).token).toBe(t.token);
          expect(Math.abs(at(at(other, i), j).logprob - t.logprob)).toBeLessThan(1e-5);
        }),
      );
    }
    // Different targets must get different scores, or the comparison above proves nothing.
    expect(new Set(a.map((tokens) => at(tokens, 0).logprob.toFixed(6))).size).toBe(CLASSES.length);
  });

  it("evaluates fewer tokens when targets share a context", async () => {
    const reusing = await open({ reuseContext: true });
    const fresh = await open({ reuseContext: false });
    const plans = CLASSES.map((target) => reusing.scorePlan(CONTEXT, target));
    for (const client of [reusing, fresh]) {
      client.resetStats();
      for (const target of CLASSES) await client.score({ context: CONTEXT, target });
    }
    // Without reuse every target re-evaluates context + target - 1 tokens.
    const full = plans.reduce((n, p) => n + p.tokens.length - 1, 0);
    expect(fresh.stats().tokensEvaluated).toBe(full);
    expect(fresh.stats().contextReuseHits).toBe(0);
    // With reuse the context is evaluated once; later targets cost their tokens + 1 (the context's last token).
    const contextLength = at(plans, 0).targetStart;
    const expected = at(plans, 0).tokens.length - 1 + plans.slice(1).reduce((n, p) => n + (p.tokens.length - p.targetStart), 0);
    expect(reusing.stats().tokensEvaluated).toBe(expected);
    expect(reusing.stats().contextReuseHits).toBe(CLASSES.length - 1);
    expect(reusing.stats().tokensReused).toBe((CLASSES.length - 1) * (contextLength - 1));
    // The example quoted in docs/llama.md.
    expect([fresh.stats().tokensEvaluated, reusing.stats().tokensEvaluated]).toEqual([64, 19]);
  });

  it("honours maxTokens and stop strings", async () => {
    const client = await open();
    const long = await client.generate({ prompt: CONTEXT, maxTokens: 12 });
    const completion = at(long.completions, 0);
    expect(completion.tokens!.length).toBeLessThanOrEqual(12);
    expect(long.usage.completionTokens).toBeLessThanOrEqual(12);
    expect(completion.tokens!.map((t) => t.token).join("")).toBe(completion.text);
    if (completion.finishReason === "length") expect(long.usage.completionTokens).toBe(12);
    expect(completion.text.length).toBeGreaterThan(4);

    const short = await client.generate({ prompt: CONTEXT, maxTokens: 3 });
    expect(short.usage.completionTokens).toBeLessThanOrEqual(3);
    expect(completion.text.startsWith(at(short.completions, 0).text)).toBe(true);

    // A stop string taken from the middle of the greedy continuation cuts it there.
    const stop = completion.text.slice(3, 5);
    const cut = completion.text.indexOf(stop);
    const stopped = await client.generate({ prompt: CONTEXT, maxTokens: 12, stop: [stop, "\u0000never"] });
    expect(at(stopped.completions, 0).text).toBe(completion.text.slice(0, cut));
    expect(at(stopped.completions, 0).finishReason).toBe("stop");
  });

  it("samples reproducibly from a seed, and returns top logprobs", async () => {
    const client = await open();
    const request: GenerateRequest = { prompt: CONTEXT, maxTokens: 6, temperature: 1.5, seed: 3, n: 3, topLogprobs: 5 };
    const a = await client.generate(request);
    const b = await (await open()).generate(request);
    expect(b.completions).toEqual(a.completions);
    expect(a.completions).toHaveLength(3);
    const texts = new Set<string>();
    for (let seed = 0; seed < 6; seed++) texts.add(at((await client.generate({ ...request, n: 1, seed })).completions, 0).text);
    expect(texts.size).toBeGreaterThan(1);
    for (const token of at(a.completions, 0).tokens!) {
      expect(token.top).toHaveLength(5);
      const logprobs = token.top!.map((t) => t.logprob);
      expect([...logprobs].sort((x, y) => y - x)).toEqual(logprobs);
    }
    // Greedy: the chosen token is the most probable one.
    const greedy = await client.generate({ prompt: CONTEXT, maxTokens: 3, topLogprobs: 3 });
    for (const token of at(greedy.completions, 0).tokens!) expect(token.logprob).toBeCloseTo(at(token.top!, 0).logprob, 6);
  });

  it("gives concurrent calls the same results as sequential ones", async () => {
    const client = await open();
    const calls: Array<() => Promise<unknown>> = [
      ...CLASSES.map((target) => () => client.score({ context: CONTEXT, target })),
      () => client.generate({ prompt: CONTEXT, maxTokens: 5 }),
      ...CLASSES.map((target) => () => client.score({ context: "A cat is a", target })),
      () => client.generate({ prompt: "the dog", maxTokens: 5, temperature: 1, seed: 9 }),
    ];
    const sequential = [];
    for (const call of calls) sequential.push(await call());
    const concurrent = await Promise.all(calls.map((call) => call()));
    const rounded = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "number" ? Number(x.toFixed(4)) : x)));
    expect(rounded(concurrent)).toEqual(rounded(sequential));
  });

  it("stops work for a cancelled request", async () => {
    const client = await open();
    const controller = new AbortController();
    controller.abort();
    await expect(client.generate({ prompt: CONTEXT, signal: controller.signal })).rejects.toMatchObject({ code: "E_ABORTED" });
    await expect(client.score({ context: CONTEXT, target: " yes", signal: controller.signal })).rejects.toMatchObject({ code: "E_ABORTED" });
    expect(client.stats().tokensEvaluated).toBe(0);
  });

  it("fails with typed errors for a missing file and an over-long prompt", async () => {
    const missing = createLlamaClient({ ...spec, model: "./models/nope.gguf" }, { baseDir: dir, env: {} });
    await expect(missing).rejects.toMatchObject({ code: "E_LLAMA_MODEL_NOT_FOUND" });
    const client = await open({}, { contextSize: 32 });
    const longText = "the cat is a dog and ".repeat(100);
    await expect(client.score({ context: longText, target: " yes" })).rejects.toBeInstanceOf(ContextLengthError);
    const error = await client.generate({ prompt: longText }).catch((e: unknown) => e);
    expect(isLLMError(error) && error.code).toBe("E_CONTEXT_LENGTH");
  });
});
