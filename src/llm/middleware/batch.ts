/**
 * Collects concurrent requests that share every parameter but the prompt into one batch call
 * (`generateBatch`/`scoreBatch`: one legacy completions request with a list of prompts), as the
 * original DLN did with 20 prompts per request. A batch is sent when it is full or after a short
 * window (a few ms), so a lone request waits at most that long. Each caller gets its own result
 * (the provider splits a response by choice `index`) and can abort alone; the batch's request is
 * aborted only when every caller has aborted. When the endpoint refuses a batch with a 4xx that
 * may be one prompt's fault (a prompt beyond the context window, a body too large), the batch is
 * bisected and resent, so only the guilty prompt's caller gets the error. So is a batch still
 * failing after its retries with what one poisonous prompt can cause (a dropped connection, a 5xx,
 * a timeout): its parts are sent once each, not retried again, so one guilty prompt among n costs
 * the retries plus about 2·log2(n) requests. An outage is not split into more requests: when nothing
 * else has been answered since the batch was sent, one split finds out (both halves failing means
 * the endpoint is down, and batches failing meanwhile wait for that verdict). Only active when the
 * client reports `capabilities().batching > 1`. A `scoreBatch` call (a caller's own list, e.g. every
 * class and spelling of one class layer call) is passed through whole: one request.
 */
import { raceAbort, SharedAbort } from "../abort.js";
import { canonicalJSON } from "../canonical.js";
import { LLMError, MalformedResponseError, RateLimitedError } from "../errors.js";
import type { GenerateRequest, ModelClient, ScoreRequest } from "../types.js";
import { isUnreachable } from "./breaker.js";
import { withoutRetriesFor } from "./retry.js";
import { perRequestOnly, wrapClient } from "./wrap.js";

export interface BatchOptions {
  /** Most requests per batch. Default: the client's capabilities().batching. */
  batchSize?: number;
  /** How long the first request of a batch waits for company. Default 5 ms. */
  windowMs?: number;
}

interface Pending<Req, Res> {
  request: Req;
  resolve: (value: Res) => void;
  reject: (error: unknown) => void;
}

/**
 * What a client's batchers know of their endpoint, to tell one poisonous prompt from an outage: a
 * batch that keeps failing while other requests are answered is its own prompts' fault; one that
 * fails while nothing is answered may be the endpoint's. Shared by the generate and score batchers.
 */
class EndpointHealth {
  /** Batch calls answered so far. */
  answered = 0;
  /** `answered` when a split last found every part failing; while nothing is answered since, the endpoint counts as down. */
  downAt: number | undefined;
  /** A split whose outcome will tell whether the endpoint is down (at most one at a time). */
  probe: Promise<void> | undefined;
}

type Failure = { error: unknown; mark: number };

/** Groups items by key and flushes each group when full or when its window closes. */
export class Batcher<Req extends { signal?: AbortSignal }, Res> {
  private readonly groups = new Map<string, Pending<Req, Res>[]>();
  constructor(
    private readonly size: number,
    private readonly windowMs: number,
    private readonly send: (requests: Req[]) => Promise<Res[]>,
    private readonly health = new EndpointHealth(),
  ) {}

  add(key: string, request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      let group = this.groups.get(key);
      if (!group) {
        group = [];
        this.groups.set(key, group);
        const flushing = group;
        setTimeout(() => this.flush(key, flushing), this.windowMs);
      }
      group.push({ request, resolve, reject });
      if (group.length >= this.size) this.flush(key, group);
    });
  }

  private flush(key: string, group: Pending<Req, Res>[]): void {
    if (this.groups.get(key) !== group) return; // already sent
    this.groups.delete(key);
    this.attempt(group, false)
      .then((failure) => failure && this.afterFailure(group, failure, false))
      .catch((error: unknown) => group.forEach((p) => p.reject(error)));
  }

  /**
   * Sends a group as one batch call (aborted only when all its callers have aborted) and settles
   * its callers when it is answered; resolves to the failure otherwise, with `answered` as it was
   * when the group was sent. `once`: the errors a split handles are not retried (the whole batch
   * was retried already).
   */
  private async attempt(group: Pending<Req, Res>[], once: boolean): Promise<Failure | undefined> {
    const mark = this.health.answered;
    const shared = new SharedAbort();
    for (const p of group) shared.join(p.request.signal);
    shared.seal();
    const requests = group.map((p) => ({ ...p.request, signal: shared.signal }));
    try {
      const results = await (once ? withoutRetriesFor(mayBePromptsFault, () => this.send(requests)) : this.send(requests));
      this.health.answered++;
      settle(group, results);
      return undefined;
    } catch (error) {
      return { error, mark };
    } finally {
      shared.release();
    }
  }

  /**
   * A group's call failed. A refusal that may be one prompt's fault (4xx) splits it. So does a
   * dropped connection, a 5xx, a timeout or a broken body once the retries are spent, unless the
   * endpoint looks down: nothing has been answered since the group was sent and a split made in
   * that state failed in every part (or one is under way: its outcome decides). Otherwise every
   * caller gets the error.
   */
  private async afterFailure(group: Pending<Req, Res>[], { error, mark }: Failure, split: boolean): Promise<void> {
    if (group.length > 1 && isSplittable(error)) return this.split(group, false);
    if (mayBePromptsFault(error)) {
      if (group.length === 1 && split) error.message += " [sent on its own after its batch failed]";
      const health = this.health;
      while (group.length > 1) {
        if (health.answered > mark) return this.split(group, true); // others are answered: this batch's own fault
        if (health.probe) {
          await health.probe;
          continue;
        }
        if (health.downAt === health.answered) {
          error.message += ` [not split: nothing else was answered by this endpoint either]`;
          break;
        }
        // Nothing answered since this batch was sent: its split finds out whether the endpoint is down.
        let decided!: () => void;
        health.probe = new Promise<void>((resolve) => (decided = resolve));
        return this.split(group, true, (answered) => {
          if (answered === false) health.downAt = health.answered;
          health.probe = undefined;
          decided();
        });
      }
    }
    for (const p of group) p.reject(error);
  }

  /**
   * Sends each half of a failed group on its own (`once`: without retrying the failure that split
   * it) and then deals with the halves that failed, so about 2·log2(n) requests find one guilty
   * prompt among n. Callers that have cancelled are left out (they have their AbortError already):
   * when all have, nothing is sent. `probed` is told, once both halves have settled, whether the
   * endpoint answered meanwhile, or that it did not while both halves failed again (false), or
   * neither (undefined: nothing sent, or cancelled).
   */
  private async split(group: Pending<Req, Res>[], once: boolean, probed?: (answered: boolean | undefined) => void): Promise<void> {
    const live = group.filter((p) => !p.request.signal?.aborted);
    const mid = Math.ceil(live.length / 2);
    const halves = [live.slice(0, mid), live.slice(mid)].filter((half) => half.length > 0);
    const before = this.health.answered;
    const failures = await Promise.all(halves.map((half) => this.attempt(half, once)));
    // Down only when every part failed as the batch did (not when its callers cancelled, nor on a 4xx: an answer).
    const down = halves.length > 0 && failures.every((f) => f !== undefined && mayBePromptsFault(f.error));
    probed?.(this.health.answered > before ? true : down ? false : undefined);
    await Promise.all(halves.map((half, i) => failures[i] && this.afterFailure(half, failures[i], true)));
  }
}

/** Gives each caller its own result, in order; a caller the response has no result for gets an error. */
function settle<Req, Res>(group: Pending<Req, Res>[], results: Res[]): void {
  group.forEach((p, i) => {
    const result = results[i];
    if (result === undefined) p.reject(new MalformedResponseError(`${results.length} results for a batch of ${group.length} requests`));
    else p.resolve(result);
  });
}

/**
 * A refusal that may be one prompt's fault (400 bad request, context length, 413 too large, 422),
 * not the endpoint's or the key's (401, 403, 404: the same for every prompt), nor transient.
 */
function isSplittable(error: unknown): boolean {
  if (!(error instanceof LLMError) || error.retryable) return false; // (a cancellation is an AbortError, never an LLMError)
  const status = error.status;
  return status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 404;
}

/**
 * A transient failure one poisonous prompt can cause (a server that crashes, runs out of memory or
 * stalls on it): a dropped connection, a 5xx, a timeout, a broken body. Not a rate limit (about
 * the client's pace), not an endpoint that cannot be reached at all (ECONNREFUSED, DNS: no prompt
 * was even read), not a dead endpoint or a budget (never retryable), nor a cancellation.
 */
function mayBePromptsFault(error: unknown): error is LLMError {
  return error instanceof LLMError && error.retryable && !(error instanceof RateLimitedError) && !isUnreachable(error);
}

const generateGroup = (r: GenerateRequest) => {
  const { prompt: _p, signal: _s, sampleKey: _k, ...params } = r;
  return canonicalJSON(params);
};

export function withBatching(inner: ModelClient, options: BatchOptions = {}): ModelClient {
  const generateBatch = inner.generateBatch?.bind(inner);
  const scoreBatch = inner.scoreBatch?.bind(inner);
  if (!generateBatch && !scoreBatch) return inner;
  let sizeKnown: Promise<number> | undefined;
  const size = () =>
    (sizeKnown ??=
      options.batchSize !== undefined
        ? Promise.resolve(options.batchSize)
        : inner.capabilities().then(
            (c) => c.batching,
            (err) => ((sizeKnown = undefined), Promise.reject(err)),
          ));
  const windowMs = options.windowMs ?? 5;
  const health = new EndpointHealth();
  let generating: Batcher<GenerateRequest, Awaited<ReturnType<ModelClient["generate"]>>> | undefined;
  let scoring: Batcher<ScoreRequest, Awaited<ReturnType<ModelClient["score"]>>> | undefined;

  const client = perRequestOnly(
    wrapClient(inner, {
      async generate(r) {
        const n = await size();
        if (n <= 1 || !generateBatch) return inner.generate(r);
        generating ??= new Batcher(n, windowMs, generateBatch, health);
        return raceAbort(generating.add(generateGroup(r), r), r.signal, inner.id);
      },
      async score(r) {
        const caps = await inner.capabilities();
        const n = await size();
        if (n <= 1 || !scoreBatch || !caps.exactScoring) return inner.score(r);
        scoring ??= new Batcher(n, windowMs, scoreBatch, health);
        return raceAbort(scoring.add("score", r), r.signal, inner.id);
      },
    }),
  );
  // A caller's own list of scores (a class layer's classes and spellings) goes out as one request.
  if (scoreBatch) client.scoreBatch = scoreBatch;
  return client;
}
