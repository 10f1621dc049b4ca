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
  return createHash("sha256").update(canonicalJSON({ client: clientId, request: canonical })).digest("hex");
}
