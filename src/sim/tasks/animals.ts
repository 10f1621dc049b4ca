/**
 * "animals": classify a described creature as mammal, bird, fish or reptile. One trait decides
 * the class (fur or milk → mammal, feathers → bird, gills → fish, dry scaly skin → reptile);
 * the others are distractors, some of which tempt a careless reader (bats fly, penguins swim).
 */
import type { Rule, SimTask } from "../task.js";

const LABELS = ["mammal", "bird", "fish", "reptile"];

/** Deciding traits and the class they decide. */
const DECIDING = {
  fur: { phrase: "has fur", label: "mammal" },
  milk: { phrase: "feeds its young with milk", label: "mammal" },
  feathers: { phrase: "has feathers", label: "bird" },
  gills: { phrase: "breathes through gills", label: "fish" },
  scales: { phrase: "has dry scaly skin", label: "reptile" },
} satisfies Record<string, { phrase: string; label: string }>;
type DecidingTrait = keyof typeof DECIDING;
const isDeciding = (trait: string): trait is DecidingTrait => Object.hasOwn(DECIDING, trait);

const DISTRACTING: Record<string, string> = {
  eggs: "lays eggs",
  fly: "can fly",
  swim: "can swim",
  tail: "has a long tail",
  night: "hunts at night",
  small: "is small",
  forest: "lives in the forest",
};

/** Distractors that are plausible for each class (bats fly, whales swim, penguins swim, …). */
const PLAUSIBLE: Record<string, string[]> = {
  mammal: ["fly", "swim", "tail", "night", "small", "forest"],
  bird: ["eggs", "fly", "swim", "night", "small", "forest"],
  fish: ["eggs", "swim", "small", "night"],
  reptile: ["eggs", "swim", "tail", "night", "small", "forest"],
};

export interface AnimalFacts {
  deciding: DecidingTrait;
  distractors: string[];
  /** All trait ids in the order the input lists them. */
  order: string[];
}

const PHRASE_TO_TRAIT = new Map<string, string>([
  ...Object.entries(DECIDING).map(([id, d]) => [d.phrase, id] as [string, string]),
  ...Object.entries(DISTRACTING).map(([id, phrase]) => [phrase, id] as [string, string]),
]);

const phraseOf = (trait: string): string => (isDeciding(trait) ? DECIDING[trait].phrase : (DISTRACTING[trait] ?? trait));

function decides(trait: string, label: string): Rule<AnimalFacts>["verdict"] {
  return (f) => (f.order.includes(trait) ? label : null);
}

const rules: Rule<AnimalFacts>[] = [
  {
    id: "fur",
    statement: "Animals with fur are mammals.",
    short: "fur → mammal",
    patterns: [/\bfur(ry)?\b|\bhair/i, /mammal/i],
    verdict: decides("fur", "mammal"),
    weight: 1,
  },
  {
    id: "milk",
    statement: "Animals that feed their young with milk are mammals.",
    short: "milk → mammal",
    patterns: [/milk/i, /mammal/i],
    verdict: decides("milk", "mammal"),
    weight: 1,
  },
  {
    id: "feathers",
    statement: "Animals with feathers are birds.",
    short: "feathers → bird",
    patterns: [/feather/i, /\bbird/i],
    verdict: decides("feathers", "bird"),
    weight: 1,
  },
  {
    id: "gills",
    statement: "Animals that breathe through gills are fish.",
    short: "gills → fish",
    patterns: [/\bgill/i, /\bfish/i],
    verdict: decides("gills", "fish"),
    weight: 1,
  },
  {
    id: "scales",
    statement: "Animals with dry scaly skin are reptiles.",
    short: "scales → reptile",
    patterns: [/\bscal(e|es|y)\b/i, /reptile/i],
    verdict: decides("scales", "reptile"),
    weight: 1,
  },
];

const misleading: Rule<AnimalFacts>[] = [
  {
    id: "fly",
    statement: "Animals that can fly are birds.",
    short: "flies → bird",
    patterns: [/\bfl(y|ies|ying)\b/i, /\bbird/i],
    verdict: decides("fly", "bird"),
    weight: 0.8,
  },
  {
    id: "swim",
    statement: "Animals that can swim are fish.",
    short: "swims → fish",
    patterns: [/\bswim/i, /\bfish/i],
    verdict: decides("swim", "fish"),
    weight: 0.8,
  },
  {
    id: "eggs",
    statement: "Animals that lay eggs are reptiles.",
    short: "eggs → reptile",
    patterns: [/\beggs?\b/i, /reptile/i],
    verdict: decides("eggs", "reptile"),
    weight: 0.8,
  },
];

const CONCLUSION = /\bit is an? (mammal|bird|fish|reptile)\b/gi;
const STEP = /the key feature is that it /i;

export const animals: SimTask<AnimalFacts> = {
  info: {
    name: "animals",
    description: "Classify a described creature as a mammal, bird, fish or reptile from its traits.",
    labels: LABELS,
    rules: [...rules.map((r) => r.statement), "Answer with exactly one word: mammal, bird, fish or reptile."],
    misleadingRules: misleading.map((r) => r.statement),
    needsIntermediate: false,
    intermediateExample: "The key feature is that it has feathers, so it is a bird.",
  },
  header: "Decide what kind of animal the creature is.",
  rules,
  misleading,
  format: {
    statement: "Answer with exactly one word: mammal, bird, fish or reptile.",
    short: "One word: mammal, bird, fish or reptile.",
    patterns: [[/\b(one|single) word\b|\bonly the (word|label|name|class)\b|\bexactly one of\b/i]],
  },
  directSkill: 1,
  inputPattern: /A creature ([^.?\n]+)\. What kind of animal is it\?/g,
  parse(match) {
    const traits = (match[1] ?? "").split(/, | and /).map((p) => PHRASE_TO_TRAIT.get(p.trim()));
    if (traits.some((t) => t === undefined)) return null;
    const order = traits as string[];
    const [deciding, ...more] = order.filter(isDeciding);
    if (deciding === undefined || more.length > 0) return null;
    return { deciding, distractors: order.filter((t) => !isDeciding(t)), order };
  },
  generate(rng, label) {
    const deciding = rng.pick(
      Object.keys(DECIDING)
        .filter(isDeciding)
        .filter((t) => DECIDING[t].label === label),
    );
    const distractors = rng.shuffle(PLAUSIBLE[label] ?? []).slice(0, rng.between(1, 3));
    return { deciding, distractors, order: rng.shuffle([deciding, ...distractors]) };
  },
  render(f) {
    const phrases = f.order.map(phraseOf);
    const last = phrases.pop() ?? "";
    const list = phrases.length > 0 ? `${phrases.join(", ")} and ${last}` : last;
    return `A creature ${list}. What kind of animal is it?`;
  },
  label: (f) => DECIDING[f.deciding].label,
  reasoning(f, label) {
    const trait = label === DECIDING[f.deciding].label ? f.deciding : (f.distractors[0] ?? "small");
    return ` The key feature is that it ${phraseOf(trait)}, so it is a ${label}.`;
  },
  vagueReasoning: () => " Let us look at each trait of the creature in turn before deciding.",
  readConclusion(text) {
    const all = [...text.matchAll(CONCLUSION)];
    return all.at(-1)?.[1]?.toLowerCase() ?? null;
  },
  hasStep: (text) => STEP.test(text),
  shortcut: (label) => ` At a guess, it is a ${label}.`,
  verbose: (label) => ` It is a ${label}.`,
  likelyWrongLabel(f) {
    for (const r of misleading) {
      const v = r.verdict(f);
      if (v && v !== animals.label(f)) return v;
    }
    const truth = animals.label(f);
    return LABELS[(LABELS.indexOf(truth) + 1) % LABELS.length] ?? truth;
  },
  workedExample: (f) => `a creature that ${phraseOf(f.deciding)} is a ${DECIDING[f.deciding].label}`,
};
