/**
 * Posterior requests (POSTERIOR_TEMPLATE): better intermediate text for an input, given the final
 * answer the next layer must reach. The world writes texts of the hidden layer's own kind, in
 * exactly its words (so the prior term of the trainer's weights is meaningful), but only some of
 * them carry the missing step: reasoning WITH the intermediate step that concludes the target, the
 * target stated without the step (a shortcut the answer layer barely trusts in the hard world),
 * vague text, or the opposite conclusion (weights: Difficulty.posterior).
 */
import { NORMAL, type Difficulty } from "./difficulty.js";
import { asLabel, findInput } from "./inputs.js";
import type { Alternative } from "./world.js";

export function posteriorAlternatives(input: string, output: string, target: string, difficulty: Difficulty = NORMAL): Alternative[] | null {
  const found = findInput(input);
  if (!found) return null;
  const { task, facts } = found;
  const wanted = asLabel(task, target);
  if (!wanted) return null;
  const truth = task.label(facts);
  const other = wanted === truth ? task.likelyWrongLabel(facts) : truth;
  const w = difficulty.posterior;
  const alternatives: Alternative[] = [
    { text: task.reasoning(facts, wanted).trim(), p: w.step },
    { text: task.shortcut(wanted).trim(), p: w.shortcut },
    { text: task.vagueReasoning(facts).trim(), p: w.vague },
    { text: task.reasoning(facts, other).trim(), p: w.opposite },
  ];
  // Keeping the forward text is a plausible answer when it already reaches the target.
  if (output.trim() && task.readConclusion(output) === wanted) alternatives.push({ text: output.trim(), p: 0.1 });
  return alternatives;
}
