/**
 * Everything the trainer needs from the rest of the library, behind one small object: model
 * clients, the forward pass (the executor), scoring, the loss and usage. `createTrainServices`
 * wires the real ones; tests pass fakes.
 */
import type { CompiledNetwork, LayerNode } from "../compile/types.js";
import { runAll } from "../exec/run.js";
import type { ClientSource, RunResult, Sample } from "../exec/types.js";
import { emptyUsage, type ModelClient, type Usage } from "../llm/types.js";
import type { SpendingCap, UsageMeter } from "../llm/usage.js";
import type { ScoringMode } from "../network/types.js";
import { scoreClasses, targetLogLikelihood } from "../llm/scoring.js";
import { isCorrect as lossIsCorrect } from "../metrics/index.js";
import { createLayerScorer, pickScoringMode, type LayerScorer, type ScoringFunctions } from "./scorer.js";

export interface ForwardOptions {
  /** Prompt overrides by parameter id (or layer id). */
  prompts: Record<string, string>;
  temperature?: number;
  sampleKey?: string;
  signal?: AbortSignal;
  /** Keep each node's trace (its raw text) in the results. */
  trace?: boolean;
}

export interface TrainServices {
  clients: ClientSource;
  /** Runs the network on samples; one result per sample, in input order, with `values` per node. */
  forward(samples: Sample[], options: ForwardOptions): Promise<RunResult[]>;
  /** A fresh scorer for a layer (memoising within its lifetime); throws before spending when the mode is impossible. */
  scorer(layer: LayerNode, client: ModelClient): Promise<LayerScorer>;
  /** Loss 0? (the network's loss applied to a prediction). */
  isCorrect(prediction: unknown, gold: string): boolean;
  /** Everything spent through `clients` so far. */
  usage(): Usage;
  /**
   * Optional: caps what `clients` may spend from now on (`before` already spent): a request that
   * would cross the cap is refused before it is sent (src/llm/middleware/budget.ts).
   */
  limitSpending?(cap: SpendingCap, before: Usage): SpendingLimit;
  /** Optional: calls `listener` after every usage recorded through `clients`; returns the unsubscribe. */
  onUsage?(listener: () => void): () => void;
}

export interface SpendingLimit {
  /** The first refusal ("token budget: …"), once a request was refused. */
  refused(): string | undefined;
  /** Resolves when the requests admitted before the refusal have finished (and been metered). */
  idle(): Promise<void>;
  release(): void;
}

/** The shape of ModelRegistry (src/llm/registry.ts) the trainer relies on. */
export interface RegistryLike extends ClientSource {
  usage(): Usage | { total: Usage };
  /** The meter every client records into (src/llm/registry.ts); it enforces spending caps. */
  meter?: UsageMeter;
}

export type IsCorrectFn = (prediction: unknown, gold: string, loss: CompiledNetwork["loss"]) => boolean;

function totalUsage(u: Usage | { total: Usage }): Usage {
  return "total" in u ? { ...u.total } : { ...u };
}

/** The real services: the executor's runAll, src/llm/scoring.ts and src/metrics on a model registry. */
export function createTrainServices(
  network: CompiledNetwork,
  registry: RegistryLike,
  options: { scoring: ScoringMode; burnIn: number; scoringFunctions?: ScoringFunctions; isCorrect?: IsCorrectFn },
): TrainServices {
  const fns: ScoringFunctions = options.scoringFunctions ?? { scoreClasses, targetLogLikelihood };
  const isCorrect = options.isCorrect ?? lossIsCorrect;
  const { meter } = registry;
  return {
    clients: registry,
    forward: (samples, o) =>
      runAll(network, samples, {
        clients: registry,
        prompts: o.prompts,
        temperature: o.temperature,
        sampleKey: o.sampleKey,
        signal: o.signal,
        trace: o.trace ?? false,
      }),
    async scorer(layer, client) {
      const mode = pickScoringMode(
        layer,
        await client.capabilities(),
        options.scoring === "auto" ? (network.models[layer.model]?.scoring ?? "auto") : options.scoring,
      );
      return createLayerScorer(layer, client, mode, fns, options.burnIn);
    },
    isCorrect: (prediction, gold) => isCorrect(prediction, gold, network.loss),
    usage: () => (registry.usage ? totalUsage(registry.usage()) : emptyUsage()),
    ...(meter ? { limitSpending: (cap: SpendingCap, before: Usage) => spendingLimit(meter, cap, before) } : {}),
    ...(meter ? { onUsage: (listener: () => void) => meter.onRecord(listener) } : {}),
  };
}

function spendingLimit(meter: UsageMeter, cap: SpendingCap, before: Usage): SpendingLimit {
  const release = meter.limit(cap, before);
  return { refused: () => meter.refused(), idle: () => meter.idle(), release };
}
