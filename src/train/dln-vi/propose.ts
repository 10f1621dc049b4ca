/**
 * Step 2a, **Propose**: P−1 new prompts for one parameter, each written by the backward model from
 * the current prompt, a remembered good prompt (with memory), a shuffled view of the examples and
 * one rewrite instruction (cycled).
 */
import type { ModelClient } from "../../llm/types.js";
import { PROPOSE_STOP, PROPOSE_TEMPLATE } from "../../templates/builtin.js";
import { renderTemplate } from "../../templates/render.js";
import type { Rng } from "../../util/random.js";
import { allConcurrently, tolerant } from "./parallel.js";
import { at } from "./at.js";

export interface ProposalExample {
  input: string;
  output: string;
  target: string;
  correct: boolean;
}

export interface ProposeArgs {
  client: ModelClient;
  prompt: string;
  memory: readonly string[];
  examples: readonly ProposalExample[];
  /** How many proposals (P − 1). */
  count: number;
  /** Most examples shown in one backward prompt. */
  maxExamples: number;
  instructions: readonly string[];
  temperature: number;
  /** Most tokens of a proposal (undefined: the backward model's default). */
  maxTokens?: number;
  rng: Rng;
  /** Cache key prefix; the proposal index is appended. */
  sampleKey: string;
  signal?: AbortSignal;
  onError?: (err: unknown) => void;
}

/** The backward prompt for proposal `index`. */
function renderProposal(prompt: string, memory: readonly string[], examples: readonly ProposalExample[], instruction: string): string {
  return renderTemplate(PROPOSE_TEMPLATE, { prompt, memory, examples, instruction });
}

/** Cleans a proposal: the text up to the closing quotes, trimmed. Empty means no proposal. */
function cleanProposal(text: string): string {
  const cut = text.indexOf('"""');
  return (cut >= 0 ? text.slice(0, cut) : text).trim();
}

export async function proposePrompts(a: ProposeArgs): Promise<string[]> {
  // Draw every view before firing anything, so the random choices do not depend on timing.
  const requests = Array.from({ length: a.count }, (_, p) => {
    const view = a.rng.shuffle(a.examples).slice(0, a.maxExamples);
    const remembered = a.memory[p % a.memory.length]; // none when the memory is empty
    const memory = remembered === undefined ? [] : [remembered];
    const instruction = at(a.instructions, p % a.instructions.length, "rewrite instructions");
    return renderProposal(a.prompt, memory, view, instruction);
  });
  const texts = await allConcurrently(
    requests.map((text, p) =>
      tolerant(
        async () => {
          const r = await a.client.generate({
            prompt: text,
            temperature: a.temperature,
            maxTokens: a.maxTokens,
            stop: PROPOSE_STOP,
            sampleKey: `${a.sampleKey}/${p}`,
            signal: a.signal,
          });
          return cleanProposal(r.completions[0]?.text ?? "");
        },
        a.signal,
        a.onError,
      ),
    ),
  );
  return texts.filter((t): t is string => t !== undefined && t !== "");
}
