/**
 * What a simulated task is made of. A task has hidden facts behind every input, a true label
 * computed from them, and RULES: sentences that, when an instruction states them, make the
 * simulated model answer correctly for the inputs they apply to. Misleading rules are plausible
 * sentences that push toward a wrong label; the world recognises them too, so a proposal that
 * states one really does hurt.
 */
import type { Rng } from "../util/random.js";

/** A rule the world can recognise in an instruction. */
export interface Rule<F> {
  id: string;
  /** The full sentence, as the simulated proposer writes it. */
  statement: string;
  /** The terse form used when asked to shorten. */
  short: string;
  /**
   * The rule counts as stated when one clause of the instruction (text between `.`, `;`, `!`,
   * `?` or a line break) matches every one of these patterns.
   */
  patterns: RegExp[];
  /** The label the rule leads to for these facts, or null where it does not apply. */
  verdict(facts: F): string | null;
  /** How strongly the rule moves the answer (1: fully, for the inputs it decides). */
  weight: number;
}

/** A format rule: stated when any one of the pattern sets matches one clause. */
export interface FormatRule {
  statement: string;
  short: string;
  patterns: RegExp[][];
}

/** The public description of a task (exported for the demo, the docs and the tests). */
export interface TaskInfo {
  name: string;
  description: string;
  labels: string[];
  /** The hidden rules, stated as sentences (the last one is the answer format). */
  rules: string[];
  /** Rules that sound right but are wrong; the simulated proposer sometimes writes them. */
  misleadingRules: string[];
  /** True when a step-by-step layer that reaches the intermediate conclusion is needed for high accuracy. */
  needsIntermediate: boolean;
  /** An example of the intermediate conclusion the hidden layer should reach. */
  intermediateExample: string;
}

/** A generated example. A type (not an interface) so it is assignable to the executor's `Record<string, unknown>` samples. */
export type Sample = {
  x: string;
  y: string;
  id: string;
};

export interface SimTask<F> {
  info: TaskInfo;
  /** The first sentence of every instruction the simulated proposer writes. */
  header: string;
  /** Correct rules: together they decide every input. */
  rules: Rule<F>[];
  misleading: Rule<F>[];
  format: FormatRule;
  /**
   * How often the model applies the stated rules correctly when it answers directly, without
   * written reasoning (1: always). Below 1 the task needs an intermediate step.
   */
  directSkill: number;
  /** Finds an input of this task inside a prompt (a global regex; group 0 is the whole input). */
  inputPattern: RegExp;
  /** The facts behind a matched input, or null if the match is not a valid input. */
  parse(match: RegExpExecArray): F | null;
  /** Random facts whose true label is `label`. */
  generate(rng: Rng, label: string): F;
  render(facts: F): string;
  label(facts: F): string;
  /** Reasoning text that reaches the conclusion leading to `label` (the right one when `label` is true). */
  reasoning(facts: F, label: string): string;
  /** Reasoning that reaches no conclusion. */
  vagueReasoning(facts: F): string;
  /** The label a piece of reasoning concludes, if it states a conclusion the world can read. */
  readConclusion(text: string): string | null;
  /** Whether the text shows the intermediate step (the totals, the count, the deciding trait). */
  hasStep(text: string): boolean;
  /** A thought that states `label` as its conclusion WITHOUT the intermediate step (a guess). */
  shortcut(label: string): string;
  /** A wordy answer that names the label but does not start with it. */
  verbose(label: string): string;
  /** The wrong label a confused model would most likely give for these facts. */
  likelyWrongLabel(facts: F): string;
  /** A one-sentence worked example for an instruction (must not look like an input). */
  workedExample(facts: F): string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTask = SimTask<any>;
