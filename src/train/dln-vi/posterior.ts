/**
 * Step 2d, **Signal the parents**: for a stochastic parent m of layer n, draw J posterior samples
 * h̃ ~ q(h_m | m's input, h_m, n's best target) with the posterior template and the backward model,
 * then weight them: w = softmax((ℓ(t*_n | F_n(π_n, h̃)) + ℓ(h̃ | F_m(π_m, ·))) / T_post).
 * The weighted samples become m's targets and the contexts n's candidates are scored in.
 */
import type { ModelClient } from "../../llm/types.js";
import { POSTERIOR_TEMPLATE } from "../../templates/builtin.js";
import { renderTemplate } from "../../templates/render.js";
import { softmax } from "../math.js";
import { allConcurrently, tolerant } from "../parallel.js";
import type { Target } from "../types.js";

export interface PosteriorSampleInput {
  /** m's input (its parents' values as text). */
  input: string;
  /** m's forward value. */
  forward: string;
  /** n's best target for this sample. */
  target: string;
  /** Draw new samples for this one (false with rewriteOnlyWrong on a right sample: keep the forward value). */
  resample: boolean;
}

export interface SamplePosteriorArgs {
  client: ModelClient;
  /** π_m. */
  prompt: string;
  samples: readonly PosteriorSampleInput[];
  /** J. */
  count: number;
  /** Keep the forward value itself as one of the candidates. */
  keepForward: boolean;
  temperature: number;
  maxTokens?: number;
  sampleKey: string;
  signal?: AbortSignal;
  onError?: (err: unknown) => void;
}

export function renderPosterior(input: string, prompt: string, output: string, target: string): string {
  return renderTemplate(POSTERIOR_TEMPLATE, { input, prompt, output, target });
}

/** Per sample: distinct candidate values h̃ (the forward value first when kept; alone when not resampled or when every request failed). */
export async function samplePosterior(a: SamplePosteriorArgs): Promise<string[][]> {
  const tasks: Array<() => Promise<string | undefined>> = [];
  const owner: number[] = [];
  a.samples.forEach((s, i) => {
    if (!s.resample) return;
    const text = renderPosterior(s.input, a.prompt, s.forward, s.target);
    for (let j = 0; j < a.count; j++) {
      owner.push(i);
      tasks.push(
        tolerant(async () => {
          const r = await a.client.generate({ prompt: text, temperature: a.temperature, maxTokens: a.maxTokens, sampleKey: `${a.sampleKey}/${i}/${j}`, signal: a.signal });
          return (r.completions[0]?.text ?? "").trim();
        }, a.signal, a.onError),
      );
    }
  });
  const drawn = await allConcurrently(tasks);
  const out: string[][] = a.samples.map((s) => (s.resample && !a.keepForward ? [] : [s.forward]));
  drawn.forEach((text, k) => {
    if (text && !out[owner[k]].includes(text)) out[owner[k]].push(text);
  });
  a.samples.forEach((s, i) => {
    if (out[i].length === 0) out[i].push(s.forward);
  });
  return out;
}

/** The posterior weights of one sample's candidates: softmax((childLogLik + prior) / T); prior omitted when off or unavailable. */
export function posteriorWeights(childLogLik: readonly number[], prior: readonly number[] | undefined, temperature: number): number[] {
  const logits = childLogLik.map((l, j) => l + (prior ? prior[j] : 0));
  return softmax(logits, temperature);
}

/** Pairs candidates with weights. */
export function toTargets(candidates: readonly string[], weights: readonly number[]): Target[] {
  return candidates.map((text, j) => ({ text, weight: weights[j] }));
}
