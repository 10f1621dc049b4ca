import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeTokenize, fakeTokenLogprob, startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { chooseScoringMode, classesForToken, classProbsFromTop, firstWord, meanLogprob, scoreClasses, targetLogLikelihood } from "../../src/llm/scoring.js";
import type { Capabilities, ModelClient } from "../../src/llm/types.js";
import { emptyUsage } from "../../src/llm/types.js";
import { openaiClient } from "./support.js";
import { at, key } from "../helpers/indexing.js";
import { said, saidSync } from "../helpers/said.js";

const yesNo = [
  { label: "yes", verbalizers: ["yes"] },
  { label: "no", verbalizers: ["no"] },
];
const caps = (over: Partial<Capabilities>): Capabilities => ({ api: "chat", exactScoring: false, topLogprobs: 20, batching: 1, ...over });

describe("class scoring from top logprobs", () => {
  it("sums verbalizer variants, gives missing classes the smallest probability, renormalises (hand-computed)", () => {
    const top = [
      { token: " Yes", logprob: Math.log(0.5) },
      { token: "yes", logprob: Math.log(0.2) },
      { token: " maybe", logprob: Math.log(0.1) },
      { token: " the", logprob: Math.log(0.05) },
    ];
    const classes = [...yesNo, { label: "unsure", verbalizers: ["maybe", "perhaps"] }];
    // yes = 0.5 + 0.2, no = missing → 0.05, unsure = 0.1; total 0.85
    const probs = classProbsFromTop(top, classes, "sum");
    expect(probs.yes).toBeCloseTo(0.7 / 0.85, 12);
    expect(probs.no).toBeCloseTo(0.05 / 0.85, 12);
    expect(probs.unsure).toBeCloseTo(0.1 / 0.85, 12);
    const maxed = classProbsFromTop(top, classes, "max");
    expect(maxed.yes).toBeCloseTo(0.5 / 0.65, 12);
  });

  it("matches a multi-token verbalizer by its first piece, exact matches first", () => {
    const classes = [
      { label: "pos", verbalizers: ["positive"] },
      { label: "neg", verbalizers: ["negative"] },
      { label: "n", verbalizers: ["n"] },
    ];
    expect(classesForToken(" pos", classes)).toEqual(["pos"]);
    expect(classesForToken(" NEG", classes)).toEqual(["neg"]);
    expect(classesForToken(" x", classes)).toEqual([]);
    expect(classesForToken(" Neg", classes)).toEqual(["neg"]);
    expect(classesForToken("n", classes)).toEqual(["n"]);
    expect(classesForToken("  ", classes)).toEqual([]);
  });

  it("scores classes end to end through an endpoint without echo", async () => {
    const server = await startOpenAIServer({ completions: false });
    try {
      const { client } = await openaiClient(server.baseURL);
      const result = await scoreClasses(client, "Is the sky blue? Answer:", yesNo);
      expect(result.mode).toBe("classes");
      expect(key(result.probs, "yes") + key(result.probs, "no")).toBeCloseTo(1, 12);
      expect(server.stats.received.at(-1)!.body).toMatchObject({ max_tokens: 1, top_logprobs: 20, logprobs: true, temperature: 0 });
      expect(await said(scoreClasses(client, "p", yesNo, { mode: "exact" }))).toMatch(
        /does not return prompt logprobs \(echo\).*"classes" or "accuracy".*llama/s,
      );
    } finally {
      await server.close();
    }
  });
});

describe("exact scoring", () => {
  let server: FakeOpenAIServer;
  let client: ModelClient;
  beforeAll(async () => {
    server = await startOpenAIServer();
    ({ client } = await openaiClient(server.baseURL));
  });
  afterAll(() => server.close());

  it("scores each verbalizer's spellings with and without a leading space and renormalises (hand-computed)", async () => {
    const prompt = "Answer:";
    const p = (target: string) => {
      const all = fakeTokenize(prompt + target);
      const k = fakeTokenize(prompt).length;
      return Math.exp(all.slice(k).reduce((s, token, i) => s + fakeTokenLogprob(all.slice(0, k + i).join(""), token), 0));
    };
    const spellings = (w: string) => [w, w.charAt(0).toUpperCase() + w.slice(1), w.toUpperCase()].flatMap((v) => [v, " " + v]);
    const yes = spellings("yes").reduce((s, t) => s + p(t), 0);
    const no = spellings("no").reduce((s, t) => s + p(t), 0);
    const result = await scoreClasses(client, prompt, yesNo, { mode: "exact" });
    expect(result.mode).toBe("exact");
    expect(result.probs.yes).toBeCloseTo(yes / (yes + no), 12);
    expect(result.probs.no).toBeCloseTo(no / (yes + no), 12);
  });

  it("computes the mean per-token log-likelihood with burn-in", async () => {
    const context = "Q: x\nA:";
    const target = " one two three four";
    const all = fakeTokenize(context + target);
    const k = fakeTokenize(context).length;
    const lps = all.slice(k).map((token, i) => fakeTokenLogprob(all.slice(0, k + i).join(""), token));
    expect(await targetLogLikelihood(client, context, target)).toBeCloseTo(lps.reduce((s, x) => s + x, 0) / 4, 12);
    expect(await targetLogLikelihood(client, context, target, { burnIn: 0.25 })).toBeCloseTo((at(lps, 1) + at(lps, 2) + at(lps, 3)) / 3, 12);
  });
});

describe("meanLogprob and accuracy scoring", () => {
  it("keeps at least one token whatever the burn-in", () => {
    expect(meanLogprob([{ token: "a", logprob: -2 }], 0.9)).toBe(-2);
    expect(meanLogprob([], 0.1)).toBe(0);
  });

  it("gives the matched class probability 1, and spreads when nothing matches", async () => {
    let answer = "Yes, it is.";
    const fake: ModelClient = {
      id: "fake",
      capabilities: async () => caps({ topLogprobs: 0 }),
      generate: async () => ({ completions: [{ text: answer }], usage: emptyUsage() }),
      score: async () => {
        throw new Error("unused");
      },
    };
    expect((await scoreClasses(fake, "p", yesNo)).probs).toEqual({ yes: 1, no: 0 });
    answer = "Perhaps";
    expect((await scoreClasses(fake, "p", yesNo)).probs).toEqual({ yes: 0.5, no: 0.5 });
    expect(firstWord("  'No.' said he")).toBe("no");
  });
});

describe("chooseScoringMode", () => {
  const both = { classes: true, hiddenTargets: false };
  it("picks the best the endpoint has under auto", () => {
    // Per layer (issue 12): a class layer takes one top-logprobs request where the endpoint has them...
    expect(chooseScoringMode(caps({ exactScoring: true }), "auto", both)).toBe("classes");
    expect(chooseScoringMode(caps({ exactScoring: true, topLogprobs: 0 }), "auto", both)).toBe("exact");
    // ...and free-text targets (hidden layers) are scored exactly.
    expect(chooseScoringMode(caps({ exactScoring: true }), "auto", { classes: false, hiddenTargets: true })).toBe("exact");
    expect(chooseScoringMode(caps({}), "auto", both)).toBe("classes");
    expect(chooseScoringMode(caps({ topLogprobs: 0 }), "auto", both)).toBe("accuracy");
    expect(chooseScoringMode(caps({}), "auto", { classes: true, hiddenTargets: true })).toBe("accuracy");
  });

  it("refuses before spending anything, naming what would work", () => {
    expect(saidSync(() => chooseScoringMode(caps({}), "exact", both))).toMatch(/echo.*"classes" or "accuracy".*vLLM.*llama/s);
    expect(saidSync(() => chooseScoringMode(caps({}), "exact", { classes: false, hiddenTargets: true }))).toMatch(/scoring: "accuracy", or a vLLM/);
    expect(saidSync(() => chooseScoringMode(caps({}), "classes", { classes: true, hiddenTargets: true }))).toMatch(/hidden layers.*"accuracy"/s);
    expect(saidSync(() => chooseScoringMode(caps({ topLogprobs: 0 }), "classes", both))).toMatch(/top logprobs/);
    expect(saidSync(() => chooseScoringMode(caps({}), "classes", { classes: false, hiddenTargets: false }))).toMatch(/needs a layer with `classes`/);
    expect(chooseScoringMode(caps({ topLogprobs: 0 }), "accuracy", both)).toBe("accuracy");
  });
});
