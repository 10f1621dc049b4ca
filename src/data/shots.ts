/**
 * k-shot baselines: the paper compares trained prompts with 0-shot and k-shot prompting. A k-shot
 * prompt here is the output layer's prompt followed by k solved training examples, so in the
 * rendered request the demonstrations sit between the instruction and the sample's input:
 *
 *   <instruction>
 *
 *   Examples:
 *
 *   Input: <training input 1>
 *   Answer: <its gold answer>
 *
 *   Input: <training input 2>
 *   Answer: <its gold answer>
 *
 * A network with several inputs shows each as `<name>: <value>` lines instead of `Input:`.
 */
import type { CompiledNetwork, LayerNode } from "../compile/types.js";
import type { Example } from "./types.js";
import { DataError } from "./errors.js";

/** The demonstrations block for `shots`, in the order given. */
export function formatShots(shots: readonly Example[], inputs: readonly string[]): string {
  const blocks = shots.map((e) => {
    const [only, ...others] = inputs;
    const shown = only !== undefined && others.length === 0 ? `Input: ${e.inputs[only]}` : inputs.map((name) => `${name}: ${e.inputs[name]}`).join("\n");
    return `${shown}\nAnswer: ${e.target}`;
  });
  return `Examples:\n\n${blocks.join("\n\n")}`;
}

/**
 * The layers a k-shot baseline changes: the output node when it is a layer, or every member
 * layer of an output ensemble.
 */
export function outputLayers(network: CompiledNetwork): LayerNode[] {
  const out = network.nodes.get(network.output);
  if (out?.kind === "layer") return [out];
  if (out?.kind === "ensemble") {
    return out.members.map((id) => network.nodes.get(id)).filter((n): n is LayerNode => n?.kind === "layer");
  }
  throw new DataError(
    "E_DATA_OPTIONS",
    `k-shot prompts need the output node "${network.output}" to be a layer or an ensemble of layers, not a ${out?.kind ?? "missing node"}`,
  );
}

/**
 * Prompt overrides (layer id → prompt) with the demonstrations added to every output layer's
 * prompt. `prompts` are the overrides already in force (e.g. trained prompts); they are kept.
 */
export function promptsWithShots(network: CompiledNetwork, prompts: Record<string, string> | undefined, shots: readonly Example[]): Record<string, string> {
  const out = { ...prompts };
  if (shots.length === 0) return out;
  const block = formatShots(shots, network.inputs);
  for (const layer of outputLayers(network)) {
    const base = (prompts?.[layer.id] ?? prompts?.[layer.param] ?? layer.prompt).trimEnd();
    out[layer.id] = base === "" ? block : `${base}\n\n${block}`;
  }
  return out;
}
