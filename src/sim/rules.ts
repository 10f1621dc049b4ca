/**
 * How the "tasks" world reads an instruction, and how what it read becomes probabilities.
 *
 * Reading: an instruction is split into clauses; a rule is stated when one clause matches all of
 * its patterns (so "Animals with feathers are birds." and "feathers → bird" both count).
 *
 * Answering, for one input: every stated rule that applies to the input votes for the label it
 * leads to; the votes' total (capped at 1) is how much the answer follows the rules, and the rest
 * of the mass is a guess biased toward one label chosen per input. Reasoning text that states a
 * conclusion (a hidden layer's output) pulls the answer toward that conclusion.
 */
import type { AnyTask, FormatRule, Rule } from "./task.js";

/** What the world understood from an instruction. */
export interface Understanding {
  rules: Rule<unknown>[];
  misleading: Rule<unknown>[];
  format: boolean;
}

function clauses(instruction: string): string[] {
  return instruction
    .split(/[.;!?\n]+/)
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
}

function statedIn(parts: string[], patterns: RegExp[]): boolean {
  return parts.some((c) => patterns.every((p) => new RegExp(p.source, p.flags.replace("g", "")).test(c)));
}

function formatStated(format: FormatRule, parts: string[]): boolean {
  return format.patterns.some((set) => statedIn(parts, set));
}

export function understand(task: AnyTask, instruction: string): Understanding {
  const parts = clauses(instruction);
  return {
    rules: task.rules.filter((r) => statedIn(parts, r.patterns)),
    misleading: task.misleading.filter((r) => statedIn(parts, r.patterns)),
    format: formatStated(task.format, parts),
  };
}

/** Probability of each label; sums to 1. */
export type LabelDistribution = Map<string, number>;

/** Most of the mass on one label, the rest spread evenly. */
function peaked(labels: string[], label: string, mass = 0.9): LabelDistribution {
  const rest = labels.length > 1 ? (1 - mass) / (labels.length - 1) : 0;
  return new Map(labels.map((l) => [l, l === label ? (labels.length > 1 ? mass : 1) : rest]));
}

function mix(parts: Array<[number, LabelDistribution]>): LabelDistribution {
  const out = new Map<string, number>();
  for (const [w, d] of parts) for (const [l, p] of d) out.set(l, (out.get(l) ?? 0) + w * p);
  return out;
}

export interface Votes {
  /** Label → summed weight of the stated rules that lead to it for this input. */
  byLabel: Map<string, number>;
  /** Summed weight of stated correct rules that apply. */
  correct: number;
  /** Summed weight of stated misleading rules that apply and lead to a wrong label. */
  misleading: number;
}

/**
 * The votes of the stated rules for these facts. `slip`: when answering directly on a task
 * that needs an intermediate step, the model miscounts and the correct rules' votes go to
 * `wrongLabel` instead.
 */
export function vote(task: AnyTask, facts: unknown, seen: Understanding, slip: boolean): Votes {
  const truth = task.label(facts);
  const byLabel = new Map<string, number>();
  let correct = 0;
  let misleading = 0;
  for (const r of seen.rules) {
    const v = r.verdict(facts);
    if (v === null) continue;
    correct += r.weight;
    const to = slip ? task.likelyWrongLabel(facts) : v;
    byLabel.set(to, (byLabel.get(to) ?? 0) + r.weight);
  }
  for (const r of seen.misleading) {
    const v = r.verdict(facts);
    if (v === null) continue;
    if (v !== truth) misleading += r.weight;
    byLabel.set(v, (byLabel.get(v) ?? 0) + r.weight);
  }
  return { byLabel, correct, misleading };
}

/**
 * The label distribution of a direct answer: rule votes, then a biased guess for the rest,
 * then the pull of a conclusion read from reasoning text (if any).
 */
export function answerDistribution(
  task: AnyTask,
  votes: Votes,
  guess: string,
  concluded: string | null,
  /** How much the concluded label pulls the answer (the difficulty's followStep or followBare). */
  pull = 0.85,
): LabelDistribution {
  const labels = task.info.labels;
  let total = 0;
  for (const w of votes.byLabel.values()) total += w;
  const strength = Math.min(1, total);
  const fromRules: Array<[number, LabelDistribution]> = [...votes.byLabel].map(([l, w]) => [total > 0 ? (strength * w) / total : 0, peaked(labels, l, 0.9)]);
  const direct = mix([...fromRules, [1 - strength, peaked(labels, guess, labels.length > 2 ? 0.55 : 0.6)]]);
  return concluded && labels.includes(concluded)
    ? mix([
        [pull, peaked(labels, concluded, 0.95)],
        [1 - pull, direct],
      ])
    : direct;
}

/**
 * Probability that a bare label (rather than a wordy answer) is written. `withoutFormat`: the
 * share when the instruction does not state the format (below 0.5, wordy answers win at T=0).
 */
export function bareAnswerShare(formatKnown: boolean, withoutFormat = 0.6): number {
  return formatKnown ? 0.95 : withoutFormat;
}
