/**
 * Recognises what kind of request a prompt is, from the structure of the built-in templates
 * (src/templates/builtin.ts): a proposal request (PROPOSE_TEMPLATE), a posterior request
 * (POSTERIOR_TEMPLATE), a forward call that asks for an answer (`classify`, `residual` and
 * templates ending in `Answer:`), a step-by-step call (`think`), a judge call, or something else.
 */

export interface ProposeExample {
  input: string;
  output: string;
  target: string;
  correct: boolean;
}

export type SimRequest =
  | { kind: "propose"; instruction: string; memory: string[]; examples: ProposeExample[]; rewrite: string }
  | { kind: "posterior"; input: string; instruction: string; output: string; target: string }
  /** `text` is the prompt without its closing cue (`Answer:`, `Let's think step by step.`, `Best answer:`). */
  | { kind: "answer"; text: string }
  | { kind: "think"; text: string }
  | { kind: "judge"; text: string; candidates: string[] }
  | { kind: "unknown"; text: string };

const THINK_CUE = "Let's think step by step.";

export function recognizeRequest(prompt: string): SimRequest {
  const trimmed = prompt.trimEnd();
  if (/\nNew instruction:\n"""$/.test(trimmed) && trimmed.includes('Instruction:\n"""')) {
    const propose = parsePropose(trimmed);
    if (propose) return propose;
  }
  if (trimmed.endsWith("Intermediate text:") && trimmed.includes("\nThe final answer must be:\n")) {
    const posterior = parsePosterior(trimmed);
    if (posterior) return posterior;
  }
  if (trimmed.endsWith("Best answer:")) {
    const text = trimmed.slice(0, -"Best answer:".length);
    return { kind: "judge", text, candidates: parseCandidates(text) };
  }
  if (trimmed.endsWith("Answer:")) return { kind: "answer", text: trimmed.slice(0, -"Answer:".length) };
  if (trimmed.endsWith(THINK_CUE)) return { kind: "think", text: trimmed.slice(0, -THINK_CUE.length) };
  return { kind: "unknown", text: prompt };
}

/** Group `i` of a match ("" if it took no part: every group read here is mandatory, so never in practice). */
const group = (m: RegExpExecArray, i: number): string => m[i] ?? "";

function parsePropose(prompt: string): SimRequest | null {
  const instruction = /Instruction:\n"""\n([\s\S]*?)\n?"""/.exec(prompt);
  if (!instruction) return null;
  const memoryBlock = /Instructions that worked well before:\n([\s\S]*?)\nExamples:/.exec(prompt);
  const memory = memoryBlock
    ? group(memoryBlock, 1)
        .split("\n")
        .filter((l) => l.startsWith("- "))
        .map((l) => l.slice(2).trim())
    : [];
  const examples: ProposeExample[] = [];
  const example = /## Example \d+\nInput:\n([\s\S]*?)\nOutput:\n([\s\S]*?)\nCorrect output:\n([\s\S]*?)\nVerdict: (correct|WRONG)/g;
  let lastEnd = prompt.indexOf("\nExamples:");
  for (let m = example.exec(prompt); m; m = example.exec(prompt)) {
    examples.push({ input: group(m, 1), output: group(m, 2), target: group(m, 3), correct: m[4] === "correct" });
    lastEnd = m.index + m[0].length;
  }
  const end = prompt.lastIndexOf("\nNew instruction:");
  const rewrite = lastEnd >= 0 && end > lastEnd ? prompt.slice(lastEnd, end).trim() : "";
  return { kind: "propose", instruction: group(instruction, 1), memory, examples, rewrite };
}

function parsePosterior(prompt: string): SimRequest | null {
  const m =
    /Input:\n([\s\S]*?)\n\nInstruction:\n([\s\S]*?)\n\nIntermediate text it wrote:\n([\s\S]*?)\n\nThe final answer must be:\n([\s\S]*?)\n\nWrite better intermediate text/.exec(
      prompt,
    );
  if (!m) return null;
  return { kind: "posterior", input: group(m, 1), instruction: group(m, 2), output: group(m, 3), target: group(m, 4).trim() };
}

/** The numbered list after `Candidate answers:` in the judge template. */
function parseCandidates(text: string): string[] {
  const at = text.lastIndexOf("Candidate answers:\n");
  if (at < 0) return [];
  return text
    .slice(at + "Candidate answers:\n".length)
    .split("\n")
    .map((l) => l.replace(/^\s*\d+[.)]\s*/, "").trim())
    .filter((l) => l.length > 0);
}
