/**
 * Proposal requests (PROPOSE_TEMPLATE): the simulated backward model rewrites an instruction.
 *
 * It keeps the rules the current instruction already states and, with some probability, adds the
 * rules that decide the WRONG examples (the world knows which rule decides each input). The
 * rest of the time it writes noise: a misleading rule, a useless sentence, or a rule dropped, so
 * that scoring the candidates matters. The rewrite instruction sets the style: shortened
 * instructions use terse rules, "add an example" appends a worked example.
 *
 * Every proposal is one alternative of the answer distribution, so which one a request gets
 * depends on the provider's sampling (temperature, request seed, choice index), and the same
 * request always gets the same one. How noisy the menu is: Difficulty.proposals.
 */
import { NORMAL, type Difficulty } from "./difficulty.js";
import { findInput } from "./inputs.js";
import { hashParts } from "../util/random.js";
import type { ProposeExample } from "./requests.js";
import { understand } from "./rules.js";
import type { AnyTask, Rule } from "./task.js";
import type { Alternative } from "./world.js";

type Style = "full" | "short" | "example";

interface Draft {
  rules: Rule<unknown>[];
  misleading: Rule<unknown>[];
  format: boolean;
  filler?: string;
}

const FILLERS = ["Read the input carefully.", "Think about the question before answering.", "Be careful and precise."];

export interface ProposeRequest {
  instruction: string;
  memory: string[];
  examples: ProposeExample[];
  rewrite: string;
}

export function proposalAlternatives(req: ProposeRequest, difficulty: Difficulty = NORMAL): Alternative[] | null {
  const w = difficulty.proposals;
  const examples = req.examples.map((e) => ({ ...e, found: findInput(e.input) }));
  const task = examples.find((e) => e.found)?.found?.task;
  if (!task) return null;
  const ofTask = examples.filter((e) => e.found?.task === task);
  const wrong = ofTask.flatMap((e) => (!e.correct && e.found ? [e.found.facts] : []));
  const seen = understand(task, req.instruction);

  const missing = rulesDecidingMost(
    task.rules.filter((r) => !seen.rules.includes(r)),
    wrong,
  );
  const tempting = task.misleading.filter((r) => !seen.misleading.includes(r));
  const temptingHere = rulesDecidingMost(tempting, wrong, (r, f) => r.verdict(f) !== task.label(f));
  const harmful = seen.misleading.find((r) => wrong.some((f) => r.verdict(f) !== null && r.verdict(f) !== task.label(f)));
  const keep: Draft = { rules: seen.rules, misleading: seen.misleading, format: seen.format };

  const drafts: Array<[Draft, number]> = [];
  const [firstMissing] = missing;
  if (firstMissing) {
    drafts.push([{ ...keep, rules: [...keep.rules, firstMissing], format: true }, w.oneRuleAndFormat]);
    if (missing.length > 1) drafts.push([{ ...keep, rules: [...keep.rules, ...missing], format: true }, w.allRules]);
    drafts.push([{ ...keep, rules: [...keep.rules, firstMissing] }, w.oneRule]);
    drafts.push([keep, w.restate]);
  } else {
    drafts.push([{ ...keep, format: true }, w.restate]);
  }
  const misleadingRule = temptingHere[0] ?? tempting[0];
  if (misleadingRule) drafts.push([{ ...keep, misleading: [...keep.misleading, misleadingRule] }, w.misleading]);
  drafts.push([{ ...keep, filler: FILLERS[hashParts(req.instruction) % FILLERS.length] }, w.filler]);
  if (keep.rules.length > 0) drafts.push([{ ...keep, rules: keep.rules.slice(0, -1) }, w.dropRule]);
  if (keep.format) drafts.push([{ ...keep, format: false }, w.dropFormat]);
  if (harmful) {
    const fixed = keep.rules.concat(missing.slice(0, 1));
    drafts.push([{ ...keep, rules: fixed, misleading: keep.misleading.filter((r) => r !== harmful) }, w.removeHarmful]);
  }
  for (const remembered of req.memory.slice(0, 1)) {
    const m = understand(task, remembered);
    drafts.push([{ ...keep, rules: union(keep.rules, m.rules), format: keep.format || m.format }, w.memory]);
  }

  const style = styleOf(req.rewrite);
  const exampleFacts = wrong[0] ?? ofTask[0]?.found?.facts;
  return drafts.map(([draft, p]) => ({ text: `\n${render(task, draft, style, exampleFacts)}\n"""`, p }));
}

/** Generic rewrite when the examples belong to no bundled task. */
export function genericProposal(instruction: string): Alternative[] {
  const base = instruction.trim() || "Answer the question.";
  return [
    { text: `\n${base}\n"""`, p: 0.6 },
    { text: `\n${base} Be precise.\n"""`, p: 0.4 },
  ];
}

function styleOf(rewrite: string): Style {
  if (/\bshorten|\bshorter|\bconcise/i.test(rewrite)) return "short";
  if (/\b(add|adding|include|including|give|giving)\b[^.]*\bexamples?\b/i.test(rewrite)) return "example";
  return "full";
}

/** Rules that decide at least one of the facts, the ones deciding most first (then in task order). */
function rulesDecidingMost(
  rules: Rule<unknown>[],
  facts: unknown[],
  counts: (r: Rule<unknown>, f: unknown) => boolean = (r, f) => r.verdict(f) !== null,
): Rule<unknown>[] {
  return rules
    .map((r, i) => ({ r, i, n: facts.filter((f) => counts(r, f)).length }))
    .filter((x) => x.n > 0)
    .sort((a, b) => b.n - a.n || a.i - b.i)
    .map((x) => x.r);
}

function union<T>(a: T[], b: T[]): T[] {
  return [...a, ...b.filter((x) => !a.includes(x))];
}

/** Writes a draft as an instruction, rules in the task's order so equal drafts give equal text. */
function render(task: AnyTask, draft: Draft, style: Style, exampleFacts: unknown): string {
  const rules = task.rules.filter((r) => draft.rules.includes(r));
  const misleading = task.misleading.filter((r) => draft.misleading.includes(r));
  if (style === "short") {
    const terse = [...rules, ...misleading].map((r) => r.short);
    const parts = [terse.length ? `${terse.join("; ")}.` : task.header, draft.filler, draft.format ? task.format.short : undefined];
    return parts.filter(Boolean).join(" ");
  }
  const parts = [
    task.header,
    ...rules.map((r) => r.statement),
    ...misleading.map((r) => r.statement),
    draft.filler,
    style === "example" && exampleFacts !== undefined ? `For example, ${task.workedExample(exampleFacts)}.` : undefined,
    draft.format ? task.format.statement : undefined,
  ];
  return parts.filter(Boolean).join(" ");
}
