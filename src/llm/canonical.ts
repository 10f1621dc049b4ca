/**
 * Canonical forms of requests: what identifies a request for the cache and for in-flight
 * de-duplication. Signals are dropped, undefined fields are dropped, object keys are sorted, and
 * nothing about credentials is ever part of it (the client id never contains a secret).
 */
import { createHash } from "node:crypto";
import type { GenerateRequest, ScoreRequest } from "./types.js";

/** JSON with sorted object keys and no undefined values, so equal requests give equal text. */
export function canonicalJSON(value: unknown): string {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[key];
        if (x !== undefined) out[key] = walk(x);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(walk(value));
}

export type RequestKind = "generate" | "score";

export function canonicalRequest(kind: "generate", request: GenerateRequest): Record<string, unknown>;
export function canonicalRequest(kind: "score", request: ScoreRequest): Record<string, unknown>;
export function canonicalRequest(kind: RequestKind, request: GenerateRequest | ScoreRequest): Record<string, unknown> {
  const { signal: _signal, ...rest } = request;
  return { kind, ...rest };
}

/** sha256 of the client id (provider, model, endpoint) and the canonical request. */
export function requestKey(clientId: string, canonical: Record<string, unknown>): string {
  return createHash("sha256")
    .update(canonicalJSON({ client: clientId, request: canonical }))
    .digest("hex");
}

const GENERATE_FIELDS = ["prompt", "maxTokens", "temperature", "stop", "seed", "n", "topLogprobs", "sampleKey"] as const;
const SCORE_FIELDS = ["context", "target"] as const;
/** Separates the fields of an in-flight key: JSON escapes control characters, so it never occurs inside a field. */
const SEPARATOR = "\u0001";

/**
 * A cheap identity for in-flight de-duplication: two requests get the same key exactly when their
 * canonical forms are equal, without sorting, copying and hashing every request (which the
 * training step did ~1,300 times). Each known field is JSON text ("" when undefined, so an absent
 * field differs from `null`), in a fixed order; any field this list does not know yet follows as
 * canonical JSON. Not persisted, so it may change between versions; the response cache keeps its
 * own key, `requestKey`, which must not.
 */
export function inFlightKey(kind: "generate", request: GenerateRequest): string;
export function inFlightKey(kind: "score", request: ScoreRequest): string;
export function inFlightKey(kind: RequestKind, request: GenerateRequest | ScoreRequest): string {
  const fields: readonly string[] = kind === "generate" ? GENERATE_FIELDS : SCORE_FIELDS;
  const record = request as unknown as Record<string, unknown>;
  let key: string = kind;
  for (const field of fields) {
    const value = record[field];
    key += SEPARATOR + (value === undefined ? "" : JSON.stringify(value));
  }
  let extra: Record<string, unknown> | undefined;
  for (const field of Object.keys(record)) {
    if (field === "signal" || fields.includes(field) || record[field] === undefined) continue;
    (extra ??= {})[field] = record[field];
  }
  return extra ? key + SEPARATOR + canonicalJSON(extra) : key;
}
