/**
 * Per-endpoint throttles: at most `concurrency` requests in flight, at most `rpm` requests and
 * `tpm` tokens in any sliding minute. This is the only throttle in the system (the executor never
 * needs to know how fast a provider is). Waiting is FIFO and abortable. Tokens are estimated
 * before sending (prompt characters / 4 + maxTokens · n) and corrected with the reported usage.
 */
import { AbortedError } from "../errors.js";
import type { GenerateRequest, ModelClient, ScoreRequest, Usage } from "../types.js";
import { wrapClient } from "./wrap.js";

export interface LimitOptions {
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  rpm?: number;
  tpm?: number;
  /** For tests: the clock. */
  now?: () => number;
}

const WINDOW_MS = 60_000;

/** A FIFO counting semaphore whose waits can be aborted. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  get inFlight(): number {
    return this.active;
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw new AbortedError();
    if (this.active < this.limit) {
      this.active++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const wake = () => (signal?.removeEventListener("abort", onAbort), resolve());
      const onAbort = () => {
        const i = this.waiting.indexOf(wake);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new AbortedError());
      };
      this.waiting.push(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    // The releaser handed its slot over to us: `active` is unchanged.
    return this.releaser();
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}

/** A sliding one-minute budget (requests or tokens). */
export class SlidingWindow {
  private entries: Array<{ at: number; amount: number }> = [];
  constructor(private readonly perMinute: number, private readonly now: () => number = Date.now) {}

  private used(): number {
    const since = this.now() - WINDOW_MS;
    this.entries = this.entries.filter((e) => e.at > since);
    return this.entries.reduce((s, e) => s + e.amount, 0);
  }

  /** Waits until `amount` fits (or the window is empty: one oversized request still goes), then takes it. */
  async take(amount: number, signal?: AbortSignal): Promise<{ amount: number }> {
    for (;;) {
      if (signal?.aborted) throw new AbortedError();
      if (this.entries.length === 0 || this.used() + amount <= this.perMinute) {
        const entry = { at: this.now(), amount };
        this.entries.push(entry);
        return entry;
      }
      const waitMs = Math.max(5, this.entries[0].at + WINDOW_MS - this.now());
      await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, 250)));
    }
  }
}

const estimateTokens = (prompt: string, maxTokens = 256, n = 1) => Math.ceil(prompt.length / 4) + maxTokens * n;

export interface Limiter {
  readonly semaphore: Semaphore;
  run<T extends { usage: Usage } | { usage: Usage }[]>(estimate: number, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T>;
}

export function createLimiter(options: LimitOptions): Limiter {
  const semaphore = new Semaphore(Math.max(1, options.concurrency ?? 8));
  const requests = options.rpm ? new SlidingWindow(options.rpm, options.now) : undefined;
  const tokens = options.tpm ? new SlidingWindow(options.tpm, options.now) : undefined;
  return {
    semaphore,
    async run(estimate, signal, fn) {
      const release = await semaphore.acquire(signal);
      try {
        await requests?.take(1, signal);
        const taken = await tokens?.take(estimate, signal);
        const result = await fn();
        if (taken) {
          const usages = Array.isArray(result) ? result.map((r) => r.usage) : [result.usage];
          taken.amount = usages.reduce((s, u) => s + u.promptTokens + u.completionTokens, 0);
        }
        return result;
      } finally {
        release();
      }
    },
  };
}

export function withLimits(inner: ModelClient, options: LimitOptions): ModelClient & { inFlight(): number } {
  const limiter = createLimiter(options);
  const gen = (r: GenerateRequest) => estimateTokens(r.prompt, r.maxTokens, r.n);
  const sc = (r: ScoreRequest) => estimateTokens(r.context + r.target, 0);
  const client = wrapClient(inner, {
    generate: (r) => limiter.run(gen(r), r.signal, () => inner.generate(r)),
    score: (r) => limiter.run(sc(r), r.signal, () => inner.score(r)),
    generateBatch: inner.generateBatch && ((rs) => limiter.run(rs.reduce((s, r) => s + gen(r), 0), rs[0]?.signal, () => inner.generateBatch!(rs))),
    scoreBatch: inner.scoreBatch && ((rs) => limiter.run(rs.reduce((s, r) => s + sc(r), 0), rs[0]?.signal, () => inner.scoreBatch!(rs))),
  });
  return Object.assign(client, { inFlight: () => limiter.semaphore.inFlight });
}
