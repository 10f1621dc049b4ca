/**
 * Simulator figures for docs/topologies.md: accuracy and model requests per sample of the
 * self-consistency, ensemble and generated-knowledge example networks against one layer.
 * Simulator figures, not a language model's. Run: `npx tsx bench/topologies.ts [n]` (default n = 200).
 */
import { loadNetworkFile } from "../src/compile/index.js";
import type { CompiledNetwork } from "../src/compile/types.js";
import { runAll } from "../src/exec/run.js";
import { ModelRegistry } from "../src/llm/registry.js";
import { isCorrect } from "../src/metrics/index.js";
import { generateTask, TASKS } from "../src/sim/tasks.js";
import type { ModelSpec, NetworkSpec } from "../src/network/types.js";
import { compileOrThrow } from "./networks.js";
import { at, key } from "../test/helpers/indexing.js";

const n = Number(process.argv[2] ?? 200);

async function measure(label: string, compiled: CompiledNetwork, task: string, model: ModelSpec, prompts?: Record<string, string>): Promise<void> {
  // A layer's scoring mode is its model's in the network, so the override goes there too.
  const models = Object.fromEntries(
    Object.entries(compiled.models).map(([name, m]) => [
      name,
      { ...model, ...(m.temperature !== undefined ? { temperature: m.temperature } : {}), ...(m.maxTokens !== undefined ? { maxTokens: m.maxTokens } : {}) },
    ]),
  );
  const network: CompiledNetwork = { ...compiled, models };
  const registry = new ModelRegistry(network.models, { baseDir: process.cwd(), cache: { mode: "off" } });
  const data = generateTask(task, { seed: 11, n });
  const results = await runAll(
    network,
    data.map((s) => ({ x: s.x })),
    { clients: registry, prompts, seed: 1 },
  );
  const failed = results.find((r) => r.error);
  if (failed) throw new Error(`${label}: ${failed.error!.code} ${failed.error!.message}`);
  const correct = results.filter((r) => !r.error && isCorrect(r.output, at(data, r.index).y, network.loss)).length;
  const requests = registry.usage().total.requests / n;
  console.log(`${label.padEnd(58)} ${task.padEnd(9)} accuracy ${(correct / n).toFixed(3)}  requests/sample ${requests.toFixed(1)}`);
  await registry.close();
}

async function file(path: string): Promise<CompiledNetwork> {
  const r = await loadNetworkFile(path);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.network;
}

const sim: ModelSpec = { provider: "sim", model: "tasks", scoring: "exact" };
const simClasses: ModelSpec = { provider: "sim", model: "tasks", scoring: "classes" };
const single = (node: NetworkSpec["nodes"][string]): CompiledNetwork =>
  compileOrThrow({
    name: "single",
    models: { default: sim },
    inputs: ["x"],
    nodes: { y: node },
    output: "y",
    loss: { type: "exact_match", normalize: "first_word" },
  });

const sc = await file("networks/self-consistency.json5");
const guess = sc.nodes.get("sc#1")!;
if (guess.kind !== "layer") throw new Error("sc#1 is not a layer");
const ruled = { guess: key(TASKS, "navigate").rules.join(" ") };
for (const [name, model] of [
  ["exact scoring", sim],
  ["scoring: classes", simClasses],
] as const) {
  await measure(
    `single layer (guess, greedy), ${name}`,
    single({ type: "layer", from: ["x"], prompt: guess.prompt, classes: ["yes", "no"] }),
    "navigate",
    model,
  );
  await measure(`self-consistency x5 @0.7, ${name}`, sc, "navigate", model);
}
await measure(
  "single layer, prompt states the rules",
  single({ type: "layer", from: ["x"], prompt: ruled.guess, classes: ["yes", "no"] }),
  "navigate",
  simClasses,
);
await measure("self-consistency x5 @0.7, prompt states the rules", sc, "navigate", simClasses, ruled);

const ens = await file("networks/ensemble.json5");
for (const member of ["terse", "careful", "brief"]) {
  const node = ens.nodes.get(member)!;
  if (node.kind !== "layer") continue;
  await measure(`single layer (${member})`, single({ type: "layer", from: ["x"], prompt: node.prompt, parse: "first_word", maxTokens: 8 }), "animals", sim);
}
await measure("ensemble of 3 (vote)", ens, "animals", sim);
const rules = key(TASKS, "animals").rules;
const format = rules[rules.length - 1];
const split = {
  terse: `${rules[0]} ${rules[2]} ${rules[3]} ${format}`,
  careful: `${rules[1]} ${rules[2]} ${rules[4]} ${format}`,
  brief: `${rules[0]} ${rules[3]} ${rules[4]} ${format}`,
};
for (const [member, prompt] of Object.entries(split)) {
  await measure(
    `single layer stating 3 of 5 rules (${member}'s)`,
    single({ type: "layer", from: ["x"], prompt, parse: "first_word", maxTokens: 8 }),
    "animals",
    sim,
  );
}
await measure("ensemble of 3 (vote), each prompt states 3 of 5 rules", ens, "animals", sim, split);

const gk = await file("networks/generated-knowledge.json5");
const answer = gk.nodes.get("answer")!;
if (answer.kind !== "layer") throw new Error("answer is not a layer");
await measure(
  "single layer (answer's prompt, classify template)",
  single({ type: "layer", from: ["x"], prompt: answer.prompt, classes: ["yes", "no"] }),
  "navigate",
  sim,
);
await measure("generated knowledge (knowledge → answer)", gk, "navigate", sim);
await measure("single layer, scoring: classes", single({ type: "layer", from: ["x"], prompt: answer.prompt, classes: ["yes", "no"] }), "navigate", simClasses);
await measure("generated knowledge, scoring: classes", gk, "navigate", simClasses);
