/**
 * Step 2b, **Score**: for every candidate c,
 *   S(c) = mean over samples of Σ_k w_k · ℓ(t_k | F_n(c, parents_k))
 *          − λ_trust · KL(p_current(·|x) ‖ p_c(·|x))            (output layers with classes)
 *          − λ_pen(t) · mean over wrong samples of ℓ(h_fwd | F_n(c, ·))   (hidden layers)
 * or, when the provider gives no usable logprobs, S(c) = accuracy of the network with c.
 */
import type { LayerNode } from "../../compile/types.js";
import { renderLayer, type TrainGraph } from "../topology.js";
import { klDivergence, mean, weightedScore, type Weighted } from "../math.js";
import { allConcurrently, tolerant } from "./parallel.js";
import { at } from "./at.js";
import type { LayerScorer } from "../scorer.js";
import { DlnError } from "../../util/errors.js";

export interface ScoringItem {
  target: string;
  /** The sample's values with the parents that go with this target substituted. */
  values: Readonly<Record<string, unknown>>;
  weight: number;
}

/** One layer of the parameter (several for shared prompts: their evidence pools). */
export interface ScoringGroup {
  layer: LayerNode;
  scorer: LayerScorer;
  isOutput: boolean;
  /** Per ranking sample: the weighted (target, parents) items. */
  items: ScoringItem[][];
  /** Per ranking sample: the forward values (for the KL term and the penalty). */
  forward: Array<Readonly<Record<string, unknown>>>;
  /** Per ranking sample: the layer's forward value, and whether the network got the sample wrong. */
  forwardOutput: string[];
  wrong: boolean[];
}

export interface CandidateScore {
  score: number;
  parts: { fit: number; kl: number; penalty: number };
}

export interface ScoreArgs {
  graph: TrainGraph;
  candidates: readonly string[];
  /** The current prompt (the KL term's reference). */
  current: string;
  groups: readonly ScoringGroup[];
  trustFactor: number;
  /** λ_pen at this iteration (already decayed). */
  penalty: number;
  /** Accuracy of the network with the parameter set to c, on the ranking samples (accuracy mode). */
  accuracy?: (candidate: string) => Promise<number>;
  signal?: AbortSignal;
  onError?: (err: unknown) => void;
  /** F_n(prompt, values); default `renderLayer`. The step passes its RenderMemo, so each distinct context is rendered once. */
  render?: (layer: LayerNode, prompt: string, values: Readonly<Record<string, unknown>>) => string;
}

const renderOf = (a: ScoreArgs) =>
  a.render ?? ((layer: LayerNode, prompt: string, values: Readonly<Record<string, unknown>>) => renderLayer(a.graph, layer, prompt, values));

/** Combines the parts: fit − λ_trust · KL − λ_pen · penalty (terms with a zero factor are left out, so a missing term costs nothing). */
export function combineScore(fit: number, kl: number, penalty: number, trustFactor: number, penaltyFactor: number): number {
  return fit - (trustFactor > 0 ? trustFactor * kl : 0) - (penaltyFactor > 0 ? penaltyFactor * penalty : 0);
}

export async function scoreCandidates(a: ScoreArgs): Promise<CandidateScore[]> {
  const usesAccuracy = a.groups.some((g) => !g.scorer.likelihood);
  if (usesAccuracy) {
    const { accuracy } = a;
    if (!accuracy)
      throw new DlnError("E_TRAIN_SCORING", "accuracy scoring needs an accuracy function (ScoreArgs.accuracy), and none was given", { kind: "usage" });
    const accs = await allConcurrently(a.candidates.map((c) => tolerant(() => accuracy(c), a.signal, a.onError)));
    return accs.map((fit) => ({ score: fit ?? -Infinity, parts: { fit: fit ?? -Infinity, kl: 0, penalty: 0 } }));
  }
  return allConcurrently(a.candidates.map((c) => () => scoreOne(a, c)));
}

async function scoreOne(a: ScoreArgs, candidate: string): Promise<CandidateScore> {
  const [fit = 0, kl = 0, penalty = 0] = await allConcurrently([() => fitOf(a, candidate), () => klOf(a, candidate), () => penaltyOf(a, candidate)]);
  return { score: combineScore(fit, kl, penalty, a.trustFactor, a.penalty), parts: { fit, kl, penalty } };
}

/** Σ_k w_k ℓ(t_k | F_n(c, parents_k)) per (layer, sample), averaged. Items whose request failed are left out. */
async function fitOf(a: ScoreArgs, candidate: string): Promise<number> {
  const render = renderOf(a);
  const perSample: Weighted[][] = await allConcurrently(
    a.groups.flatMap((g) => {
      const { likelihood } = g.scorer;
      if (!likelihood) return []; // none here: scoreCandidates scores such groups by accuracy
      return g.items.map((items) => async () => {
        const lls = await allConcurrently(
          items.map((it) => tolerant(() => likelihood(render(g.layer, candidate, it.values), it.target, a.signal), a.signal, a.onError)),
        );
        return items.flatMap((it, k) => {
          const ll = lls[k];
          return ll === undefined ? [] : [{ weight: it.weight, logLikelihood: ll }];
        });
      });
    }),
  );
  return weightedScore(perSample);
}

/** Mean KL(p_current ‖ p_c) over the output layers' samples (0 when the term is off or unavailable). */
async function klOf(a: ScoreArgs, candidate: string): Promise<number> {
  if (a.trustFactor <= 0 || candidate === a.current) return 0;
  const pairs = a.groups.flatMap((g) => {
    const { classProbs } = g.scorer;
    return g.isOutput && classProbs ? g.forward.map((values) => ({ g, values, classProbs })) : [];
  });
  if (pairs.length === 0) return 0;
  const render = renderOf(a);
  const kls = await allConcurrently(
    pairs.map(({ g, values, classProbs }) =>
      tolerant(
        async () => {
          const [p, q] = await Promise.all([
            classProbs(render(g.layer, a.current, values), a.signal),
            classProbs(render(g.layer, candidate, values), a.signal),
          ]);
          return klDivergence(p, q);
        },
        a.signal,
        a.onError,
      ),
    ),
  );
  const ok = kls.filter((k): k is number => k !== undefined);
  return ok.length ? mean(ok) : 0;
}

/** Mean ℓ(h_fwd | F_n(c, ·)) over the wrong samples of hidden layers (0 when the term is off or there are none). */
async function penaltyOf(a: ScoreArgs, candidate: string): Promise<number> {
  if (a.penalty <= 0) return 0;
  const pairs = a.groups.flatMap((g) => {
    const { likelihood } = g.scorer;
    if (g.isOutput || !likelihood) return [];
    return g.forward.flatMap((values, i) => (g.wrong[i] ? [{ g, values, likelihood, output: at(g.forwardOutput, i, "the forward outputs") }] : []));
  });
  if (pairs.length === 0) return 0;
  const render = renderOf(a);
  const lls = await allConcurrently(
    pairs.map(({ g, values, likelihood, output }) => tolerant(() => likelihood(render(g.layer, candidate, values), output, a.signal), a.signal, a.onError)),
  );
  const ok = lls.filter((l): l is number => l !== undefined);
  return ok.length ? mean(ok) : 0;
}
