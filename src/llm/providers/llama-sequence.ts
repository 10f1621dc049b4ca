/**
 * One llama.cpp context sequence and the bookkeeping that lets evaluations reuse its KV cache.
 *
 * `evaluate(tokens, outputsFrom)` leaves the sequence holding exactly `tokens` and returns the
 * next-token output at every position from `outputsFrom` on. Tokens the sequence already holds
 * (the longest common prefix with its history) are kept and not evaluated again, except that
 * every position whose output is wanted must be evaluated now: llama.cpp only keeps the keys and
 * values of past tokens, not their logits. So scoring a target of T tokens after an
 * already-evaluated context costs T evaluations (the context's last token, which predicts the
 * first target token, and all target tokens but the last). The counters make that measurable.
 *
 * Callers must serialise access (see PrefixAffinityQueue): the sequence has one history.
 */
import type { ControlledEvaluateIndexOutput, ControlledEvaluateInputItem, LlamaContextSequence, Token } from "node-llama-cpp";
import { noOutput } from "./llama-errors.js";
import { sharedPrefixLength } from "./llama-queue.js";

/** What to compute at a position whose output is wanted. */
export interface NextTokenRequest {
  /** The full next-token distribution (softmax over the vocabulary at temperature 0). */
  probabilities?: boolean;
  /** The most likely next token (greedy) and its probability, without the full distribution. */
  greedy?: boolean;
}

export interface LlamaEvaluationStats {
  /** Tokens run through the model. */
  tokensEvaluated: number;
  /** Tokens whose evaluation was skipped because the sequence already held them. */
  tokensReused: number;
  /** Evaluations that reused at least one held token. */
  contextReuseHits: number;
  /** Calls to `evaluate`/`append`. */
  evaluations: number;
}

export class LlamaSequenceRunner {
  private counters: LlamaEvaluationStats = { tokensEvaluated: 0, tokensReused: 0, contextReuseHits: 0, evaluations: 0 };

  constructor(
    private readonly sequence: LlamaContextSequence,
    private readonly reuseContext: boolean,
  ) {}

  /** Tokens the sequence holds now. */
  get heldTokens(): readonly Token[] {
    return this.sequence.contextTokens;
  }

  get contextSize(): number {
    return this.sequence.contextSize;
  }

  stats(): LlamaEvaluationStats {
    return { ...this.counters };
  }

  resetStats(): void {
    this.counters = { tokensEvaluated: 0, tokensReused: 0, contextReuseHits: 0, evaluations: 0 };
  }

  /**
   * Makes the sequence hold `tokens`; returns `outputs[i]` = the next-token output after
   * `tokens[outputsFrom + i]`, for every position from `outputsFrom` to the end.
   */
  async evaluate(tokens: readonly Token[], outputsFrom: number, want: NextTokenRequest): Promise<ControlledEvaluateIndexOutput[]> {
    const held = this.sequence.contextTokens;
    const keep = this.reuseContext ? Math.min(sharedPrefixLength(held, tokens), outputsFrom, tokens.length - 1) : 0;
    if (keep === 0) {
      if (held.length > 0) await this.sequence.clearHistory();
    } else if (keep < held.length) {
      await this.sequence.eraseContextTokenRanges([{ start: keep, end: held.length }]);
    }
    const generateNext = toGenerateNext(want);
    const input: ControlledEvaluateInputItem[] = tokens.slice(keep).map((token, i) => (keep + i >= outputsFrom ? [token, { generateNext }] : token));
    const results = await this.sequence.controlledEvaluate(input);
    this.count(input.length, keep);
    const outputs: ControlledEvaluateIndexOutput[] = [];
    for (let position = Math.max(outputsFrom, keep); position < tokens.length; position++) {
      const output = results[position - keep];
      if (!output) throw noOutput(`no output for token position ${position}`);
      outputs.push(output);
    }
    return outputs;
  }

  /** Appends one token to what the sequence holds and returns the output after it. */
  async append(token: Token, want: NextTokenRequest): Promise<ControlledEvaluateIndexOutput> {
    const [output] = await this.sequence.controlledEvaluate([[token, { generateNext: toGenerateNext(want) }]]);
    this.count(1, 0);
    if (!output) throw noOutput("no output for the appended token");
    return output;
  }

  private count(evaluated: number, reused: number): void {
    this.counters.evaluations++;
    this.counters.tokensEvaluated += evaluated;
    this.counters.tokensReused += reused;
    if (reused > 0) this.counters.contextReuseHits++;
  }
}

/**
 * Temperature 0 selects llama.cpp's greedy sampler chain, which leaves every token's logit in
 * place, so `probabilities` is the model's full softmax, untouched by top-k/top-p.
 */
function toGenerateNext(want: NextTokenRequest): NonNullable<Extract<ControlledEvaluateInputItem, unknown[]>[1]["generateNext"]> {
  return {
    probabilities: want.probabilities === true,
    token: want.greedy === true,
    confidence: want.greedy === true,
    options: { temperature: 0 },
  };
}
