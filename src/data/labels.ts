/**
 * Gold answers the network can never give. When the output is constrained to `classes`, a gold
 * label that no class matches under the network's loss is an example that is wrong whatever the
 * prompts say: worth a warning before any training is paid for (a typo such as "Positve", or a
 * column mapped to the wrong field).
 */
import type { CompiledNetwork, CompiledNode } from "../compile/types.js";
import { isCorrect } from "../metrics/accuracy.js";
import type { DataProblem, Example } from "./types.js";

/**
 * The labels the output can take, or undefined when it is not constrained (a layer without
 * `classes`, an ensemble that concatenates, a judge that may answer anything).
 */
export function outputLabels(network: CompiledNetwork): string[] | undefined {
  const labelsOf = (node: CompiledNode | undefined): string[] | undefined => {
    if (!node) return undefined;
    if (node.kind === "layer") return node.classes?.map((c) => c.label);
    if (node.kind === "ensemble") {
      if (node.aggregate !== "vote") return undefined;
      const all = node.members.map((m) => labelsOf(network.nodes.get(m)));
      return all.every((l): l is string[] => l !== undefined) ? [...new Set(all.flat())] : undefined;
    }
    return undefined;
  };
  return labelsOf(network.nodes.get(network.output));
}

/** One warning per example whose gold answer no output class can match, named by file and line. */
export function unreachableGoldLabels(examples: readonly Example[], network: CompiledNetwork): DataProblem[] {
  const labels = outputLabels(network);
  if (!labels || labels.length === 0) return [];
  const reachable = new Map<string, boolean>();
  const out: DataProblem[] = [];
  for (const example of examples) {
    let ok = reachable.get(example.target);
    if (ok === undefined) {
      ok = labels.some((label) => isCorrect(label, example.target, network.loss));
      reachable.set(example.target, ok);
    }
    if (!ok) {
      out.push({
        file: example.source?.file ?? example.id,
        line: example.source?.line ?? 0,
        message: `the gold answer ${JSON.stringify(example.target)} is none of the output's classes (${labels.join(", ")}), so this example can never be answered right`,
      });
    }
  }
  return out;
}
