/** What every node firing of one run shares: where clients come from, usage so far, sample keys. */
import type { ModelClient, Usage } from "../llm/types.js";
import { emptyUsage } from "../llm/types.js";
import type { ScoreClassesFn } from "./classify.js";
import type { ClientSource } from "./types.js";

export interface RunContext {
  /** The client of a model name; resolved once per run and model. */
  client(model: string): Promise<ModelClient>;
  /** Usage of every model call of the run so far (mutated in place). */
  usage: Usage;
  /** RunOptions.sampleKey. */
  sampleKey?: string | number;
  /** Class scorer override (tests); default: scoreClasses of src/llm/scoring.ts. */
  scoreClasses?: ScoreClassesFn;
  /** RunOptions.seed (default 0): seeds the draws and request seeds of sampled ensemble members. */
  seed: number;
}

export function createRunContext(clients: ClientSource, sampleKey?: string | number, scoreClasses?: ScoreClassesFn, seed = 0): RunContext {
  const resolved = new Map<string, Promise<ModelClient>>();
  return {
    client(model) {
      let c = resolved.get(model);
      if (!c) {
        c = clients.get(model);
        resolved.set(model, c);
        // A failed lookup (e.g. a missing API key) is retried by the next sample, not cached forever.
        c.catch(() => resolved.delete(model));
      }
      return c;
    },
    usage: emptyUsage(),
    sampleKey,
    scoreClasses,
    seed,
  };
}
