/**
 * The executor's entry points. `runNetwork` streams samples through a compiled network and emits
 * one RunResult per sample in completion order; `runAll` collects them in input order.
 *
 *   samples ──pullSamples(concurrency)──▶ runSample (a dataflow of fireWhenParentsReady nodes)
 *           ──▶ results in completion order ──abortWith(signal)──▶ subscriber
 */
import { defer, finalize, isObservable, lastValueFrom, mergeMap, Observable, takeWhile, tap, toArray } from "rxjs";
import { endSpan, startSpan, withSpan } from "../util/telemetry.js";
import type { CompiledNetwork } from "../compile/types.js";
import { abortWith } from "./abortWith.js";
import type { ScoreClassesFn } from "./classify.js";
import { createRunContext } from "./context.js";
import type { InvalidSample } from "./invalidSample.js";
import { planRun } from "./execution-plan.js";
import { pullSamples } from "./pullSamples.js";
import { runSample } from "./runSample.js";
import type { RunOptions, RunResult, Sample } from "./types.js";

export const DEFAULT_CONCURRENCY = 64;

/** Anything samples can come from. Iterables are pulled lazily; an Observable pushes (bounded by `concurrency` in flight). */
export type SampleSource = Iterable<Sample | InvalidSample> | AsyncIterable<Sample | InvalidSample> | Observable<Sample | InvalidSample>;

/** Internal knobs for tests and the trainer; not part of the documented options. */
export interface InternalRunOptions extends RunOptions {
  scoreClasses?: ScoreClassesFn;
}

export function runNetwork(network: CompiledNetwork, samples: SampleSource, options: RunOptions): Observable<RunResult> {
  return defer(() => {
    const plan = planRun(network, options);
    const ctx = createRunContext(options.clients, options.sampleKey, (options as InternalRunOptions).scoreClasses, options.seed);
    const keepTrace = options.trace ?? false;
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
    const stats = { done: 0, failed: 0, inFlight: 0 };
    const { onProgress } = options;
    const report = onProgress ? (): void => onProgress({ ...stats, usage: { ...ctx.usage } }) : undefined;

    // A span for the run (src/util/telemetry.ts); every sample is subscribed under it, so layer and model spans are its children.
    let failure: unknown;
    const span = startSpan(`dln.run ${network.name}`, { "dln.network": network.name, "dln.run.concurrency": concurrency });
    const project = (sample: Sample | InvalidSample, index: number): Observable<RunResult> => {
      stats.inFlight++;
      const sample$ = runSample(plan, sample, index, ctx, keepTrace);
      return new Observable<RunResult>((subscriber) => withSpan(span, () => sample$.subscribe(subscriber)));
    };
    const results$ = isObservable(samples) ? samples.pipe(mergeMap(project, concurrency)) : pullSamples(samples, project, concurrency);

    report?.();
    return results$.pipe(
      tap((result) => {
        stats.inFlight--;
        stats.done++;
        if (result.error) stats.failed++;
        report?.();
      }),
      options.failFast ? takeWhile((r: RunResult) => !r.error, true) : (s: Observable<RunResult>) => s,
      abortWith<RunResult>(options.signal),
      tap({ error: (err: unknown) => (failure = err) }),
      finalize(() => {
        span.setAttributes({
          "dln.run.samples": stats.done,
          "dln.run.failed": stats.failed,
          "dln.usage.input_tokens": ctx.usage.promptTokens,
          "dln.usage.output_tokens": ctx.usage.completionTokens,
        });
        endSpan(span, failure ?? (stats.failed > 0 ? new Error(`${stats.failed} of ${stats.done} samples failed`) : undefined));
      }),
    );
  });
}

/** Runs every sample and resolves to the results in input order (with `failFast`, those finished before the stop). */
export async function runAll(network: CompiledNetwork, samples: SampleSource, options: RunOptions): Promise<RunResult[]> {
  const results = await lastValueFrom(runNetwork(network, samples, options).pipe(toArray()));
  const ordered: RunResult[] = new Array(results.length);
  let dense = true;
  for (const r of results) {
    if (r.index < ordered.length) ordered[r.index] = r;
    else dense = false;
  }
  return dense ? ordered : results.sort((a, b) => a.index - b.index);
}
