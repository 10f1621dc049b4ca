/**
 * The `llama` provider: llama.cpp embedded in the process through node-llama-cpp (no server).
 *
 * `{ provider: "llama", model: "./models/x.gguf" }` loads the GGUF file (path relative to the
 * network file; `hf:` URIs are resolved by node-llama-cpp for online users). Each client owns one
 * context with one sequence; the model and the native backend are shared between clients of the
 * same file. Generation is completion-style (raw text in, continuation out); scoring is exact
 * teacher forcing with the full softmax at every target position, reusing the evaluated context
 * when consecutive requests share it. See docs/llama.md.
 */
import type { LlamaContext, Token } from "node-llama-cpp";
import { requestAborted } from "../abort.js";
import { ContextLengthError } from "../errors.js";
import type { Capabilities, GenerateRequest, GenerateResult, ModelClient, ProviderContext, ProviderFactory, ScoreRequest, ScoreResult } from "../types.js";
import type { ModelSpec } from "../../network/types.js";
import { Rng } from "../../util/random.js";
import { LlamaProviderError } from "./llama-errors.js";
import { generateCompletion } from "./llama-generate.js";
import { PrefixAffinityQueue } from "./llama-queue.js";
import { acquireModel, availableThreads, resolveModelPath, type LlamaGpuSetting, type ModelLease } from "./llama-runtime.js";
import { scoreTarget } from "./llama-score.js";
import { LlamaSequenceRunner, type LlamaEvaluationStats } from "./llama-sequence.js";
import { planScore, promptTokens, type ScorePlan } from "./llama-tokens.js";

/** Most top logprobs per generated token (the whole distribution is available; 20 matches OpenAI chat). */
export const LLAMA_TOP_LOGPROBS = 20;
const DEFAULT_MAX_TOKENS = 256;
const DEFAULT_CONTEXT_SIZE = 4096;

export interface LlamaClientOptions {
  /** Keep the evaluated context in the sequence and evaluate only what changed (default true). */
  reuseContext?: boolean;
  /** Compute backend; default `DLN_LLAMA_GPU` from the environment, else CPU only. */
  gpu?: LlamaGpuSetting;
}

export interface LlamaClient extends ModelClient {
  /** Token evaluations so far (for benchmarks comparing runs with and without context reuse). */
  stats(): LlamaEvaluationStats;
  resetStats(): void;
  /** The context window in tokens actually allocated. */
  readonly contextSize: number;
  /** Threads this client's context evaluates with. */
  readonly threads: number;
  /** The tokens `score()` evaluates and where the target starts (to inspect the context/target boundary). */
  scorePlan(context: string, target: string): ScorePlan;
}

/** Reads `DLN_LLAMA_GPU` (false|auto|cuda|vulkan|metal); anything else means CPU. */
function gpuFromEnv(env: NodeJS.ProcessEnv): LlamaGpuSetting {
  const value = env.DLN_LLAMA_GPU?.trim().toLowerCase();
  return value === "auto" || value === "cuda" || value === "vulkan" || value === "metal" ? value : false;
}

const asList = (stop: string | string[] | undefined): string[] => (stop === undefined ? [] : Array.isArray(stop) ? stop : [stop]);

export async function createLlamaClient(spec: ModelSpec, ctx: ProviderContext, options: LlamaClientOptions = {}): Promise<LlamaClient> {
  const id = `llama:${spec.model}`;
  const file = await resolveModelPath(spec.model, ctx.baseDir, id);
  const where = `llama:${file}`;
  const gpu = options.gpu ?? gpuFromEnv(ctx.env);
  const threads = Math.max(1, Math.floor(spec.threads ?? availableThreads()));
  if (threads > availableThreads()) {
    ctx.warn?.(`${id}: threads ${threads} is more than the ${availableThreads()} cores available; llama.cpp will use at most ${availableThreads()}`);
  }
  const lease = await acquireModel(file, gpu, where);
  let context: LlamaContext;
  try {
    context = await lease.model.createContext({
      contextSize: spec.contextSize ?? Math.min(lease.model.trainContextSize, DEFAULT_CONTEXT_SIZE),
      sequences: 1,
      threads,
    });
  } catch (cause) {
    await lease.release();
    throw new LlamaProviderError(
      "E_LLAMA_LOAD_FAILED",
      `Could not create a llama.cpp context of ${spec.contextSize ?? "default"} tokens for ${file}`,
      "Lower contextSize in the model settings (memory grows with it)",
      { where, cause },
    );
  }
  return new LlamaClientImpl(id, where, spec, lease, context, threads, options.reuseContext ?? true, ctx.warn);
}

class LlamaClientImpl implements LlamaClient {
  private readonly runner: LlamaSequenceRunner;
  private readonly queue: PrefixAffinityQueue<Token>;
  private closed = false;
  private warnedTopLogprobs = false;

  constructor(
    readonly id: string,
    private readonly where: string,
    private readonly spec: ModelSpec,
    private readonly lease: ModelLease,
    private readonly context: LlamaContext,
    readonly threads: number,
    reuseContext: boolean,
    private readonly warn?: (message: string) => void,
  ) {
    this.runner = new LlamaSequenceRunner(context.getSequence(), reuseContext);
    this.queue = new PrefixAffinityQueue(() => this.runner.heldTokens);
  }

  get contextSize(): number {
    return this.context.contextSize;
  }

  async capabilities(): Promise<Capabilities> {
    return { api: "local", exactScoring: true, topLogprobs: LLAMA_TOP_LOGPROBS, batching: 1 };
  }

  stats(): LlamaEvaluationStats {
    return this.runner.stats();
  }

  resetStats(): void {
    this.runner.resetStats();
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    this.ensureOpen();
    if (request.signal?.aborted) throw requestAborted(this.where);
    const model = this.lease.model;
    const prompt = promptTokens(model, request.prompt, this.where);
    if (prompt.length >= this.contextSize) {
      throw new ContextLengthError(`${prompt.length} prompt tokens, context ${this.contextSize}`, { where: this.where });
    }
    const temperature = request.temperature ?? this.spec.temperature ?? 0;
    const settings = {
      maxTokens: request.maxTokens ?? this.spec.maxTokens ?? DEFAULT_MAX_TOKENS,
      temperature,
      stop: request.stop ?? asList(this.spec.stop),
      topLogprobs: this.clampTopLogprobs(request.topLogprobs ?? 0),
      signal: request.signal,
      where: this.where,
    };
    const n = Math.max(1, request.n ?? 1);
    const seed = request.seed ?? this.spec.seed ?? 0;
    // Greedy decoding gives the same completion every time: compute it once.
    const distinct = temperature > 0 ? n : 1;
    const completions = [];
    for (let i = 0; i < distinct; i++) {
      // Seed, sample key and completion index name the random stream, so reruns draw the same tokens.
      const rng = new Rng(`${seed}/${request.sampleKey ?? ""}/${i}`);
      completions.push(await this.queue.run(prompt, () => generateCompletion(this.runner, model, prompt, settings, rng)));
    }
    const [first] = completions;
    while (first !== undefined && completions.length < n) completions.push(first);
    return {
      completions: completions.map(({ generatedTokens: _n, ...c }) => ({ ...c, tokens: [...c.tokens] })),
      usage: {
        requests: 1,
        promptTokens: prompt.length,
        completionTokens: completions.reduce((sum, c) => sum + c.generatedTokens, 0),
        cacheHits: 0,
        cost: 0,
      },
    };
  }

  scorePlan(context: string, target: string): ScorePlan {
    return planScore(this.lease.model, context, target, this.where);
  }

  async score(request: ScoreRequest): Promise<ScoreResult> {
    this.ensureOpen();
    const model = this.lease.model;
    const plan = this.scorePlan(request.context, request.target);
    if (plan.tokens.length - 1 > this.contextSize) {
      throw new ContextLengthError(`${plan.tokens.length} context+target tokens, context ${this.contextSize}`, { where: this.where });
    }
    const tokens = await this.queue.run(plan.tokens, async () => {
      if (request.signal?.aborted) throw requestAborted(this.where);
      return scoreTarget(this.runner, model, plan);
    });
    return { tokens, usage: { requests: 1, promptTokens: plan.tokens.length, completionTokens: 0, cacheHits: 0, cost: 0 } };
  }

  /** Scores in the given order's result positions, but runs requests sharing a context back to back. */
  async scoreBatch(requests: ScoreRequest[]): Promise<ScoreResult[]> {
    return Promise.all(requests.map((r) => this.score(r)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let queued jobs finish before the context goes away.
    await this.queue.run([], async () => undefined);
    await this.context.dispose();
    await this.lease.release();
  }

  private clampTopLogprobs(k: number): number {
    if (k > LLAMA_TOP_LOGPROBS && !this.warnedTopLogprobs) {
      this.warnedTopLogprobs = true;
      this.warn?.(`${this.id}: topLogprobs ${k} clamped to ${LLAMA_TOP_LOGPROBS}`);
    }
    return Math.min(Math.max(0, Math.floor(k)), LLAMA_TOP_LOGPROBS);
  }

  private ensureOpen(): void {
    if (this.closed) {
      throw new LlamaProviderError("E_LLAMA_CLOSED", "This llama client was closed", "Create a new client for further requests", { where: this.where });
    }
  }
}

export const createLlamaProvider: ProviderFactory = (spec, ctx) => createLlamaClient(spec, ctx);
