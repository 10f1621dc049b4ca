/**
 * Several endpoints behind one model name. Each call goes to the least-busy endpoint (fewest
 * calls in flight per unit of weight; ties go to the one that has served least), skipping
 * endpoints that failed recently. A retryable failure (outage, 429, timeout) fails over at once to
 * the next endpoint not yet tried for this call; when all have failed, the last error goes to the
 * retry middleware outside, which backs off and routes again. Non-retryable errors (bad request,
 * authentication, context length) are the same on every endpoint and are thrown at once.
 */
import { DlnError } from "../../util/errors.js";
import { isEndpointDead } from "./breaker.js";
import { isRetryable } from "./retry.js";
import type { Capabilities, ModelClient } from "../types.js";

export interface RouterOptions {
  /** Id of the pooled client (used in cache keys and messages). */
  id: string;
  weights?: number[];
  /** How long an endpoint that failed is avoided. Default 2 s (or its retry-after). */
  cooldownMs?: number;
  now?: () => number;
}

interface EndpointState {
  client: ModelClient;
  weight: number;
  inFlight: number;
  served: number;
  avoidUntil: number;
}

export function withRouting(endpoints: ModelClient[], options: RouterOptions): ModelClient & { load(): number[] } {
  const now = options.now ?? Date.now;
  const states: EndpointState[] = endpoints.map((client, i) => ({
    client,
    weight: Math.max(1e-6, options.weights?.[i] ?? 1),
    inFlight: 0,
    served: 0,
    avoidUntil: 0,
  }));

  const pick = (tried: Set<EndpointState>): EndpointState | undefined => {
    const candidates = states.filter((s) => !tried.has(s));
    const t = now();
    const healthy = candidates.filter((s) => s.avoidUntil <= t);
    const pool = healthy.length ? healthy : candidates;
    return pool.sort((a, b) => a.inFlight / a.weight - b.inFlight / b.weight || a.served / a.weight - b.served / b.weight)[0];
  };

  async function route<T>(call: (client: ModelClient) => Promise<T>): Promise<T> {
    const tried = new Set<EndpointState>();
    for (;;) {
      const state = pick(tried);
      if (!state) throw new Error("no endpoint configured"); // a bug if reached (an invariant, so a plain Error): endpoints is non-empty
      tried.add(state);
      state.inFlight++;
      state.served++;
      try {
        const result = await call(state.client);
        state.avoidUntil = 0;
        return result;
      } catch (err) {
        if (!isRetryable(err) && !isEndpointDead(err)) throw err; // a dead endpoint fails over
        state.avoidUntil = now() + Math.max(options.cooldownMs ?? 2000, err.retryAfterMs ?? 0);
        if (tried.size >= states.length) throw err;
      } finally {
        state.inFlight--;
      }
    }
  }

  /** The pool can only promise what every reachable endpoint can do. */
  async function capabilities(): Promise<Capabilities> {
    const settled = await Promise.allSettled(states.map((s) => s.client.capabilities()));
    const known = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    const [first] = known;
    if (first === undefined) throw (settled[0] as PromiseRejectedResult).reason;
    return {
      api: known.every((c) => c.api === first.api) ? first.api : "chat",
      exactScoring: known.every((c) => c.exactScoring),
      topLogprobs: Math.min(...known.map((c) => c.topLogprobs)),
      batching: Math.min(...known.map((c) => c.batching)),
    };
  }

  const client: ModelClient & { load(): number[] } = {
    id: options.id,
    capabilities,
    generate: (r) => route((c) => c.generate(r)),
    score: (r) => route((c) => c.score(r)),
    close: async () => void (await Promise.all(states.map((s) => s.client.close?.()))),
    load: () => states.map((s) => s.served),
  };
  // Offered only when every endpoint has it, so whichever endpoint the call is routed to can take it.
  if (endpoints.every((e) => e.generateBatch)) client.generateBatch = (rs) => route((c) => c.generateBatch?.(rs) ?? lacks(c, "generateBatch"));
  if (endpoints.every((e) => e.scoreBatch)) client.scoreBatch = (rs) => route((c) => c.scoreBatch?.(rs) ?? lacks(c, "scoreBatch"));
  return client;
}

/** An endpoint that lost a batch method after the pool was built (a bug: the pool checked them all). */
function lacks(endpoint: ModelClient, method: string): never {
  throw new DlnError("E_INTERNAL", `endpoint "${endpoint.id}" of the pool has no ${method}`, { kind: "failed" });
}
