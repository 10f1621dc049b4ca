/**
 * Runs jobs on one context sequence one at a time, picking the next job by prefix affinity.
 *
 * A sequence holds one token history (its KV cache), and two evaluations interleaved on it would
 * corrupt each other, so jobs are strictly serialised. When several jobs wait, the one whose
 * tokens share the longest prefix with what the sequence already holds goes first (ties: oldest
 * first), so the classes of one input or the candidates scored on one input run back to back
 * and reuse the evaluated context. Only the `window` oldest jobs are considered, so a job waits
 * for at most `window - 1` jobs that arrived after it.
 */
import type { Token } from "node-llama-cpp";

interface PendingJob {
  tokens: readonly Token[];
  start: () => void;
}

export class PrefixAffinityQueue {
  private readonly pending: PendingJob[] = [];
  private busy = false;

  /** `held()` returns the tokens the sequence holds now (consulted when picking the next job). */
  constructor(private readonly held: () => readonly Token[], private readonly window = 16) {}

  /** Runs `task` when the sequence is free; `tokens` is what the job will evaluate first. */
  run<T>(tokens: readonly Token[], task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        task().then(resolve, reject).finally(() => {
          this.busy = false;
          this.startNext();
        });
      };
      this.pending.push({ tokens, start });
      if (!this.busy) this.startNext();
    });
  }

  /** Jobs waiting (not counting the one running). */
  get waiting(): number {
    return this.pending.length;
  }

  private startNext(): void {
    if (this.busy || this.pending.length === 0) return;
    const held = this.held();
    let best = 0;
    let bestShared = -1;
    const limit = Math.min(this.window, this.pending.length);
    for (let i = 0; i < limit; i++) {
      const shared = sharedPrefixLength(held, this.pending[i].tokens);
      if (shared > bestShared) {
        best = i;
        bestShared = shared;
      }
    }
    const [job] = this.pending.splice(best, 1);
    this.busy = true;
    job.start();
  }
}

/** Length of the longest common prefix of two token lists. */
export function sharedPrefixLength(a: readonly Token[], b: readonly Token[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
