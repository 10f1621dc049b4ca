/**
 * Layers with `classes` answer with one of the labels. The best way is to let the client score
 * the classes (src/llm/scoring.ts: exact target logprobs or the first token's top logprobs) and
 * take the most probable; when the client cannot score, the layer generates text and
 * `matchClass` maps it onto a label.
 */
import type { ClassDef } from "../compile/types.js";
import type { ScoringMode } from "../spec/types.js";
import type { Capabilities, ModelClient, Usage } from "../llm/types.js";
import { scoreClasses } from "../llm/scoring.js";

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
export function canScoreClasses(client: ModelClient): Promise<boolean> {
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
  let best = classes[0].label;
  for (const c of classes) if ((probs[c.label] ?? 0) > (probs[best] ?? 0)) best = c.label;
  return { label: best, probs, usage: result.usage };
}

function toRecord(probs: Record<string, number> | number[], classes: ClassDef[]): Record<string, number> {
  if (!Array.isArray(probs)) return probs;
  const out: Record<string, number> = {};
  classes.forEach((c, i) => (out[c.label] = probs[i] ?? 0));
  return out;
}

/**
 * The label a generated answer means, matching labels and verbalizers case-insensitively: the
 * whole answer, then its first word, then the verbalizer that appears earliest in it (longest
 * first on a tie, so "not sure" beats "not"). `undefined` when nothing matches.
 */
export function matchClass(text: string, classes: ClassDef[]): string | undefined {
  const answer = text.trim().toLowerCase();
  const word = (/^[^\p{L}\p{N}]*([\p{L}\p{N}_'-]+)/u.exec(answer) ?? [])[1];
  for (const c of classes) {
    for (const v of verbalizersOf(c)) if (v === answer) return c.label;
  }
  if (word !== undefined) {
    for (const c of classes) {
      for (const v of verbalizersOf(c)) if (v === word) return c.label;
    }
  }
  let best: { label: string; at: number; len: number } | undefined;
  for (const c of classes) {
    for (const v of verbalizersOf(c)) {
      const at = indexOfWord(answer, v);
      if (at >= 0 && (!best || at < best.at || (at === best.at && v.length > best.len))) best = { label: c.label, at, len: v.length };
    }
  }
  return best?.label;
}

const lowered = new WeakMap<ClassDef, string[]>();

function verbalizersOf(c: ClassDef): string[] {
  let v = lowered.get(c);
  if (!v) {
    v = [...new Set([c.label, ...c.verbalizers].map((s) => s.trim().toLowerCase()).filter((s) => s !== ""))];
    lowered.set(c, v);
  }
  return v;
}

/** Index of `needle` in `hay` as a whole word (not inside a longer word), or -1. */
function indexOfWord(hay: string, needle: string): number {
  let from = 0;
  for (;;) {
    const at = hay.indexOf(needle, from);
    if (at < 0) return -1;
    const before = at === 0 ? "" : hay[at - 1];
    const after = hay[at + needle.length] ?? "";
    if (!/[\p{L}\p{N}]/u.test(before) && !/[\p{L}\p{N}]/u.test(after)) return at;
    from = at + 1;
  }
}
