/**
 * Items 2 and 3: one DLN-2 training step with the paper's settings (batch 10, 10 prompt
 * candidates, 10 hidden samples, trust factor 5, exploration penalty 2, held-out ranking) against
 * the loopback OpenAI-compatible server (own process, fixed latency L, cap C per model).
 *
 * The network is the paper's: a hidden "think" layer h1 scored exactly (legacy completions with
 * echo) and a residual output layer y with classes scored from the first token's top logprobs,
 * as the original did; legacy completions batch 20 prompts per request, as the original did.
 *
 * Item 2 counts, for one step: what the algorithm asks of the model clients (every generate and
 * score call entering the client, before cache, de-duplication and batching), what reaches the
 * server (HTTP requests and the prompts in them), and the same step again on a warm response
 * cache (goal: nothing sent). The original implementation's count is computed from its
 * algorithm by `originalStepRequests` (see docs/performance.md for the derivation).
 *
 * Item 3 times the step (cache off) and compares it with a lower bound from its dependency
 * structure, `stepBoundRounds` rounds of L.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastValueFrom, toArray } from "rxjs";
import type { CompiledNetwork } from "../src/compile/types.js";
import type { Example } from "../src/data/types.js";
import { ModelRegistry } from "../src/llm/registry.js";
import type { CacheSettings } from "../src/llm/factory.js";
import type { GenerateRequest, ModelClient, ScoreRequest, Usage } from "../src/llm/types.js";
import { generateTask } from "../src/sim/tasks.js";
import type { ModelSpec } from "../src/network/types.js";
import { resolveTrainConfig, type TrainConfig } from "../src/train/config.js";
import type { TrainEvent } from "../src/train/events.js";
import { createTrainServices } from "../src/train/services.js";
import { train } from "../src/train/trainer.js";
import { median, notMeasured, repeat, row, timed, type BenchRow } from "./harness.js";
import { compileOrThrow, dln2Spec } from "./networks.js";
import { startRemoteServer, type RemoteServer } from "./remote-server.js";

export interface TrainingBenchOptions {
  latencyMs: number;
  concurrency: number;
  /** Timed cold steps for item 3. */
  repeats: number;
  /** The paper's DLN-2 settings unless overridden (the smoke test uses tiny ones). */
  batchSize?: number;
  promptSamples?: number;
  hiddenSamples?: number;
}

/** Prompts per legacy completions request in the original implementation. */
const ORIGINAL_BATCH = 20;

/**
 * The step's lower bound in rounds of latency, along its dependency structure
 * (docs/performance.md). A stage needs every request of the stage before it; within a stage a
 * model with cap C and batches of `batch` prompts needs ⌈⌈n / batch⌉ / C⌉ rounds for n prompts,
 * and the two models work side by side. H is the number of distinct posterior samples per input
 * (≤ J), wrong answers are not counted (so the exploration penalty adds nothing): a lower bound.
 *
 *   1 forward h1 (hid: B)             2 forward y (out: B)
 *   3 posterior samples (hid: B·J) ∥ y's proposals (out: P−1)
 *   4 posterior weights: log p(y | h~) (out: B·H) ∥ prior log p(h~ | x) (hid: B·H)
 *   then y's candidates ∥ h1's step, which starts once y has sent h1 its targets (after 4):
 *   5 y's candidates on the ranking half R = B − ⌊B/2⌋: fit (P−1)·R·H + KL (P−1)·R + R (out)
 *   6 h1's proposals (hid: P−1)  →  7 h1's candidates: fit (P−1)·R·H (hid; the current prompt's
 *                                     pairs were scored in stage 4 by the prior term, and the
 *                                     parameter steps of an iteration share their scorers)
 *
 * rounds = 1 + 2 + 3 + 4 + max(5, 6 + 7).
 */
export function stepBoundRounds(B: number, P: number, J: number, H: number, C: number, batch = ORIGINAL_BATCH): { rounds: number; stages: number[] } {
  const r = (n: number): number => (n > 0 ? Math.ceil(Math.ceil(n / batch) / C) : 0);
  const R = B - Math.floor(B / 2);
  const [s1, s2, s3, s4, s5, s6, s7] = [
    r(B),
    r(B),
    Math.max(r(B * J), r(P - 1)),
    Math.max(r(B * H), r(B * H)),
    r((P - 1) * R * H + (P - 1) * R + R),
    r(P - 1),
    r((P - 1) * R * H),
  ] as const;
  return { rounds: s1 + s2 + s3 + s4 + Math.max(s5, s6 + s7), stages: [s1, s2, s3, s4, s5, s6, s7] };
}

export interface OriginalCount {
  /** Prompts (or contexts) the original sends, by phase. */
  prompts: Record<string, number>;
  /** HTTP requests: ⌈prompts / 20⌉ per call of its batched evaluate function, by phase. */
  requests: Record<string, number>;
  totalPrompts: number;
  totalRequests: number;
}

/**
 * What microsoft/deep-language-networks (dln/vi/model.py, VILModel.inference_vi) sends for one
 * DLN-2 step with output classes, trust factor > 0, logp penalty > 0, include_h1 = True, empty
 * memory, every posterior sample distinct, and its process-wide score caches (a context scored
 * once is not sent again). B batch, P prompt samples (P − 1 proposals), J hidden samples.
 */
export function originalStepRequests(B: number, P: number, J: number, batch = ORIGINAL_BATCH): OriginalCount {
  const H = J + 1; // include_h1: the forward h1 plus J posterior samples per input
  const prompts: Record<string, number> = {
    "forward h1 (generate)": B,
    "forward y (class logprobs)": B,
    "posterior samples of h1 (generate)": B * J,
    "posterior weights: log p(y | h~) (class logprobs, h1 column cached)": B * J,
    "posterior weights: prior log p(h~ | x) (echo)": B * H,
    "p2 proposals (generate)": P - 1,
    "p2 ELBO: B×(J+1)×P class contexts, current prompt cached": B * H * (P - 1),
    "p2 trust region: B×P class contexts, current prompt cached": B * (P - 1),
    "p1 proposals (generate)": P - 1,
    "p1 ELBO: B×(J+1)×P echo scores (+h1 column), current prompt cached": B * H * (P - 1),
  };
  const requests = Object.fromEntries(Object.entries(prompts).map(([k, n]) => [k, Math.ceil(n / batch)]));
  const sum = (o: Record<string, number>) => Object.values(o).reduce((s, x) => s + x, 0);
  return { prompts, requests, totalPrompts: sum(prompts), totalRequests: sum(requests) };
}

/**
 * The original's DLN-1 step, counted the same way (one class layer, output classes): the forward
 * class scores of the batch, P − 1 proposals, and each proposal's class scores on the batch (the
 * current prompt's were cached by the forward pass).
 */
function originalDln1StepRequests(B: number, P: number, batch = ORIGINAL_BATCH): OriginalCount {
  const prompts: Record<string, number> = {
    "forward y (class logprobs)": B,
    "proposals (generate)": P - 1,
    "candidates: B×P class contexts, current prompt cached": B * (P - 1),
  };
  const requests = Object.fromEntries(Object.entries(prompts).map(([k, n]) => [k, Math.ceil(n / batch)]));
  const sum = (o: Record<string, number>) => Object.values(o).reduce((s, x) => s + x, 0);
  return { prompts, requests, totalPrompts: sum(prompts), totalRequests: sum(requests) };
}

/** What the algorithm asks of one model client: calls entering the client (cache, de-dup and batching are inside). */
interface Asked {
  generate: number;
  classScoring: number;
  score: number;
}

function counting(client: ModelClient, asked: Asked): ModelClient {
  return {
    id: client.id,
    capabilities: () => client.capabilities(),
    generate: (r: GenerateRequest) => {
      if ((r.topLogprobs ?? 0) > 0 && r.maxTokens === 1) asked.classScoring++;
      else asked.generate++;
      return client.generate(r);
    },
    score: (r: ScoreRequest) => {
      asked.score++;
      return client.score(r);
    },
    close: () => client.close?.() ?? Promise.resolve(),
  };
}

/** A registry whose clients count what they are asked. */
function countingRegistry(registry: ModelRegistry, asked: Asked) {
  const wrapped = new Map<string, Promise<ModelClient>>();
  return {
    get(name: string): Promise<ModelClient> {
      let c = wrapped.get(name);
      if (!c) wrapped.set(name, (c = registry.get(name).then((inner) => counting(inner, asked))));
      return c;
    },
    usage: () => registry.usage(),
  };
}

interface StepRun {
  ms: number;
  asked: Asked;
  http: number;
  prompts: number;
  usage: Usage;
  events: TrainEvent[];
}

function trainSplit(B: number): Example[] {
  return generateTask("navigate", { seed: 11, n: B }).map((s) => ({ id: s.id, inputs: { x: s.x }, target: s.y }));
}

async function oneStep(network: CompiledNetwork, config: TrainConfig, server: RemoteServer, cache: CacheSettings): Promise<StepRun> {
  const registry = new ModelRegistry(network.models, { baseDir: process.cwd(), env: {}, cache, batchWindowMs: 5 });
  try {
    for (const name of registry.names()) await (await registry.get(name)).capabilities(); // discovery probes, not part of the step
    await server.reset();
    const asked: Asked = { generate: 0, classScoring: 0, score: 0 };
    const clients = countingRegistry(registry, asked);
    const services = createTrainServices(network, clients, { scoring: config.scoring, burnIn: config.burnIn });
    const { ms, value } = await timed(async () => {
      const run = train(network, { train: trainSplit(config.batchSize), dev: [], test: [] }, { config, services });
      const events = lastValueFrom(run.events$.pipe(toArray()));
      const result = await run.result;
      return { result, events: await events };
    });
    const stats = await server.stats();
    return {
      ms,
      asked,
      http: stats.requests,
      prompts: (stats.byRoute.chat ?? 0) + stats.promptsPerRequest.reduce((s, n) => s + n, 0),
      usage: value.result.usage.train,
      events: value.events,
    };
  } finally {
    await registry.close();
  }
}

const askedTotal = (a: Asked) => a.generate + a.classScoring + a.score;

export async function benchTraining(o: TrainingBenchOptions): Promise<BenchRow[]> {
  const server = await startRemoteServer(o.latencyMs);
  const dir = mkdtempSync(join(tmpdir(), "dln-bench-train-"));
  try {
    const base: ModelSpec = {
      provider: "openai",
      model: "fake",
      baseURL: server.baseURL,
      apiKey: "sk-bench",
      api: "completions",
      batchSize: ORIGINAL_BATCH,
      concurrency: o.concurrency,
      maxRetries: 0,
    };
    const network = compileOrThrow(dln2Spec({ hid: { ...base, scoring: "exact" }, out: { ...base, scoring: "classes", topLogprobs: 5 } }, "hid", "out"));
    const config = resolveTrainConfig(
      undefined,
      {
        iterations: 1,
        seed: 3,
        batchSize: o.batchSize,
        promptSamples: o.promptSamples,
        hiddenSamples: o.hiddenSamples,
      },
      true,
    );
    const { batchSize: B, promptSamples: P, hiddenSamples: J } = config;
    const settings = `batch ${B}, ${P} prompt candidates, ${J} hidden samples`;

    const cachePath = join(dir, "cache.sqlite");
    const cold = await oneStep(network, config, server, { mode: "readwrite", path: cachePath });
    const warm = await oneStep(network, config, server, { mode: "readwrite", path: cachePath });
    const timedRuns = await repeat(o.repeats, () => oneStep(network, config, server, { mode: "off" }));
    // The same step with no latency at all: what the client's own CPU costs (the part no schedule can hide at small L).
    await server.setLatency(0);
    const floorRuns = await repeat(Math.max(2, o.repeats), () => oneStep(network, config, server, { mode: "off" }));
    await server.setLatency(o.latencyMs);
    const cpuFloorMs = median(floorRuns.map((r) => r.ms));
    const original = originalStepRequests(B, P, J);
    const signal = cold.events.filter((e): e is Extract<TrainEvent, { type: "signal" }> => e.type === "signal");
    const candidates = cold.events.filter((e): e is Extract<TrainEvent, { type: "candidates" }> => e.type === "candidates");
    const structure = {
      distinctPosteriorSamplesPerInput: signal.map((s) => s.samples),
      candidatesPerParameter: Object.fromEntries(candidates.map((c) => [c.param, c.candidates.length])),
    };

    const rows: BenchRow[] = [
      row({
        id: "train.requests.asked",
        item: 2,
        name: `DLN-2 step (${settings}): requests asked`,
        measured: askedTotal(cold.asked),
        unit: "calls",
        bound: null,
        ratio: null,
        goal: null,
        note: `${cold.asked.generate} generations, ${cold.asked.classScoring} class scorings (top logprobs), ${cold.asked.score} exact scores, as the trainer and executor call the model clients`,
        details: { asked: cold.asked, structure },
      }),
      row({
        id: "train.requests.sent",
        item: 2,
        name: "  sent after de-dup, cache and batching (cold cache)",
        measured: cold.http,
        unit: "HTTP",
        bound: null,
        ratio: null,
        goal: null,
        note: `${cold.prompts} prompts in ${cold.http} HTTP requests (legacy completions, ≤ ${ORIGINAL_BATCH} prompts each); ${askedTotal(cold.asked) - cold.prompts} answered by de-duplication or the cache`,
        details: { prompts: cold.prompts, usage: cold.usage },
      }),
      row({
        id: "train.requests.warm",
        item: 2,
        name: "  sent with a warm cache (same step again)",
        measured: warm.http,
        unit: "HTTP",
        bound: null,
        ratio: null,
        goal: { on: "measured", op: "==", value: 0, text: "0 sent" },
        details: { asked: warm.asked, prompts: warm.prompts, cacheHits: warm.usage.cacheHits },
      }),
      row({
        id: "train.requests.original",
        item: 2,
        name: "  original implementation, same step (counted)",
        measured: original.totalRequests,
        unit: "HTTP",
        bound: null,
        ratio: null,
        goal: null,
        note: `${original.totalPrompts} prompts in ${original.totalRequests} requests of ≤ ${ORIGINAL_BATCH}, computed from its algorithm (docs/performance.md)`,
        details: original as unknown as Record<string, unknown>,
      }),
    ];

    rows.push(
      row({
        id: "train.tokens.sent",
        item: 2,
        name: "  prompt tokens of the step (cold cache)",
        measured: cold.usage.promptTokens,
        unit: "tokens",
        bound: null,
        ratio: null,
        goal: null,
        note: `${cold.usage.requests} requests metered, ${cold.usage.completionTokens} completion tokens`,
      }),
    );
    // DLN-1: the same settings on the output layer alone, with the default scoring.
    const dln1 = compileOrThrow({
      ...dln2Spec({ out: base }, "out", "out"),
      name: "bench-dln-1",
      nodes: { y: { type: "layer", from: ["x"], prompt: "Answer yes or no.", classes: ["yes", "no"], model: "out", maxTokens: 4, trainable: true } },
    });
    const config1 = resolveTrainConfig(undefined, { iterations: 1, seed: 3, batchSize: o.batchSize, promptSamples: o.promptSamples }, false);
    const step1 = await oneStep(dln1, config1, server, { mode: "off" });
    const original1 = originalDln1StepRequests(config1.batchSize, config1.promptSamples);
    rows.push(
      row({
        id: "train.dln1.sent",
        item: 2,
        name: `DLN-1 step (batch ${config1.batchSize}, ${config1.promptSamples} prompt candidates): HTTP requests`,
        measured: step1.http,
        unit: "HTTP",
        bound: null,
        ratio: null,
        goal: null,
        note: `${step1.prompts} prompts, ${step1.usage.promptTokens} prompt tokens; the original, counted from its algorithm: ${original1.totalPrompts} prompts in ${original1.totalRequests} requests`,
        details: { asked: step1.asked, promptTokens: step1.usage.promptTokens, original: original1 },
      }),
    );
    rows.push(
      row({
        id: "train.dln1.original",
        item: 2,
        name: "  original implementation, same DLN-1 step (counted)",
        measured: original1.totalRequests,
        unit: "HTTP",
        bound: null,
        ratio: null,
        goal: null,
        details: original1 as unknown as Record<string, unknown>,
      }),
    );

    const measured = median(timedRuns.map((r) => r.ms));
    const http = median(timedRuns.map((r) => r.http));
    // H: distinct posterior samples per input, as this run drew them (rounded down: a lower bound).
    const H = Math.floor(
      Math.min(...timedRuns.flatMap((r) => r.events.filter((e) => e.type === "signal").map((e) => (e as Extract<TrainEvent, { type: "signal" }>).samples)), J),
    );
    const structured = stepBoundRounds(B, P, J, H, o.concurrency);
    const bound = structured.rounds * o.latencyMs;
    rows.push(
      row({
        id: "train.step.walltime",
        item: 3,
        name: `DLN-2 step wall time (${settings})`,
        measured,
        unit: "ms",
        bound,
        ratio: bound / measured,
        goal: { on: "ratio", op: ">=", value: 0.8, text: "bound/measured ≥ 0.8" },
        note: `bound = ${structured.rounds} rounds (stages ${structured.stages.slice(0, 4).join("+")} + max(${structured.stages[4]}, ${structured.stages[5]}+${structured.stages[6]}), H = ${H} distinct posterior samples) × ${o.latencyMs} ms; ${http} HTTP requests; cache off; the same step at zero latency takes ${Math.round(cpuFloorMs)} ms (client CPU), so waiting took ≈ ${Math.round(measured - cpuFloorMs)} ms: bound / waiting = ${(bound / Math.max(1, measured - cpuFloorMs)).toFixed(2)}`,
        details: {
          cpuFloorMs,
          boundOverWaiting: bound / Math.max(1, measured - cpuFloorMs),
          cpuFloorRunsMs: floorRuns.map((r) => Math.round(r.ms)),
          runsMs: timedRuns.map((r) => Math.round(r.ms)),
          httpRequests: timedRuns.map((r) => r.http),
          stages: structured.stages,
          distinctPosteriorSamples: H,
          latencyMs: o.latencyMs,
          concurrencyPerModel: o.concurrency,
        },
      }),
    );
    return rows;
  } catch (err) {
    const why = `the training step failed: ${(err as Error).message}`;
    return [
      notMeasured("train.requests.asked", 2, "DLN-2 step: requests", "calls", null, why),
      notMeasured("train.step.walltime", 3, "DLN-2 step wall time", "ms", null, why),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
}
