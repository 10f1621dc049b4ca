/**
 * `aggregateEnsemble`: an ensemble's value from its members' values. `vote` takes the majority
 * (ties: earlier in the members' class order, then earlier member); `mean` takes the class with
 * the highest mean probability over the members (a member without class probabilities counts as
 * certain of its value; same ties); `concat` joins them with a blank line; `{ judge }` takes the
 * judge layer's value. Every member's value goes in the trace.
 */
import type { NodeOutcome } from "./outcome.js";
import type { PlannedEnsemble } from "./execution-plan.js";
import { asText } from "./variables.js";

export function aggregateEnsemble(
  ensemble: PlannedEnsemble,
  depValues: readonly unknown[],
  classProbsOf: (member: string) => Readonly<Record<string, number>> | undefined = () => undefined,
): NodeOutcome {
  const started = performance.now();
  const memberValues = depValues.slice(0, ensemble.memberCount);
  let value: unknown;
  if (ensemble.aggregate === "vote") value = majorityVote(memberValues, ensemble.classOrder);
  else if (ensemble.aggregate === "mean") value = meanClass(memberValues, ensemble.node.members.map(classProbsOf), ensemble.classOrder);
  else if (ensemble.aggregate === "concat") value = memberValues.map(asText).join("\n\n");
  else value = depValues[ensemble.memberCount];
  const members = ensemble.node.members.map((node, i) => ({ node, value: memberValues[i] }));
  return { value, trace: { node: ensemble.id, kind: "ensemble", value, members, latencyMs: performance.now() - started } };
}

/**
 * The class with the highest mean probability over the members. A member with class
 * probabilities adds them; one without adds 1 to its own value (compared as `majorityVote`
 * compares). Ties as in `majorityVote`. Returns a label, or the value as the member gave it.
 */
function meanClass(
  values: readonly unknown[],
  probs: ReadonlyArray<Readonly<Record<string, number>> | undefined>,
  classOrder: readonly string[] = [],
): unknown {
  if (values.length === 0) return undefined;
  const rank = new Map(classOrder.map((label, i) => [label.trim().toLowerCase(), i]));
  const tally = new Map<string, { count: number; first: number; value: unknown }>();
  const add = (key: string, weight: number, i: number, value: unknown): void => {
    const entry = tally.get(key);
    if (entry) entry.count += weight;
    else tally.set(key, { count: weight, first: i, value });
  };
  values.forEach((v, i) => {
    const p = probs[i];
    if (p) for (const [label, w] of Object.entries(p)) add(label.trim().toLowerCase(), w, i, label);
    else add(asText(v).trim().toLowerCase(), 1, i, v);
  });
  let bestKey = "";
  let best: { count: number; first: number; value: unknown } | undefined;
  for (const [key, entry] of tally) {
    if (!best || beats(entry, key, best, bestKey, rank)) {
      best = entry;
      bestKey = key;
    }
  }
  return best?.value; // none when no member gave a value or a class probability
}

/**
 * The most common value, comparing trimmed lower-cased text. Ties go to the value earliest in
 * `classOrder`, then to the value given by the earliest member. Returns that member's value as given.
 */
export function majorityVote(values: readonly unknown[], classOrder: readonly string[] = []): unknown {
  if (values.length === 0) return undefined;
  const rank = new Map(classOrder.map((label, i) => [label.trim().toLowerCase(), i]));
  const tally = new Map<string, { count: number; first: number }>();
  values.forEach((v, i) => {
    const key = asText(v).trim().toLowerCase();
    const entry = tally.get(key);
    if (entry) entry.count++;
    else tally.set(key, { count: 1, first: i });
  });
  let bestKey = "";
  let best: { count: number; first: number } | undefined;
  for (const [key, entry] of tally) {
    if (!best || beats(entry, key, best, bestKey, rank)) {
      best = entry;
      bestKey = key;
    }
  }
  return best === undefined ? undefined : values[best.first];
}

function beats(a: { count: number; first: number }, aKey: string, b: { count: number; first: number }, bKey: string, rank: Map<string, number>): boolean {
  if (a.count !== b.count) return a.count > b.count;
  const ra = rank.get(aKey) ?? Infinity;
  const rb = rank.get(bKey) ?? Infinity;
  if (ra !== rb) return ra < rb;
  return a.first < b.first;
}
