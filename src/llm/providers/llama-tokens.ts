/**
 * Tokenisation for the llama provider: prompts, the context/target boundary for scoring, and
 * the text of individual tokens. Everything uses the model's own tokenizer, so scores and
 * generations are in the model's token units.
 */
import type { LlamaModel, Token } from "node-llama-cpp";
import { LlamaProviderError } from "./llama-errors.js";

/**
 * The tokens of a prompt as the model expects to see it: the BOS token first when the model asks
 * for one (llama, mistral, gemma do; qwen does not), then the text. Raw text, no chat template.
 */
export function promptTokens(model: LlamaModel, text: string, where: string): Token[] {
  const tokens = model.tokenize(text);
  const start = model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
  const withStart = start === null ? tokens : [start, ...tokens];
  return withStart.length > 0 ? withStart : [startToken(model, where)];
}

/** The token a model's first prediction is conditioned on when the text before it is empty. */
function startToken(model: LlamaModel, where: string): Token {
  const token = model.tokens.bos ?? model.tokens.eos;
  if (token === null) {
    throw new LlamaProviderError(
      "E_LLAMA_NO_START_TOKEN",
      "The model has neither a BOS nor an EOS token, so nothing can be predicted after an empty context",
      "Give a non-empty context (prompt) or use a model whose vocabulary has a BOS token",
      { where },
    );
  }
  return token;
}

/** What `score()` evaluates: `tokens[targetStart..]` are scored, each predicted by the token before it. */
export interface ScorePlan {
  tokens: Token[];
  targetStart: number;
  /**
   * True when tokenising context+target merged characters across the boundary (e.g. context
   * "is y" + target "es" becomes "…is", " yes"): the straddling tokens then belong to the target.
   */
  boundaryMerged: boolean;
}

/**
 * Finds the target's tokens by tokenising the context and the context+target string and taking
 * what follows their longest common prefix. Tokenising context+target together (rather than the
 * target alone) gives the tokens the model would really see: SentencePiece tokenizers add a
 * space before the first word of a text and tokenize " yes" differently at the start of a text
 * than after "is". When a token straddles the boundary, it is scored as part of the target, so
 * the score is log p(straddling token + rest of target | context before it); `boundaryMerged`
 * reports it. Target text with a leading space (" yes") avoids that in SentencePiece models.
 */
export function planScore(model: LlamaModel, context: string, target: string, where: string): ScorePlan {
  const contextTokens = promptTokens(model, context, where);
  const fullTokens = promptTokens(model, context + target, where);
  let shared = 0;
  while (shared < contextTokens.length && shared < fullTokens.length && contextTokens[shared] === fullTokens[shared]) shared++;
  if (shared === 0 && fullTokens.length > 0) {
    // Nothing of the context survived (empty context, no BOS): condition on a start token.
    return { tokens: [startToken(model, where), ...fullTokens], targetStart: 1, boundaryMerged: contextTokens.length > 0 && context !== "" };
  }
  return { tokens: fullTokens, targetStart: shared, boundaryMerged: shared < contextTokens.length };
}

/**
 * The text a token adds after the tokens before it. Decoding in context matters: a
 * SentencePiece "▁yes" is " yes" mid-text but "yes" at the start, and a multi-byte character split
 * over byte tokens only decodes once all its bytes are there.
 */
export function tokenText(model: LlamaModel, token: Token, before: readonly Token[]): string {
  return model.detokenize([token], false, before.slice(-16));
}

/** The text of each of `tokens` after the ones before it (see `tokenText`). */
export function tokenTexts(model: LlamaModel, tokens: readonly Token[], before: readonly Token[]): string[] {
  const history = [...before];
  return tokens.map((token) => {
    const text = model.detokenize([token], false, history.slice(-16));
    history.push(token);
    return text;
  });
}
