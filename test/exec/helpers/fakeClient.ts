/**
 * A fake ModelClient for executor tests: answers from a function of the prompt, with a
 * controllable delay per prompt, and counts what it saw (calls, requests in flight, aborts).
 */
import type { Capabilities, GenerateRequest, GenerateResult, ModelClient } from "../../../src/llm/types.js";
import type { ClientSource } from "../../../src/exec/types.js";

export interface FakeAnswer {
  text?: string;
  /** Milliseconds before answering (0: next macrotask). */
  delayMs?: number;
  /** Reject with this instead of answering. */
  error?: Error;
}

export interface FakeClient extends ModelClient {
  calls: GenerateRequest[];
  events: string[];
  inFlight: number;
  maxInFlight: number;
  aborted: number;
}

export function fakeClient(answer: (prompt: string, req: GenerateRequest) => FakeAnswer | string, caps?: Partial<Capabilities>): FakeClient {
  const client: FakeClient = {
    id: "fake:model",
    calls: [],
    events: [],
    inFlight: 0,
    maxInFlight: 0,
    aborted: 0,
    capabilities: async () => ({ api: "completions", exactScoring: false, topLogprobs: 0, batching: 1, ...caps }),
    score: async () => {
      throw Object.assign(new Error("no scoring"), { code: "E_UNSUPPORTED" });
    },
    generate(req: GenerateRequest): Promise<GenerateResult> {
      const a = answer(req.prompt, req);
      const { text = "", delayMs = 0, error } = typeof a === "string" ? { text: a } : a;
      client.calls.push(req);
      client.events.push(`start ${req.prompt}`);
      client.inFlight++;
      client.maxInFlight = Math.max(client.maxInFlight, client.inFlight);
      return new Promise<GenerateResult>((resolve, reject) => {
        const finish = (): void => {
          req.signal?.removeEventListener("abort", onAbort);
          client.inFlight--;
        };
        const timer = setTimeout(() => {
          finish();
          client.events.push(`end ${req.prompt}`);
          if (error) reject(error);
          else
            resolve({ completions: [{ text }], usage: { requests: 1, promptTokens: req.prompt.length, completionTokens: text.length, cacheHits: 0, cost: 0 } });
        }, delayMs);
        const onAbort = (): void => {
          clearTimeout(timer);
          finish();
          client.aborted++;
          client.events.push(`abort ${req.prompt}`);
          reject(Object.assign(new Error("aborted"), { name: "AbortError", code: "E_ABORTED" }));
        };
        if (req.signal?.aborted) onAbort();
        else req.signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
  return client;
}

/** A registry-shaped source that hands out the same client for every model name. */
export function clientsOf(client: ModelClient): ClientSource {
  return { get: async () => client };
}
