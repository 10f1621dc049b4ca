/** Helpers for the trainer tests: small sim networks, splits from the bundled tasks, a registry without a disk cache. */
import { compileNetwork } from "../../src/compile/index.js";
import type { CompiledNetwork } from "../../src/compile/types.js";
import type { Example } from "../../src/data/types.js";
import { ModelRegistry } from "../../src/llm/registry.js";
import { generateTask } from "../../src/sim/tasks.js";
import type { NetworkSpec } from "../../src/network/types.js";
import { resolveTrainConfig, type TrainOverrides } from "../../src/train/config.js";
import { buildTrainGraph, hasHiddenTrainableLayers } from "../../src/train/topology.js";
import { createTrainServices } from "../../src/train/services.js";
import { train, type TrainOptions } from "../../src/train/trainer.js";

export function compile(spec: NetworkSpec): CompiledNetwork {
  const r = compileNetwork(spec, { baseDir: process.cwd() });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.path}: ${d.message}`).join("\n"));
  return r.network;
}

const SIM = { sim: { provider: "sim" as const, model: "tasks" } };

export function dln1(labels: string[] = ["yes", "no"], prompt = "Answer the question."): NetworkSpec {
  return {
    name: "t-dln-1",
    models: SIM,
    inputs: ["x"],
    nodes: { y: { type: "layer", from: ["x"], template: "classify", prompt, classes: labels, maxTokens: 8 } },
    output: "y",
    loss: { type: "exact_match", normalize: "first_word" },
  };
}

export function dln2(labels: string[] = ["yes", "no"]): NetworkSpec {
  return {
    name: "t-dln-2",
    models: SIM,
    inputs: ["x"],
    nodes: {
      h1: { type: "layer", from: ["x"], template: "think", prompt: "Think about it.", maxTokens: 128 },
      y: { type: "layer", from: ["x", "h1"], template: "residual", prompt: "Answer the question.", classes: labels, maxTokens: 8 },
    },
    output: "y",
    loss: { type: "exact_match", normalize: "first_word" },
  };
}

export function splits(task: string, n: { train: number; dev: number; test: number }): { train: Example[]; dev: Example[]; test: Example[] } {
  const as = (split: string, seed: number, count: number): Example[] =>
    generateTask(task, { seed, n: count }).map((s) => ({ id: `${split}-${s.id}`, inputs: { x: s.x }, target: s.y }));
  return { train: as("train", 1, n.train), dev: as("dev", 2, n.dev), test: as("test", 3, n.test) };
}

export function setup(spec: NetworkSpec, overrides: TrainOverrides) {
  const network = compile(spec);
  const registry = new ModelRegistry(network.models, { baseDir: process.cwd(), cache: { mode: "off" } });
  const config = resolveTrainConfig(network.train, overrides, hasHiddenTrainableLayers(buildTrainGraph(network)));
  const services = createTrainServices(network, registry, { scoring: config.scoring, burnIn: config.burnIn });
  return { network, registry, config, services };
}

export function runTraining(spec: NetworkSpec, data: ReturnType<typeof splits>, overrides: TrainOverrides, extra: Partial<TrainOptions> = {}) {
  const { network, config, services } = setup(spec, overrides);
  return train(network, data, { config, services, ...extra });
}
