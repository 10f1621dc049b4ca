/**
 * Completion-style generation on one sequence: the prompt is raw text (no chat template), the
 * model continues it token by token until EOS, a stop string, maxTokens or the context is full.
 */
import type { LlamaModel, Token } from "node-llama-cpp";
import { requestAborted } from "../abort.js";
import type { Completion, TokenLogprob } from "../types.js";
import { DlnError } from "../../util/errors.js";
import type { Rng } from "../../util/random.js";
import { chooseToken, topTokens } from "./llama-sampling.js";
import type { LlamaSequenceRunner } from "./llama-sequence.js";
import { tokenText } from "./llama-tokens.js";

export interface GenerationSettings {
  maxTokens: number;
  temperature: number;
  stop: string[];
  /** Top alternatives per generated token (0: none). */
  topLogprobs: number;
  signal?: AbortSignal;
  where: string;
}

export interface GeneratedCompletion extends Completion {
  tokens: TokenLogprob[];
  /** Tokens generated (including any cut off by a stop string). */
  generatedTokens: number;
}

export async function generateCompletion(
  runner: LlamaSequenceRunner,
  model: LlamaModel,
  prompt: readonly Token[],
  settings: GenerationSettings,
  rng: Rng,
): Promise<GeneratedCompletion> {
  const want = { probabilities: settings.temperature > 0 || settings.topLogprobs > 0, greedy: true };
  const room = runner.contextSize - prompt.length;
  const limit = Math.min(settings.maxTokens, room);
  const generated: Token[] = [];
  const entries: Array<TokenLogprob & { start: number }> = [];
  const promptTail = prompt.slice(-16);
  let text = "";
  let finishReason: Completion["finishReason"] = "length";
  if (limit <= 0) return { text, tokens: [], finishReason, generatedTokens: 0 };

  let [output] = await runner.evaluate(prompt, prompt.length - 1, want);
  if (output === undefined) throw new DlnError("E_LLAMA_OUTPUT", `llama.cpp returned no output for the prompt's last token (${settings.where})`);
  for (let step = 0; step < limit; step++) {
    if (settings.signal?.aborted) throw requestAborted(settings.where);
    const chosen = chooseToken(output, settings.temperature, rng);
    if (model.isEogToken(chosen.token)) {
      finishReason = "stop";
      break;
    }
    const before = [...promptTail, ...generated];
    const entry: TokenLogprob & { start: number } = { token: tokenText(model, chosen.token, before), logprob: chosen.logprob, start: text.length };
    if (settings.topLogprobs > 0) {
      entry.top = topTokens(output, settings.topLogprobs).map((alt) => ({
        token: tokenText(model, alt.token, before),
        logprob: alt.logprob,
      }));
    }
    generated.push(chosen.token);
    entries.push(entry);
    text = model.detokenize(generated, false, promptTail);
    const stopAt = firstStop(text, settings.stop);
    if (stopAt >= 0) {
      text = text.slice(0, stopAt);
      finishReason = "stop";
      break;
    }
    if (step + 1 < limit) output = await runner.append(chosen.token, want);
  }
  // Tokens that start at or after a stop string are not part of the completion.
  const kept = entries.filter((e) => e.start < text.length);
  return { text, tokens: kept.map(({ start: _start, ...rest }) => rest), finishReason, generatedTokens: generated.length };
}

/** Index of the earliest stop string in `text`, or -1. */
function firstStop(text: string, stops: readonly string[]): number {
  let best = -1;
  for (const stop of stops) {
    if (!stop) continue;
    const at = text.indexOf(stop);
    if (at >= 0 && (best < 0 || at < best)) best = at;
  }
  return best;
}
