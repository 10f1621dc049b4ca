/**
 * The network file, as a TypeScript type. `schemas/network.schema.json` is the reference for
 * authors; test/network/schema-agreement.test.ts proves that these types and the schema agree.
 *
 * Strings in `models` may contain `${VAR}` or `${VAR:-default}`: they are expanded from the
 * environment when a model is used (src/llm/env.ts), never at compile time.
 */

export interface NetworkSpec {
  $schema?: string;
  /** A short name for the network (used in run directories and reports). */
  name: string;
  description?: string;
  /** Named model settings; nodes refer to them by name. */
  models?: Record<string, ModelSpec>;
  /** Field names of a sample that the nodes may read. */
  inputs: string[];
  /** Node id → node. */
  nodes: Record<string, NodeSpec>;
  /** The node whose value is the network's answer. */
  output: string;
  loss?: LossSpec;
  train?: TrainSpec;
  /** Named inline templates (LiquidJS syntax), usable by name in `template`. */
  templates?: Record<string, string>;
}

export type ProviderName = "openai" | "llama" | "sim";

export interface ModelSpec {
  provider: ProviderName;
  /** Model name (openai), path to a GGUF file relative to the network file or `hf:` URI (llama), world name (sim). */
  model: string;
  /** OpenAI-compatible endpoint. Default: `${OPENAI_BASE_URL}` or OpenAI's. */
  baseURL?: string;
  /** API key; write `${OPENAI_API_KEY}`, never the key itself. */
  apiKey?: string;
  /** Which OpenAI API to use. `auto` prefers legacy completions when the endpoint has them. */
  api?: "chat" | "completions" | "auto";
  /** Azure OpenAI: set `azure: { apiVersion, deployment? }` and `baseURL` to the resource endpoint. */
  azure?: { apiVersion: string; deployment?: string };
  /** Extra HTTP headers sent with every request (values may use ${VAR}). */
  headers?: Record<string, string>;
  /** Several endpoints behind this one model name: least-busy routing and failover. */
  endpoints?: Array<{ baseURL: string; apiKey?: string; weight?: number }>;
  temperature?: number;
  maxTokens?: number;
  stop?: string | string[];
  seed?: number;
  /** Most requests in flight at once, per endpoint. */
  concurrency?: number;
  /** Requests per minute, per endpoint. */
  rpm?: number;
  /** Tokens per minute, per endpoint. */
  tpm?: number;
  /** Per-request timeout in milliseconds. */
  timeoutMs?: number;
  /** Retries after the first attempt for retryable failures (429, 5xx, timeouts, dropped connections). */
  maxRetries?: number;
  /** Prompts per legacy completions request (the original DLN sent 20). */
  batchSize?: number;
  /** How many top logprobs to ask for (chat ≤ 20, legacy completions ≤ 5). */
  topLogprobs?: number;
  /** Scoring mode to insist on; `auto` picks the best the endpoint supports. */
  scoring?: ScoringMode;
  /** Price in dollars per million tokens, for cost accounting and cost budgets. */
  price?: { prompt: number; completion: number };
  /** llama: CPU threads (default: the cores available); context size in tokens. */
  threads?: number;
  contextSize?: number;
}

export type ScoringMode = "auto" | "exact" | "classes" | "accuracy";

export type NodeSpec = LayerSpec | CombineSpec | EnsembleSpec;

/** How a layer's raw text becomes its value. */
export type ParseSpec = "none" | "trim" | "first_line" | "first_word" | "json" | { regex: string; group?: number | string; flags?: string };

export type ClassSpec = string | { label: string; verbalizers?: string[] };

/** One LLM call per sample. */
export interface LayerSpec {
  type: "layer";
  description?: string;
  /** Inputs or node ids this layer reads; the template sees each by name. */
  from: string[];
  /** A built-in template name, a name from `templates`, or inline LiquidJS text. Default: `classify`. */
  template?: string;
  /** The initial prompt: the layer's learnable parameter. */
  prompt?: string;
  /** A name from `models`. Default: the only model, or the one named `default`. */
  model?: string;
  trainable?: boolean;
  /** Constrained output: the layer answers with one of these labels. */
  classes?: ClassSpec[];
  maxTokens?: number;
  temperature?: number;
  stop?: string | string[];
  parse?: ParseSpec;
  /**
   * How the trainer asks for posterior samples of this layer's value (a hidden layer):
   * `hint` (its own forward context with the wanted answer as a hint) or `rewrite` (a backward
   * prompt asking for better intermediate text). Default `hint` (docs/training.md 2d).
   */
  posterior?: PosteriorForm;
}

/** The posterior forms (docs/network-files.md `posterior`, docs/training.md 2d). */
export type PosteriorForm = "hint" | "rewrite";

/** Deterministic text from several upstream values; no LLM call (a residual connection). */
export interface CombineSpec {
  type: "combine";
  description?: string;
  from: string[];
  template: string;
}

export type AggregateSpec = "vote" | "mean" | "concat" | { judge: string };

/** Several layers side by side, aggregated. */
export interface EnsembleSpec {
  type: "ensemble";
  description?: string;
  /** Layer ids whose values are aggregated. */
  members?: string[];
  /** Or: one layer run `count` times (sharing its prompt) at `temperature`. */
  replicate?: { layer: string; count: number; temperature?: number };
  aggregate?: AggregateSpec;
}

export interface LossSpec {
  /** `exact_match` compares normalised strings; `number_match` compares the last number; `contains` checks the gold appears. */
  type: "exact_match" | "number_match" | "contains";
  normalize?: "none" | "trim" | "lower" | "first_word" | "first_line";
  /** Field of a sample that holds the gold answer. Default `y`. */
  target?: string;
}

/** The knobs of ../shared/TRAINING.md; defaults are the paper's (see docs/training.md). */
export interface TrainSpec {
  optimizer?: "dln-vi";
  /** Model that writes prompt proposals and posterior samples. Default: each layer's own model. */
  backwardModel?: string;
  iterations?: number;
  batchSize?: number;
  /** Prompt candidates per step (including the current prompt). */
  promptSamples?: number;
  /** Posterior samples per sample for hidden layers. */
  hiddenSamples?: number;
  backwardTemperature?: number;
  posteriorTemperature?: number;
  trustFactor?: number;
  explorationPenalty?: number;
  memory?: number;
  patience?: number;
  valEvery?: number;
  heldOut?: boolean;
  priorTerm?: boolean;
  rewriteOnlyWrong?: boolean;
  keepForward?: boolean;
  /** How a step picks the new prompt: the best-scored candidate (default) or a random one (an ablation). */
  selection?: "score" | "random";
  balanced?: boolean;
  /** Fraction of the first target tokens skipped when scoring (0.05 in the paper). */
  burnIn?: number;
  scoring?: ScoringMode;
  seed?: number;
  budget?: { tokens?: number; requests?: number; cost?: number };
  rewriteInstructions?: string[];
}
