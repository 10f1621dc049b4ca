/**
 * Usage accounting: requests, tokens, cache hits and cost, per model and in total. One meter is
 * shared by every client of a run (src/llm/registry.ts) so budgets can read a single snapshot.
 */
import { addUsage, emptyUsage, type Usage } from "./types.js";

/** Dollars per million tokens. */
export interface Price {
  prompt: number;
  completion: number;
}

export function costOf(usage: Pick<Usage, "promptTokens" | "completionTokens">, price?: Price): number {
  if (!price) return 0;
  return (usage.promptTokens * price.prompt + usage.completionTokens * price.completion) / 1e6;
}

export interface UsageSnapshot {
  total: Usage;
  byModel: Record<string, Usage>;
}

export class UsageMeter {
  private readonly byModel = new Map<string, Usage>();

  /** Adds `usage` to `model`'s account. */
  record(model: string, usage: Usage): void {
    let into = this.byModel.get(model);
    if (!into) this.byModel.set(model, (into = emptyUsage()));
    addUsage(into, usage);
  }

  snapshot(): UsageSnapshot {
    const total = emptyUsage();
    const byModel: Record<string, Usage> = {};
    for (const [model, usage] of this.byModel) {
      byModel[model] = { ...usage };
      addUsage(total, usage);
    }
    return { total, byModel };
  }
}
