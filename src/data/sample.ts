import type { Example } from "./types.js";

/** The record the executor runs: the network's inputs by name, plus the example's id. */
export function toSample(e: Example): Record<string, unknown> {
  return { ...e.inputs, id: e.id };
}
