/**
 * A distribution over whole answers, seen token by token: the autoregressive model the sim
 * provider exposes. The probability of the next token after a prefix is the probability mass of
 * the answers that continue the prefix with that token, divided by the mass of the prefix, so the
 * logprobs of an answer's tokens add up to the log of the answer's probability (exactly, up to
 * the small background term below).
 *
 * Background: with probability EPSILON the "model" writes text from a flat background
 * distribution (BACKGROUND_TOKEN_P per token). This gives text the world would never produce a
 * finite, very low score, and keeps the sum over all answers ≤ 1.
 *
 * Leading whitespace of an answer is not significant: " yes" and "yes" are the same answer, as a
 * scorer comparing verbalizers with and without a leading space expects.
 */
import type { TopLogprob } from "../llm/types.js";
import { tokenize } from "./tokenizer.js";
import { normalizeAlternatives, type Alternative } from "./world.js";

export const EPSILON = 1e-3;
export const BACKGROUND_TOKEN_P = 1e-5;
const LOG_KEEP = Math.log(1 - EPSILON);
const LOG_EPS = Math.log(EPSILON);
const LOG_BG = Math.log(BACKGROUND_TOKEN_P);

interface Entry {
  text: string;
  p: number;
  tokens: string[];
}

/** Tokens compare equal at position 0 regardless of leading whitespace. */
function sameToken(position: number, a: string, b: string): boolean {
  return position === 0 ? a.trimStart() === b.trimStart() : a === b;
}

function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/** Walks a token prefix, keeping the answers that still agree with it. */
class PrefixCursor {
  private position = 0;
  constructor(private matching: Entry[]) {}

  /** log of the prefix's total mass (answers + background). */
  logMass(): number {
    let p = 0;
    for (const e of this.matching) p += e.p;
    const fromAnswers = p > 0 ? LOG_KEEP + Math.log(p) : -Infinity;
    return logAddExp(fromAnswers, LOG_EPS + this.position * LOG_BG);
  }

  /** logprob of `token` as the next token. */
  logprobOf(token: string): number {
    const before = this.logMass();
    const next = new PrefixCursor(this.matching.filter((e) => this.continuesWith(e, token)));
    next.position = this.position + 1;
    return next.logMass() - before;
  }

  /** The most probable next tokens (answers that end here are not listed). */
  top(k: number): TopLogprob[] {
    if (k <= 0) return [];
    // One entry per distinct next token; at position 0, " yes" and "yes" are one token.
    const shown = new Map<string, string>();
    for (const e of this.matching) {
      const t = e.tokens[this.position];
      if (t === undefined) continue;
      const key = this.position === 0 ? t.trimStart() : t;
      if (!shown.has(key)) shown.set(key, t);
    }
    return [...shown.values()]
      .map((token) => ({ token, logprob: this.logprobOf(token) }))
      .sort((a, b) => b.logprob - a.logprob || (a.token < b.token ? -1 : 1))
      .slice(0, k);
  }

  advance(token: string): void {
    this.matching = this.matching.filter((e) => this.continuesWith(e, token));
    this.position++;
  }

  private continuesWith(e: Entry, token: string): boolean {
    const t = e.tokens[this.position];
    return t !== undefined && sameToken(this.position, t, token);
  }
}

export interface SampledToken extends TopLogprob {
  top?: TopLogprob[];
}

export class AnswerDistribution {
  readonly alternatives: ReadonlyArray<Readonly<Entry>>;

  constructor(alternatives: Alternative[]) {
    this.alternatives = normalizeAlternatives(alternatives).map((a) => ({ ...a, tokens: tokenize(a.text) }));
  }

  /**
   * Picks an answer: the most probable at temperature 0 (the first listed on ties), otherwise a
   * draw from the probabilities raised to 1/T and renormalised.
   */
  pick(temperature: number, random: () => number): number {
    const alts = this.alternatives;
    if (alts.length === 0) return -1;
    if (!(temperature > 0)) {
      let best = 0;
      for (let i = 1; i < alts.length; i++) if (alts[i].p > alts[best].p) best = i;
      return best;
    }
    const weights = alts.map((a) => Math.exp(Math.log(a.p) / temperature));
    const total = weights.reduce((s, w) => s + w, 0);
    let r = random() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return alts.length - 1;
  }

  /** Per-token logprobs (and top alternatives when k > 0) along a sequence of tokens. */
  walk(tokens: string[], topK = 0): SampledToken[] {
    const cursor = new PrefixCursor([...this.alternatives]);
    return tokens.map((token) => {
      const out: SampledToken = { token, logprob: cursor.logprobOf(token) };
      if (topK > 0) out.top = cursor.top(topK);
      cursor.advance(token);
      return out;
    });
  }

  /** Teacher-forced logprobs of `target` (tokenised by the simulator's tokenizer). */
  score(target: string): TopLogprob[] {
    return this.walk(tokenize(target)).map(({ token, logprob }) => ({ token, logprob }));
  }
}
