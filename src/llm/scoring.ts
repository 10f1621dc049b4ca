/**
 * Scoring, provider-independent: how likely a model finds a target after a context.
 *
 * - `targetLogLikelihood`: ℓ(t | context), the mean per-token logprob of the target under
 *   teacher forcing, skipping a burn-in of the first target tokens (TRAINING.md).
 * - `scoreClasses`: a distribution over a layer's classes, by the best means the endpoint has:
 *   `exact` (each verbalizer scored as a target), `classes` (top logprobs of the first generated
 *   token) or `accuracy` (generate and compare; the last resort).
 * - `chooseScoringMode`: picks the mode before anything is spent, and refuses, naming what would
 *   work, when the network needs something the endpoint cannot do.
 */
import type { ClassDef } from "../text/answers.js";
import type { ScoringMode } from "../network/types.js";
import { classesForToken as sharedClassesForToken, firstWord as sharedFirstWord } from "../text/answers.js";
import { MalformedResponseError, UnsupportedError } from "./errors.js";
import { addUsage, emptyUsage, type Capabilities, type ModelClient, type TopLogprob, type Usage } from "./types.js";

export type ResolvedScoringMode = "exact" | "classes" | "accuracy";

export interface ClassScores {
  /** Label → probability; sums to 1. */
  probs: Record<string, number>;
  mode: ResolvedScoringMode;
  usage: Usage;
}

export interface ScoreClassesOptions {
  mode?: ScoringMode;
  /** How the probabilities of a class's verbalizers (and their variants) combine. Default `sum`. */
  combine?: "sum" | "max";
  signal?: AbortSignal;
}

/** Mean logprob per target token, skipping the first ⌊burnIn·n⌋ tokens (at least one token is kept). */
export function meanLogprob(tokens: TopLogprob[], burnIn = 0): number {
  if (tokens.length === 0) return 0;
  const skip = Math.min(tokens.length - 1, Math.floor(Math.max(0, burnIn) * tokens.length));
  const kept = tokens.slice(skip);
  return kept.reduce((s, t) => s + t.logprob, 0) / kept.length;
}

/** ℓ(target | context): mean per-token logprob of `target` after `context` (exact scoring). */
export async function targetLogLikelihood(
  client: ModelClient,
  context: string,
  target: string,
  opts: { burnIn?: number; signal?: AbortSignal } = {},
): Promise<number> {
  const { tokens } = await client.score({ context, target, signal: opts.signal });
  return meanLogprob(tokens, opts.burnIn);
}

/** Spellings of a verbalizer a model may produce: as written, lower, Capitalised, UPPER. */
export function caseVariants(text: string): string[] {
  const lower = text.toLowerCase();
  return [...new Set([text, lower, lower.charAt(0).toUpperCase() + lower.slice(1), text.toUpperCase()])];
}

function combineInto(values: number[], how: "sum" | "max"): number {
  if (values.length === 0) return 0;
  return how === "max" ? Math.max(...values) : values.reduce((s, v) => s + v, 0);
}

function normalise(raw: Record<string, number>): Record<string, number> {
  const total = Object.values(raw).reduce((s, v) => s + v, 0);
  const entries = Object.entries(raw);
  if (!(total > 0)) return Object.fromEntries(entries.map(([l]) => [l, 1 / entries.length]));
  return Object.fromEntries(entries.map(([l, v]) => [l, v / total]));
}

/**
 * The texts whose probability makes up a class in exact scoring: each verbalizer in the spellings
 * a model may produce (`caseVariants`), with and without a leading space. The same spellings count
 * in class-logprob scoring, so a class gets the same share on every endpoint: a model answering
 * " yes" to a class written "Yes" is not scored as never choosing it.
 */
function exactTargets(c: ClassDef): string[] {
  return [...new Set(c.verbalizers.flatMap((v) => [v, ...caseVariants(v.trim())]).flatMap((v) => [v, " " + v.trimStart()]))];
}

/**
 * Exact: P(verbalizer | prompt) for each verbalizer spelling, with and without a leading space.
 * Every class and spelling goes out in one `scoreBatch` call (one echo request on legacy
 * completions) when the client has it; else one score per spelling (batched where possible).
 */
async function exactClassScores(client: ModelClient, prompt: string, classes: ClassDef[], combine: "sum" | "max", signal?: AbortSignal) {
  const usage = emptyUsage();
  if (client.scoreBatch) {
    const perClass = classes.map((c) => ({ label: c.label, targets: exactTargets(c) }));
    const requests = perClass.flatMap((c) => c.targets).map((target) => ({ context: prompt, target, signal }));
    const results = await client.scoreBatch(requests);
    let k = 0;
    const raw = perClass.map(({ label, targets }) => {
      const probs = targets.map((target) => {
        const result = results[k++];
        if (result === undefined) {
          throw new MalformedResponseError(`${results.length} scores for ${requests.length} targets (none for ${JSON.stringify(target)})`, {
            where: client.id,
          });
        }
        addUsage(usage, result.usage);
        return Math.exp(result.tokens.reduce((s, t) => s + t.logprob, 0));
      });
      return [label, combineInto(probs, combine)] as const;
    });
    return { probs: normalise(Object.fromEntries(raw)), usage };
  }
  const raw = await Promise.all(
    classes.map(async (c) => {
      const targets = exactTargets(c);
      const probs = await Promise.all(
        targets.map(async (target) => {
          const result = await client.score({ context: prompt, target, signal });
          addUsage(usage, result.usage);
          return Math.exp(result.tokens.reduce((s, t) => s + t.logprob, 0));
        }),
      );
      return [c.label, combineInto(probs, combine)] as const;
    }),
  );
  return { probs: normalise(Object.fromEntries(raw)), usage };
}

/**
 * Which classes a top-logprob token stands for: those with a verbalizer equal to the token
 * without its leading whitespace (case-insensitively); failing that, those with one the token begins (a multi-token verbalizer's first piece, e.g. "pos" for "positive").
 * The one class matcher of src/text/answers.ts.
 */
export const classesForToken = sharedClassesForToken;

/**
 * From the top logprobs of one generated token: each class gets the summed (or max) probability
 * of the tokens that stand for it; a class none of them stands for gets the smallest probability
 * returned (it was not in the top k, so it is at most that likely); then renormalise.
 */
export function classProbsFromTop(top: TopLogprob[], classes: ClassDef[], combine: "sum" | "max"): Record<string, number> {
  const matched = new Map(classes.map((c) => [c.label, [] as number[]]));
  const seen = new Set<string>();
  for (const t of top) {
    if (seen.has(t.token)) continue;
    seen.add(t.token);
    for (const label of classesForToken(t.token, classes)) matched.get(label)?.push(Math.exp(t.logprob));
  }
  const floor = top.length ? Math.min(...top.map((t) => Math.exp(t.logprob))) : 0;
  return normalise(
    Object.fromEntries(
      classes.map((c) => {
        const probs = matched.get(c.label) ?? [];
        return [c.label, probs.length ? combineInto(probs, combine) : floor];
      }),
    ),
  );
}

async function topLogprobClassScores(client: ModelClient, prompt: string, classes: ClassDef[], combine: "sum" | "max", k: number, signal?: AbortSignal) {
  const result = await client.generate({ prompt, maxTokens: 1, temperature: 0, topLogprobs: k, signal });
  const first = result.completions[0]?.tokens?.[0];
  if (!first) {
    throw new UnsupportedError(
      "The endpoint returned no logprobs for the generated token, so class scoring is not possible",
      'Use scoring: "accuracy", or an endpoint that returns top logprobs',
      { where: client.id },
    );
  }
  const top = first.top?.length ? first.top : [{ token: first.token, logprob: first.logprob }];
  return { probs: classProbsFromTop(top, classes, combine), usage: result.usage };
}

/** The first word of an answer, lower-cased, without surrounding punctuation (src/text/answers.ts `firstWord`). */
export function firstWord(text: string): string {
  return sharedFirstWord(text).toLowerCase();
}

/**
 * Accuracy: generate greedily and compare the answer's first word with each class's label and
 * verbalizers (first words, case-insensitive). The matched class gets probability 1; when none
 * (or several) match, the probability is spread evenly, which says "no information".
 */
async function accuracyClassScores(client: ModelClient, prompt: string, classes: ClassDef[], signal?: AbortSignal) {
  const result = await client.generate({ prompt, temperature: 0, signal });
  const answer = firstWord(result.completions[0]?.text ?? "");
  const hits = classes.filter((c) => [c.label, ...c.verbalizers].some((v) => firstWord(v) === answer && answer !== ""));
  const probs =
    hits.length === 1
      ? Object.fromEntries(classes.map((c) => [c.label, c === hits[0] ? 1 : 0]))
      : Object.fromEntries(classes.map((c) => [c.label, 1 / classes.length]));
  return { probs, usage: result.usage };
}

/** A distribution over `classes` after `prompt`, by the requested (or best available) mode. */
export async function scoreClasses(client: ModelClient, prompt: string, classes: ClassDef[], opts: ScoreClassesOptions = {}): Promise<ClassScores> {
  if (classes.length === 0) throw new UnsupportedError("scoreClasses needs at least one class", "Give the layer `classes`");
  const caps = await client.capabilities();
  const mode = chooseScoringMode(caps, opts.mode ?? "auto", { classes: true, hiddenTargets: false });
  const combine = opts.combine ?? "sum";
  const scored =
    mode === "exact"
      ? await exactClassScores(client, prompt, classes, combine, opts.signal)
      : mode === "classes"
        ? await topLogprobClassScores(client, prompt, classes, combine, caps.topLogprobs, opts.signal)
        : await accuracyClassScores(client, prompt, classes, opts.signal);
  return { ...scored, mode };
}

const EXACT_ELSEWHERE = "a vLLM or Together endpoint (legacy completions with echo) or the llama provider for exact scoring";

/**
 * The scoring mode to use with an endpoint, decided before anything is spent.
 * `auto` chooses per layer (issue 12, measured in docs/performance.md): a layer with classes uses
 * class logprobs when the endpoint returns top logprobs (one request per layer call, the same
 * accuracy as exact scoring at a fraction of the prompt tokens), else exact scoring if the
 * endpoint can score targets, else accuracy; a layer with free-text targets (hidden layers) uses
 * exact scoring when possible, else accuracy. An explicit mode the endpoint (or the network)
 * cannot support throws an UnsupportedError naming what would work.
 */
export function chooseScoringMode(caps: Capabilities, wanted: ScoringMode, needs: { classes: boolean; hiddenTargets: boolean }): ResolvedScoringMode {
  const classesPossible = needs.classes && !needs.hiddenTargets && caps.topLogprobs > 0;
  switch (wanted) {
    case "auto":
      return classesPossible ? "classes" : caps.exactScoring ? "exact" : "accuracy";
    case "exact":
      if (caps.exactScoring) return "exact";
      throw new UnsupportedError(
        "This endpoint does not return prompt logprobs (echo), so exact scoring is not possible",
        `Use scoring: ${classesPossible ? '"classes" or ' : ""}"accuracy", or ${EXACT_ELSEWHERE}`,
      );
    case "classes":
      if (!needs.classes) {
        throw new UnsupportedError(
          "Class scoring needs a layer with `classes`",
          `Give the layer classes, or use scoring: ${caps.exactScoring ? '"exact" or ' : ""}"accuracy"`,
        );
      }
      if (needs.hiddenTargets) {
        throw new UnsupportedError(
          "Class scoring cannot score the free-text targets of hidden layers",
          caps.exactScoring ? 'Use scoring: "exact" (this endpoint supports it) or "accuracy"' : `Use scoring: "accuracy", or ${EXACT_ELSEWHERE}`,
        );
      }
      if (caps.topLogprobs <= 0) {
        throw new UnsupportedError(
          "This endpoint does not return top logprobs, so class scoring is not possible",
          `Use scoring: ${caps.exactScoring ? '"exact" or ' : ""}"accuracy"`,
        );
      }
      return "classes";
    case "accuracy":
      return "accuracy";
  }
}
