/**
 * Request identities: the persistent cache's key (sha256 of the canonical request) is pinned, so
 * a cache written by an earlier version keeps answering; the in-flight de-duplication key is cheap
 * and must tell requests apart exactly as the canonical form does.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJSON, canonicalRequest, inFlightKey, requestKey } from "../../src/llm/canonical.js";
import type { GenerateRequest, ScoreRequest } from "../../src/llm/types.js";

describe("requestKey (the persistent cache's key)", () => {
  it("stays what earlier versions wrote", () => {
    expect(
      requestKey(
        "openai:m@127.0.0.1/v1",
        canonicalRequest("generate", { prompt: "Is it?\n", maxTokens: 5, temperature: 0.7, stop: ["."], sampleKey: "0/y/1" }),
      ),
    ).toBe("7d83817a09c477b7a042297df932bc363db75e1d0fd0d9801c3331e737b65f80");
    expect(requestKey("openai:m@127.0.0.1/v1", canonicalRequest("score", { context: "Q: ", target: " yes" }))).toBe(
      "b8b5f461a9ea50e654474862b5a9a775e6fa5609361862360f6e38737b57f341",
    );
  });
});

const text = fc.string({ unit: fc.constantFrom("a", "b", " ", "\u0001", '"', "\\", "😀", "\n"), maxLength: 4 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const generate: fc.Arbitrary<GenerateRequest> = fc.record(
  {
    prompt: text,
    maxTokens: maybe(fc.constantFrom(1, 2)),
    temperature: maybe(fc.constantFrom(0, 0.7)),
    stop: maybe(fc.array(text, { maxLength: 2 })),
    seed: maybe(fc.constantFrom(1, 2)),
    n: maybe(fc.constantFrom(1, 2)),
    topLogprobs: maybe(fc.constantFrom(0, 5)),
    sampleKey: maybe(fc.oneof(fc.constantFrom(1, 2), fc.constantFrom("1", "2"))),
  },
  { requiredKeys: ["prompt"] },
);
const score: fc.Arbitrary<ScoreRequest> = fc.record({ context: text, target: text });
const canonicalOf = (kind: "generate" | "score", r: GenerateRequest | ScoreRequest) =>
  canonicalJSON(canonicalRequest(kind as "generate", r as GenerateRequest));

describe("inFlightKey (de-duplication)", () => {
  it("is equal exactly when the canonical forms are equal (generate)", () => {
    fc.assert(
      fc.property(generate, generate, (a, b) => {
        expect(inFlightKey("generate", a) === inFlightKey("generate", b)).toBe(canonicalOf("generate", a) === canonicalOf("generate", b));
      }),
      { numRuns: 2000 },
    );
  });

  it("is equal exactly when the canonical forms are equal (score)", () => {
    fc.assert(
      fc.property(score, score, (a, b) => {
        expect(inFlightKey("score", a) === inFlightKey("score", b)).toBe(canonicalOf("score", a) === canonicalOf("score", b));
      }),
      { numRuns: 2000 },
    );
  });

  it("ignores the signal and undefined fields, and keeps fields it does not list", () => {
    const base: GenerateRequest = { prompt: "p", maxTokens: 1 };
    expect(inFlightKey("generate", { ...base, signal: new AbortController().signal, seed: undefined })).toBe(inFlightKey("generate", base));
    const extra = { ...base, logitBias: { a: 1 } } as GenerateRequest;
    expect(inFlightKey("generate", extra)).not.toBe(inFlightKey("generate", base));
    expect(inFlightKey("generate", extra)).toBe(inFlightKey("generate", { ...base, logitBias: { a: 1 } } as GenerateRequest));
    expect(inFlightKey("generate", { prompt: "p", sampleKey: 1 })).not.toBe(inFlightKey("generate", { prompt: "p", sampleKey: "1" }));
  });
});
