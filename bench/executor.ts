/**
 * Item 1, executor efficiency: samples through each shape against the loopback OpenAI-compatible
 * server (in its own process) with a fixed latency L per request and the model's concurrency cap C.
 *
 * Lower bound: every request takes at least L and at most C are in flight, so R requests need at
 * least ⌈R / C⌉ rounds of L; and a sample cannot finish before its D dependent layer calls, so
 * at least D rounds. bound = max(⌈R / C⌉, D) · L, with R counted by the server (the requests
 * really sent, after the client's de-duplication) and D the longest chain of layer calls.
 *
 * A transport baseline sends R independent requests straight through the same model client at
 * the same cap: what the HTTP stack and the machine cost before the executor does anything.
 */
import { runAll } from "../src/exec/run.js";
import { ModelRegistry } from "../src/llm/registry.js";
import type { ModelSpec } from "../src/network/types.js";
import { median, repeat, row, timed, type BenchRow } from "./harness.js";
import { EXECUTOR_SHAPES, shapeNetwork, type ExecutorShape } from "./networks.js";
import { startRemoteServer } from "./remote-server.js";

export interface ExecutorBenchOptions {
  samples: number;
  latencyMs: number;
  concurrency: number;
  repeats: number;
  shapes?: ExecutorShape[];
  /** Also time R plain client requests (default true). */
  baseline?: boolean;
}

/** Dependent layer calls on the longest path of each shape. */
const SHAPE_DEPTH: Record<ExecutorShape, number> = { chain: 2, diamond: 2, deep5: 5, ensemble: 1 };

/** The lower bound in ms for `requests` requests of a shape of depth `depth`. */
export function executorBoundMs(requests: number, depth: number, concurrency: number, latencyMs: number): number {
  return Math.max(Math.ceil(requests / concurrency), depth) * latencyMs;
}

const GOAL = { on: "ratio" as const, op: ">=" as const, value: 0.9, text: "bound/measured ≥ 0.9" };

export async function benchExecutor(o: ExecutorBenchOptions): Promise<BenchRow[]> {
  const server = await startRemoteServer(o.latencyMs);
  const rows: BenchRow[] = [];
  try {
    // The default scoring (issue 12): class layers read the first token's top logprobs, one request per layer call.
    const model: ModelSpec = {
      provider: "openai",
      model: "fake",
      baseURL: server.baseURL,
      apiKey: "sk-bench",
      api: "chat",
      concurrency: o.concurrency,
      maxRetries: 0,
    };
    let largest = 0;
    for (const shape of o.shapes ?? (Object.keys(EXECUTOR_SHAPES) as ExecutorShape[])) {
      const network = shapeNetwork(shape, model);
      const registry = new ModelRegistry(network.models, { baseDir: process.cwd(), env: {}, cache: { mode: "off" } });
      try {
        // Capability discovery happens once per client; keep it out of the timing.
        await (await registry.get("m")).capabilities();
        // Untimed warm-up: JIT, sockets (one per slot), the client's first-use paths.
        await runAll(
          network,
          Array.from({ length: 2 * o.concurrency }, (_, i) => ({ x: `warm-up ${i}` })),
          { clients: registry },
        );
        const runs = await repeat(o.repeats, async (round) => {
          await server.reset();
          const samples = Array.from({ length: o.samples }, (_, i) => ({ x: `Round ${round}: is ${i} an even number?` }));
          const { ms, value } = await timed(() => runAll(network, samples, { clients: registry }));
          const failed = value.filter((r) => r.error).length;
          if (failed) throw new Error(`executor benchmark (${shape}): ${failed} samples failed, e.g. ${JSON.stringify(value.find((r) => r.error)?.error)}`);
          const stats = await server.stats();
          return { ms, requests: stats.requests, maxConcurrent: stats.maxConcurrent };
        });
        const measured = median(runs.map((r) => r.ms));
        const [first] = runs;
        if (!first) throw new Error(`executor benchmark (${shape}): no runs (repeats is ${o.repeats})`);
        const requests = first.requests;
        largest = Math.max(largest, requests);
        const bound = executorBoundMs(requests, SHAPE_DEPTH[shape], o.concurrency, o.latencyMs);
        rows.push(
          row({
            id: `executor.${shape}`,
            item: 1,
            name: `executor: ${shape}, ${o.samples} samples`,
            measured,
            unit: "ms",
            bound,
            ratio: bound / measured,
            goal: GOAL,
            details: {
              samples: o.samples,
              requests,
              depth: SHAPE_DEPTH[shape],
              latencyMs: o.latencyMs,
              concurrency: o.concurrency,
              maxConcurrentSeen: Math.max(...runs.map((r) => r.maxConcurrent)),
              runsMs: runs.map((r) => Math.round(r.ms)),
            },
          }),
        );
      } finally {
        await registry.close();
      }
    }
    if (o.baseline !== false && largest > 0) rows.push(await transportBaseline(server.baseURL, model, largest, o));
  } finally {
    await server.close();
  }
  return rows;
}

/** R independent requests through one model client at cap C: the floor the executor stands on. */
async function transportBaseline(baseURL: string, model: ModelSpec, requests: number, o: ExecutorBenchOptions): Promise<BenchRow> {
  const registry = new ModelRegistry({ m: { ...model, baseURL } }, { baseDir: process.cwd(), env: {}, cache: { mode: "off" } });
  try {
    const client = await registry.get("m");
    await client.capabilities();
    await Promise.all(Array.from({ length: o.concurrency }, (_, i) => client.generate({ prompt: `Warm-up ${i}`, maxTokens: 8 })));
    const runs = await repeat(
      o.repeats,
      async (round) =>
        (
          await timed(() =>
            Promise.all(Array.from({ length: requests }, (_, i) => client.generate({ prompt: `Baseline ${round}/${i}: say something.`, maxTokens: 8 }))),
          )
        ).ms,
    );
    const measured = median(runs);
    const bound = executorBoundMs(requests, 1, o.concurrency, o.latencyMs);
    return row({
      id: "executor.transport",
      item: 1,
      name: `transport only: ${requests} client requests, no executor`,
      measured,
      unit: "ms",
      bound,
      ratio: bound / measured,
      goal: null,
      note: "the same requests without the executor: the HTTP client, the fake server and the machine's share of the gap",
      details: { requests, runsMs: runs.map(Math.round) },
    });
  } finally {
    await registry.close();
  }
}
