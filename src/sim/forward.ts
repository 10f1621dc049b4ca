/**
 * The "tasks" world's forward answers: a direct answer (prompts ending in `Answer:`), step-by-step
 * reasoning (prompts ending in `Let's think step by step.`, with or without a hint of the wanted
 * answer) and a judge's pick. Texts carry the leading whitespace a completion model writes after
 * the cue (" yes" after `Answer:`; "\n…" or " …" after `step.`): see Difficulty.*Whitespace.
 */
import { NORMAL, withLeadingWhitespace, type Difficulty } from "./difficulty.js";
import { asLabel, findInput, guessLabel, slips, type FoundInput } from "./inputs.js";
import { unitHash } from "../util/random.js";
import { answerDistribution, bareAnswerShare, understand, vote } from "./rules.js";
import type { Alternative } from "./world.js";

/** Direct answer for the input found in `text` (the prompt without its closing `Answer:`). */
export function answerAlternatives(seed: number, found: FoundInput, text: string, difficulty: Difficulty = NORMAL): Alternative[] {
  const { task, facts, x } = found;
  // Before the input: the instruction. Between the input and `Answer:`: earlier layers' text.
  const instruction = text.slice(0, found.start);
  const reasoning = text.slice(found.end);
  const seen = understand(task, instruction);
  const votes = vote(task, facts, seen, slips(seed, task, x, difficulty.directSkill));
  const concluded = task.readConclusion(reasoning);
  const pull = task.hasStep(reasoning) ? difficulty.followStep : difficulty.followBare;
  const labels = answerDistribution(task, votes, guessLabel(seed, task, x), concluded, pull);
  const wordy = difficulty.wordyInputs > 0 && unitHash(seed, task.info.name, x, "wordy") < difficulty.wordyInputs;
  const bare = bareAnswerShare(seen.format, wordy ? 0.4 : 0.6);
  const out: Alternative[] = [];
  for (const [label, p] of labels) {
    out.push({ text: ` ${label}`, p: p * bare });
    out.push({ text: task.verbose(label), p: p * (1 - bare) });
  }
  return withLeadingWhitespace(out, difficulty.answerWhitespace);
}

/** The hint the original DLN's posterior template puts before the hidden layer's cue. */
const HINT = /\n*Given that the answer is:\s*\n?([^\n]*)\n*/i;

/**
 * Step-by-step reasoning for the input found in `text` (the prompt without its closing cue).
 * The more of the rules that decide this input the instruction states, the likelier the
 * reasoning reaches the right conclusion; a stated misleading rule makes a wrong one likelier.
 * With a hint of the wanted answer ("Given that the answer is:\nyes", the original DLN's
 * posterior form), the texts lean toward that answer, but only some of them show the step.
 */
export function thinkAlternatives(found: FoundInput, text: string, difficulty: Difficulty = NORMAL, seed = 0): Alternative[] {
  const { task, facts } = found;
  let instruction = text.slice(0, found.start) + text.slice(found.end);
  const hint = HINT.exec(instruction);
  if (hint) instruction = instruction.replace(HINT, "\n\n");
  const votes = vote(task, facts, understand(task, instruction), false);
  const right = Math.min(1, votes.correct);
  const misled = Math.min(1, votes.misleading);
  const truth = task.label(facts);
  let wrongLabel = task.likelyWrongLabel(facts);
  for (const [label, w] of votes.byLabel) if (label !== truth && w > 0) wrongLabel = label;
  const wanted = hint?.[1] === undefined ? null : asLabel(task, hint[1]);
  let out: Alternative[];
  if (wanted) {
    const w = difficulty.posterior;
    const other = wanted === truth ? wrongLabel : truth;
    out = [
      { text: task.reasoning(facts, wanted), p: w.step * (0.5 + 0.5 * (wanted === truth ? right : misled)) },
      { text: task.shortcut(wanted), p: w.shortcut },
      { text: task.vagueReasoning(facts), p: w.vague },
      { text: task.reasoning(facts, other), p: w.opposite },
    ];
  } else {
    const w = difficulty.think(right, misled);
    const hardInput = difficulty.thinkSlip > 0 && unitHash(seed, task.info.name, found.x, "think-slip") < difficulty.thinkSlip;
    out = [
      { text: task.reasoning(facts, truth), p: w.right },
      { text: task.reasoning(facts, wrongLabel), p: w.wrong + (hardInput ? w.right : 0) },
      { text: task.vagueReasoning(facts), p: w.vague },
      { text: task.shortcut(truth), p: w.shortcut / 2 },
      { text: task.shortcut(wrongLabel), p: w.shortcut / 2 },
    ];
  }
  return withLeadingWhitespace(out, difficulty.thinkWhitespace);
}

/** A judge picks the most common candidate answer (first seen on ties). */
export function judgeAlternatives(text: string, candidates: string[]): Alternative[] {
  const found = findInput(text);
  const counts = new Map<string, number>();
  for (const c of candidates) {
    const answer = found ? asLabel(found.task, c) : c.trim().split(/\s+/)[0]?.toLowerCase();
    if (answer) counts.set(answer, (counts.get(answer) ?? 0) + 1);
  }
  if (counts.size === 0) return [];
  const ranked = [...counts].sort((a, b) => b[1] - a[1]);
  const rest = ranked.length > 1 ? 0.15 / (ranked.length - 1) : 0;
  return ranked.map(([answer], i) => ({ text: ` ${answer}`, p: i === 0 ? (ranked.length > 1 ? 0.85 : 1) : rest }));
}
