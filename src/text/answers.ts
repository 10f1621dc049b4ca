/**
 * How an answer's text is cut down and mapped onto a layer's classes: ONE place for the first
 * word, the first line and the class matchers, used by the executor's `parse` (src/exec/parse.ts),
 * the metrics' `normalize` (src/metrics/normalize.ts) and class scoring (src/llm/scoring.ts).
 * It imports nothing and defines the ClassDef shape, so src/llm and src/compile both import it
 * without depending on each other.
 */

/** A class of a class layer: its label and the texts that count as it in the model's answer. */
export interface ClassDef {
  label: string;
  /** Texts that count as this class in the model's answer; at least the label itself. */
  verbalizers: string[];
}

/** Punctuation a first word may carry that is not part of the answer ("Yes." → "Yes", '"(B)"' → "B"). */
const EDGE_PUNCTUATION = /^[\s"'`*([{<«“‘]+|[\s"'`*)\]}>»”’.,;:!?]+$/g;

/** The first whitespace-separated word, without surrounding quotes or punctuation; case kept. */
export function firstWord(text: string): string {
  const m = /\S+/.exec(text);
  return m ? m[0].replace(EDGE_PUNCTUATION, "") : "";
}

/** The first line that is not blank, trimmed. */
export function firstLine(text: string): string {
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (t !== "") return t;
  }
  return "";
}

const forms = new WeakMap<ClassDef, { verbalizers: readonly string[]; withLabel: string[]; verbalizersOnly: string[] }>();

/**
 * A class's verbalizers (and, with `withLabel`, its label), trimmed and lower-cased, without
 * duplicates or empty strings: what every matcher compares against (case-insensitively).
 * Remembered per class definition; a class given new verbalizers is read afresh.
 */
function classForms(c: ClassDef, withLabel = true): string[] {
  let known = forms.get(c);
  if (!known || known.verbalizers !== c.verbalizers) {
    const norm = (list: string[]) => [...new Set(list.map((s) => s.trim().toLowerCase()).filter((s) => s !== ""))];
    known = { verbalizers: c.verbalizers, withLabel: norm([c.label, ...c.verbalizers]), verbalizersOnly: norm([...c.verbalizers]) };
    forms.set(c, known);
  }
  return withLabel ? known.withLabel : known.verbalizersOnly;
}

/**
 * The label a generated answer means, matching labels and verbalizers case-insensitively: the
 * whole answer, then its first word, then the verbalizer that appears earliest in it as a whole
 * word (longest first on a tie, so "not sure" beats "not"). `undefined` when nothing matches.
 */
export function matchClass(text: string, classes: readonly ClassDef[]): string | undefined {
  const answer = text.trim().toLowerCase();
  for (const c of classes) if (classForms(c).includes(answer)) return c.label;
  const word = firstWord(answer);
  if (word !== "") {
    for (const c of classes) if (classForms(c).includes(word)) return c.label;
  }
  let best: { label: string; at: number; len: number } | undefined;
  for (const c of classes) {
    for (const v of classForms(c)) {
      const at = indexOfWord(answer, v);
      if (at >= 0 && (!best || at < best.at || (at === best.at && v.length > best.len))) best = { label: c.label, at, len: v.length };
    }
  }
  return best?.label;
}

/**
 * Which classes one generated token stands for (class scoring from top logprobs): those with a
 * verbalizer equal to the token without its leading whitespace, case-insensitively; failing that,
 * those with a verbalizer the token begins (a multi-token verbalizer's first piece, e.g. "pos" for
 * "positive"). Verbalizers only, as exact scoring scores them, so a class gets the same share on
 * every endpoint.
 */
export function classesForToken(token: string, classes: readonly ClassDef[]): string[] {
  const text = token.trim().toLowerCase();
  if (!text) return [];
  const exact = classes.filter((c) => classForms(c, false).includes(text)).map((c) => c.label);
  if (exact.length) return exact;
  return classes.filter((c) => classForms(c, false).some((v) => v.startsWith(text))).map((c) => c.label);
}

/** Index of `needle` in `hay` as a whole word (not inside a longer word), or -1. */
function indexOfWord(hay: string, needle: string): number {
  let from = 0;
  for (;;) {
    const at = hay.indexOf(needle, from);
    if (at < 0) return -1;
    const before = hay[at - 1] ?? "";
    const after = hay[at + needle.length] ?? "";
    if (!/[\p{L}\p{N}]/u.test(before) && !/[\p{L}\p{N}]/u.test(after)) return at;
    from = at + 1;
  }
}
