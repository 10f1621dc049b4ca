/**
 * `Graph`: a compiled, checked network you can run (and train). The split follows LangGraph's
 * builder → compile → runnable: the network file is the builder, `compile`/`loadNetwork` check
 * it, and the Graph runs it. It holds no hidden global state: the models it talks to come from a
 * `ModelRegistry` you can pass in, or one it creates from the network's `models` on first use.
 */
import { lastValueFrom, type Observable, throwError, toArray } from "rxjs";
import { compileNetwork, type CompileOptions } from "./compile/compile.js";
import { NetworkError } from "./network/diagnostics.js";
import { loadNetworkFile } from "./compile/load.js";
import type { CompiledNetwork, CompiledNode, Diagnostic } from "./compile/types.js";
import { runNetwork, type SampleSource } from "./exec/run.js";
import type { ClientSource, RunOptions, RunResult } from "./exec/types.js";
import { ModelRegistry, type ModelRegistryOptions } from "./llm/registry.js";
import type { ModelSpec, NetworkSpec } from "./network/types.js";
import type { Splits } from "./data/types.js";
import type { Optimizer } from "./train/optimizer.js";
import { resolveTrainConfig, type TrainOverrides } from "./train/config.js";
import { buildTrainGraph, hasHiddenTrainableLayers } from "./train/topology.js";
import { createTrainServices, type RegistryLike } from "./train/services.js";
import { resolveResume, ResumeError } from "./train/resume.js";
import { train, type TrainRun } from "./train/trainer.js";

/** How a Graph builds its model clients when a run does not bring its own `clients`. */
export interface GraphModelOptions {
  /** Settings laid over the network's models by name (`*` for all), e.g. `{ "*": { provider: "sim", model: "tasks" } }`. */
  models?: Record<string, Partial<ModelSpec>>;
  /** Response cache: default readwrite at `.dln/cache.sqlite` under the working directory. */
  cache?: ModelRegistryOptions["cache"];
  /** Where `${VAR}` in model settings are read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
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
export type GraphRunOptions = Omit<RunOptions, "clients"> & { clients?: ClientSource };

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

  /** The model clients this graph uses by default (created on first use, shared by every run). */
  get models(): ModelRegistry {
    this.registry ??= new ModelRegistry(this.network.models, {
      baseDir: this.network.baseDir,
      env: this.modelOptions.env,
      cache: this.modelOptions.cache,
      overrides: this.modelOptions.models,
    });
    return this.registry;
  }

  /**
   * Streams samples through the network. Results arrive in completion order, one per sample,
   * with `index` giving the sample's position; a failed sample is a result with `error`.
   */
  run(samples: SampleSource, options: GraphRunOptions = {}): Observable<RunResult> {
    return runNetwork(this.network, samples, { ...options, clients: options.clients ?? this.models });
  }

  /** Runs every sample and resolves to the results in input order. */
  async runAll(samples: SampleSource, options: GraphRunOptions = {}): Promise<RunResult[]> {
    const results = await lastValueFrom(this.run(samples, options).pipe(toArray()), { defaultValue: [] as RunResult[] });
    return results.sort((a, b) => a.index - b.index);
  }

  /**
   * Trains the network's trainable prompts on the splits with the DLN variational optimizer.
   * Returns the event stream (every candidate, choice, validation) and a promise of the result
   * (best prompts, dev/test accuracy, usage). Pass `result.bestPrompts` as `prompts` to `run()`.
   */
  train(data: Pick<Splits, "train" | "dev" | "test">, options: GraphTrainOptions = {}): TrainRun {
    const hidden = hasHiddenTrainableLayers(buildTrainGraph(this.network));
    let config = resolveTrainConfig(this.network.train, options.config ?? {}, hidden);
    let forced: string[] | undefined;
    if (options.resume) {
      // The same policy as `dln train --resume`: the run's settings, its data, differences refused unless forced.
      try {
        if (!options.runDir) throw new ResumeError("cannot resume: no runDir given");
        const plan = resolveResume({ runDir: options.runDir, network: this.network.name, overrides: options.config, splits: data, force: options.force });
        config = plan.config;
        forced = plan.differences;
      } catch (err) {
        const result = Promise.reject(err);
        result.catch(() => undefined); // the caller handles it
        return { events$: throwError(() => err), result };
      }
    }
    const clients = options.clients ?? this.models;
    const services = createTrainServices(this.network, clients, { scoring: config.scoring, burnIn: config.burnIn });
    return train(this.network, data, {
      config,
      services,
      runDir: options.runDir,
      resume: options.resume,
      signal: options.signal,
      optimizer: options.optimizer,
      forced,
      dataSources: options.dataSources,
    });
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
