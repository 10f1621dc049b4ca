/**
 * `Graph`: a compiled, checked network you can run (and train). The split follows LangGraph's
 * builder → compile → runnable: the network file is the builder, `compile`/`loadNetwork` check
 * it, and the Graph runs it. It holds no hidden global state: the models it talks to come from a
 * `ModelRegistry` you can pass in, or one it creates from the network's `models` on first use.
 */
import { concat, concatMap, defer, from, isObservable, lastValueFrom, type Observable, throwError, toArray } from "rxjs";
import { compileNetwork, type CompileOptions } from "./compile/compile.js";
import { NetworkError } from "./network/diagnostics.js";
import { loadNetworkFile } from "./compile/load.js";
import type { CompiledNetwork, CompiledNode, Diagnostic } from "./compile/types.js";
import { runNetwork, type SampleSource } from "./exec/run.js";
import { createReorderBuffer, type ReorderBuffer } from "./exec/reorder.js";
import type { ClientSource, RunOptions, RunProgress, RunResult } from "./exec/types.js";
import { ModelRegistry, type ModelRegistryOptions } from "./llm/registry.js";
import { costBudgetProblem } from "./llm/prices.js";
import { emptyUsage, type Usage } from "./llm/types.js";
import type { ModelSpec, NetworkSpec } from "./network/types.js";
import type { Example, Splits } from "./data/types.js";
import { kShotExamples, promptsWithShots, toSample } from "./data/index.js";
import { summarizeAnswers, type AnswerSummary } from "./metrics/index.js";
import { Rng } from "./util/random.js";
import type { Optimizer } from "./train/optimizer.js";
import { CHECKPOINT_FILE, loadCheckpoint } from "./train/checkpoint.js";
import { readManifest } from "./train/resume.js";
import { resolveTrainConfig, TrainConfigError, type TrainConfig, type TrainOverrides } from "./train/config.js";
import { buildTrainGraph, hasHiddenTrainableLayers } from "./train/topology.js";
import { createTrainServices, type RegistryLike } from "./train/services.js";
import { resolveResume, ResumeError } from "./train/resume.js";
import { train, type TrainRun } from "./train/trainer.js";
import { existsSync } from "node:fs";
import { join } from "node:path";

export { InvalidSample } from "./exec/invalidSample.js";
export type { RunResult, Sample } from "./exec/types.js";
export type { TrainConfig, TrainOverrides } from "./train/config.js";
export type { TrainEvent } from "./train/events.js";
export type { TrainResult, TrainRun } from "./train/trainer.js";

/** How a Graph builds its model clients when a run does not bring its own `clients`. */
export interface GraphModelOptions {
  /** Settings laid over the network's models by name (`*` for all), e.g. `{ "*": { provider: "sim", model: "tasks" } }`. */
  models?: Record<string, Partial<ModelSpec>>;
  /** Response cache: default readwrite at `.dln/cache.sqlite` under the working directory. */
  cache?: ModelRegistryOptions["cache"];
  /** Where `${VAR}` in model settings are read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where the model clients' warnings go (e.g. a setting a provider ignores); default: none. */
  warn?: (message: string) => void;
}

/** Options of `graph.train()`. */
export interface GraphTrainOptions {
  /** Knobs laid over the network's `train` section (the paper's defaults fill the rest: docs/training.md). */
  config?: TrainOverrides;
  /** Where checkpoints, events.jsonl and result.json go (none: nothing is written). */
  runDir?: string;
  /**
   * Continue the run in `runDir` from its last checkpoint, with the run's own settings (as
   * `dln train --resume`): only `config.iterations` and `config.budget` may change; another value
   * of a setting, or other data, is refused with an error naming each difference, unless `force`.
   */
  resume?: boolean;
  /** Resume despite differences in settings or data (they are recorded in the run's run.json). */
  force?: boolean;
  /** Where the data came from, recorded in run.json (for your own bookkeeping; the CLI records its flags). */
  dataSources?: unknown;
  signal?: AbortSignal;
  /** Model clients to use instead of the graph's own registry (they must count usage). */
  clients?: RegistryLike;
  /** Another optimizer than dln-vi. */
  optimizer?: Optimizer;
}

/** Options of `graph.run()`: those of the executor, with `clients` optional. */
export type GraphRunOptions = Omit<RunOptions, "clients"> & {
  clients?: ClientSource;
  /**
   * Emit the results in input order instead of completion order. Reading stays bounded: at most
   * `window` samples (default max(256, 4 × concurrency)) between the oldest unfinished one and the
   * newest read one.
   */
  ordered?: boolean;
  window?: number;
};

/** Options of `graph.evaluate()`. */
export interface GraphEvaluateOptions extends Pick<GraphRunOptions, "clients" | "prompts" | "temperature" | "concurrency" | "signal"> {
  /**
   * A k-shot baseline (the paper's): `k` solved examples drawn from `examples` with `seed`
   * (default 42) are shown in the output layer's prompt.
   */
  shots?: { k: number; examples: readonly Example[]; seed?: number };
  /** Called after each sample completes (and once at the start). */
  onProgress?: (p: RunProgress) => void;
}

/** A sample that failed: it counts as wrong. */
export interface EvaluationFailure {
  id: string;
  code: string;
  node?: string;
  message: string;
}

/** The answers scored against the gold targets with the network's loss (what `dln eval` reports). */
export interface Scores {
  examples: number;
  correct: number;
  accuracy: number;
  failed: number;
  /** Per gold class: how many, how many wrong, and the wrong answers given. */
  perClass: AnswerSummary["perClass"];
  failures: EvaluationFailure[];
}

/** What `graph.evaluate()` resolves to. */
export interface Evaluation extends Scores {
  /** One result per example, in the examples' order. */
  results: RunResult[];
  /** The model calls of this evaluation (requests, tokens, cache hits, cost). */
  usage: Usage;
  /** Solved examples shown in the prompt (fewer than asked when the pool is small). */
  shots: number;
  wallMs: number;
}

/** What `graph.planTraining()` found: the configuration a run uses and what a forced resume accepted. */
export interface TrainPlan {
  config: TrainConfig;
  /** Differences from the run that `force` accepted (recorded in run.json); empty otherwise. */
  forced: string[];
}

/** What a training run directory holds, for resuming it: its settings and where its data came from. */
export interface RunDirInfo {
  config: TrainConfig;
  /** The `dataSources` the run recorded in run.json, when it did. */
  dataSources?: unknown;
}

export class Graph {
  private registry?: ModelRegistry;

  constructor(
    readonly network: CompiledNetwork,
    private readonly modelOptions: GraphModelOptions = {},
  ) {}

  get name(): string {
    return this.network.name;
  }
  get inputs(): readonly string[] {
    return this.network.inputs;
  }
  get output(): string {
    return this.network.output;
  }
  /** Topological generations: the nodes of one generation can run at the same time. */
  get generations(): readonly (readonly string[])[] {
    return this.network.generations;
  }
  get warnings(): readonly Diagnostic[] {
    return this.network.warnings;
  }
  node(id: string): CompiledNode | undefined {
    return this.network.nodes.get(id);
  }

  /** The same network with other model settings (overrides, cache, env): a new Graph with its own clients. */
  withModels(options: GraphModelOptions): Graph {
    return new Graph(this.network, { ...this.modelOptions, ...options });
  }

  /** The model clients this graph uses by default (created on first use, shared by every run). */
  get models(): ModelRegistry {
    this.registry ??= new ModelRegistry(this.network.models, {
      baseDir: this.network.baseDir,
      env: this.modelOptions.env,
      cache: this.modelOptions.cache,
      overrides: this.modelOptions.models,
      warn: this.modelOptions.warn,
    });
    return this.registry;
  }

  /**
   * Streams samples through the network. Results arrive in completion order (in input order with
   * `ordered`), one per sample, with `index` giving the sample's position; a failed sample is a
   * result with `error`.
   */
  run(samples: SampleSource, options: GraphRunOptions = {}): Observable<RunResult> {
    const { ordered, window, ...rest } = options;
    const runOptions: RunOptions = { ...rest, clients: rest.clients ?? this.models };
    if (!ordered) return runNetwork(this.network, samples, runOptions);
    return defer(() => {
      const buffer = createReorderBuffer<RunResult>(window ?? Math.max(256, (rest.concurrency ?? 64) * 4));
      const results = runNetwork(this.network, withRoom(samples, buffer), runOptions).pipe(concatMap((r) => buffer.push(r)));
      // A stopped run (failFast) leaves results after a gap held: they follow, in order.
      return concat(
        results,
        defer(() => from(buffer.drainHeld())),
      );
    });
  }

  /** Runs every sample and resolves to the results in input order. */
  async runAll(samples: SampleSource, options: GraphRunOptions = {}): Promise<RunResult[]> {
    const results = await lastValueFrom(this.run(samples, options).pipe(toArray()), { defaultValue: [] as RunResult[] });
    return results.sort((a, b) => a.index - b.index);
  }

  /** The models the network's layers use, plus `extra` (e.g. the backward model), without repeats. */
  modelsInUse(extra: readonly (string | undefined)[] = []): string[] {
    const names = new Set<string>();
    for (const n of this.network.nodes.values()) if (n.kind === "layer") names.add(n.model);
    for (const e of extra) if (e !== undefined) names.add(e);
    return [...names];
  }

  /** The training settings `train()` would use: `overrides` over the network's `train` section over the paper's defaults. */
  trainConfig(overrides: TrainOverrides = {}): TrainConfig {
    return resolveTrainConfig(this.network.train, overrides, hasHiddenTrainableLayers(buildTrainGraph(this.network)));
  }

  /**
   * Trains the network's trainable prompts on the splits with the DLN variational optimizer.
   * Returns the event stream (every candidate, choice, validation) and a promise of the result
   * (best prompts, dev/test accuracy, usage). Pass `result.bestPrompts` as `prompts` to `run()`.
   */
  train(data: Pick<Splits, "train" | "dev" | "test">, options: GraphTrainOptions = {}): TrainRun {
    let plan: TrainPlan;
    try {
      plan = this.planTraining(data, options);
    } catch (err) {
      const result = Promise.reject(err);
      result.catch(() => undefined); // the caller handles it
      return { events$: throwError(() => err), result };
    }
    const { config, forced } = plan;
    const clients = options.clients ?? this.models;
    const services = createTrainServices(this.network, clients, { scoring: config.scoring, burnIn: config.burnIn });
    const { runDir, resume, signal, optimizer, dataSources } = options;
    return train(this.network, data, { config, services, runDir, resume, signal, optimizer, forced, dataSources });
  }

  /**
   * What `train()` with these options would do, checked before anything is sent or written: the
   * configuration (fresh, or the run's own by the one resume policy, as `dln train --resume`), the
   * differences a forced resume accepts, and a cost budget's prices. Throws what `train()` would.
   */
  planTraining(data: Pick<Splits, "train" | "dev" | "test">, options: GraphTrainOptions = {}): TrainPlan {
    let plan: TrainPlan = { config: this.trainConfig(options.config), forced: [] };
    if (options.resume) {
      if (!options.runDir) throw new ResumeError("cannot resume: no runDir given");
      const resumed = resolveResume({ runDir: options.runDir, network: this.network.name, overrides: options.config, splits: data, force: options.force });
      plan = { config: resumed.config, forced: resumed.differences };
    }
    if (!options.clients) this.checkCostBudget(plan.config);
    return plan;
  }

  /** A cost budget needs the price of every model it counts: refused before anything is sent when one has none. */
  private checkCostBudget(config: TrainConfig): void {
    if (config.budget.cost === undefined) return;
    const known = new Set(this.models.names());
    const inUse = this.modelsInUse([config.backwardModel]).filter((m) => known.has(m));
    const problem = costBudgetProblem(Object.fromEntries(inUse.map((m) => [m, this.models.spec(m)])));
    if (problem) throw new TrainConfigError("budget.cost", problem);
  }

  /**
   * Runs the examples and scores the answers against their targets with the network's loss
   * (what `dln eval` reports): accuracy, errors per gold class, the failed samples (counted as
   * wrong), one result per example, and the usage of this evaluation.
   */
  async evaluate(examples: readonly Example[], options: GraphEvaluateOptions = {}): Promise<Evaluation> {
    const { shots, onProgress, ...run } = options;
    const demos = shots && shots.k > 0 ? kShotExamples(shots.examples, shots.k, new Rng(shots.seed ?? 42).fork("shots")) : [];
    const prompts = shots && shots.k > 0 ? promptsWithShots(this.network, run.prompts, demos) : run.prompts;
    let usage = emptyUsage();
    const progress = (p: RunProgress): void => {
      usage = p.usage;
      onProgress?.(p);
    };
    const started = performance.now();
    const results = await this.runAll(examples.map(toSample), { ...run, prompts, onProgress: progress });
    return { ...scoreResults(this.network, examples, results), results, usage, shots: demos.length, wallMs: performance.now() - started };
  }

  /** Releases the model clients (database handles, local models). */
  async close(): Promise<void> {
    await this.registry?.close();
    this.registry = undefined;
  }
}

/**
 * Compiles a network given as JSON5 text or as an object. Throws a `NetworkError` carrying every
 * diagnostic (file, line, column, path, code) when the network is invalid.
 */
export function compile(input: string | NetworkSpec, options: CompileOptions & GraphModelOptions = {}): Graph {
  const result = compileNetwork(input, options);
  if (!result.ok) throw new NetworkError(result.diagnostics);
  return new Graph(result.network, options);
}

/** Reads and compiles a network file (or compiles a spec object). Throws a `NetworkError` when it is invalid. */
export async function loadNetwork(pathOrSpec: string | NetworkSpec, options: GraphModelOptions & { cwd?: string } = {}): Promise<Graph> {
  if (typeof pathOrSpec !== "string") return compile(pathOrSpec, options);
  const result = await loadNetworkFile(pathOrSpec, { cwd: options.cwd });
  if (!result.ok) throw new NetworkError(result.diagnostics);
  return new Graph(result.network, options);
}

/** What `graph.planTraining()` found: the configuration a run uses and what a forced resume accepted. */
export interface TrainPlan {
  config: TrainConfig;
  /** Differences from the run that `force` accepted (recorded in run.json); empty otherwise. */
  forced: string[];
}

/** What a training run directory holds: its settings (from the checkpoint: throws when it has none) and where its data came from. */
export function readRunDir(runDir: string): RunDirInfo {
  const { config } = loadCheckpoint(runDir);
  const dataSources = readManifest(runDir)?.data.sources;
  return dataSources === undefined ? { config } : { config, dataSources };
}

/** Whether a run directory has a checkpoint to resume from. */
export function hasCheckpoint(runDir: string): boolean {
  return existsSync(join(runDir, CHECKPOINT_FILE));
}

/** Pairs results with their examples (by input position) and scores the answers with the network's loss. */
export function scoreResults(network: CompiledNetwork, examples: readonly Example[], results: readonly RunResult[]): Scores {
  const byIndex = new Map(results.map((r) => [r.index, r]));
  const preds = examples.map((_, i) => {
    const r = byIndex.get(i);
    return r && !r.error ? r.output : undefined;
  });
  const summary = summarizeAnswers(
    preds,
    examples.map((e) => e.target),
    network.loss,
  );
  const failures = examples.flatMap((e, i) => {
    const r = byIndex.get(i);
    if (r && !r.error) return [];
    const error = r?.error ?? { code: "E_NOT_RUN", message: "the sample did not run" };
    return [{ id: e.id, code: error.code, node: error.node, message: error.message }];
  });
  return { examples: summary.examples, correct: summary.correct, accuracy: summary.accuracy, failed: failures.length, perClass: summary.perClass, failures };
}

/** Reads no further than the reorder buffer's window allows (an Observable source is not held back). */
function withRoom(samples: SampleSource, buffer: ReorderBuffer<RunResult>): SampleSource {
  if (isObservable(samples)) return samples;
  return (async function* () {
    let index = 0;
    for await (const sample of samples) {
      await buffer.waitForRoom(index++);
      yield sample;
    }
  })();
}
