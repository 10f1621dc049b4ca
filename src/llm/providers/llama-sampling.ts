/**
 * Choosing the next token from llama.cpp's output, in JavaScript, so generation is exactly as
 * reproducible as the PRNG: the model gives the full softmax (temperature 0, no truncation), and
 * temperature, seeded sampling and top logprobs are applied here.
 */
import type { ControlledEvaluateIndexOutput, Token } from "node-llama-cpp";
import { DlnError } from "../../util/errors.js";
import type { Rng } from "../../util/random.js";
import { noOutput } from "./llama-errors.js";

/** Smallest logprob reported: probabilities below float32's range come back as 0. */
const LOGPROB_FLOOR = Math.log(1e-45);

export const logprobOf = (probability: number | undefined): number =>
  probability && probability > 0 ? Math.max(Math.log(probability), LOGPROB_FLOOR) : LOGPROB_FLOOR;

export interface ChosenToken {
  token: Token;
  logprob: number;
}

/**
 * Greedy at temperature 0 (llama.cpp's argmax); otherwise a draw from softmax(logits / T),
 * computed from the full distribution as p_i^(1/T), renormalised.
 */
export function chooseToken(output: ControlledEvaluateIndexOutput, temperature: number, rng: Rng): ChosenToken {
  const { probabilities, token, confidence } = output.next;
  if (temperature <= 0 || !probabilities) {
    if (token === undefined || token === null) {
      const first = probabilities?.entries().next().value;
      if (!first) throw noOutput("neither a token nor a distribution");
      return { token: first[0], logprob: logprobOf(first[1]) };
    }
    return { token, logprob: logprobOf(probabilities?.get(token) ?? confidence) };
  }
  let total = 0;
  let maxLog = -Infinity;
  for (const p of probabilities.values()) if (p > 0) maxLog = Math.max(maxLog, Math.log(p));
  const weights: Array<[Token, number, number]> = [];
  for (const [candidate, p] of probabilities) {
    if (p <= 0) continue;
    const weight = Math.exp((Math.log(p) - maxLog) / temperature);
    weights.push([candidate, p, weight]);
    total += weight;
  }
  let draw = rng.next() * total;
  for (const [candidate, p, weight] of weights) {
    draw -= weight;
    if (draw < 0) return { token: candidate, logprob: logprobOf(p) };
  }
  const last = weights.at(-1);
  if (last === undefined) throw new DlnError("E_LLAMA_OUTPUT", "llama.cpp returned a distribution in which no token has a probability above 0");
  const [lastToken, lastP] = last;
  return { token: lastToken, logprob: logprobOf(lastP) };
}

/** The `k` most probable next tokens (the map llama.cpp returns is sorted, most probable first). */
export function topTokens(output: ControlledEvaluateIndexOutput, k: number): Array<{ token: Token; logprob: number }> {
  const out: Array<{ token: Token; logprob: number }> = [];
  if (k <= 0 || !output.next.probabilities) return out;
  for (const [token, p] of output.next.probabilities) {
    if (out.length >= k) break;
    out.push({ token, logprob: logprobOf(p) });
  }
  return out;
}
