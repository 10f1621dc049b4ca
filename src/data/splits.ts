/**
 * `loadSplits`: the train/dev/test examples of a run, from separate files, from one file cut with
 * a seed, or from a paper task (`paper:<task>[:<dir>]`), with optional size caps.
 */
import type { DataProblem, Example, Splits } from "./types.js";
import { DataError } from "./errors.js";
import { loadExamples, type LoadOptions } from "./load.js";
import { capExamples, DEFAULT_FRACTIONS, seededPartition, type SplitFractions, type SplitName } from "./partition.js";
import { loadPaperTask, parsePaperDataRef } from "./tasks.js";

export interface SplitOptions extends Omit<LoadOptions, "limit"> {
  /** One file cut into the splits that have no file of their own, or `paper:<task>[:<dir>]`. */
  data?: string;
  train?: string;
  dev?: string;
  test?: string;
  seed: number;
  /** Fractions for the seeded cut (renormalised over the splits being cut); default 0.5/0.25/0.25. */
  split?: SplitFractions;
  /** At most this many examples per split (a seeded random subset, in file order). */
  caps?: Partial<Record<SplitName, number>>;
}

const SPLITS: readonly SplitName[] = ["train", "dev", "test"];

/**
 * Which examples go where:
 * - a split with its own file (`train`, `dev`, `test`) reads that file;
 * - the splits without one are cut from `data` with the seed;
 * - without `data`, they are cut from the `train` file (so `--train f --test g` takes dev from f);
 * - a split left with no source is empty.
 */
export async function loadSplits(opts: SplitOptions): Promise<Splits> {
  const paper = opts.data !== undefined ? parsePaperDataRef(opts.data) : undefined;
  if (paper) {
    if (opts.train || opts.dev || opts.test) {
      throw new DataError("E_DATA_OPTIONS", `${opts.data} brings its own train, dev and test data: do not also give split files`);
    }
    return loadPaperTask(paper.task, paper.dir, { inputs: opts.inputs, seed: opts.seed, caps: opts.caps });
  }
  const given = SPLITS.filter((s) => opts[s] !== undefined);
  if (given.length === 0 && opts.data === undefined) {
    throw new DataError("E_DATA_OPTIONS", "no data: give a data file, or train/dev/test files");
  }
  if (given.length === 3 && opts.data !== undefined) {
    throw new DataError("E_DATA_OPTIONS", `${opts.data} would not be used: train, dev and test files are all given`);
  }
  const load = (path: string) => loadExamples(path, { inputs: opts.inputs, fields: opts.fields, target: opts.target, format: opts.format });
  const problems: DataProblem[] = [];
  const out: Record<SplitName, Example[]> = { train: [], dev: [], test: [] };
  for (const split of given) {
    const path = opts[split];
    if (path === undefined) continue; // given holds the splits with a file
    const r = await load(path);
    out[split] = r.examples;
    problems.push(...r.problems);
  }
  const missing = SPLITS.filter((s) => opts[s] === undefined);
  const poolPath = opts.data ?? (opts.train !== undefined && missing.length > 0 ? opts.train : undefined);
  if (poolPath !== undefined && missing.length > 0) {
    const cutFromTrain = opts.data === undefined;
    const names = cutFromTrain ? (["train", ...missing] as SplitName[]) : missing;
    const pool = cutFromTrain ? out.train : await load(poolPath).then((r) => (problems.push(...r.problems), r.examples));
    const parts = seededPartition(pool, names, opts.split ?? DEFAULT_FRACTIONS, opts.seed);
    for (const name of names) out[name] = parts[name];
  }
  for (const split of SPLITS) out[split] = capExamples(out[split], opts.caps?.[split], opts.seed, split);
  return { ...out, problems };
}
