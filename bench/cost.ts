/**
 * Item 8, cost (issue 12): requests and prompt tokens per sample of `dln run` with the default
 * scoring, on the loopback OpenAI-compatible server (own process), for one class layer and for a
 * 2-layer network (a hidden "think" layer, then a class layer), each declared `api: "chat"` and
 * `api: "completions"` (legacy, 20 prompts per request). Requests are counted by the server,
 * after the capability probes (made once, before); prompt tokens by the run's usage meter.
 *
 * Goals: at most one request per layer call (one class layer: ≤ 1 per sample; 2 layers: ≤ 2),
 * and nothing sent to legacy completions by a network declared `api: "chat"`.
 */
import { runAll } from "../src/exec/run.js";
import { ModelRegistry } from "../src/llm/registry.js";
import type { ModelSpec, NetworkSpec } from "../src/network/types.js";
import { row, type BenchRow } from "./harness.js";
import { compileOrThrow } from "./networks.js";
import { startRemoteServer } from "./remote-server.js";

export interface CostBenchOptions {
  samples: number;
  concurrency: number;
}

function oneClassLayer(model: ModelSpec): NetworkSpec {
  return {
    name: "bench-cost-1",
    models: { m: model },
    inputs: ["x"],
    nodes: { y: { type: "layer", from: ["x"], prompt: "Is the number even? Answer yes or no.", classes: ["yes", "no"] } },
    output: "y",
  };
}

function twoLayers(model: ModelSpec): NetworkSpec {
  return {
    name: "bench-cost-2",
    models: { m: model },
    inputs: ["x"],
    nodes: {
      h1: { type: "layer", from: ["x"], template: "think", prompt: "Decompose the problem to make it simpler.", maxTokens: 16 },
      y: { type: "layer", from: ["x", "h1"], template: "residual", prompt: "Answer yes or no.", classes: ["yes", "no"], maxTokens: 4 },
    },
    output: "y",
  };
}

export async function benchCost(o: CostBenchOptions): Promise<BenchRow[]> {
  const server = await startRemoteServer(0);
  const rows: BenchRow[] = [];
  try {
    for (const api of ["chat", "completions"] as const) {
      const model: ModelSpec = {
        provider: "openai",
        model: "fake",
        baseURL: server.baseURL,
        apiKey: "sk-bench",
        api,
        concurrency: o.concurrency,
        maxRetries: 0,
        batchSize: 20,
      };
      for (const [shape, spec, layers] of [
        ["one class layer", oneClassLayer(model), 1],
        ["2 layers", twoLayers(model), 2],
      ] as const) {
        const network = compileOrThrow(spec);
        const registry = new ModelRegistry(network.models, { baseDir: process.cwd(), env: {}, cache: { mode: "off" } });
        try {
          const client = await registry.get("m");
          const caps = await client.capabilities();
          await server.reset();
          const before = registry.usage().total;
          const samples = Array.from({ length: o.samples }, (_, i) => ({ x: `Is ${i} an even number? Think of ${i % 7} apples.` }));
          const results = await runAll(network, samples, { clients: registry });
          const failed = results.filter((r) => r.error).length;
          if (failed) throw new Error(`${failed} samples failed, e.g. ${JSON.stringify(results.find((r) => r.error)?.error)}`);
          const stats = await server.stats();
          const usage = registry.usage().total;
          const perSample = stats.requests / o.samples;
          const promptTokens = (usage.promptTokens - before.promptTokens) / o.samples;
          const id = `cost.run.${shape === "one class layer" ? "one-class" : "two-layer"}.${api}`;
          rows.push(
            row({
              id,
              item: 8,
              name: `dln run, ${shape}, api ${api}: requests per sample`,
              measured: perSample,
              unit: "req/sample",
              bound: null,
              ratio: null,
              goal: { on: "measured", op: "<", value: layers + 1e-9, text: `≤ ${layers} (one per layer call)` },
              note: `${stats.requests} requests (${JSON.stringify(stats.byRoute)}) for ${o.samples} samples, ${promptTokens.toFixed(1)} prompt tokens per sample; class scoring: ${caps.topLogprobs > 0 ? "top logprobs" : caps.exactScoring ? "exact" : "accuracy"}`,
              details: {
                samples: o.samples,
                requests: stats.requests,
                byRoute: stats.byRoute,
                promptTokensPerSample: promptTokens,
                promptsPerRequest: stats.promptsPerRequest.slice(0, 10),
              },
            }),
          );
          rows.push(
            row({
              id: `${id}.tokens`,
              item: 8,
              name: "  prompt tokens per sample",
              measured: promptTokens,
              unit: "tokens/sample",
              bound: null,
              ratio: null,
              goal: null,
            }),
          );
          if (api === "chat") {
            rows.push(
              row({
                id: `${id}.legacy`,
                item: 8,
                name: "  sent to legacy completions (declared api: chat)",
                measured: stats.byRoute.completions ?? 0,
                unit: "HTTP",
                bound: null,
                ratio: null,
                goal: { on: "measured", op: "==", value: 0, text: "0" },
              }),
            );
          }
        } finally {
          await registry.close();
        }
      }
    }
  } finally {
    await server.close();
  }
  return rows;
}
