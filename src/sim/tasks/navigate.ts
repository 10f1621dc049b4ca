/**
 * "navigate": after a list of moves on a grid, do you end where you started? The intermediate
 * conclusion is the net displacement (north minus south, east minus west); answering directly,
 * the simulated model often miscounts, so a step-by-step layer that writes the totals helps.
 */
import type { Rule, SimTask } from "../task.js";

type Direction = "north" | "south" | "east" | "west";
const OPPOSITE: Record<Direction, Direction> = { north: "south", south: "north", east: "west", west: "east" };
const DIRECTIONS = Object.keys(OPPOSITE) as Direction[];

export interface NavigateFacts {
  moves: Array<{ steps: number; direction: Direction }>;
}

function totals(f: NavigateFacts): { northSouth: number; eastWest: number } {
  let northSouth = 0;
  let eastWest = 0;
  for (const m of f.moves) {
    if (m.direction === "north") northSouth += m.steps;
    if (m.direction === "south") northSouth -= m.steps;
    if (m.direction === "east") eastWest += m.steps;
    if (m.direction === "west") eastWest -= m.steps;
  }
  return { northSouth, eastWest };
}

const truth = (f: NavigateFacts): string => {
  const t = totals(f);
  return t.northSouth === 0 && t.eastWest === 0 ? "yes" : "no";
};

const rules: Rule<NavigateFacts>[] = [
  {
    id: "totals",
    statement: "Keep two totals: steps north minus steps south, and steps east minus steps west.",
    short: "totals: north minus south, east minus west",
    patterns: [/\bnorth|\beast/i, /\bsouth|\bwest/i, /\bminus\b|\bsubtract|\bnet\b|\bcancel|\btotal/i],
    verdict: truth,
    weight: 0.5,
  },
  {
    id: "zero",
    statement: "You end where you started only when both totals are zero.",
    short: "both totals zero → yes",
    patterns: [/\bzero\b|\b0\b/i, /\bstart|\byes\b/i],
    verdict: truth,
    weight: 0.5,
  },
];

const misleading: Rule<NavigateFacts>[] = [
  {
    id: "even",
    statement: "If the number of moves is even, you end where you started.",
    short: "even number of moves → yes",
    patterns: [/\beven\b/i, /\bstart|\byes\b/i],
    verdict: (f) => (f.moves.length % 2 === 0 ? "yes" : "no"),
    weight: 0.8,
  },
];

const CONCLUSION = /\bwe (do not )?end where we started/gi;
const STEP = /north minus south is -?\d+ and east minus west is -?\d+/i;

function describeTotals(northSouth: number, eastWest: number): string {
  const back = northSouth === 0 && eastWest === 0;
  return (
    ` North minus south is ${northSouth} and east minus west is ${eastWest}. ` +
    (back ? "Both totals are zero, so we end where we started." : "The totals are not both zero, so we do not end where we started.")
  );
}

export const navigate: SimTask<NavigateFacts> = {
  info: {
    name: "navigate",
    description: "Follow a list of moves (steps north, south, east, west) and say whether you end where you started.",
    labels: ["yes", "no"],
    rules: [...rules.map((r) => r.statement), "Answer with exactly one word: yes or no."],
    misleadingRules: misleading.map((r) => r.statement),
    needsIntermediate: true,
    intermediateExample: "North minus south is 0 and east minus west is 2. The totals are not both zero, so we do not end where we started.",
  },
  header: "Decide whether you end where you started after the moves.",
  rules,
  misleading,
  format: {
    statement: "Answer with exactly one word: yes or no.",
    short: "One word: yes or no.",
    patterns: [[/\b(one|single) word\b|\bonly the (word|label)\b/i], [/\byes or no\b/i]],
  },
  directSkill: 0.65,
  inputPattern: /Moves: ([^.?\n]+)\. Do you end where you started\?/g,
  parse(match) {
    const moves: NavigateFacts["moves"] = [];
    for (const part of (match[1] ?? "").split(", ")) {
      const m = /^(\d+) (north|south|east|west)$/.exec(part.trim());
      if (!m) return null;
      moves.push({ steps: Number(m[1]), direction: m[2] as Direction });
    }
    return moves.length ? { moves } : null;
  },
  generate(rng, label) {
    // Pairs of moves that cancel, shuffled; for "no", one move is changed or one is added.
    const moves: NavigateFacts["moves"] = [];
    for (let i = rng.between(2, 3); i > 0; i--) {
      const direction = rng.pick(DIRECTIONS);
      const steps = rng.between(1, 5);
      moves.push({ steps, direction }, { steps, direction: OPPOSITE[direction] });
    }
    const [first] = moves;
    if (label === "no") {
      if (rng.next() < 0.5) moves.push({ steps: rng.between(1, 4), direction: rng.pick(DIRECTIONS) });
      else if (first) moves[0] = { ...first, steps: first.steps + rng.between(1, 2) };
    } else if (rng.next() < 0.5) {
      // Split one move in two (3 north → 1 north, 2 north), so the number of moves says nothing
      // about the answer (the misleading "even number of moves" rule stays at chance).
      const i = moves.findIndex((m) => m.steps >= 2);
      const long = moves[i];
      if (long) {
        const part = rng.between(1, long.steps - 1);
        moves.splice(i, 1, { ...long, steps: part }, { ...long, steps: long.steps - part });
      } else {
        const direction = rng.pick(DIRECTIONS);
        moves.push({ steps: 2, direction }, { steps: 1, direction: OPPOSITE[direction] }, { steps: 1, direction: OPPOSITE[direction] });
      }
    }
    return { moves: rng.shuffle(moves) };
  },
  render: (f) => `Moves: ${f.moves.map((m) => `${m.steps} ${m.direction}`).join(", ")}. Do you end where you started?`,
  label: truth,
  reasoning(f, label) {
    const t = totals(f);
    if (label === truth(f)) return describeTotals(t.northSouth, t.eastWest);
    // A miscount that leads to `label`.
    return label === "yes" ? describeTotals(0, 0) : describeTotals(t.northSouth, t.eastWest === 0 ? 1 : t.eastWest);
  },
  vagueReasoning: () => " We follow the moves one at a time and keep track of where we are.",
  readConclusion(text) {
    const all = [...text.matchAll(CONCLUSION)];
    const last = all.at(-1);
    return last ? (last[1] ? "no" : "yes") : null;
  },
  hasStep: (text) => STEP.test(text),
  shortcut: (label) => ` Without adding up the steps, it looks like ${label === "yes" ? "we end" : "we do not end"} where we started.`,
  verbose: (label) => (label === "yes" ? " We end where we started." : " We do not end where we started."),
  likelyWrongLabel: (f) => (truth(f) === "yes" ? "no" : "yes"),
  workedExample(f) {
    const t = totals(f);
    const list = f.moves.map((m) => `${m.steps} ${m.direction}`).join(", ");
    return `after ${list}, north minus south is ${t.northSouth} and east minus west is ${t.eastWest}, so the answer is ${truth(f)}`;
  },
};
