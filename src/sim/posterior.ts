/**
 * Posterior requests (POSTERIOR_TEMPLATE): better intermediate text for an input, given the final
 * answer the next layer must reach. The world writes the reasoning that concludes the target,
 * in exactly the words its hidden layer would use (so the prior term of the trainer's weights
 * is meaningful), with some noise: sometimes vague, sometimes the opposite conclusion.
 */
import { asLabel, findInput } from "./inputs.js";
import type { Alternative } from "./world.js";

export function posteriorAlternatives(input: string, output: string, target: string): Alternative[] | null {
  const found = findInput(input);
  if (!found) return null;
  const { task, facts } = found;
  const wanted = asLabel(task, target);
  if (!wanted) return null;
  const truth = task.label(facts);
  const other = wanted === truth ? task.likelyWrongLabel(facts) : truth;
  const alternatives: Alternative[] = [
    { text: task.reasoning(facts, wanted).trim(), p: 0.8 },
    { text: task.vagueReasoning(facts).trim(), p: 0.1 },
    { text: task.reasoning(facts, other).trim(), p: 0.1 },
  ];
  // Keeping the forward text is a plausible answer when it already reaches the target.
  if (output.trim() && task.readConclusion(output) === wanted) alternatives.push({ text: output.trim(), p: 0.1 });
  return alternatives;
}
