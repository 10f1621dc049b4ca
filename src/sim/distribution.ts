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
 * Whitespace is significant, as in a real model: " yes", "yes" and "\nyes" are different token
 * sequences, and a target is only likely if its tokens are the ones the world writes after that
 * exact context (`forPrompt` conditions the answers on whitespace the prompt ends with). A target
 * glued to its context ("step.North …" instead of "step.\nNorth …") leaves the world's answers at
 * its first token and is scored as background text: very low, and the same whatever the prompt.
 */
import { tokenize } from "./tokenizer.js";

/** A token and its log-probability (the shape of src/llm/types.ts's TopLogprob; the world knows no clients). */
export interface TopLogprob {
  token: string;
  logprob: number;
}
import { normalizeAlternatives, type Alternative, type World, type WorldRequest } from "./world.js";
import type { Rng } from "../util/random.js";

const EPSILON = 1e-3;
const BACKGROUND_TOKEN_P = 1e-5;
const LOG_KEEP = Math.log(1 - EPSILON);
const LOG_EPS = Math.log(EPSILON);
const LOG_BG = Math.log(BACKGROUND_TOKEN_P);

interface Entry {
  text: string;
  p: number;
  tokens: string[];
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
    // One entry per distinct next token (" yes" and "yes" are different tokens).
    const shown = new Set<string>();
    for (const e of this.matching) {
      const t = e.tokens[this.position];
      if (t !== undefined) shown.add(t);
    }
    return [...shown]
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
    return t !== undefined && t === token;
  }
}

export interface SampledToken extends TopLogprob {
  top?: TopLogprob[];
}

/**
 * The world's answers as a continuation of `prompt`, whose trailing whitespace is already part of
 * the text: a prompt ending in "\n" keeps the answers that start with "\n" (without it), as a
 * model that has already written the line break; when none does, every answer loses its leading
 * whitespace (the model copes, as after the original DLN's `context + "\n"`).
 */
function forPrompt(prompt: string, alternatives: Alternative[]): Alternative[] {
  const trailing = /\s*$/.exec(prompt)?.[0] ?? "";
  if (!trailing) return alternatives;
  const continuing = alternatives.filter((a) => a.text.startsWith(trailing) && a.text.length > trailing.length);
  if (continuing.length > 0) return continuing.map((a) => ({ text: a.text.slice(trailing.length), p: a.p }));
  return alternatives.map((a) => ({ text: a.text.trimStart(), p: a.p }));
}

/** The distribution a world gives after exactly this prompt (trailing whitespace included). */
export function distributionAfter(world: World, request: WorldRequest): AnswerDistribution {
  return new AnswerDistribution(forPrompt(request.prompt, world.answer(request)));
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
  pick(temperature: number, random: Rng): number {
    const alts = this.alternatives;
    if (alts.length === 0) return -1;
    if (!(temperature > 0)) {
      let best = 0;
      alts.forEach((a, i) => {
        if (a.p > (alts[best]?.p ?? -Infinity)) best = i;
      });
      return best;
    }
    const weights = alts.map((a) => Math.exp(Math.log(a.p) / temperature));
    const total = weights.reduce((s, w) => s + w, 0);
    let r = random.next() * total;
    for (const [i, w] of weights.entries()) {
      r -= w;
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
