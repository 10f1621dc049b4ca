/**
 * The arithmetic of the DLN variational optimizer (../shared/TRAINING.md), as small pure
 * functions so the tests can check each against values worked out by hand.
 */

/** softmax(logits / temperature), computed stably. Non-finite logits get weight 0 (all non-finite: uniform). */
export function softmax(logits: readonly number[], temperature = 1): number[] {
  if (logits.length === 0) return [];
  const t = temperature > 0 ? temperature : 1;
  const scaled = logits.map((l) => (Number.isFinite(l) ? l / t : -Infinity));
  const max = Math.max(...scaled);
  if (!Number.isFinite(max)) return logits.map(() => 1 / logits.length);
  const exps = scaled.map((s) => (Number.isFinite(s) ? Math.exp(s - max) : 0));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** A weighted item of a score: `weight · logLikelihood`. */
export interface Weighted {
  weight: number;
  logLikelihood: number;
}

/**
 * The weighted score of one candidate (the ELBO of a 2-layer net):
 * mean over samples of Σ_k w_k · ℓ_k. Samples with no items are left out of the mean.
 */
export function weightedScore(perSample: readonly (readonly Weighted[])[]): number {
  let total = 0;
  let count = 0;
  for (const items of perSample) {
    if (items.length === 0) continue;
    let s = 0;
    for (const it of items) s += it.weight * it.logLikelihood;
    total += s;
    count++;
  }
  return count === 0 ? -Infinity : total / count;
}

/** KL(p ‖ q) over classes, in nats; probabilities are floored at `eps` so a zero in q is a large finite penalty. */
export function klDivergence(p: readonly number[], q: readonly number[], eps = 1e-6): number {
  let kl = 0;
  for (const [i, pi] of p.entries()) {
    if (pi <= 0) continue;
    kl += pi * (Math.log(pi) - Math.log(Math.max(q[i] ?? 0, eps)));
  }
  return kl;
}

/** Mean of the numbers; NaN for none. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * The exploration penalty's weight at an iteration (0-based): λ decaying linearly from λ at the
 * first iteration to 0 at the end of the run, `λ · (1 − t / T)`.
 */
export function decayedPenalty(lambda: number, iteration: number, iterations: number, decay = true): number {
  if (!decay || iterations <= 0) return lambda;
  return lambda * Math.max(0, 1 - iteration / iterations);
}

/**
 * Class probabilities renormalised over the classes (what the scorer returns may not sum to 1
 * when a provider only reports the top tokens), floored so the log of a missing class is finite.
 */
export function normalizeClassProbs(probs: readonly number[], floor = 1e-6): number[] {
  const clipped = probs.map((p) => (Number.isFinite(p) && p > floor ? p : floor));
  const sum = clipped.reduce((a, b) => a + b, 0);
  return clipped.map((p) => p / sum);
}

/**
 * Merges the target sets several children sent for one sample: the union of their targets,
 * each child's weights divided by the number of children (weights averaged over children).
 * Identical texts are merged by adding their weights. Order: children in the given order.
 */
export function mergeTargetSets<T extends { text: string; weight: number }>(sets: readonly (readonly T[])[]): Array<{ text: string; weight: number }> {
  const nonEmpty = sets.filter((s) => s.length > 0);
  const out: Array<{ text: string; weight: number }> = [];
  const byText = new Map<string, { text: string; weight: number }>();
  for (const set of nonEmpty) {
    const sum = set.reduce((a, t) => a + t.weight, 0) || 1;
    for (const t of set) {
      const w = t.weight / sum / nonEmpty.length;
      const merged = byText.get(t.text);
      if (merged) merged.weight += w;
      else {
        const added = { text: t.text, weight: w };
        byText.set(t.text, added);
        out.push(added);
      }
    }
  }
  return out;
}

/** Index of the largest score; ties go to the earliest (so the current prompt stays on a tie). */
export function argmax(scores: readonly number[]): number {
  let best = 0;
  let bestScore = scores[0] ?? -Infinity;
  for (const [i, s] of scores.entries()) {
    if (i > 0 && (s > bestScore || (!(bestScore > -Infinity) && s > -Infinity))) {
      best = i;
      bestScore = s;
    }
  }
  return best;
}
