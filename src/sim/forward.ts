/**
 * The "tasks" world's forward answers: a direct answer (prompts ending in `Answer:`), step-by-step
 * reasoning (prompts ending in `Let's think step by step.`) and a judge's pick.
 */
import { asLabel, findInput, guessLabel, slips, type FoundInput } from "./inputs.js";
import { answerDistribution, bareAnswerShare, understand, vote } from "./rules.js";
import type { Alternative } from "./world.js";

/** Direct answer for the input found in `text` (the prompt without its closing `Answer:`). */
export function answerAlternatives(seed: number, found: FoundInput, text: string): Alternative[] {
  const { task, facts, x } = found;
  // Before the input: the instruction. Between the input and `Answer:`: earlier layers' text.
  const instruction = text.slice(0, found.start);
  const reasoning = text.slice(found.end);
  const seen = understand(task, instruction);
  const votes = vote(task, facts, seen, slips(seed, task, x));
  const labels = answerDistribution(task, votes, guessLabel(seed, task, x), task.readConclusion(reasoning));
  const bare = bareAnswerShare(seen.format);
  const out: Alternative[] = [];
  for (const [label, p] of labels) {
    out.push({ text: ` ${label}`, p: p * bare });
    out.push({ text: task.verbose(label), p: p * (1 - bare) });
  }
  return out;
}

/**
 * Step-by-step reasoning for the input found in `text` (the prompt without its closing cue).
 * The more of the rules that decide this input the instruction states, the likelier the
 * reasoning reaches the right conclusion; a stated misleading rule makes a wrong one likelier.
 */
export function thinkAlternatives(found: FoundInput, text: string): Alternative[] {
  const { task, facts } = found;
  const instruction = text.slice(0, found.start) + text.slice(found.end);
  const votes = vote(task, facts, understand(task, instruction), false);
  const right = Math.min(1, votes.correct);
  const misled = Math.min(1, votes.misleading);
  const truth = task.label(facts);
  let wrongLabel = task.likelyWrongLabel(facts);
  for (const [label, w] of votes.byLabel) if (label !== truth && w > 0) wrongLabel = label;
  return [
    { text: task.reasoning(facts, truth), p: 0.15 + 0.8 * right },
    { text: task.reasoning(facts, wrongLabel), p: 0.1 + 0.6 * misled },
    { text: task.vagueReasoning(facts), p: 0.6 * (1 - 0.9 * Math.max(right, misled)) },
  ];
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
