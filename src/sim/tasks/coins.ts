/**
 * "coins": is the number of heads in a row of coins odd? The intermediate conclusion is the
 * count of heads; answering directly, the simulated model often miscounts.
 */
import type { Rule, SimTask } from "../task.js";

type Side = "heads" | "tails";

export interface CoinFacts {
  coins: Side[];
}

const heads = (f: CoinFacts): number => f.coins.filter((c) => c === "heads").length;
const truth = (f: CoinFacts): string => (heads(f) % 2 === 1 ? "yes" : "no");

const rules: Rule<CoinFacts>[] = [
  {
    id: "count",
    statement: "Count how many coins show heads and ignore the tails.",
    short: "count the heads, ignore tails",
    patterns: [/\bcount|\bhow many\b/i, /\bheads\b/i],
    verdict: truth,
    weight: 0.5,
  },
  {
    id: "odd",
    statement: "If there is an odd number of heads the answer is yes, otherwise no.",
    short: "odd → yes, even → no",
    patterns: [/\bodd\b/i, /\byes\b/i],
    verdict: truth,
    weight: 0.5,
  },
];

const misleading: Rule<CoinFacts>[] = [
  {
    id: "last",
    statement: "If the last coin shows heads, the answer is yes.",
    short: "last coin heads → yes",
    patterns: [/\blast\b/i, /\bheads\b/i],
    verdict: (f) => (f.coins[f.coins.length - 1] === "heads" ? "yes" : "no"),
    weight: 0.8,
  },
];

const CONCLUSION = /\bthe answer is (yes|no)\b/gi;
const STEP = /counting the heads gives \d+/i;

function describeCount(n: number): string {
  return ` Counting the heads gives ${n}. ${n} is ${n % 2 === 1 ? "odd" : "even"}, so the answer is ${n % 2 === 1 ? "yes" : "no"}.`;
}

export const coins: SimTask<CoinFacts> = {
  info: {
    name: "coins",
    description: "Given a row of coins, say whether the number of heads is odd.",
    labels: ["yes", "no"],
    rules: [...rules.map((r) => r.statement), "Answer with exactly one word: yes or no."],
    misleadingRules: misleading.map((r) => r.statement),
    needsIntermediate: true,
    intermediateExample: "Counting the heads gives 3. 3 is odd, so the answer is yes.",
  },
  header: "Answer the question about the row of coins.",
  rules,
  misleading,
  format: {
    statement: "Answer with exactly one word: yes or no.",
    short: "One word: yes or no.",
    patterns: [[/\b(one|single) word\b|\bonly the (word|label)\b/i], [/\byes or no\b/i]],
  },
  directSkill: 0.65,
  inputPattern: /Coins: ([^.?\n]+)\. Is the number of heads odd\?/g,
  parse(match) {
    const sides = (match[1] ?? "").split(", ").map((s) => s.trim());
    if (!sides.length || sides.some((s) => s !== "heads" && s !== "tails")) return null;
    return { coins: sides as Side[] };
  },
  generate(rng, label) {
    const coins: Side[] = [];
    for (let i = rng.between(5, 8); i > 0; i--) coins.push(rng.next() < 0.5 ? "heads" : "tails");
    // Flip one coin when the parity is not the one asked for.
    if (truth({ coins }) !== label) {
      const i = Math.floor(rng.next() * coins.length);
      coins[i] = coins[i] === "heads" ? "tails" : "heads";
    }
    return { coins };
  },
  render: (f) => `Coins: ${f.coins.join(", ")}. Is the number of heads odd?`,
  label: truth,
  reasoning(f, label) {
    const n = heads(f);
    return describeCount(label === truth(f) ? n : n + 1);
  },
  vagueReasoning: () => " We look at the coins one by one.",
  readConclusion(text) {
    const all = [...text.matchAll(CONCLUSION)];
    return all.at(-1)?.[1]?.toLowerCase() ?? null;
  },
  hasStep: (text) => STEP.test(text),
  shortcut: (label) => ` Without counting them all, the answer is ${label}.`,
  verbose: (label) => (label === "yes" ? " The number of heads is odd." : " The number of heads is even."),
  likelyWrongLabel: (f) => (truth(f) === "yes" ? "no" : "yes"),
  workedExample: (f) => `for ${f.coins.join(", ")}, counting the heads gives ${heads(f)}, so the answer is ${truth(f)}`,
};
