/**
 * Built-in templates (LiquidJS). Forward templates turn a layer's prompt and upstream values into
 * the text sent to the model; backward templates are what the trainer sends to the backward
 * model to propose prompts and sample hidden values (../shared/TRAINING.md, step 2a and 2d).
 *
 * Forward variables: `prompt`, every parent by name (`x`, `h1`, …), and `from`, the list of
 * `{ name, value }` for the parents in declared order. A judge layer also sees `members` (the
 * member values) and `candidates` (the member values as a numbered list).
 */

/** Forward templates a network may name in `template`. */
export const FORWARD_TEMPLATES: Record<string, { source: string; description: string }> = {
  classify: {
    description:
      "The paper's output layer: the prompt, then each upstream value, then `Answer:`. With several `from` entries it shows them all (a residual connection).",
    source: "{{ prompt }}\n\n{% for f in from %}{{ f.value }}\n\n{% endfor %}Answer:",
  },
  think: {
    description: "The paper's hidden layer: the input, then the prompt, then an invitation to reason step by step. Its value is the reasoning text.",
    source: "{% for f in from %}{{ f.value }}\n\n{% endfor %}{{ prompt }} Let's think step by step.",
  },
  residual: {
    description:
      "The paper's second layer with the residual connection: the prompt, the first upstream value (the input), then the later ones as the previous layer's reasoning.",
    source: "{{ prompt }}\n\n{{ from[0].value }}\n\n{% for f in from offset:1 %}Your thoughts were:\n{{ f.value }}\n\n{% endfor %}Answer:",
  },
  concat: {
    description: "For `combine` nodes: the upstream values one after the other, separated by a blank line.",
    source: "{% for f in from %}{{ f.value }}{% unless forloop.last %}\n\n{% endunless %}{% endfor %}",
  },
  judge: {
    description: "For a judge layer of an ensemble: the prompt, the input, the members' answers as a numbered list, then `Best answer:`.",
    source: "{{ prompt }}\n\n{% for f in from %}{{ f.value }}\n\n{% endfor %}Candidate answers:\n{{ candidates }}\n\nBest answer:",
  },
};

/**
 * Proposal template (TRAINING.md 2a). Variables: `prompt` (current), `memory` (remembered good
 * prompts), `examples` ({ input, output, target, correct }), `instruction` (one rewrite instruction).
 * The answer is read up to the closing `"""` (the stop sequence).
 */
export const PROPOSE_TEMPLATE = `A language model was given an instruction followed by an input, and produced an output.

Instruction:
"""
{{ prompt }}
"""
{% if memory.size > 0 %}
Instructions that worked well before:
{% for m in memory %}- {{ m }}
{% endfor %}{% endif %}
Examples:
{% for e in examples %}
## Example {{ forloop.index }}
Input:
{{ e.input }}
Output:
{{ e.output }}
Correct output:
{{ e.target }}
Verdict: {% if e.correct %}correct{% else %}WRONG{% endif %}
{% endfor %}
{{ instruction }}

New instruction:
"""`;

export const PROPOSE_STOP = ['"""'];

/** The paper's rewrite instructions; one per proposal, cycled (TRAINING.md 2a). */
export const REWRITE_INSTRUCTIONS = [
  "Clarify the instruction so that the model gets the WRONG examples right: state every rule it is missing and the exact answer format.",
  "Improve the instruction by adding a short worked example of how to solve such inputs, taken from the examples above.",
  "Shorten the instruction, keeping every rule needed to get all the examples right.",
  "Rewrite the instruction for precision: say exactly what to do and exactly what form the answer must take.",
];

/** The hint line of the `hint` posterior form; the wanted answer follows on the next line. */
export const POSTERIOR_HINT = "Given that the answer is:";

/**
 * Posterior template of the `rewrite` form (TRAINING.md 2d): proposes a better value `h̃` for a hidden layer, given its
 * input, its prompt, its forward value and the target its child wants. Variables: `input`,
 * `prompt`, `output` (the forward value), `target`.
 */
export const POSTERIOR_TEMPLATE = `A language model was given an input and an instruction, and wrote intermediate text that a next step uses to reach the final answer.

Input:
{{ input }}

Instruction:
{{ prompt }}

Intermediate text it wrote:
{{ output }}

The final answer must be:
{{ target }}

Write better intermediate text for this input: reasoning that follows the instruction and leads to that final answer.

Intermediate text:
`;
