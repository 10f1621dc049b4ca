/**
 * Networks the benchmarks run: the executor's four shapes, a DLN-2, and generated large networks.
 * Kept here so every measurement (and the smoke test) uses the same definitions.
 */
import { compileNetwork } from "../src/compile/index.js";
import type { CompiledNetwork } from "../src/compile/types.js";
import type { ModelSpec, NetworkSpec } from "../src/network/types.js";

/** Compiles a spec or network text, throwing the diagnostics when it does not compile. */
export function compileOrThrow(input: string | NetworkSpec, baseDir = process.cwd()): CompiledNetwork {
  const result = compileNetwork(input, { baseDir });
  if (!result.ok) throw new Error(`benchmark network does not compile:\n${result.diagnostics.map((d) => `${d.path}: ${d.message}`).join("\n")}`);
  return result.network;
}

const think = (from: string[], prompt = "Think.") => ({ type: "layer" as const, from, template: "think", prompt, maxTokens: 8 });
const yesNo = (prompt: string) => ({ type: "layer" as const, from: ["x"], prompt, classes: ["yes", "no"] });

/** Node declarations of each executor shape; every shape reads input `x` and answers in `out`. */
export const EXECUTOR_SHAPES = {
  chain: { h1: think(["x"]), out: think(["h1"]) },
  // a and b differ in their prompts: identical requests would be merged by the client's de-duplication.
  diamond: { a: think(["x"], "Think about the first half."), b: think(["x"], "Think about the second half."), out: think(["a", "b"]) },
  deep5: { l1: think(["x"]), l2: think(["l1"]), l3: think(["l2"]), l4: think(["l3"]), out: think(["l4"]) },
  ensemble: {
    m1: yesNo("Yes or no?"),
    m2: yesNo("Answer yes or no."),
    m3: yesNo("Is it so? yes or no"),
    out: { type: "ensemble" as const, members: ["m1", "m2", "m3"], aggregate: "vote" as const },
  },
} satisfies Record<string, NetworkSpec["nodes"]>;

export type ExecutorShape = keyof typeof EXECUTOR_SHAPES;

export function shapeNetwork(shape: ExecutorShape, model: ModelSpec): CompiledNetwork {
  return compileOrThrow({ name: `bench-${shape}`, models: { m: model }, inputs: ["x"], nodes: EXECUTOR_SHAPES[shape], output: "out" });
}

/**
 * The paper's DLN-2: a hidden "think" layer, then a residual classifier reading the input and the
 * hidden text. `hidden` and `output` name the models of each layer (they may be the same).
 */
export function dln2Spec(models: Record<string, ModelSpec>, hidden: string, output: string): NetworkSpec {
  return {
    name: "bench-dln-2",
    models,
    inputs: ["x"],
    nodes: {
      h1: { type: "layer", from: ["x"], template: "think", prompt: "Decompose the problem to make it simpler.", model: hidden, maxTokens: 16, trainable: true },
      y: {
        type: "layer",
        from: ["x", "h1"],
        template: "residual",
        prompt: "Answer yes or no.",
        classes: ["yes", "no"],
        model: output,
        maxTokens: 4,
        trainable: true,
      },
    },
    output: "y",
    loss: { type: "exact_match", normalize: "first_word" },
  };
}

/**
 * A generated network of `size` layer nodes: `width` parallel lanes of chained layers, each lane
 * reading its predecessor and (every third node) the input too, joined by one final layer.
 */
export function largeNetworkSpec(size: number, width = 10): NetworkSpec {
  const nodes: NetworkSpec["nodes"] = {};
  const perLane = Math.max(1, Math.floor((size - 1) / width));
  const tails: string[] = [];
  for (let lane = 0; lane < width; lane++) {
    let previous = "x";
    for (let k = 0; k < perLane; k++) {
      const id = `n${lane}_${k}`;
      const from = k % 3 === 2 ? [previous, "x"] : [previous];
      nodes[id] = { type: "layer", from, template: "think", prompt: `Step ${k} of lane ${lane}.` };
      previous = id;
    }
    tails.push(previous);
  }
  for (let extra = 0; Object.keys(nodes).length < size - 1; extra++) {
    nodes[`extra${extra}`] = { type: "layer", from: ["x"], template: "think", prompt: `Extra ${extra}.` };
    tails.push(`extra${extra}`);
  }
  nodes.out = { type: "layer", from: tails.slice(0, 50), template: "think", prompt: "Combine." };
  return { name: `bench-large-${size}`, models: { m: { provider: "sim", model: "tasks" } }, inputs: ["x"], nodes, output: "out" };
}
