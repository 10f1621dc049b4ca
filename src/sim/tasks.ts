/**
 * The bundled synthetic tasks and their seeded generator. The demo and the tests use
 * `generateTask` for train/dev/test data; the "tasks" world (src/sim/tasks-world.ts) knows the
 * hidden rules of every task listed here.
 */
import { hashParts, Rng } from "../util/random.js";
import type { AnyTask, Sample, TaskInfo } from "./task.js";
import { animals } from "./tasks/animals.js";
import { coins } from "./tasks/coins.js";
import { navigate } from "./tasks/navigate.js";
import { DlnError } from "../util/errors.js";

export type { Sample, TaskInfo } from "./task.js";

/** The task definitions, rules included (for the world; most callers want `TASKS`). */
export const SIM_TASKS: Record<string, AnyTask> = { animals, navigate, coins };

/** Public descriptions of the bundled tasks, by name. */
export const TASKS: Record<string, TaskInfo> = Object.fromEntries(Object.entries(SIM_TASKS).map(([name, t]) => [name, t.info]));

export class UnknownTaskError extends DlnError {
  declare readonly code: "SIM_UNKNOWN_TASK";
  constructor(readonly task: string) {
    super("SIM_UNKNOWN_TASK", `sim: there is no bundled task "${task}"`, { kind: "usage", hint: `choose one of: ${Object.keys(TASKS).join(", ")}` });
  }
}

/**
 * `n` samples of a task, reproducible from `seed`. Labels are balanced: each label appears
 * ⌊n/k⌋ or ⌈n/k⌉ times, in a shuffled order. Different seeds give different samples, so use
 * different seeds for train, dev and test.
 */
export function generateTask(name: string, opts: { seed: number; n: number }): Sample[] {
  const task = SIM_TASKS[name];
  if (!task) throw new UnknownTaskError(name);
  const rng = new Rng(hashParts("generate", name, opts.seed));
  const labels = task.info.labels;
  const n = Math.max(0, Math.floor(opts.n));
  // The labels in turn (label i % k for sample i), then shuffled.
  const order = rng.shuffle(
    Array.from({ length: Math.ceil(n / labels.length) }, () => labels)
      .flat()
      .slice(0, n),
  );
  return order.map((label, i) => {
    const facts = task.generate(rng, label);
    return { x: task.render(facts), y: task.label(facts), id: `${name}-${opts.seed}-${i}` };
  });
}
