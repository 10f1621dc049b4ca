/**
 * Runs jobs on one context sequence one at a time, picking the next job by prefix affinity.
 *
 * A sequence holds one token history (its KV cache), and two evaluations interleaved on it would
 * corrupt each other, so jobs are strictly serialised. When several jobs wait, the one whose
 * tokens share the longest prefix with what the sequence already holds goes first (ties: oldest
 * first), so the classes of one input or the candidates scored on one input run back to back
 * and reuse the evaluated context. Only the `window` oldest jobs are considered, and a job that
 * has been passed over `window - 1` times runs next, so no job waits behind more than
 * `window - 1` jobs that arrived after it.
 */
interface PendingJob<T> {
  tokens: readonly T[];
  start: () => void;
  /** Times a newer job was started before this one. */
  passedOver: number;
}

/** Generic over the token type (llama.cpp token ids in the provider, numbers in tests). */
export class PrefixAffinityQueue<T> {
  private readonly pending: Array<PendingJob<T>> = [];
  private busy = false;

  /** `held()` returns the tokens the sequence holds now (consulted when picking the next job). */
  constructor(
    private readonly held: () => readonly T[],
    private readonly window = 16,
  ) {}

  /** Runs `task` when the sequence is free; `tokens` is what the job will evaluate first. */
  run<R>(tokens: readonly T[], task: () => Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const start = (): void => {
        task()
          .then(resolve, reject)
          .finally(() => {
            this.busy = false;
            this.startNext();
          });
      };
      this.pending.push({ tokens, start, passedOver: 0 });
      if (!this.busy) this.startNext();
    });
  }

  /** Jobs waiting (not counting the one running). */
  get waiting(): number {
    return this.pending.length;
  }

  private startNext(): void {
    const [oldest] = this.pending;
    if (this.busy || oldest === undefined) return;
    const best = oldest.passedOver >= this.window - 1 ? 0 : this.mostAffine();
    for (const passed of this.pending.slice(0, best)) passed.passedOver++;
    const [job] = this.pending.splice(best, 1);
    if (job === undefined) return; // best is an index of pending
    this.busy = true;
    job.start();
  }

  /** Index of the job (among the `window` oldest) sharing the longest prefix with the held tokens. */
  private mostAffine(): number {
    const held = this.held();
    let best = 0;
    let bestShared = -1;
    for (const [i, job] of this.pending.slice(0, this.window).entries()) {
      const shared = sharedPrefixLength(held, job.tokens);
      if (shared > bestShared) {
        best = i;
        bestShared = shared;
      }
    }
    return best;
  }
}

/** Length of the longest common prefix of two token lists. */
export function sharedPrefixLength<T>(a: readonly T[], b: readonly T[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
