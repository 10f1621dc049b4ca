/**
 * A fake OpenAI-compatible server for tests and benchmarks: a real node:http server on
 * 127.0.0.1 (port chosen by the OS) that speaks the routes this project uses, answers from a
 * tiny deterministic "model", counts everything it receives, and injects faults on demand.
 *
 * Routes (any prefix, so `/v1/...` and Azure's `/openai/deployments/<d>/...?api-version=` work):
 * - POST …/chat/completions: `n`, `max_tokens`, `stop`, `logprobs` + `top_logprobs`.
 * - POST …/completions: a prompt or a list of prompts, `n` (choice index = prompt·n + j),
 *   `logprobs` (top-k), and `echo` (prompt tokens with `token_logprobs`, `text_offset`,
 *   `top_logprobs`; the first token's logprob is null), `max_tokens: 0` allowed.
 * - GET …/models.
 *
 * The default model: text is split into "whitespace-ish" tokens (optional leading spaces plus a
 * word, or one punctuation mark), see `fakeTokenize`. The logprob of a token after a prefix is a
 * hash of both (`fakeTokenLogprob`), so scores are deterministic and can be computed by hand in a
 * test. Generation picks, at each step, from a small vocabulary (`FAKE_VOCAB`) whose distribution
 * after a prefix (`fakeNextTokenDistribution`) is a softmax of hashed scores: greedy at
 * temperature 0, a seeded hash choice otherwise.
 *
 * Usage:
 *   const server = await startOpenAIServer({ latencyMs: 5 });
 *   // point a client at server.baseURL ("http://127.0.0.1:<port>/v1")
 *   server.setFaults({ at: { 1: { kind: "429", retryAfter: "0" } } });
 *   expect(server.stats.maxConcurrent).toBeLessThanOrEqual(4);
 *   await server.close();
 */
import { Rng } from "../../src/util/random.js";
import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { at } from "./indexing.js";

// ---------------------------------------------------------------------------------------------
// The deterministic model
// ---------------------------------------------------------------------------------------------

/** The vocabulary generation draws from (classification-friendly). */
export const FAKE_VOCAB = [
  " yes",
  " no",
  " Yes",
  " No",
  "yes",
  "no",
  " maybe",
  " positive",
  " negative",
  " A",
  " B",
  " C",
  " D",
  " the",
  " a",
  " answer",
  " is",
  " it",
  " not",
  " true",
  " false",
  ",",
  "\n",
  ".",
];

function hashUnit(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0) / 2 ** 32;
}

/** Whitespace-ish tokens: leading spaces + a run of letters/digits, or one other character. */
export function fakeTokenize(text: string): string[] {
  return text.match(/\s*[\p{L}\p{N}]+|\s*[^\s\p{L}\p{N}]|\s+/gu) ?? [];
}

/** The logprob of `token` after `prefix`: in [-6, -0.5), a hash of both. */
export function fakeTokenLogprob(prefix: string, token: string): number {
  return -0.5 - 5.5 * hashUnit(`${prefix}\u0000${token}`);
}

/** The next-token distribution over FAKE_VOCAB after `prefix`, most probable first. */
export function fakeNextTokenDistribution(prefix: string): Array<{ token: string; logprob: number }> {
  const scores = FAKE_VOCAB.map((token) => 4 * hashUnit(`next\u0000${prefix}\u0000${token}`));
  const max = Math.max(...scores);
  const logZ = max + Math.log(scores.reduce((s, x) => s + Math.exp(x - max), 0));
  return FAKE_VOCAB.map((token, i) => ({ token, logprob: at(scores, i) - logZ })).sort((a, b) => b.logprob - a.logprob);
}

export interface GeneratedToken {
  token: string;
  logprob: number;
  top: Array<{ token: string; logprob: number }>;
}

export interface Generation {
  text: string;
  tokens: GeneratedToken[];
  finishReason: "stop" | "length";
}

/** What the default model generates after `prompt` (choice `choice` of a request). */
export function fakeGenerate(
  prompt: string,
  opts: { maxTokens?: number; temperature?: number; seed?: number; stop?: string[]; choice?: number; topK?: number },
): Generation {
  const maxTokens = opts.maxTokens ?? 16;
  const tokens: GeneratedToken[] = [];
  let text = "";
  for (let i = 0; i < maxTokens; i++) {
    const dist = fakeNextTokenDistribution(prompt + text);
    let pick = at(dist, 0);
    if ((opts.temperature ?? 1) > 0) {
      const u = hashUnit(`sample\u0000${prompt}${text}\u0000${opts.seed ?? ""}\u0000${opts.choice ?? 0}`);
      let acc = 0;
      pick = at(dist, -1);
      for (const d of dist) {
        acc += Math.exp(d.logprob);
        if (u < acc) {
          pick = d;
          break;
        }
      }
    }
    const next = text + pick.token;
    const stopAt = (opts.stop ?? []).map((s) => next.indexOf(s, Math.max(0, text.length - s.length + 1))).filter((j) => j >= 0);
    if (stopAt.length) return { text: next.slice(0, Math.min(...stopAt)), tokens, finishReason: "stop" };
    tokens.push({ token: pick.token, logprob: pick.logprob, top: dist.slice(0, opts.topK ?? 0) });
    text = next;
    if (pick.token === ".") return { text, tokens, finishReason: "stop" };
  }
  return { text, tokens, finishReason: "length" };
}

// ---------------------------------------------------------------------------------------------
// Requests, responders, faults
// ---------------------------------------------------------------------------------------------

type Route = "chat" | "completions" | "models";

export interface ReceivedRequest {
  /** 1-based arrival number over every request. */
  number: number;
  route: Route;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: any;
}

/** Returns a response body (sent as JSON with status 200). Throwing sends a 500. */
export type Responder = (request: ReceivedRequest) => unknown | Promise<unknown>;

export type Fault =
  | { kind: "429"; retryAfter?: string; retryAfterMs?: number }
  | { kind: "500" }
  | { kind: "503"; retryAfter?: string }
  | { kind: "slow"; delayMs: number }
  | { kind: "malformed" }
  | { kind: "drop" }
  | { kind: "context_length" }
  | { kind: "401" }
  | { kind: "404" }
  | { kind: "400"; message?: string };

export interface FaultPlan {
  /** Faults by request number (1-based, counted over every request the server receives). */
  at?: Record<number, Fault>;
  /** Each request (not already given a fault by `at`) fails with `probability`, with a fault drawn from `faults`; seeded. */
  random?: { seed: number; probability: number; faults: Fault[] };
  /** A function deciding per request (checked after `at` and before `random`). */
  decide?: (request: ReceivedRequest) => Fault | undefined;
  /** Routes faults apply to. Default: chat and completions. */
  routes?: Route[];
}

export interface ServerOptions {
  /** Fixed latency added to every request, in ms. */
  latencyMs?: number;
  /** Replaces the default model for chat and completions. */
  responder?: Responder;
  faults?: FaultPlan;
  /** Serve legacy completions (default true; false answers 404 like OpenAI's chat models). */
  completions?: boolean;
  /** Support `echo` on legacy completions (default true; false answers 400 like OpenAI). */
  echo?: boolean;
  /** Return chat logprobs when asked (default true). */
  chatLogprobs?: boolean;
  /** Model ids listed by GET /models. */
  models?: string[];
}

interface ServerStats {
  requests: number;
  byRoute: Record<Route, number>;
  /** Successful (200) answers by route. */
  answered: Record<Route, number>;
  faults: Record<string, number>;
  concurrent: number;
  maxConcurrent: number;
  /** Every request received, in order (headers included, so tests can look for secrets). */
  received: ReceivedRequest[];
  /** Prompts per legacy completions request, in order. */
  promptsPerRequest: number[];
}

export interface FakeOpenAIServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** url + "/v1": what a client's baseURL should be. */
  baseURL: string;
  stats: ServerStats;
  setFaults(plan: FaultPlan | undefined): void;
  setLatency(ms: number): void;
  resetStats(): void;
  close(): Promise<void>;
}

const emptyRoutes = (): Record<Route, number> => ({ chat: 0, completions: 0, models: 0 });
const newStats = (): ServerStats => ({
  requests: 0,
  byRoute: emptyRoutes(),
  answered: emptyRoutes(),
  faults: {},
  concurrent: 0,
  maxConcurrent: 0,
  received: [],
  promptsPerRequest: [],
});

function routeOf(method: string, path: string): Route | undefined {
  if (method === "POST" && path.endsWith("/chat/completions")) return "chat";
  if (method === "POST" && path.endsWith("/completions")) return "completions";
  if (method === "GET" && path.endsWith("/models")) return "models";
  return undefined;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

const apiError = (message: string, type: string, code: string | null) => ({ error: { message, type, param: null, code } });

function usageFor(prompts: string[], completionTokens: number) {
  const prompt_tokens = prompts.reduce((s, p) => s + fakeTokenize(p).length, 0);
  return { prompt_tokens, completion_tokens: completionTokens, total_tokens: prompt_tokens + completionTokens };
}

const stopOf = (stop: unknown): string[] | undefined => (typeof stop === "string" ? [stop] : Array.isArray(stop) ? stop : undefined);

/** The default model's answer to POST /completions. */
function defaultCompletions(body: any, options: ServerOptions): unknown {
  if (options.completions === false)
    throw new HttpError(404, apiError("This is a chat model and not supported in the v1/completions endpoint.", "invalid_request_error", null));
  const prompts: string[] = Array.isArray(body.prompt) ? body.prompt : [body.prompt ?? ""];
  if (body.echo && options.echo === false) throw new HttpError(400, apiError("echo is not supported for this model", "invalid_request_error", null));
  const n: number = body.n ?? 1;
  const topK: number = Math.min(5, body.logprobs ?? 0);
  const wantLogprobs = body.logprobs !== undefined && body.logprobs !== null;
  const choices: unknown[] = [];
  let completionTokens = 0;
  prompts.forEach((prompt, p) => {
    for (let j = 0; j < n; j++) {
      const gen = fakeGenerate(prompt, {
        maxTokens: body.max_tokens ?? 16,
        temperature: body.temperature,
        seed: body.seed,
        stop: stopOf(body.stop),
        choice: j,
        topK,
      });
      completionTokens += gen.tokens.length;
      let logprobs: unknown = null;
      if (wantLogprobs) {
        const tokens: string[] = [];
        const token_logprobs: (number | null)[] = [];
        const top_logprobs: (Record<string, number> | null)[] = [];
        const text_offset: number[] = [];
        let offset = 0;
        if (body.echo) {
          let prefix = "";
          for (const token of fakeTokenize(prompt)) {
            tokens.push(token);
            token_logprobs.push(prefix === "" ? null : fakeTokenLogprob(prefix, token));
            top_logprobs.push(
              prefix === ""
                ? null
                : Object.fromEntries(
                    fakeNextTokenDistribution(prefix)
                      .slice(0, topK)
                      .map((t) => [t.token, t.logprob]),
                  ),
            );
            text_offset.push(offset);
            offset += [...token].length;
            prefix += token;
          }
        }
        for (const t of gen.tokens) {
          tokens.push(t.token);
          token_logprobs.push(t.logprob);
          top_logprobs.push(Object.fromEntries(t.top.map((x) => [x.token, x.logprob])));
          text_offset.push(offset);
          offset += [...t.token].length;
        }
        logprobs = { tokens, token_logprobs, top_logprobs, text_offset };
      }
      choices.push({ index: p * n + j, text: (body.echo ? prompt : "") + gen.text, logprobs, finish_reason: gen.finishReason });
    }
  });
  return { id: "cmpl-fake", object: "text_completion", created: 0, model: body.model, choices, usage: usageFor(prompts, completionTokens) };
}

/** The default model's answer to POST /chat/completions (the last message is the prompt). */
function defaultChat(body: any, options: ServerOptions): unknown {
  const messages: Array<{ content?: string }> = body.messages ?? [];
  const prompt = String(messages[messages.length - 1]?.content ?? "");
  const n: number = body.n ?? 1;
  const topK: number = Math.min(20, body.top_logprobs ?? 0);
  const withLogprobs = body.logprobs === true && options.chatLogprobs !== false;
  let completionTokens = 0;
  const choices = Array.from({ length: n }, (_x, j) => {
    const gen = fakeGenerate(prompt, {
      maxTokens: body.max_tokens ?? body.max_completion_tokens ?? 16,
      temperature: body.temperature,
      seed: body.seed,
      stop: stopOf(body.stop),
      choice: j,
      topK,
    });
    completionTokens += gen.tokens.length;
    return {
      index: j,
      message: { role: "assistant", content: gen.text },
      logprobs: withLogprobs
        ? { content: gen.tokens.map((t) => ({ token: t.token, logprob: t.logprob, bytes: null, top_logprobs: t.top.map((x) => ({ ...x, bytes: null })) })) }
        : null,
      finish_reason: gen.finishReason,
    };
  });
  return { id: "chatcmpl-fake", object: "chat.completion", created: 0, model: body.model, choices, usage: usageFor([prompt], completionTokens) };
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

export async function startOpenAIServer(options: ServerOptions = {}): Promise<FakeOpenAIServer> {
  let stats = newStats();
  let plan = options.faults;
  let random = plan?.random ? randomOf(plan.random.seed) : undefined;
  let latencyMs = options.latencyMs ?? 0;
  const sockets = new Set<import("node:net").Socket>();

  const chooseFault = (request: ReceivedRequest): Fault | undefined => {
    if (!plan || !(plan.routes ?? ["chat", "completions"]).includes(request.route)) return undefined;
    const scripted = plan.at?.[request.number] ?? plan.decide?.(request);
    if (scripted) return scripted;
    if (plan.random && random && random() < plan.random.probability) {
      return plan.random.faults[Math.floor(random() * plan.random.faults.length)];
    }
    return undefined;
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };

  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? "/";
    const path = at(url.split("?"), 0);
    const route = routeOf(req.method ?? "GET", path);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (!route) return send(res, 404, apiError(`no route ${req.method} ${path}`, "invalid_request_error", null));
    let body: any;
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
    } catch {
      return send(res, 400, apiError("request body is not JSON", "invalid_request_error", null));
    }
    stats.requests++;
    stats.byRoute[route]++;
    const request: ReceivedRequest = { number: stats.requests, route, method: req.method ?? "", url, headers: req.headers, body };
    stats.received.push(request);
    if (route === "completions") stats.promptsPerRequest.push(Array.isArray(body.prompt) ? body.prompt.length : 1);
    stats.concurrent++;
    stats.maxConcurrent = Math.max(stats.maxConcurrent, stats.concurrent);
    let counted = true;
    const done = () => {
      if (counted) stats.concurrent--;
      counted = false;
    };
    res.on("close", done);
    try {
      if (latencyMs > 0) await wait(latencyMs);
      const fault = chooseFault(request);
      if (fault) {
        stats.faults[fault.kind] = (stats.faults[fault.kind] ?? 0) + 1;
        switch (fault.kind) {
          case "429": {
            const headers: Record<string, string> = {};
            if (fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
            if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
            return send(res, 429, apiError("Rate limit reached for requests", "requests", "rate_limit_exceeded"), headers);
          }
          case "500":
            return send(res, 500, apiError("The server had an error while processing your request.", "server_error", null));
          case "503":
            return send(
              res,
              503,
              apiError("The engine is currently overloaded.", "server_error", null),
              fault.retryAfter ? { "retry-after": fault.retryAfter } : {},
            );
          case "malformed":
            return send(res, 200, '{"id": "cmpl-broken", "choices": [{"text": "half');
          case "drop":
            return void req.socket.destroy();
          case "context_length":
            return send(
              res,
              400,
              apiError(
                "This model's maximum context length is 4096 tokens. However, your messages resulted in 9000 tokens.",
                "invalid_request_error",
                "context_length_exceeded",
              ),
            );
          case "401":
            return send(res, 401, apiError("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"));
          case "404":
            return send(res, 404, apiError("The model does not exist.", "invalid_request_error", "model_not_found"));
          case "400":
            return send(res, 400, apiError(fault.message ?? "Invalid request.", "invalid_request_error", null));
          case "slow":
            await wait(fault.delayMs);
            break; // then answer normally, if anyone still listens
        }
      }
      if (res.destroyed) return;
      if (route === "models")
        return send(res, 200, { object: "list", data: (options.models ?? ["fake-model"]).map((id) => ({ id, object: "model", owned_by: "fake" })) });
      const answer = options.responder ? await options.responder(request) : route === "chat" ? defaultChat(body, options) : defaultCompletions(body, options);
      stats.answered[route]++;
      send(res, 200, answer);
    } catch (err) {
      if (err instanceof HttpError) return send(res, err.status, err.body);
      send(res, 500, apiError(`fake server failure: ${(err as Error).message}`, "server_error", null));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    baseURL: `${url}/v1`,
    get stats() {
      return stats;
    },
    setFaults(next) {
      plan = next;
      random = next?.random ? randomOf(next.random.seed) : undefined;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    resetStats() {
      stats = newStats();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A seeded draw in [0, 1) for fault injection. */
function randomOf(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}
