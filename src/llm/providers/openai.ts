/**
 * `openai`: any OpenAI-compatible endpoint (OpenAI, Azure OpenAI, vLLM, llama.cpp server, Ollama,
 * LM Studio, Together) through the `openai` package. The package's own retries and timeouts are
 * off: the middleware (src/llm/middleware) owns them, the same for every provider.
 *
 * - generate: chat completions or legacy completions (`api`; `auto` prefers legacy completions
 *   when the endpoint has them). `generateBatch` sends several prompts in one legacy request.
 * - score: exact teacher-forced logprobs through legacy completions with `echo`, `logprobs`,
 *   `max_tokens: 0`; the target is located with the returned text offsets (openai-parse.ts).
 * - capabilities: discovered once per endpoint and model, remembered (openai-capabilities.ts).
 */
import OpenAI, { AzureOpenAI } from "openai";
import type { ModelSpec } from "../../network/types.js";
import { UnsupportedError } from "../errors.js";
import type {
  Capabilities,
  GenerateRequest,
  GenerateResult,
  ModelClient,
  ProviderContext,
  ProviderFactory,
  ScoreRequest,
  ScoreResult,
  Usage,
} from "../types.js";
import { discoverCapabilities, type EndpointFeatures } from "./openai-capabilities.js";
import { toLLMError } from "./openai-errors.js";
import { parseChatBody, parseCompletionsBody, parseEchoBody, targetTokensFromEcho, usageFrom, type EchoBody, type ParsedBody } from "./openai-parse.js";

export const CHAT_TOP_LOGPROBS_MAX = 20;
export const COMPLETIONS_TOP_LOGPROBS_MAX = 5;
/** The package's own timeout, set beyond any real request: the timeout middleware aborts first. */
const PACKAGE_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/** `https://host/v1`, without credentials, query or trailing slash: safe for ids, messages and cache keys. */
export function describeEndpoint(baseURL: string): string {
  try {
    const url = new URL(baseURL);
    return `${url.host}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    return "invalid-url";
  }
}

function stopList(stop: string | string[] | undefined): string[] | undefined {
  if (stop === undefined) return undefined;
  const list = Array.isArray(stop) ? stop : [stop];
  return list.length ? list : undefined;
}

function makeSdkClient(spec: ModelSpec, baseURL: string, apiKey: string): OpenAI {
  const common = {
    apiKey,
    maxRetries: 0,
    timeout: PACKAGE_TIMEOUT_MS,
    defaultHeaders: spec.headers,
    logLevel: "off" as const,
  };
  if (spec.azure) {
    // A resource endpoint (https://x.openai.azure.com) gets /openai/deployments/<name> added by the package.
    const isResource = !/\/openai(\/|$)/.test(new URL(baseURL).pathname);
    return new AzureOpenAI({
      ...common,
      apiVersion: spec.azure.apiVersion,
      deployment: spec.azure.deployment ?? spec.model,
      ...(isResource ? { endpoint: baseURL } : { baseURL }),
    });
  }
  return new OpenAI({ ...common, baseURL });
}

export const createOpenAIProvider: ProviderFactory = async (spec, ctx) => new OpenAIClient(spec, ctx);

class OpenAIClient implements ModelClient {
  readonly id: string;
  private readonly sdk: OpenAI;
  private readonly secrets: string[];
  private readonly baseURL: string;
  private features: Promise<EndpointFeatures> | undefined;
  private readonly warned = new Set<string>();
  /** `logprobs` for echo scoring: 0 unless this endpoint answered 0 with no logprobs (see scoreBatch). */
  private echoLogprobs: 0 | 1 = 0;

  constructor(
    private readonly spec: ModelSpec,
    private readonly ctx: ProviderContext,
  ) {
    this.baseURL = spec.baseURL ?? ctx.env.OPENAI_BASE_URL ?? (spec.azure ? "" : "https://api.openai.com/v1");
    if (!this.baseURL)
      throw new UnsupportedError(
        `Azure OpenAI needs baseURL (the resource endpoint) for model "${spec.model}"`,
        'Set baseURL: "https://<resource>.openai.azure.com"',
      );
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(this.baseURL)) {
      // fetch refuses such URLs (and would print them); say so before any request, without the credentials.
      throw new UnsupportedError(
        `The baseURL of model "${spec.model}" contains a user name or password (${describeEndpoint(this.baseURL)})`,
        "Remove the user-info from baseURL; give credentials with apiKey or a header under headers",
      );
    }
    const apiKey = spec.apiKey ?? (spec.azure ? ctx.env.AZURE_OPENAI_API_KEY : undefined) ?? ctx.env.OPENAI_API_KEY ?? "";
    this.secrets = [apiKey, ...Object.values(spec.headers ?? {})].filter((s) => s.length >= 4);
    this.id = `openai:${spec.model}@${describeEndpoint(this.baseURL)}`;
    // Local servers need no key, but the package insists on one; "none" is sent then.
    this.sdk = makeSdkClient(spec, this.baseURL, apiKey || "none");
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.ctx.warn?.(`${this.id}: ${message}`);
  }

  private endpointFeatures(): Promise<EndpointFeatures> {
    const memory = this.ctx.memory && { id: this.id, store: this.ctx.memory };
    this.features ??= discoverCapabilities(this.baseURL, this.spec, (kind, body, signal) => this.post(kind, body, signal), memory).catch((err) => {
      this.features = undefined; // transient failures are not remembered
      throw err;
    });
    return this.features;
  }

  async capabilities(): Promise<Capabilities> {
    const f = await this.endpointFeatures();
    const api = this.apiFor(f);
    return {
      api,
      // Echo scoring is a legacy-completions request: not for a model declared `api: "chat"`.
      exactScoring: f.echo && this.spec.api !== "chat",
      topLogprobs: api === "chat" ? f.chatTopLogprobs : f.completionsTopLogprobs,
      batching: api === "completions" ? Math.max(1, this.spec.batchSize ?? 20) : 1,
    };
  }

  private apiFor(f: EndpointFeatures): "chat" | "completions" {
    const wanted = this.spec.api ?? "auto";
    if (wanted === "chat") return "chat";
    if (wanted === "completions") return "completions";
    return f.completions ? "completions" : "chat";
  }

  /** One HTTP POST through the package; every failure becomes a typed error. */
  private async post(kind: "chat" | "completions", body: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    try {
      const options = { signal };
      return kind === "chat" ? await this.sdk.chat.completions.create(body as never, options) : await this.sdk.completions.create(body as never, options);
    } catch (err) {
      throw toLLMError(err, this.id, this.secrets);
    }
  }

  private clampTop(requested: number | undefined, limit: number, api: string): number {
    const k = requested ?? 0;
    if (k <= 0) return 0;
    if (k > limit) {
      this.warnOnce(`topLogprobs ${k} is more than ${api} allows on this endpoint; using ${limit}`);
      return limit;
    }
    return k;
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    return single(await this.generateBatch([request]), this.id);
  }

  /** Requests must share every parameter but the prompt (the batch middleware groups them so). */
  async generateBatch(requests: GenerateRequest[]): Promise<GenerateResult[]> {
    const [first] = requests;
    if (first === undefined) return [];
    const f = await this.endpointFeatures();
    const api = this.apiFor(f);
    const n = first.n ?? 1;
    const common = {
      model: this.spec.model,
      max_tokens: first.maxTokens,
      temperature: first.temperature,
      stop: stopList(first.stop),
      seed: first.seed,
      n: n === 1 ? undefined : n,
    };
    const signal = first.signal;
    if (api === "chat") {
      return Promise.all(requests.map((r) => this.generateChat(r, common, f, signal)));
    }
    const top = this.clampTop(
      first.topLogprobs,
      Math.min(COMPLETIONS_TOP_LOGPROBS_MAX, f.completionsTopLogprobs || COMPLETIONS_TOP_LOGPROBS_MAX),
      "legacy completions",
    );
    const prompts = requests.map((r) => r.prompt);
    const body = await this.post("completions", { ...common, prompt: prompts.length === 1 ? prompts[0] : prompts, logprobs: top || undefined }, signal);
    const parsed = parseCompletionsBody(body, this.id, top > 0);
    return splitByPrompt(parsed, prompts, n, this.id);
  }

  private async generateChat(r: GenerateRequest, common: Record<string, unknown>, f: EndpointFeatures, signal?: AbortSignal): Promise<GenerateResult> {
    const top = this.clampTop(r.topLogprobs, Math.min(CHAT_TOP_LOGPROBS_MAX, f.chatTopLogprobs || CHAT_TOP_LOGPROBS_MAX), "chat");
    const body = await this.post(
      "chat",
      {
        ...common,
        messages: [{ role: "user", content: r.prompt }],
        ...(top > 0 ? { logprobs: true, top_logprobs: top } : {}),
      },
      signal,
    );
    const parsed = parseChatBody(body, this.id, top > 0);
    const completions = parsed.choices.map((c) => c.completion);
    return {
      completions,
      usage: usageFrom(
        parsed,
        r.prompt.length,
        completions.reduce((s, c) => s + c.text.length, 0),
      ),
    };
  }

  async score(request: ScoreRequest): Promise<ScoreResult> {
    return single(await this.scoreBatch([request]), this.id);
  }

  /**
   * Exact scoring of several (context, target) pairs in one echo request. It asks for `logprobs: 0`
   * (each prompt token's own logprob and offset, no alternatives: what lm-eval's loglikelihood
   * requests send), which keeps a long echo response about half the size to receive and parse. An
   * endpoint that answers 0 with no logprobs at all is asked again with 1, and from then on.
   */
  async scoreBatch(requests: ScoreRequest[]): Promise<ScoreResult[]> {
    const [first] = requests;
    if (first === undefined) return [];
    const f = await this.endpointFeatures();
    if (!f.echo || this.spec.api === "chat") {
      throw new UnsupportedError(
        "This endpoint does not return prompt logprobs (echo), so exact target scoring is not possible",
        'Use scoring: "classes" or "accuracy", or a vLLM/llama provider for exact scoring',
        { where: this.id },
      );
    }
    const prompts = requests.map((r) => r.context + r.target);
    const echo = async (logprobs: 0 | 1): Promise<EchoBody> =>
      parseEchoBody(
        await this.post(
          "completions",
          {
            model: this.spec.model,
            prompt: prompts.length === 1 ? prompts[0] : prompts,
            echo: true,
            logprobs,
            max_tokens: f.echoMaxTokens,
            temperature: 0,
          },
          first.signal,
        ),
        this.id,
      );
    let parsed = await echo(this.echoLogprobs);
    const missing = () => requests.some((_r, i) => !parsed.logprobs.get(i));
    if (this.echoLogprobs === 0 && missing()) {
      this.echoLogprobs = 1;
      parsed = await echo(1);
    }
    const total = usageFrom(
      parsed,
      prompts.reduce((s, p) => s + p.length, 0),
      0,
    );
    return requests.map((r, i) => {
      const lp = parsed.logprobs.get(i);
      if (!lp) throw toLLMError(new SyntaxError("an echo choice has no logprobs"), this.id);
      return { tokens: targetTokensFromEcho(lp, r.context, r.target, this.id), usage: usageShare(total, requests.length, i) };
    });
  }
}

/** Legacy completions number choices promptIndex·n + j; give each prompt its own n choices. */
function splitByPrompt(parsed: ParsedBody, prompts: string[], n: number, where: string): GenerateResult[] {
  const perPrompt: GenerateResult["completions"][] = prompts.map(() => []);
  for (const choice of parsed.choices) {
    const p = Math.floor(choice.index / n);
    const completions = perPrompt[p];
    if (completions === undefined) throw toLLMError(new SyntaxError(`choice index ${choice.index} is out of range`), where);
    completions.push(choice.completion);
  }
  if (perPrompt.some((c) => c.length !== n)) throw toLLMError(new SyntaxError(`expected ${n} choice(s) per prompt`), where);
  const textChars = parsed.choices.reduce((s, c) => s + c.completion.text.length, 0);
  const total = usageFrom(parsed, prompts.join("").length, textChars);
  return perPrompt.map((completions, i) => ({ completions, usage: usageShare(total, prompts.length, i) }));
}

/** The result of a batch of one request. */
function single<T>(results: T[], where: string): T {
  const [result] = results;
  if (result === undefined) throw toLLMError(new SyntaxError("the response has no result for the request"), where);
  return result;
}

/**
 * The `i`-th of the k shares of one response's usage over the k requests it served: the HTTP
 * request counts once (on the first), tokens are shared evenly with the remainder on the first,
 * so totals stay exact.
 */
function usageShare(total: Usage, k: number, i: number): Usage {
  const part = (v: number) => Math.floor(v / k) + (i === 0 ? v % k : 0);
  return {
    requests: i === 0 ? total.requests : 0,
    promptTokens: part(total.promptTokens),
    completionTokens: part(total.completionTokens),
    cacheHits: 0,
    cost: 0,
  };
}
