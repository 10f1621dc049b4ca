/**
 * How the trainer measures ℓ(t | context) for one layer, whatever the provider can do
 * (TRAINING.md "log-likelihood"): exact teacher-forced logprobs, class logprobs from the first
 * answer token, or nothing (then candidates are ranked by accuracy). The choice is made once per
 * layer before anything is spent, and fails early when the network insists on a mode the
 * endpoint lacks.
 */
import type { ClassDef, LayerNode } from "../compile/types.js";
import { matchClass } from "../exec/classify.js";
import { chooseScoringMode } from "../llm/scoring.js";
import type { Capabilities, ModelClient, Usage } from "../llm/types.js";
import type { ScoringMode } from "../network/types.js";
import { normalizeClassProbs } from "./math.js";
import type { ScoreMode } from "./types.js";

export interface LayerScorer {
  readonly mode: ScoreMode;
  /** ℓ(target | context): mean per-token logprob (exact) or log class probability (layers with classes). Absent in accuracy mode. */
  likelihood?: (context: string, target: string, signal?: AbortSignal) => Promise<number>;
  /** The class distribution in the layer's class order (layers with classes, exact or classes mode). */
  classProbs?: (context: string, signal?: AbortSignal) => Promise<number[]>;
}

/** The functions of src/llm/scoring.ts the trainer uses (injected so tests can fake them). */
export interface ScoringFunctions {
  scoreClasses(
    client: ModelClient,
    prompt: string,
    classes: ClassDef[],
    options?: { mode?: ScoringMode; signal?: AbortSignal },
  ): Promise<{ probs: Record<string, number> | number[]; mode?: string; usage?: Usage }>;
  targetLogLikelihood(
    client: ModelClient,
    context: string,
    target: string,
    options: { burnIn: number; signal?: AbortSignal },
  ): Promise<number | { logprob: number }>;
}

/**
 * The best scoring mode for a layer on a client with these capabilities (src/llm/scoring.ts
 * `chooseScoringMode`); throws, naming what would work, when the wanted mode is impossible.
 */
export function pickScoringMode(layer: LayerNode, caps: Capabilities, wanted: ScoringMode): ScoreMode {
  const hasClasses = (layer.classes?.length ?? 0) > 0;
  try {
    return chooseScoringMode(caps, wanted, { classes: hasClasses, hiddenTargets: !hasClasses });
  } catch (err) {
    (err as Error).message = `layer ${layer.id} (model ${layer.model}): ${(err as Error).message}`;
    throw err;
  }
}

function classIndex(classes: ClassDef[], target: string): number {
  const label = matchClass(target, classes);
  return label === undefined ? -1 : classes.findIndex((c) => c.label === label);
}

/**
 * A scorer for one layer on one client. Results are memoised by (context, target) for the
 * scorer's lifetime (one training step), so the posterior weights and the current prompt's score,
 * which ask the same questions, pay once.
 */
export function createLayerScorer(layer: LayerNode, client: ModelClient, mode: ScoreMode, fns: ScoringFunctions, burnIn: number): LayerScorer {
  const classes = layer.classes ?? [];
  if (mode === "accuracy") return { mode };
  // Keyed by the texts themselves (a context is one string object from the step's RenderMemo, whose
  // hash V8 keeps), not by a key built per call, which would copy and hash the whole context each time.
  const once = <K, T>(memo: Map<K, Promise<T>>, key: K, make: () => Promise<T>): Promise<T> => {
    let p = memo.get(key);
    if (!p) {
      p = make();
      memo.set(key, p);
      p.catch(() => memo.delete(key));
    }
    return p;
  };
  if (classes.length > 0) {
    const byContext = new Map<string, Promise<number[]>>();
    const classProbs = (context: string, signal?: AbortSignal): Promise<number[]> =>
      once(byContext, context, async () => {
        const r = await fns.scoreClasses(client, context, classes, { mode, signal });
        // One probability per class, in class order; a class the provider left out counts as 0 (floored below).
        const raw = Array.isArray(r.probs)
          ? classes.map((_, k) => (r.probs as number[])[k] ?? 0)
          : classes.map((c) => (r.probs as Record<string, number>)[c.label] ?? 0);
        return normalizeClassProbs(raw);
      });
    return {
      mode,
      classProbs,
      likelihood: async (context, target, signal) => {
        const probs = await classProbs(context, signal);
        const i = classIndex(classes, target);
        const p = i >= 0 ? probs[i] : undefined;
        return Math.log(p ?? Math.min(...probs));
      },
    };
  }
  if (mode !== "exact") return { mode: "accuracy" };
  const byContextTarget = new Map<string, Map<string, Promise<number>>>();
  return {
    mode,
    likelihood: (context, target, signal) => {
      let byTarget = byContextTarget.get(context);
      if (!byTarget) byContextTarget.set(context, (byTarget = new Map()));
      return once(byTarget, target, async () => {
        const r = await fns.targetLogLikelihood(client, context, target, { burnIn, signal });
        return typeof r === "number" ? r : r.logprob;
      });
    },
  };
}
