/**
 * Training configuration: the paper's defaults (TRAINING.md, "Defaults from the paper's scripts"),
 * overridden by the network's `train` section, overridden by the command line. DLN-1 or DLN-2
 * defaults are picked by whether the network has trainable hidden layers.
 */
import type { ScoringMode, TrainSpec } from "../network/types.js";
import { REWRITE_INSTRUCTIONS } from "../templates/builtin.js";
import { DlnError } from "../util/errors.js";

export interface TrainConfig {
  optimizer: "dln-vi";
  /** Which default column applied. */
  preset: "dln-1" | "dln-2";
  /** Model that writes proposals and posterior samples; undefined: each layer's own model. */
  backwardModel?: string;
  iterations: number;
  batchSize: number;
  /** Prompt candidates per step, including the current prompt (P). */
  promptSamples: number;
  /** Posterior samples per sample for each stochastic parent (J). */
  hiddenSamples: number;
  backwardTemperature: number;
  posteriorTemperature: number;
  trustFactor: number;
  explorationPenalty: number;
  /** Decay the exploration penalty linearly to 0 over the run. */
  decayPenalty: boolean;
  memory: number;
  /** Validations without improvement before reloading the best prompts; 0: never. */
  patience: number;
  valEvery: number;
  heldOut: boolean;
  priorTerm: boolean;
  rewriteOnlyWrong: boolean;
  keepForward: boolean;
  /** How a step picks the new prompt: the best-scored candidate, or a random one (an ablation, to show the scores matter). */
  selection: "score" | "random";
  balanced: boolean;
  burnIn: number;
  scoring: ScoringMode;
  seed: number;
  budget: { tokens?: number; requests?: number; cost?: number };
  rewriteInstructions: string[];
}

/** TrainConfig fields settable from the network file and the command line. */
export type TrainOverrides = Partial<Omit<TrainConfig, "preset" | "budget">> & { budget?: TrainConfig["budget"] };

export const DLN1_DEFAULTS: Omit<TrainConfig, "preset" | "seed" | "budget" | "rewriteInstructions"> = {
  optimizer: "dln-vi",
  iterations: 20,
  batchSize: 20,
  promptSamples: 20,
  hiddenSamples: 0,
  backwardTemperature: 0.7,
  posteriorTemperature: 1,
  trustFactor: 0,
  explorationPenalty: 0,
  decayPenalty: true,
  memory: 0,
  patience: 0,
  valEvery: 2,
  heldOut: true,
  priorTerm: true,
  rewriteOnlyWrong: false,
  // The original DLN keeps the forward value among the posterior samples (include_h1).
  keepForward: true,
  selection: "score",
  balanced: false,
  burnIn: 0.05,
  scoring: "auto",
};

export const DLN2_DEFAULTS: typeof DLN1_DEFAULTS = {
  ...DLN1_DEFAULTS,
  batchSize: 10,
  promptSamples: 10,
  hiddenSamples: 10,
  trustFactor: 5,
  explorationPenalty: 2,
  memory: 5,
  patience: 2,
};

export const DEFAULT_SEED = 42;

/** Drops undefined values so they do not override defaults. */
function defined<T extends object>(o: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  if (!o) return out;
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

export function resolveTrainConfig(spec: TrainSpec | undefined, cli: TrainOverrides, hidden: boolean): TrainConfig {
  const base = hidden ? DLN2_DEFAULTS : DLN1_DEFAULTS;
  const fromSpec = defined(spec) as TrainOverrides;
  const fromCli = defined(cli);
  const merged = { ...base, ...fromSpec, ...fromCli } as TrainConfig;
  merged.preset = hidden ? "dln-2" : "dln-1";
  merged.seed = fromCli.seed ?? fromSpec.seed ?? DEFAULT_SEED;
  merged.budget = { ...defined(spec?.budget), ...defined(cli.budget) };
  merged.rewriteInstructions = fromCli.rewriteInstructions ?? (spec?.rewriteInstructions?.length ? spec.rewriteInstructions : REWRITE_INSTRUCTIONS);
  checkConfig(merged);
  return merged;
}

/** A training setting out of range (from the network's `train` block, flags or options): a usage error. */
export class TrainConfigError extends DlnError {
  declare readonly code: "E_TRAIN_CONFIG";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super("E_TRAIN_CONFIG", `train.${field}: ${message}`, { kind: "usage" });
  }
}

function checkConfig(c: TrainConfig): void {
  const positiveInt: Array<keyof TrainConfig> = ["iterations", "batchSize", "promptSamples", "valEvery"];
  for (const k of positiveInt) {
    const v = c[k] as number;
    if (!Number.isInteger(v) || v < 1) throw new TrainConfigError(k, `must be a whole number ≥ 1 (got ${v})`);
  }
  for (const k of ["hiddenSamples", "memory", "patience"] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) throw new TrainConfigError(k, `must be a whole number ≥ 0 (got ${c[k]})`);
  }
  for (const k of ["backwardTemperature", "trustFactor", "explorationPenalty"] as const) {
    if (!(c[k] >= 0)) throw new TrainConfigError(k, `must be ≥ 0 (got ${c[k]})`);
  }
  if (!(c.posteriorTemperature > 0)) throw new TrainConfigError("posteriorTemperature", `must be > 0 (got ${c.posteriorTemperature})`);
  if (!(c.burnIn >= 0 && c.burnIn < 1)) throw new TrainConfigError("burnIn", `must be in [0, 1) (got ${c.burnIn})`);
  if (!["auto", "exact", "classes", "accuracy"].includes(c.scoring))
    throw new TrainConfigError("scoring", `must be auto, exact, classes or accuracy (got ${c.scoring})`);
  if (!["score", "random"].includes(c.selection)) throw new TrainConfigError("selection", `must be score or random (got ${c.selection})`);
  if (c.rewriteInstructions.length === 0) throw new TrainConfigError("rewriteInstructions", "needs at least one instruction");
}
