/**
 * Item 7, embedded scoring: the `llama` provider on the tiny generated model
 * (test/helpers/gguf-writer.ts), scoring what the trainer scores for an output layer with
 * classes: K candidate prompts × B inputs × 2 class verbalizers, every request sent at once as
 * the trainer does. The figure is token evaluations (llama.cpp forward positions), counted by
 * the client, with and without context reuse; the ratio is with / without (lower is better).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LlamaClient } from "../src/llm/providers/llama.js";
import { notMeasured, row, timed, type BenchRow } from "./harness.js";
import { writeTinyLlamaGguf } from "../test/helpers/gguf-writer.js";

export interface LlamaBenchOptions {
  candidates: number;
  inputs: number;
}

const CLASSES = [" yes", " no"];

export async function benchLlamaScoring(o: LlamaBenchOptions): Promise<BenchRow[]> {
  const name = `llama scoring: ${o.candidates} candidates × ${o.inputs} inputs × ${CLASSES.length} classes`;
  let createLlamaClient: typeof import("../src/llm/providers/llama.js").createLlamaClient;
  try {
    ({ createLlamaClient } = await import("../src/llm/providers/llama.js"));
  } catch (err) {
    return [notMeasured("llama.tokens", 7, name, "tokens", null, `node-llama-cpp could not be loaded (${String((err as Error).message).split("\n")[0]})`)];
  }
  const dir = mkdtempSync(join(tmpdir(), "dln-bench-llama-"));
  const clients: LlamaClient[] = [];
  try {
    writeTinyLlamaGguf(join(dir, "tiny.gguf"));
    const spec = { provider: "llama" as const, model: "./tiny.gguf", contextSize: 512, threads: 1 };
    const requests = Array.from({ length: o.candidates }, (_, c) =>
      Array.from({ length: o.inputs }, (_, b) =>
        CLASSES.map((target) => ({ context: `Candidate prompt ${c}: answer the question with yes or no.\n\nQ: is ${b} an even number?\nA:`, target })),
      ),
    ).flat(2);

    const measure = async (reuseContext: boolean) => {
      const client = await createLlamaClient(spec, { baseDir: dir, env: {} }, { reuseContext });
      clients.push(client);
      await client.score({ context: "warm up", target: " yes" });
      client.resetStats();
      const { ms } = await timed(() => Promise.all(requests.map((r) => client.score(r))));
      return { ...client.stats(), ms };
    };
    const without = await measure(false);
    const withReuse = await measure(true);
    return [
      row({
        id: "llama.tokens",
        item: 7,
        name,
        measured: withReuse.tokensEvaluated,
        unit: "tokens",
        bound: null,
        ratio: withReuse.tokensEvaluated / without.tokensEvaluated,
        goal: null,
        note: `${requests.length} scores: ${without.tokensEvaluated.toLocaleString("en-US")} token evaluations without reuse (${Math.round(without.ms)} ms), ${withReuse.tokensEvaluated.toLocaleString("en-US")} with (${Math.round(withReuse.ms)} ms); ratio = with / without`,
        details: { scores: requests.length, withoutReuse: without, withReuse },
      }),
    ];
  } finally {
    await Promise.all(clients.map((c) => c.close?.()));
    rmSync(dir, { recursive: true, force: true });
  }
}
