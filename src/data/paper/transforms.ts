/**
 * Pure per-example rewrites that turn the published layouts of the paper's datasets into
 * (input text, gold answer) pairs with the paper's label words.
 */
import type { Rng } from "../../util/random.js";

/** "(A)", "A", "A)" → "A"; anything else → undefined. */
export function optionLetter(target: string): string | undefined {
  const m = /^\s*\(?([A-Z])\)?\s*$/.exec(target);
  return m ? m[1] : undefined;
}

interface LetteredOptions {
  question: string;
  options: Array<{ letter: string; text: string }>;
}

const OPTIONS_MARKER = "\nOptions:\n";

/** Splits a BBH multiple-choice input into the question and its "(A) text" options, if it has them. */
export function parseLetteredOptions(input: string): LetteredOptions | undefined {
  const at = input.lastIndexOf(OPTIONS_MARKER);
  if (at < 0) return undefined;
  const lines = input
    .slice(at + OPTIONS_MARKER.length)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const options: LetteredOptions["options"] = [];
  for (const line of lines) {
    const [, letter, text] = /^\(([A-Z])\)\s*(.*)$/.exec(line) ?? [];
    if (letter === undefined || text === undefined) return undefined;
    options.push({ letter, text });
  }
  return options.length > 0 ? { question: input.slice(0, at), options } : undefined;
}

/**
 * The gold letter of a multiple-choice example: the target written as a letter ("(A)"), or the
 * target written as the text of one of the options.
 */
export function goldLetter(input: string, target: string): string | undefined {
  const letter = optionLetter(target);
  const parsed = parseLetteredOptions(input);
  if (letter !== undefined) return !parsed || parsed.options.some((o) => o.letter === letter) ? letter : undefined;
  const byText = parsed?.options.find((o) => o.text.trim().toLowerCase() === target.trim().toLowerCase());
  return byText?.letter;
}

/**
 * Re-orders the options of a multiple-choice input and moves the gold letter with its option,
 * as the paper's code did for training and dev data (so no position is favoured by the data).
 * Inputs without lettered options come back unchanged.
 */
export function shuffleOptions(input: string, letter: string, rng: Rng): { input: string; target: string } {
  const parsed = parseLetteredOptions(input);
  if (!parsed) return { input, target: letter };
  const gold = parsed.options.find((o) => o.letter === letter);
  const moved = rng.shuffle(parsed.options);
  // The letters stay in place; the options move under them.
  const letters = parsed.options.map((o) => o.letter);
  const lines = moved.map((o, to) => `(${letters[to]}) ${o.text}`);
  const newGold = gold === undefined ? letter : (letters[moved.indexOf(gold)] ?? letter);
  return { input: `${parsed.question}${OPTIONS_MARKER}${lines.join("\n")}`, target: newGold };
}

/** GSM8K's gold: the number after the final `####`, without thousands separators. */
export function gsm8kAnswer(answer: string): string | undefined {
  const at = answer.lastIndexOf("####");
  if (at < 0) return undefined;
  const m = /-?[\d,]*\.?\d+/.exec(answer.slice(at + 4));
  return m ? m[0].replace(/,/g, "") : undefined;
}

/** The paper's NLU inputs end with the label words as options: "text\nOptions:\n- negative\n- positive". */
export function appendOptionList(text: string, labels: readonly string[]): string {
  return [text, "Options:", ...labels.map((l) => `- ${l}`)].join("\n");
}
