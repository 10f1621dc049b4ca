/**
 * The one interface every LLM request goes through. Providers (src/llm/providers) implement it;
 * middleware (src/llm/middleware) wraps a client and returns another with the same interface.
 */

export interface GenerateRequest {
  /** The rendered text. Chat APIs receive it as one user message. */
  prompt: string;
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
  seed?: number;
  /** Completions wanted for this prompt. */
  n?: number;
  /** Ask for the top-k logprobs of each generated token (0 or absent: none). */
  topLogprobs?: number;
  /**
   * Distinguishes repeated sampled requests (temperature > 0) in the cache: the k-th posterior
   * sample of a batch is a different cache entry from the (k+1)-th, but the same across reruns.
   */
  sampleKey?: string | number;
  signal?: AbortSignal;
}

export interface TopLogprob {
  token: string;
  logprob: number;
}

export interface TokenLogprob extends TopLogprob {
  /** Top alternatives at this position, most probable first, when requested. */
  top?: TopLogprob[];
}

export interface Completion {
  text: string;
  tokens?: TokenLogprob[];
  finishReason?: "stop" | "length" | string;
}

export interface Usage {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cacheHits: number;
  /** Dollars, when the model has a price table. */
  cost: number;
}

export interface GenerateResult {
  completions: Completion[];
  usage: Usage;
}

export interface ScoreRequest {
  context: string;
  target: string;
  signal?: AbortSignal;
}

export interface ScoreResult {
  /** Per-token logprobs of the target given the context (teacher forcing). */
  tokens: TopLogprob[];
  usage: Usage;
}

export interface Capabilities {
  /** Which API the client speaks. */
  api: "chat" | "completions" | "local";
  /** `score()` works: exact teacher-forced target logprobs. */
  exactScoring: boolean;
  /** Most top logprobs per generated token (0: none). */
  topLogprobs: number;
  /** Prompts per request the client batches together (1: no batching). */
  batching: number;
}

export interface ModelClient {
  /** provider:model@endpoint, for messages and cache keys; never contains a secret. */
  readonly id: string;
  capabilities(): Promise<Capabilities>;
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /** Throws an `UnsupportedError` (src/llm/errors.ts) when capabilities().exactScoring is false. */
  score(request: ScoreRequest): Promise<ScoreResult>;
  /** Optional: several requests as one unit (one HTTP request for legacy completions); results in order. */
  generateBatch?(requests: GenerateRequest[]): Promise<GenerateResult[]>;
  scoreBatch?(requests: ScoreRequest[]): Promise<ScoreResult[]>;
  close?(): Promise<void>;
}

export const emptyUsage = (): Usage => ({ requests: 0, promptTokens: 0, completionTokens: 0, cacheHits: 0, cost: 0 });

export function addUsage(into: Usage, more: Usage): Usage {
  into.requests += more.requests;
  into.promptTokens += more.promptTokens;
  into.completionTokens += more.completionTokens;
  into.cacheHits += more.cacheHits;
  into.cost += more.cost;
  return into;
}

/** What a provider factory gets besides its (environment-expanded) model settings. */
export interface ProviderContext {
  /** Directory that relative paths (GGUF files) resolve against: the network file's directory. */
  baseDir: string;
  env: NodeJS.ProcessEnv;
  /** Where a provider reports a setting it had to adjust (e.g. topLogprobs clamped). */
  warn?: (message: string) => void;
  /**
   * The response cache file, for what a provider learns about its endpoint (capability probes),
   * so a warm rerun sends nothing. Absent with `--cache off`; `put` does nothing when read-only.
   */
  memory?: ProviderMemory;
}

/** A small persistent key → JSON value store (the cache file); keys and values never hold a secret. */
export interface ProviderMemory {
  get<T>(key: string): T | undefined;
  put(key: string, value: unknown): void;
}

/** Builds a bare provider client; middleware (cache, limits, retries, usage) is added by src/llm/factory.ts. */
export type ProviderFactory = (spec: import("../network/types.js").ModelSpec, ctx: ProviderContext) => Promise<ModelClient>;
