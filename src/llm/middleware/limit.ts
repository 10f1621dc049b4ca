/**
 * Per-endpoint throttles: at most `concurrency` requests in flight, at most `rpm` requests and
 * `tpm` tokens in any sliding minute. This is the only throttle in the system (the executor never
 * needs to know how fast a provider is). Waiting is FIFO and abortable, except that retries go
 * ahead of new requests. The concurrency adapts (AIMD): halved on a 429, grown back by one per
 * round of successes up to `concurrency`. Tokens are estimated before sending (prompt characters
 * / 4 + maxTokens · n) and corrected with the reported usage.
 */
import { requestAborted } from "../abort.js";
import { RateLimitedError } from "../errors.js";
import { currentAttempt } from "./retry.js";
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

/**
 * A FIFO counting semaphore whose waits can be aborted. Its limit can change while it is used
 * (adaptive concurrency); a waiter marked `priority` (a retry) goes ahead of the queue, so new
 * requests do not overtake the retries of the ones already admitted.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private limit: number) {}

  get inFlight(): number {
    return this.active;
  }

  get capacity(): number {
    return this.limit;
  }

  /** Changes the limit: a lower one takes effect as requests finish, a higher one at once. */
  setLimit(limit: number): void {
    this.limit = Math.max(1, Math.floor(limit));
    this.admitWaiting();
  }

  /** Wakes waiting requests, first in line first, while there is room (counting each in `active`). */
  private admitWaiting(): void {
    while (this.active < this.limit) {
      const wake = this.waiting.shift();
      if (!wake) return;
      this.active++;
      wake();
    }
  }

  async acquire(signal?: AbortSignal, priority = false): Promise<() => void> {
    if (signal?.aborted) throw requestAborted();
    if (this.active < this.limit && (priority || this.waiting.length === 0)) {
      this.active++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const wake = () => (signal?.removeEventListener("abort", onAbort), resolve());
      const onAbort = () => {
        const i = this.waiting.indexOf(wake);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(requestAborted());
      };
      if (priority) this.waiting.unshift(wake);
      else this.waiting.push(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    // Whoever woke us counted us in `active`.
    return this.releaser();
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active--;
      this.admitWaiting();
    };
  }
}

/**
 * Adaptive concurrency (AIMD): the limit starts at the configured concurrency, halves on a 429
 * (once per round: a 429 of a request sent before the last decrease does not decrease it again),
 * and grows back by 1/limit per success (one per round of successes), never above the
 * configured concurrency.
 */
export class AdaptiveLimit {
  private value: number;
  private epoch = 0;
  constructor(
    private readonly semaphore: Semaphore,
    private readonly max: number,
  ) {
    this.value = max;
  }

  get current(): number {
    return Math.floor(this.value);
  }

  /** The round a request starts in (pass it back to `failed`). */
  started(): number {
    return this.epoch;
  }

  succeeded(): void {
    if (this.value >= this.max) return;
    this.value = Math.min(this.max, this.value + 1 / Math.max(1, this.value));
    this.semaphore.setLimit(this.value);
  }

  rateLimited(startedIn: number): void {
    if (startedIn !== this.epoch) return;
    this.epoch++;
    this.value = Math.max(1, Math.floor(this.value / 2));
    this.semaphore.setLimit(this.value);
  }
}

/** A sliding one-minute budget (requests or tokens). */
export class SlidingWindow {
  private entries: Array<{ at: number; amount: number }> = [];
  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  private used(): number {
    const since = this.now() - WINDOW_MS;
    this.entries = this.entries.filter((e) => e.at > since);
    return this.entries.reduce((s, e) => s + e.amount, 0);
  }

  /** Waits until `amount` fits (or the window is empty: one oversized request still goes), then takes it. */
  async take(amount: number, signal?: AbortSignal): Promise<{ amount: number }> {
    for (;;) {
      if (signal?.aborted) throw requestAborted();
      const used = this.used(); // drops the entries that left the window
      const [oldest] = this.entries;
      if (oldest === undefined || used + amount <= this.perMinute) {
        const entry = { at: this.now(), amount };
        this.entries.push(entry);
        return entry;
      }
      const waitMs = Math.max(5, oldest.at + WINDOW_MS - this.now());
      await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, 250)));
    }
  }
}

const estimateTokens = (prompt: string, maxTokens = 256, n = 1) => Math.ceil(prompt.length / 4) + maxTokens * n;

interface Limiter {
  readonly semaphore: Semaphore;
  readonly adaptive: AdaptiveLimit;
  run<T extends { usage: Usage } | { usage: Usage }[]>(estimate: number, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T>;
}

function createLimiter(options: LimitOptions): Limiter {
  const max = Math.max(1, options.concurrency ?? 8);
  const semaphore = new Semaphore(max);
  const adaptive = new AdaptiveLimit(semaphore, max);
  const requests = options.rpm ? new SlidingWindow(options.rpm, options.now) : undefined;
  const tokens = options.tpm ? new SlidingWindow(options.tpm, options.now) : undefined;
  return {
    semaphore,
    adaptive,
    async run(estimate, signal, fn) {
      // A retry (the retry middleware's attempt > 0) goes ahead of requests not yet admitted.
      const release = await semaphore.acquire(signal, currentAttempt() > 0);
      const round = adaptive.started();
      try {
        await requests?.take(1, signal);
        const taken = await tokens?.take(estimate, signal);
        const result = await fn();
        if (taken) {
          const usages = Array.isArray(result) ? result.map((r) => r.usage) : [result.usage];
          taken.amount = usages.reduce((s, u) => s + u.promptTokens + u.completionTokens, 0);
        }
        adaptive.succeeded();
        return result;
      } catch (err) {
        if (err instanceof RateLimitedError) adaptive.rateLimited(round);
        throw err;
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
  const generateBatch = inner.generateBatch?.bind(inner);
  const scoreBatch = inner.scoreBatch?.bind(inner);
  const client = wrapClient(inner, {
    generate: (r) => limiter.run(gen(r), r.signal, () => inner.generate(r)),
    score: (r) => limiter.run(sc(r), r.signal, () => inner.score(r)),
    generateBatch:
      generateBatch &&
      ((rs) =>
        limiter.run(
          rs.reduce((s, r) => s + gen(r), 0),
          rs[0]?.signal,
          () => generateBatch(rs),
        )),
    scoreBatch:
      scoreBatch &&
      ((rs) =>
        limiter.run(
          rs.reduce((s, r) => s + sc(r), 0),
          rs[0]?.signal,
          () => scoreBatch(rs),
        )),
  });
  return Object.assign(client, { inFlight: () => limiter.semaphore.inFlight });
}
