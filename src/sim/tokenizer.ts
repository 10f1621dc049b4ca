/**
 * The simulator's tokenizer, shaped like a GPT/llama BPE vocabulary where it matters for scoring:
 * - a word carries at most ONE leading space (" yes" is one token, "yes" another);
 * - one punctuation mark, with at most one leading space;
 * - line breaks are tokens of their own: "\n\n" (a blank line) and "\n";
 * - any other whitespace is one token per character, so "  yes" is " " + " yes".
 * Its tokens always concatenate back to the original text. So "step.\nI" is [".", "\n", "I"],
 * "step. I" is [".", " I"] and the glued "step.I" is [".", "I"]: three different token sequences.
 */
const TOKEN = /\n\n|\n|[^\S\n](?=[^\S\n])|[^\S\n]?[\p{L}\p{N}_]+|[^\S\n]?[^\s\p{L}\p{N}_]|[^\S\n]+/gu;

export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** Token count by the same rule, for usage accounting. */
export function countTokens(text: string): number {
  return tokenize(text).length;
}
