/**
 * Collects concurrent requests that share every parameter but the prompt into one batch call
 * (`generateBatch`/`scoreBatch`: one legacy completions request with a list of prompts), as the
 * original DLN did with 20 prompts per request. A batch is sent when it is full or after a short
 * window (a few ms), so a lone request waits at most that long. Each caller gets its own result
 * (the provider splits a response by choice `index`) and can abort alone; the batch's request is
 * aborted only when every caller has aborted. When the endpoint refuses a batch with a 4xx that
 * may be one prompt's fault (a prompt beyond the context window, a body too large), the batch is
 * bisected and resent, so only the guilty prompt's caller gets the error. Only active when the
 * client reports `capabilities().batching > 1`. A `scoreBatch` call (a caller's own list, e.g. every
 * class and spelling of one class layer call) is passed through whole: one request.
 */
import { raceAbort, SharedAbort } from "../abort.js";
import { canonicalJSON } from "../canonical.js";
import { LLMError, MalformedResponseError } from "../errors.js";
import type { GenerateRequest, ModelClient, ScoreRequest } from "../types.js";
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

/** Groups items by key and flushes each group when full or when its window closes. */
export class Batcher<Req extends { signal?: AbortSignal }, Res> {
  private readonly groups = new Map<string, Pending<Req, Res>[]>();
  constructor(
    private readonly size: number,
    private readonly windowMs: number,
    private readonly send: (requests: Req[]) => Promise<Res[]>,
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
    const shared = new SharedAbort();
    for (const p of group) shared.join(p.request.signal);
    shared.seal();
    const requests = group.map((p) => ({ ...p.request, signal: shared.signal }));
    this.send(requests)
      .finally(() => shared.release())
      .then(
        (results) => settle(group, results),
        (error) => {
          if (group.length > 1 && isSplittable(error)) this.bisect(group, error);
          else group.forEach((p) => p.reject(error));
        },
      );
  }

  /**
   * One prompt of a batch was refused (4xx): sends each half again on its own, and so on down to
   * single prompts, so only the guilty request fails (about 2·log2(n) requests for one guilty
   * prompt among n). Each part listens to its own callers' signals.
   */
  private bisect(group: Pending<Req, Res>[], error: unknown): void {
    if (group.length <= 1) {
      for (const p of group) p.reject(error);
      return;
    }
    const mid = Math.ceil(group.length / 2);
    for (const part of [group.slice(0, mid), group.slice(mid)]) {
      const shared = new SharedAbort();
      for (const p of part) shared.join(p.request.signal);
      shared.seal();
      this.send(part.map((p) => ({ ...p.request, signal: shared.signal })))
        .finally(() => shared.release())
        .then(
          (results) => settle(part, results),
          (err) => (part.length > 1 && isSplittable(err) ? this.bisect(part, err) : part.forEach((p) => p.reject(err))),
        );
    }
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
  let generating: Batcher<GenerateRequest, Awaited<ReturnType<ModelClient["generate"]>>> | undefined;
  let scoring: Batcher<ScoreRequest, Awaited<ReturnType<ModelClient["score"]>>> | undefined;

  const client = perRequestOnly(
    wrapClient(inner, {
      async generate(r) {
        const n = await size();
        if (n <= 1 || !generateBatch) return inner.generate(r);
        generating ??= new Batcher(n, windowMs, generateBatch);
        return raceAbort(generating.add(generateGroup(r), r), r.signal, inner.id);
      },
      async score(r) {
        const caps = await inner.capabilities();
        const n = await size();
        if (n <= 1 || !scoreBatch || !caps.exactScoring) return inner.score(r);
        scoring ??= new Batcher(n, windowMs, scoreBatch);
        return raceAbort(scoring.add("score", r), r.signal, inner.id);
      },
    }),
  );
  // A caller's own list of scores (a class layer's classes and spellings) goes out as one request.
  if (scoreBatch) client.scoreBatch = scoreBatch;
  return client;
}
