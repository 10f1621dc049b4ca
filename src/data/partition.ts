/**
 * Pure, seeded ways to cut a list of examples: into splits by fractions, and down to a size cap.
 * Same seed and same input → the same result, on every platform.
 */
import { Rng } from "../util/random.js";
import type { Example } from "./types.js";
import { DataError } from "./errors.js";

export type SplitName = "train" | "dev" | "test";
export type SplitFractions = Record<SplitName, number>;

/** The paper's code used half of the labelled data for training and a quarter each for dev and test. */
export const DEFAULT_FRACTIONS: SplitFractions = { train: 0.5, dev: 0.25, test: 0.25 };

/**
 * Shuffles `examples` with the seed and cuts them into the named splits, in proportion to their
 * fractions (renormalised over the names given). The cuts are at rounded cumulative fractions,
 * so every example lands in exactly one split.
 */
export function seededPartition(
  examples: readonly Example[],
  names: readonly SplitName[],
  fractions: SplitFractions,
  seed: number | string,
): Record<SplitName, Example[]> {
  const out: Record<SplitName, Example[]> = { train: [], dev: [], test: [] };
  if (names.length === 0) return out;
  for (const name of names) {
    const f = fractions[name];
    if (!(Number.isFinite(f) && f >= 0)) throw new DataError("E_DATA_OPTIONS", `the ${name} fraction must be a number ≥ 0, got ${f}`);
  }
  const total = names.reduce((sum, name) => sum + fractions[name], 0);
  if (!(total > 0)) throw new DataError("E_DATA_OPTIONS", `the split fractions for ${names.join(", ")} add up to 0`);
  const shuffled = new Rng(seed).fork("split").shuffle(examples);
  let cumulative = 0;
  let start = 0;
  names.forEach((name, i) => {
    cumulative += fractions[name];
    const end = i === names.length - 1 ? shuffled.length : Math.round((cumulative / total) * shuffled.length);
    out[name] = shuffled.slice(start, end);
    start = end;
  });
  return out;
}

/**
 * At most `cap` examples, chosen at random with the seed but kept in their original order, so a
 * file sorted by label is not cut down to its first label.
 */
export function capExamples(examples: readonly Example[], cap: number | undefined, seed: number | string, label: string): Example[] {
  if (cap === undefined || examples.length <= cap) return examples.slice();
  if (!(Number.isInteger(cap) && cap >= 0)) throw new DataError("E_DATA_OPTIONS", `the ${label} cap must be a whole number ≥ 0, got ${cap}`);
  const keep = new Set(
    new Rng(seed)
      .fork(`cap:${label}`)
      .shuffle(examples.map((_, i) => i))
      .slice(0, cap),
  );
  return examples.filter((_, i) => keep.has(i));
}
