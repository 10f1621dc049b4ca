/**
 * Usage accounting: requests, tokens, cache hits and cost, per model and in total. One meter is
 * shared by every client of a run (src/llm/registry.ts) so budgets can read a single snapshot,
 * and it enforces a run's budget as a cap: `limit` sets it, and the budget middleware asks
 * `admit` before each request is sent (src/llm/middleware/budget.ts).
 */
import { BudgetExceededError } from "./errors.js";
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

/** A spending cap: tokens (prompt + completion), requests, dollars. */
export interface SpendingCap {
  tokens?: number;
  requests?: number;
  cost?: number;
}

/** What one request is expected to spend, reserved while it is in flight. */
export interface SpendEstimate {
  requests: number;
  tokens: number;
  cost: number;
}

interface ActiveCap {
  cap: SpendingCap;
  /** The meter's total when the cap was set, and what earlier processes spent (resume). */
  atStart: Usage;
  before: Usage;
}

export class UsageMeter {
  private readonly byModel = new Map<string, Usage>();
  private active: ActiveCap | undefined;
  private readonly reserved: SpendEstimate = { requests: 0, tokens: 0, cost: 0 };
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private refusal: string | undefined;
  private readonly listeners = new Set<() => void>();

  /**
   * Caps what is spent from now on, with `before` already spent (a resumed run). Until `release`
   * is called, `admit` refuses a request whose estimate would take spent + in flight past a cap.
   */
  limit(cap: SpendingCap, before: Usage = emptyUsage()): () => void {
    const active: ActiveCap = { cap, atStart: this.snapshot().total, before: { ...before } };
    this.active = active;
    this.refusal = undefined;
    return () => {
      if (this.active === active) this.active = undefined;
    };
  }

  /** What counts against the cap so far: spent since the cap was set, plus `before`. */
  private capped(a: ActiveCap): Usage {
    const now = this.snapshot().total;
    return {
      requests: a.before.requests + now.requests - a.atStart.requests,
      promptTokens: a.before.promptTokens + now.promptTokens - a.atStart.promptTokens,
      completionTokens: a.before.completionTokens + now.completionTokens - a.atStart.completionTokens,
      cacheHits: 0,
      cost: a.before.cost + now.cost - a.atStart.cost,
    };
  }

  /**
   * Lets a request be sent, reserving its estimate until the returned `done` is called (after its
   * usage was recorded), or throws a BudgetExceededError naming the budget it would cross.
   */
  admit(estimate: SpendEstimate, where?: string): () => void {
    if (this.active) {
      const { cap } = this.active;
      const spent = this.capped(this.active);
      const tokens = spent.promptTokens + spent.completionTokens;
      const over =
        cap.tokens !== undefined && tokens + this.reserved.tokens + estimate.tokens > cap.tokens
          ? `token budget: ${tokens} spent and ${this.reserved.tokens + estimate.tokens} more expected of ${cap.tokens} tokens`
          : cap.requests !== undefined && spent.requests + this.reserved.requests + estimate.requests > cap.requests
            ? `request budget: ${spent.requests} sent and ${this.reserved.requests + estimate.requests} more expected of ${cap.requests} requests`
            : cap.cost !== undefined && spent.cost + this.reserved.cost + estimate.cost > cap.cost
              ? `cost budget: $${spent.cost.toFixed(4)} spent and $${(this.reserved.cost + estimate.cost).toFixed(4)} more expected of $${cap.cost}`
              : undefined;
      if (over) {
        this.refusal ??= over;
        throw new BudgetExceededError(over, { where });
      }
    }
    this.reserved.requests += estimate.requests;
    this.reserved.tokens += estimate.tokens;
    this.reserved.cost += estimate.cost;
    this.inFlight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.reserved.requests -= estimate.requests;
      this.reserved.tokens -= estimate.tokens;
      this.reserved.cost -= estimate.cost;
      if (--this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    };
  }

  /** The first refusal since the cap was set ("token budget: …"), or undefined. */
  refused(): string | undefined {
    return this.refusal;
  }

  /** Resolves when no admitted request is in flight (they finish after a refusal, and are metered). */
  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Adds `usage` to `model`'s account. */
  record(model: string, usage: Usage): void {
    let into = this.byModel.get(model);
    if (!into) this.byModel.set(model, (into = emptyUsage()));
    addUsage(into, usage);
    for (const listener of this.listeners) listener();
  }

  /** Calls `listener` after every `record` (a run keeps its usage on disk as it is spent); returns the unsubscribe. */
  onRecord(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
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
