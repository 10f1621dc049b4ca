/** A real run directory: a small 2-layer network trained by the trainer on the offline sim provider. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileNetwork } from "../../src/compile/index.js";
import type { CompiledNetwork } from "../../src/compile/types.js";
import { ModelRegistry } from "../../src/llm/registry.js";
import { generateTask, TASKS } from "../../src/sim/tasks.js";
import type { NetworkSpec } from "../../src/network/types.js";
import { resolveTrainConfig } from "../../src/train/config.js";
import { buildTrainGraph, hasHiddenTrainableLayers } from "../../src/train/topology.js";
import { createTrainServices } from "../../src/train/services.js";
import { train, type TrainResult } from "../../src/train/trainer.js";
import { key } from "../helpers/indexing.js";

export const SIM_SPEC: NetworkSpec = {
  name: "sim-dln-2",
  models: { sim: { provider: "sim", model: "tasks" } },
  inputs: ["x"],
  nodes: {
    h1: { type: "layer", from: ["x"], template: "think", prompt: "Think about it.", maxTokens: 128 },
    y: { type: "layer", from: ["x", "h1"], template: "residual", prompt: "Answer the question.", classes: key(TASKS, "animals").labels, maxTokens: 8 },
  },
  output: "y",
  loss: { type: "exact_match", normalize: "first_word" },
};

/** Trains SIM_SPEC for a few iterations into `dir` and writes the network next to the run as network.json5. */
export async function trainSimRun(dir: string, iterations = 4): Promise<{ network: CompiledNetwork; result: TrainResult }> {
  const compiled = compileNetwork(SIM_SPEC, { baseDir: process.cwd() });
  if (!compiled.ok) throw new Error(compiled.diagnostics.map((d) => d.message).join("\n"));
  const network = compiled.network;
  const split = (name: string, seed: number, n: number) =>
    generateTask("animals", { seed, n }).map((s) => ({ id: `${name}-${s.id}`, inputs: { x: s.x }, target: s.y }));
  const registry = new ModelRegistry(network.models, { baseDir: process.cwd(), cache: { mode: "off" } });
  try {
    const config = resolveTrainConfig(
      network.train,
      { iterations, batchSize: 6, promptSamples: 3, hiddenSamples: 2, valEvery: 1, seed: 5 },
      hasHiddenTrainableLayers(buildTrainGraph(network)),
    );
    const services = createTrainServices(network, registry, { scoring: config.scoring, burnIn: config.burnIn });
    const run = train(network, { train: split("train", 1, 24), dev: split("dev", 2, 12), test: split("test", 3, 12) }, { config, services, runDir: dir });
    const result = await run.result;
    writeFileSync(join(dir, "network.json5"), JSON.stringify(SIM_SPEC, null, 2));
    return { network, result };
  } finally {
    await registry.close();
  }
}
