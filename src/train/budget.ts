/**
 * Budgets stop a run cleanly at an iteration boundary: the iteration that crosses a limit
 * finishes and is checkpointed, then the run stops and evaluates what it has.
 */
import type { Usage } from "../llm/types.js";

export interface Budget {
  tokens?: number;
  requests?: number;
  cost?: number;
}

/** Why the budget is spent (a message naming the limit), or undefined while there is room. */
export function budgetExceeded(usage: Usage, budget: Budget): string | undefined {
  const tokens = usage.promptTokens + usage.completionTokens;
  if (budget.tokens !== undefined && tokens >= budget.tokens) return `token budget reached: ${tokens} of ${budget.tokens} tokens`;
  if (budget.requests !== undefined && usage.requests >= budget.requests) return `request budget reached: ${usage.requests} of ${budget.requests} requests`;
  if (budget.cost !== undefined && usage.cost >= budget.cost) return `cost budget reached: $${usage.cost.toFixed(4)} of $${budget.cost}`;
  return undefined;
}

export function subtractUsage(a: Usage, b: Usage): Usage {
  return {
    requests: a.requests - b.requests,
    promptTokens: a.promptTokens - b.promptTokens,
    completionTokens: a.completionTokens - b.completionTokens,
    cacheHits: a.cacheHits - b.cacheHits,
    cost: a.cost - b.cost,
  };
}
