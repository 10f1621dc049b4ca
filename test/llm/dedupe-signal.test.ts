import { describe, expect, it } from "vitest";
import { withDedupe } from "../../src/llm/middleware/dedupe.js";
import { AbortError } from "../../src/util/errors.js";
import { emptyUsage, type GenerateRequest, type ModelClient } from "../../src/llm/types.js";

/** An inner client that records the requests it gets and answers when told. */
function held() {
  const seen: GenerateRequest[] = [];
  const answers: Array<() => void> = [];
  const inner: ModelClient = {
    id: "inner",
    capabilities: async () => ({ api: "completions", exactScoring: false, topLogprobs: 0, batching: 1 }),
    generate: (r) => {
      seen.push(r);
      return new Promise((resolve) => answers.push(() => resolve({ completions: [{ text: "ok" }], usage: { ...emptyUsage(), requests: 1 } })));
    },
    score: async () => ({ tokens: [], usage: emptyUsage() }),
  };
  return { inner, seen, answerAll: () => answers.splice(0).forEach((a) => a()) };
}

describe("de-duplication and signals", () => {
  it("sends a request whose first caller has no signal without one (nothing could abort it), and still shares it", async () => {
    const { inner, seen, answerAll } = held();
    const client = withDedupe(inner);
    const a = client.generate({ prompt: "p", temperature: 0 });
    const controller = new AbortController();
    const b = client.generate({ prompt: "p", temperature: 0, signal: controller.signal });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.signal).toBeUndefined();
    // The joined caller may still give up alone; the request goes on for the first one.
    controller.abort();
    await expect(b).rejects.toBeInstanceOf(AbortError);
    answerAll();
    expect((await a).completions[0]!.text).toBe("ok");
  });

  it("a request whose callers all have signals is aborted once every one of them has aborted", async () => {
    const { inner, seen } = held();
    const client = withDedupe(inner);
    const c1 = new AbortController();
    const c2 = new AbortController();
    const a = client.generate({ prompt: "p", signal: c1.signal });
    const b = client.generate({ prompt: "p", signal: c2.signal });
    const sent = seen[0]!.signal!;
    c1.abort();
    expect(sent.aborted).toBe(false);
    c2.abort();
    expect(sent.aborted).toBe(true);
    await expect(a).rejects.toBeInstanceOf(AbortError);
    await expect(b).rejects.toBeInstanceOf(AbortError);
  });
});
