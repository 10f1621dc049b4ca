/**
 * Minibatches for training and k-shot demonstrations for baselines. Both draw from the caller's
 * `Rng`, so a checkpoint that stores the Rng state resumes with the same batches.
 */
import type { Rng } from "../util/random.js";
import type { Example } from "./types.js";
import { DataError } from "./errors.js";
import { DlnError } from "../util/errors.js";
import { getOrThrow } from "../util/lookup.js";

export interface BatchSamplerOptions {
  batchSize: number;
  /** Equal numbers of each gold class per batch (as far as the batch size divides), like the paper's `--balance_batch`. */
  balanced?: boolean;
  rng: Rng;
}

/**
 * Draws minibatches. Unbalanced: walks a shuffled order without replacement and reshuffles at the
 * end of each pass, so every example is seen once per epoch. Balanced: visits the classes in a
 * shuffled round-robin and takes the next example of each class from that class's own shuffled
 * queue; within one batch an example repeats only when its class has too few examples.
 */
export class BatchSampler {
  private readonly examples: readonly Example[];
  private readonly batchSize: number;
  private readonly balanced: boolean;
  private readonly rng: Rng;
  private order: number[] = [];
  private readonly byClass = new Map<string, number[]>();
  private readonly queues = new Map<string, number[]>();

  constructor(examples: readonly Example[], opts: BatchSamplerOptions) {
    if (examples.length === 0) throw new DataError("E_DATA_EMPTY", "cannot draw batches from an empty split");
    if (!(Number.isInteger(opts.batchSize) && opts.batchSize > 0)) {
      throw new DataError("E_DATA_OPTIONS", `batch size must be a whole number > 0, got ${opts.batchSize}`);
    }
    this.examples = examples;
    this.batchSize = opts.batchSize;
    this.balanced = opts.balanced ?? false;
    this.rng = opts.rng;
    examples.forEach((e, i) => {
      const list = this.byClass.get(e.target) ?? [];
      list.push(i);
      this.byClass.set(e.target, list);
    });
  }

  /** The gold classes and how many examples each has (sorted by class). */
  classes(): Array<{ label: string; count: number }> {
    return [...this.byClass.entries()].map(([label, list]) => ({ label, count: list.length })).sort((a, b) => a.label.localeCompare(b.label));
  }

  next(): Example[] {
    return (this.balanced ? this.nextBalanced() : this.nextPlain()).map((i) => this.example(i));
  }

  /** The example at index `i`: the sampler only draws indices of this.examples. */
  private example(i: number): Example {
    const e = this.examples[i];
    if (e === undefined) throw new DlnError("E_INTERNAL", `batch sampler: no example ${i} (${this.examples.length} examples)`);
    return e;
  }

  private nextPlain(): number[] {
    const size = Math.min(this.batchSize, this.examples.length);
    const batch: number[] = [];
    while (batch.length < size) {
      if (this.order.length === 0) this.order = this.rng.shuffle(this.examples.map((_, i) => i));
      const i = this.order.shift();
      if (i === undefined) break; // refilled above: never
      // At an epoch boundary the fresh order may start with an index already in this batch.
      if (batch.includes(i)) {
        this.order.push(i);
        if (this.order.every((j) => batch.includes(j))) break;
        continue;
      }
      batch.push(i);
    }
    return batch;
  }

  private nextBalanced(): number[] {
    const labels = [...this.byClass.keys()].sort();
    const batch: number[] = [];
    while (batch.length < this.batchSize) {
      for (const label of this.rng.shuffle(labels)) {
        if (batch.length >= this.batchSize) break;
        batch.push(this.takeFromClass(label));
      }
    }
    return batch;
  }

  private takeFromClass(label: string): number {
    let queue = this.queues.get(label);
    if (!queue || queue.length === 0) {
      queue = this.rng.shuffle(getOrThrow(this.byClass, label, "examples of class"));
      this.queues.set(label, queue);
    }
    const i = queue.shift();
    if (i === undefined) throw new DlnError("E_INTERNAL", `batch sampler: class "${label}" has no examples`);
    return i;
  }
}

/**
 * `k` demonstrations for a k-shot baseline: distinct examples, spread over the gold classes
 * round-robin (classes in a seeded order) so a 3-shot prompt of a 2-class task shows both classes.
 */
export function kShotExamples(examples: readonly Example[], k: number, rng: Rng): Example[] {
  if (!(Number.isInteger(k) && k >= 0)) throw new DataError("E_DATA_OPTIONS", `shots must be a whole number ≥ 0, got ${k}`);
  const byClass = new Map<string, Example[]>();
  for (const e of examples) byClass.set(e.target, [...(byClass.get(e.target) ?? []), e]);
  const byLabel = [...byClass].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)); // as [...keys()].sort()
  const queues = rng.shuffle(byLabel).map(([, list]) => rng.shuffle(list));
  const picked: Example[] = [];
  while (picked.length < Math.min(k, examples.length)) {
    for (const queue of queues) {
      if (picked.length >= k) break;
      const e = queue.shift();
      if (e) picked.push(e);
    }
  }
  return picked;
}
