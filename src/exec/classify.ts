/**
 * Layers with `classes` answer with one of the labels. The best way is to let the client score
 * the classes (src/llm/scoring.ts: exact target logprobs or the first token's top logprobs) and
 * take the most probable; when the client cannot score, or the model's `scoring` is
 * `"accuracy"`, the layer generates text and `matchClass` maps it onto a label (an answer that
 * matches no class stays the parsed text). A sampled ensemble member draws its class from the
 * scored distribution instead (`drawClass`).
 */
import type { ClassDef } from "../compile/types.js";
import type { ScoringMode } from "../network/types.js";
import type { Capabilities, ModelClient, Usage } from "../llm/types.js";
import { scoreClasses } from "../llm/scoring.js";
import type { Rng } from "../util/random.js";
import { ExecError } from "./errors.js";

/** The shape of `scoreClasses` in src/llm/scoring.ts. */
export type ScoreClassesFn = (
  client: ModelClient,
  prompt: string,
  classes: ClassDef[],
  options?: { mode?: ScoringMode; signal?: AbortSignal },
) => Promise<{ probs: Record<string, number> | number[]; mode?: string; usage: Usage }>;

export interface ScoredClasses {
  label: string;
  probs: Record<string, number>;
  usage: Usage;
}

const capabilitiesOf = new WeakMap<ModelClient, Promise<Capabilities | undefined>>();

/** Whether a client can score classes (exact scoring or top logprobs), asked once per client. */
function canScoreClasses(client: ModelClient): Promise<boolean> {
  let caps = capabilitiesOf.get(client);
  if (!caps) {
    caps = client.capabilities().catch(() => undefined);
    capabilitiesOf.set(client, caps);
  }
  return caps.then((c) => Boolean(c && (c.exactScoring || c.topLogprobs > 0)));
}

/**
 * The most probable class, or `undefined` when this client cannot score classes (no exact
 * scoring and no top logprobs, or the scorer answered `E_UNSUPPORTED`). Other failures are thrown.
 */
export async function scoreLayerClasses(
  client: ModelClient,
  prompt: string,
  classes: ClassDef[],
  mode: ScoringMode | undefined,
  signal: AbortSignal,
  scorer?: ScoreClassesFn,
): Promise<ScoredClasses | undefined> {
  const score = scorer ?? scoreClasses;
  // Accuracy scoring generates and compares; the layer does that itself, with its own settings,
  // and keeps an answer that matches no class as the parsed text instead of the first class.
  if (mode === "accuracy") return undefined;
  if (!(await canScoreClasses(client))) return undefined;
  let result: Awaited<ReturnType<ScoreClassesFn>>;
  try {
    result = await score(client, prompt, classes, { mode, signal });
  } catch (err) {
    if ((err as { code?: unknown }).code === "E_UNSUPPORTED") return undefined;
    throw err;
  }
  const probs = toRecord(result.probs, classes);
  // Ties go to the earlier class, so the answer is deterministic.
  return { label: argmaxClass(probs, classes), probs, usage: result.usage };
}

function toRecord(probs: Record<string, number> | number[], classes: ClassDef[]): Record<string, number> {
  if (!Array.isArray(probs)) return probs;
  const out: Record<string, number> = {};
  classes.forEach((c, i) => (out[c.label] = probs[i] ?? 0));
  return out;
}

/**
 * A class drawn from `probs` at `temperature`: each class weighs p^(1/T), renormalised, and `rng`
 * picks by those weights. Temperature 0 (or less) is the argmax, ties to the earlier class.
 */
export function drawClass(probs: Readonly<Record<string, number>>, classes: readonly ClassDef[], temperature: number, rng: Rng): string {
  if (!(temperature > 0)) return argmaxClass(probs, classes);
  const p = classes.map((c) => ({ label: c.label, p: Math.max(0, probs[c.label] ?? 0) }));
  const top = Math.max(...p.map((c) => c.p));
  if (!(top > 0)) return argmaxClass(probs, classes);
  // Relative to the largest, so p^(1/T) cannot underflow to all zeros at small T.
  const weights = p.map((c) => ({ label: c.label, weight: c.p > 0 ? Math.pow(c.p / top, 1 / temperature) : 0 }));
  const total = weights.reduce((s, w) => s + w.weight, 0);
  let u = rng.next() * total;
  for (const { label, weight } of weights) {
    u -= weight;
    if (u < 0 && weight > 0) return label;
  }
  // Rounding left u ≥ 0: the last class that has weight (the largest has weight 1, so there is one).
  return weights.findLast((w) => w.weight > 0)?.label ?? argmaxClass(probs, classes);
}

function argmaxClass(probs: Readonly<Record<string, number>>, classes: readonly ClassDef[]): string {
  let best: string | undefined;
  for (const c of classes) if (best === undefined || (probs[c.label] ?? 0) > (probs[best] ?? 0)) best = c.label;
  if (best === undefined) throw new ExecError("E_CLASSES", "cannot pick a class: the layer has no classes");
  return best;
}

export { matchClass } from "../text/answers.js";
