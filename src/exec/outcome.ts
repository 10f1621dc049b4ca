import type { NodeTrace } from "./types.js";

/** A node's value for one sample, with its trace entry (kept in results only when tracing). */
export interface NodeOutcome {
  value: unknown;
  trace: NodeTrace;
}
