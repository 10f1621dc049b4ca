/** A tiny 2 × 2 sweep on the simulator (seconds): two seeds, two prompt-sample counts, one iteration. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateTask } from "../../src/sim/tasks.js";

const NETWORK = `{
  name: "sweep-dln-1",
  models: { sim: { provider: "sim", model: "tasks" } },
  inputs: ["x"],
  nodes: { y: { type: "layer", from: ["x"], template: "classify", prompt: "Answer the question.", classes: ["mammal", "bird", "fish", "reptile"] } },
  output: "y",
  loss: { type: "exact_match", normalize: "first_word" },
  train: { iterations: 1, batchSize: 4, promptSamples: 2, valEvery: 1 },
}`;

const SWEEP = `// a 2 × 2 sweep
{
  network: "net.json5",
  data: "data.jsonl",
  caps: { train: 12, dev: 8, test: 8 },
  train: { iterations: 1 },
  grid: {
    seed: [1, 2],
    "train.promptSamples": [2, 3],
  },
  out: "out",
}`;

/** Writes net.json5, data.jsonl and sweep.json5 into `dir`. */
export function writeFixture(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "net.json5"), NETWORK);
  writeFileSync(
    join(dir, "data.jsonl"),
    generateTask("animals", { seed: 5, n: 40 })
      .map((s) => JSON.stringify(s))
      .join("\n") + "\n",
  );
  writeFileSync(join(dir, "sweep.json5"), SWEEP);
}
