/** Finding a bundled task's input inside a prompt, and the per-input coin flips of the world. */
import { DlnError } from "../util/errors.js";
import { hashParts, unitHash } from "../util/random.js";
import type { AnyTask } from "./task.js";
import { SIM_TASKS } from "./tasks.js";

export interface FoundInput {
  task: AnyTask;
  facts: unknown;
  /** The input text as it appears in the prompt, and where. */
  x: string;
  start: number;
  end: number;
}

/** The first input of any bundled task in `text`, or null. */
export function findInput(text: string): FoundInput | null {
  let best: FoundInput | null = null;
  for (const task of Object.values(SIM_TASKS)) {
    const pattern = new RegExp(task.inputPattern.source, task.inputPattern.flags.includes("g") ? task.inputPattern.flags : task.inputPattern.flags + "g");
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      const facts = task.parse(m);
      if (facts === null) continue;
      if (!best || m.index < best.start) best = { task, facts, x: m[0], start: m.index, end: m.index + m[0].length };
      break;
    }
  }
  return best;
}

/** The label this input's guess leans toward (fixed per world seed and input). */
export function guessLabel(seed: number, task: AnyTask, x: string): string {
  const labels = task.info.labels;
  const label = labels[hashParts(seed, task.info.name, x, "guess") % labels.length];
  if (label === undefined) throw new DlnError("E_SIM_TASK", `sim: the task "${task.info.name}" has no labels to guess from`);
  return label;
}

/**
 * Whether the model miscounts this input when it answers without written reasoning: on a task
 * that needs an intermediate step, for a share 1 − skill of inputs (skill: the lower of the
 * task's and the difficulty's).
 */
export function slips(seed: number, task: AnyTask, x: string, skill = 1): boolean {
  const s = task.info.needsIntermediate ? Math.min(task.directSkill, skill) : task.directSkill;
  return s < 1 && unitHash(seed, task.info.name, x, "slip") >= s;
}

/** Normalises an answer to a task label: first word, lower case, without punctuation; or null. */
export function asLabel(task: AnyTask, text: string): string | null {
  const first =
    text
      .trim()
      .split(/\s+/)[0]
      ?.toLowerCase()
      .replace(/[^\p{L}\p{N}]/gu, "") ?? "";
  if (task.info.labels.includes(first)) return first;
  return task.readConclusion(text);
}
