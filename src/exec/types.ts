/**
 * The executor's public shapes: what `runNetwork` takes (RunOptions) and what it emits for each
 * sample (RunResult, with an optional per-node trace).
 */
import type { ModelClient, Usage } from "../llm/types.js";

/** Where the executor gets a model client by name: the shape of `ModelRegistry` (src/llm/registry.ts). */
export interface ClientSource {
  get(modelName: string): Promise<ModelClient>;
}

/** One sample: the network's input fields, plus any extra fields (such as `id`) that pass through. */
export type Sample = Record<string, unknown>;

export interface RunOptions {
  /** Model clients by the model names of the network (a ModelRegistry). */
  clients: ClientSource;
  /** Prompt overrides by layer id or parameter id (e.g. the best prompts of a training run); a layer id wins over its parameter id. */
  prompts?: Record<string, string>;
  /** Overrides every layer's temperature (and the models' defaults). */
  temperature?: number;
  /**
   * Most samples in flight at once (default 64). The model clients' own concurrency limits are the
   * real throttle; this bound keeps memory flat by not reading the input further ahead.
   */
  concurrency?: number;
  /** Aborting stops new requests, aborts those in flight, and rejects the run with the one `AbortError` (`E_ABORTED`). */
  signal?: AbortSignal;
  /** Keep every node's rendered prompt, raw text, value, usage and latency in the result. */
  trace?: boolean;
  /** Called after each sample completes (and once at the start). */
  onProgress?: (p: RunProgress) => void;
  /**
   * For sampled forward passes (training): passed into GenerateRequest.sampleKey as
   * `${sampleKey}/${index}/${nodeId}`, so each sample and node is its own cache entry, the same across reruns.
   */
  sampleKey?: string | number;
  /**
   * Seeds what sampled ensemble members draw (default 0): a member at temperature > 0 draws its
   * class from the scored distribution with a PRNG seeded by (seed, sampleKey, member id, its
   * rendered prompt), and a free-text member generates with a request `seed` derived from
   * (seed, sampleKey, member id). The same seed gives the same draws on every rerun.
   */
  seed?: number;
  /** Stop at the first failed sample: emit its result, abort the rest, complete. */
  failFast?: boolean;
}

export interface RunProgress {
  /** Samples finished (ok or failed). */
  done: number;
  failed: number;
  inFlight: number;
  /** Usage of every model call so far (requests, tokens, cache hits, cost). */
  usage: Usage;
}

export interface RunError {
  /** The node that failed, when one did (absent for a bad sample). */
  node?: string;
  /** Stable code: `E_MISSING_INPUT`, `E_INVALID_SAMPLE`, `E_TEMPLATE`, `E_PARSE`, `E_MODEL` or the model error's own code. */
  code: string;
  message: string;
}

export interface RunResult {
  /** Position of the sample in the input, from 0. */
  index: number;
  /** The sample's `id` field, when it has one. */
  id?: string;
  /** The value of the network's output node (absent when the sample failed). */
  output?: unknown;
  /** Every node's value for this sample that was computed, by node id. */
  values: Record<string, unknown>;
  /** Per-node trace in the order nodes finished, when `trace: true`. */
  trace?: NodeTrace[];
  error?: RunError;
}

export interface NodeTrace {
  node: string;
  kind: "layer" | "combine" | "ensemble";
  /** The text sent to the model (layers) or the rendered text (combine). */
  rendered?: string;
  /** The model's raw text, before parsing. */
  raw?: string;
  value: unknown;
  usage?: Usage;
  /** Time from the node firing to its value, in milliseconds. */
  latencyMs: number;
  /** Ensembles: every member's value, in member order. */
  members?: Array<{ node: string; value: unknown }>;
  /** Layers with classes, when the client scored them: class label → probability. */
  classProbs?: Record<string, number>;
  /**
   * Sampled ensemble members (temperature > 0): the temperature of the draw. With `classProbs`,
   * `value` is the class drawn from them at this temperature; otherwise `seed` is the request seed
   * the member generated with.
   */
  sampled?: { temperature: number; seed?: number };
}
