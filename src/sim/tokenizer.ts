/**
 * The simulator's tokenizer: a word with the whitespace before it, one punctuation mark with the
 * whitespace before it, or trailing whitespace. Like a BPE vocabulary it keeps the leading space
 * on a word (" yes"), and its tokens always concatenate back to the original text.
 */
const TOKEN = /\s*[\p{L}\p{N}_]+|\s*[^\s\p{L}\p{N}_]|\s+/gu;

export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** Token count by the same rule, for usage accounting. */
export function countTokens(text: string): number {
  return tokenize(text).length;
}
