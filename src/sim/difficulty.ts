/**
 * How hard the "tasks" world is. `tasks` (NORMAL) and `tasks-hard` (HARD) share the tasks, the
 * templates they recognise and the rules; they differ in how forgiving the simulated model is:
 * how often it miscounts when answering directly, whether the answer layer needs the hidden text's
 * intermediate step, how noisy its proposals and posterior samples are. In HARD, one layer
 * cannot solve navigate/coins whatever its prompt, a thinking layer needs BOTH rules before it
 * usually writes the right step, and most proposals are no better than their parent.
 */

/** Weights of the proposal menu (src/sim/proposer.ts); renormalised over the drafts that apply. */
interface ProposalWeights {
  /** Adds the missing rule that decides most wrong examples, and the answer format. */
  oneRuleAndFormat: number;
  /** Adds every missing rule, and the format. */
  allRules: number;
  /** Adds the missing rule only. */
  oneRule: number;
  /** Restates the instruction: no better, no worse (when nothing is missing: adds the format). */
  restate: number;
  /** Adds a useless sentence. */
  filler: number;
  /** Adds a misleading rule. */
  misleading: number;
  /** Drops a stated rule. */
  dropRule: number;
  /** Loses the answer-format instruction. */
  dropFormat: number;
  /** Removes a stated misleading rule that hurts wrong examples. */
  removeHarmful: number;
  /** Merges in a remembered good instruction. */
  memory: number;
}

/** Weights of the posterior sampler's answers (src/sim/posterior.ts, and hinted think prompts). */
interface PosteriorWeights {
  /** Reasoning WITH the intermediate step, concluding the wanted answer. */
  step: number;
  /** The wanted answer stated without the step (a shortcut). */
  shortcut: number;
  /** Vague text, no conclusion. */
  vague: number;
  /** Reasoning that concludes the other answer. */
  opposite: number;
}

export interface Difficulty {
  readonly name: "normal" | "hard";
  /**
   * Direct-answer skill on tasks that need an intermediate step: the share of inputs the model
   * gets right when it answers without written reasoning (the lower of this and the task's own).
   */
  directSkill: number;
  /** How much a conclusion WITH its intermediate step in the hidden text pulls the answer. */
  followStep: number;
  /** How much a bare conclusion (no step) pulls the answer. */
  followBare: number;
  /** Weights of a thinking layer's texts, from the coverage of the deciding rules (0..1). */
  think(right: number, misled: number): { right: number; wrong: number; vague: number; shortcut: number };
  /** Share of inputs (per seed) on which even a fully instructed thinking layer usually miscounts. */
  thinkSlip: number;
  /**
   * Share of inputs (per seed) on which, without a format instruction, a wordy answer ("It is a
   * bird.") is likelier than the bare label, so a lost format instruction costs accuracy.
   */
  wordyInputs: number;
  proposals: ProposalWeights;
  posterior: PosteriorWeights;
  /** Leading whitespace of answers after `Answer:` and of thoughts after `Let's think step by step.`. */
  answerWhitespace: Array<[string, number]>;
  thinkWhitespace: Array<[string, number]>;
}

export const NORMAL: Difficulty = {
  name: "normal",
  directSkill: 1,
  followStep: 0.85,
  followBare: 0.85,
  think: (right, misled) => ({
    right: 0.15 + 0.8 * right,
    wrong: 0.1 + 0.6 * misled,
    vague: 0.6 * (1 - 0.9 * Math.max(right, misled)),
    shortcut: 0,
  }),
  thinkSlip: 0,
  wordyInputs: 0,
  proposals: {
    oneRuleAndFormat: 0.2,
    allRules: 0.1,
    oneRule: 0.1,
    restate: 0.15,
    filler: 0.15,
    misleading: 0.15,
    dropRule: 0.1,
    dropFormat: 0.05,
    removeHarmful: 0.15,
    memory: 0.1,
  },
  posterior: { step: 0.6, shortcut: 0.1, vague: 0.15, opposite: 0.15 },
  answerWhitespace: [
    [" ", 0.9],
    ["\n", 0.1],
  ],
  thinkWhitespace: [
    ["\n", 0.55],
    [" ", 0.45],
  ],
};

export const HARD: Difficulty = {
  name: "hard",
  directSkill: 0.55,
  followStep: 0.9,
  followBare: 0.25,
  // Quadratic in the coverage: one of two rules is not enough for the right step to win at T=0.
  think: (right, misled) => ({
    right: 0.04 + 0.86 * right * right,
    wrong: 0.14 + 0.6 * misled,
    vague: 0.55 * (1 - 0.9 * Math.max(right, misled)),
    shortcut: 0.12,
  }),
  thinkSlip: 0.1,
  wordyInputs: 0.5,
  proposals: {
    oneRuleAndFormat: 0.08,
    allRules: 0.02,
    oneRule: 0.07,
    restate: 0.25,
    filler: 0.15,
    misleading: 0.15,
    dropRule: 0.1,
    dropFormat: 0.08,
    removeHarmful: 0.1,
    memory: 0.1,
  },
  posterior: { step: 0.35, shortcut: 0.3, vague: 0.2, opposite: 0.15 },
  answerWhitespace: [
    [" ", 0.9],
    ["\n", 0.1],
  ],
  thinkWhitespace: [
    ["\n", 0.55],
    [" ", 0.45],
  ],
};

/** Every alternative in each leading-whitespace variant, weighted (its own leading whitespace is replaced). */
export function withLeadingWhitespace<T extends { text: string; p: number }>(
  alternatives: T[],
  variants: Array<[string, number]>,
): Array<{ text: string; p: number }> {
  return alternatives.flatMap((a) => variants.map(([ws, w]) => ({ text: ws + a.text.trimStart(), p: a.p * w })));
}
