/**
 * Step 2d, **Signal the parents**: for a stochastic parent m of layer n, draw J posterior samples
 * h̃ ~ q(h_m | m's input, h_m, n's best target) with the posterior template and the backward model,
 * then weight them: w = softmax((ℓ(t*_n | F_n(π_n, h̃)) + ℓ(h̃ | F_m(π_m, ·))) / T_post).
 * The weighted samples become m's targets and the contexts n's candidates are scored in.
 */
import type { ModelClient } from "../../llm/types.js";
import { POSTERIOR_HINT, POSTERIOR_TEMPLATE } from "../../templates/builtin.js";
import { renderTemplate } from "../../templates/render.js";
import { softmax } from "../math.js";
import { at } from "./at.js";
import { allConcurrently, tolerant } from "./parallel.js";
import type { PosteriorForm } from "../../network/types.js";
import type { Target } from "../types.js";
import { hashString } from "../../util/random.js";

interface PosteriorSampleInput {
  /** m's input (its parents' values as text). */
  input: string;
  /** m's forward value. */
  forward: string;
  /** n's best target for this sample. */
  target: string;
  /** Draw new samples for this one (false with rewriteOnlyWrong on a right sample: keep the forward value). */
  resample: boolean;
  /**
   * The posterior request for this sample, when the caller renders it (the `hint` form: m's own
   * forward context with the target as a hint); otherwise the `rewrite` template is rendered here.
   */
  prompt?: string;
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
  stop?: string[];
  sampleKey: string;
  /** The run's seed: each request's `seed` is derived from it and the sample key. */
  seed: number;
  signal?: AbortSignal;
  onError?: (err: unknown) => void;
}

/** The posterior form of a layer that names none, chosen by measurement on the simulator (docs/training.md 2d). */
export const DEFAULT_POSTERIOR_FORM: PosteriorForm = "hint";

/** The `rewrite` form (POSTERIOR_TEMPLATE): asks for better intermediate text leading to the target. */
function renderPosterior(input: string, prompt: string, output: string, target: string): string {
  return renderTemplate(POSTERIOR_TEMPLATE, { input, prompt, output, target });
}

/**
 * The `hint` form (the original DLN's `suffix_forward_tbs_y`): the hidden layer's own forward
 * context `rendered` (rendered with its prompt `prompt`), with `Given that the answer is:\n<target>`
 * shown right before the prompt (so before the layer's closing cue, e.g. "Let's think step by
 * step."). When the prompt is empty or absent from the context, the hint goes before the last
 * paragraph instead.
 */
export function renderHintPosterior(rendered: string, prompt: string, target: string): string {
  const hint = `${POSTERIOR_HINT}\n${target.trim()}\n\n`;
  const at = prompt.trim() ? rendered.lastIndexOf(prompt) : -1;
  if (at >= 0) return rendered.slice(0, at) + hint + rendered.slice(at);
  const paragraph = rendered.lastIndexOf("\n\n");
  const cut = paragraph >= 0 ? paragraph + 2 : 0;
  return rendered.slice(0, cut) + hint + rendered.slice(cut);
}

/** A request seed (a non-negative 31-bit integer, as OpenAI-compatible servers accept) from the run's seed and a key. */
export function requestSeed(runSeed: number, key: string): number {
  return hashString(`${runSeed}\u0000${key}`) & 0x7fffffff;
}

/**
 * Per sample: distinct candidate values h̃ (the forward value first when kept; alone when not
 * resampled or when every request failed). The J samples of one input are ONE request with
 * `n: J` (its prompt is paid once), seeded from the run's seed and the step's key; a provider
 * that returns fewer than J choices gets one request per missing sample, each with its own seed.
 */
export async function samplePosterior(a: SamplePosteriorArgs): Promise<string[][]> {
  const seed = requestSeed(a.seed, a.sampleKey);
  const draw = (text: string, i: number): Promise<string[] | undefined> =>
    tolerant(
      async () => {
        const request = { prompt: text, temperature: a.temperature, maxTokens: a.maxTokens, stop: a.stop, signal: a.signal };
        const r = await a.client.generate({ ...request, n: a.count, seed, sampleKey: `${a.sampleKey}/${i}` });
        const texts = r.completions.slice(0, a.count).map((c) => c.text);
        const missing = Array.from({ length: a.count - texts.length }, (_, k) => texts.length + k);
        const more = await allConcurrently(
          missing.map((j) =>
            tolerant(
              async () => {
                const one = await a.client.generate({
                  ...request,
                  seed: requestSeed(a.seed, `${a.sampleKey}/${i}/${j}`),
                  sampleKey: `${a.sampleKey}/${i}/${j}`,
                });
                return one.completions[0]?.text;
              },
              a.signal,
              a.onError,
            ),
          ),
        );
        return [...texts, ...more.filter((t): t is string => t !== undefined)];
      },
      a.signal,
      a.onError,
    )();
  const drawn = await Promise.all(
    a.samples.map((s, i) => (s.resample ? draw(s.prompt ?? renderPosterior(s.input, a.prompt, s.forward, s.target), i) : Promise.resolve(undefined))),
  );
  return a.samples.map((s, i) => {
    const out = s.resample && !a.keepForward ? [] : [s.forward];
    for (const raw of drawn[i] ?? []) {
      const text = raw.trim();
      if (text && !out.includes(text)) out.push(text);
    }
    if (out.length === 0) out.push(s.forward);
    return out;
  });
}

/** The posterior weights of one sample's candidates: softmax((childLogLik + prior) / T); prior omitted when off or unavailable. */
export function posteriorWeights(childLogLik: readonly number[], prior: readonly number[] | undefined, temperature: number): number[] {
  const logits = childLogLik.map((l, j) => l + (prior ? at(prior, j, "prior log-likelihoods") : 0));
  return softmax(logits, temperature);
}

/** Pairs candidates with weights. */
export function toTargets(candidates: readonly string[], weights: readonly number[]): Target[] {
  return candidates.map((text, j) => ({ text, weight: at(weights, j, "posterior weights") }));
}
