/**
 * A synthetic training run directory for the report tests: a realistic 50-iteration run of a
 * 5-parameter network (two parallel hidden layers, a combine, two more layers and a replicated
 * output layer under a voting ensemble), with every event type the trainer writes. Seeded, so the
 * same call writes the same files. One chosen prompt and one candidate are HTML-injection attempts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileNetwork } from "../../src/compile/index.js";
import type { CompiledNetwork } from "../../src/compile/types.js";
import type { Usage } from "../../src/llm/types.js";
import type { NetworkSpec } from "../../src/network/types.js";
import { resolveTrainConfig } from "../../src/train/config.js";
import type { TrainEvent, TrainEventBody } from "../../src/train/events.js";
import type { TrainResult } from "../../src/train/trainer.js";
import type { ScoredCandidate } from "../../src/train/types.js";
import { at, key } from "../helpers/indexing.js";
import { Rng } from "../../src/util/random.js";

/** A prompt a model might write that must stay text in the report. */
const INJECTION = `Answer plainly. <script>window.__pwned = 1</script><img src="https://example.com/x.png" onerror="window.__pwned = 2"> & "quote" 'tick'`;

export const FIVE_LAYER_SPEC: NetworkSpec = {
  name: "five-layer",
  description: "Synthetic 5-parameter network for report tests.",
  models: { sim: { provider: "sim", model: "tasks" } },
  inputs: ["x"],
  nodes: {
    h1: { type: "layer", from: ["x"], template: "think", prompt: "List the facts in the question.", maxTokens: 64 },
    h2: { type: "layer", from: ["x"], template: "think", prompt: "Find what the question asks for.", maxTokens: 64 },
    mix: { type: "combine", from: ["h1", "h2"], template: "concat" },
    h3: { type: "layer", from: ["x", "mix"], template: "{{ prompt }}\n\n{{ x }}\n\n{{ mix }}", prompt: "Reason step by step about the facts.", maxTokens: 128 },
    h4: { type: "layer", from: ["h3"], template: "think", prompt: "Summarise the reasoning in one sentence.", maxTokens: 64 },
    y: {
      type: "layer",
      from: ["x", "h4"],
      template: "{{ prompt }}\n\n{{ x }}\n\n{{ h4 }}\n\nAnswer:",
      prompt: "Answer yes or no.",
      classes: ["yes", "no"],
      maxTokens: 4,
    },
    vote: { type: "ensemble", replicate: { layer: "y", count: 3, temperature: 0.7 }, aggregate: "vote" },
  },
  output: "vote",
  loss: { type: "exact_match", normalize: "first_word" },
};

export function compileFixture(spec: NetworkSpec = FIVE_LAYER_SPEC): CompiledNetwork {
  const r = compileNetwork(spec, { baseDir: process.cwd() });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.path}: ${d.message}`).join("\n"));
  return r.network;
}

const SENTENCES = [
  "Read every sentence of the question twice.",
  "Be precise about negations.",
  "Ignore details that do not change the answer.",
  "If the question mentions a count, track it carefully.",
  "Prefer the most literal reading.",
  "For example: if all cats are animals and Tom is a cat, Tom is an animal.",
  "Keep the answer short.",
  "Check the final step against the question.",
];

export interface SyntheticRun {
  dir: string;
  network: CompiledNetwork;
  events: TrainEvent[];
  result: TrainResult;
  /** The parameters in topological order (parents first). */
  params: string[];
}

/**
 * Writes events.jsonl, result.json, best.json, checkpoint-free (the report does not read it) and
 * network.json5 (a copy of the network, so the report can draw it) into `dir`.
 */
export function writeSyntheticRun(dir: string, opts: { iterations?: number; seed?: number; copyNetwork?: boolean; finished?: boolean } = {}): SyntheticRun {
  const iterations = opts.iterations ?? 50;
  const rng = new Rng(opts.seed ?? 7);
  const rand = () => rng.next();
  const network = compileFixture();
  const config = resolveTrainConfig(undefined, { iterations, valEvery: 2, patience: 3, seed: opts.seed ?? 7 }, true);
  const params = ["h1", "h2", "h3", "h4", "y"];
  const layersOf: Record<string, string[]> = { h1: ["h1"], h2: ["h2"], h3: ["h3"], h4: ["h4"], y: ["vote#1", "vote#2", "vote#3"] };
  const initial: Record<string, string> = {};
  for (const p of params) initial[p] = (network.nodes.get(at(key(layersOf, p), 0)) as { prompt: string }).prompt;

  const clock = Date.UTC(2024, 4, 1, 12, 0, 0);
  let t = 0;
  const events: TrainEvent[] = [];
  const emit = (body: TrainEventBody): void => {
    t += 400 + Math.floor(rand() * 900);
    events.push({ ...body, time: new Date(clock + t).toISOString() } as TrainEvent);
  };
  const usage: Usage = { requests: 0, promptTokens: 0, completionTokens: 0, cacheHits: 0, cost: 0 };
  const spend = (requests: number): void => {
    usage.requests += requests;
    usage.promptTokens += requests * (180 + Math.floor(rand() * 60));
    usage.completionTokens += requests * (20 + Math.floor(rand() * 30));
    usage.cacheHits += Math.floor(requests * 0.05);
    usage.cost = Number(((usage.promptTokens * 0.15 + usage.completionTokens * 0.6) / 1e6).toFixed(6));
  };
  const DEV_N = 40;
  const prompts = { ...initial };
  let skill = 0.45;
  let best: { acc: number; iteration: number; prompts: Record<string, string> };
  let stale = 0;
  const history: TrainResult["history"] = [];
  const round = (x: number): number => Math.round(x * DEV_N) / DEV_N;

  emit({ type: "start", network: network.name, runDir: dir, seed: config.seed, iterations, config });
  const initialDev = round(skill);
  emit({ type: "validation", iteration: 0, split: "dev", accuracy: initialDev, n: DEV_N, best: initialDev, improved: true });
  best = { acc: initialDev, iteration: 0, prompts: { ...prompts } };
  spend(DEV_N * 5);

  for (let it = 1; it <= iterations; it++) {
    const trainAcc = Math.min(1, Math.max(0, Math.round((skill + (rand() - 0.5) * 0.3) * 10) / 10));
    emit({ type: "batch", iteration: it, ids: Array.from({ length: 10 }, (_, k) => `train-${(it * 10 + k) % 200}`), trainAccuracy: trainAcc, failed: 0 });
    spend(10 * 5);
    for (const param of [...params].reverse()) {
      if (param !== "y")
        emit({ type: "signal", iteration: it, from: param === "h4" ? "vote#1" : "h4", to: param, samples: 10, peak: Math.round(rand() * 100) / 100 });
      const current = key(prompts, param);
      const candidates: ScoredCandidate[] = [{ prompt: current, source: "current", score: 0, parts: { fit: 0, kl: 0, penalty: 0 } }];
      for (let k = 1; k < config.promptSamples; k++) {
        let prompt = mutate(current, rand);
        if (param === "h3" && it === 5 && k === 2) prompt = INJECTION;
        candidates.push({ prompt, source: k === config.promptSamples - 1 && it > 2 ? "memory" : "proposal", score: 0, parts: { fit: 0, kl: 0, penalty: 0 } });
      }
      for (const c of candidates) {
        const fit = -(1.6 - skill) - rand() * 0.6;
        const kl = param === "y" ? rand() * 0.05 : 0;
        const penalty = param === "y" ? 0 : rand() * 0.1 * (1 - it / iterations);
        c.parts = { fit: round4(fit), kl: round4(kl), penalty: round4(penalty) };
        c.score = round4(fit - 5 * kl - 2 * penalty);
      }
      // The current prompt wins about two steps in three, so most steps keep it.
      if (rand() < 0.65) at(candidates, 0).score = Math.max(...candidates.map((c) => c.score)) + 0.01;
      if (param === "h3" && it === 5) at(candidates, 2).score = Math.max(...candidates.map((c) => c.score)) + 0.02; // the injection attempt wins once
      const chosen = candidates.reduce((a, b) => (b.score > a.score ? b : a));
      emit({ type: "candidates", iteration: it, param, layers: key(layersOf, param), mode: "exact", candidates });
      emit({ type: "choice", iteration: it, param, previous: current, prompt: chosen.prompt, changed: chosen.prompt !== current, score: chosen.score });
      prompts[param] = chosen.prompt;
      spend(config.promptSamples * 10);
    }
    skill = Math.min(0.9, skill + 0.008 + (rand() - 0.4) * 0.02);
    let dev: number | null = null;
    if (it % config.valEvery === 0 || it === iterations) {
      dev = round(skill + (rand() - 0.5) * 0.06);
      const improved = dev > best.acc;
      if (improved) {
        best = { acc: dev, iteration: it, prompts: { ...prompts } };
        stale = 0;
      } else stale++;
      emit({ type: "validation", iteration: it, split: "dev", accuracy: dev, n: DEV_N, best: best.acc, improved });
      spend(DEV_N * 5);
    }
    history.push({ iteration: it, trainAccuracy: trainAcc, devAccuracy: dev });
    const reload = dev !== null && stale >= config.patience;
    if (reload) {
      Object.assign(prompts, best.prompts);
      stale = 0;
      emit({ type: "reload-best", iteration: it, devAccuracy: best.acc });
    }
    emit({
      type: "iteration",
      iteration: it,
      iterations,
      trainAccuracy: trainAcc,
      devAccuracy: dev,
      bestDevAccuracy: best.acc,
      usage: { ...usage },
      elapsedMs: t,
      failures: it === 17 ? 2 : 0,
    });
    emit({ type: "checkpoint", iteration: it, path: join(dir, "checkpoint.json") });
  }
  emit({ type: "stop", iteration: iterations, reason: "completed" });
  const trainUsage = { ...usage };
  const testUsage: Usage = { requests: 60 * 5, promptTokens: 60 * 5 * 200, completionTokens: 60 * 5 * 25, cacheHits: 0, cost: 0 };
  testUsage.cost = Number(((testUsage.promptTokens * 0.15 + testUsage.completionTokens * 0.6) / 1e6).toFixed(6));
  const testAcc = round(best.acc - 0.025);
  emit({ type: "test", accuracy: testAcc, n: 60, usage: testUsage });
  emit({ type: "done", devAccuracy: best.acc, testAccuracy: testAcc, bestPrompts: best.prompts });

  const result: TrainResult = {
    version: 1,
    network: network.name,
    runDir: dir,
    seed: config.seed,
    stopReason: "completed",
    iterations,
    bestIteration: best.iteration,
    bestPrompts: best.prompts,
    initialPrompts: initial,
    initialDevAccuracy: initialDev,
    devAccuracy: best.acc,
    testAccuracy: testAcc,
    sizes: { train: 200, dev: DEV_N, test: 60 },
    usage: { train: trainUsage, test: testUsage },
    wallTimeMs: t,
    history,
    config,
    versions: { dln: "0.1.0", node: process.version },
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "events.jsonl"), events.map((e) => JSON.stringify(e) + "\n").join(""));
  if (opts.finished !== false) {
    writeFileSync(join(dir, "result.json"), JSON.stringify(result, null, 2) + "\n");
    writeFileSync(join(dir, "best.json"), JSON.stringify(best.prompts, null, 2) + "\n");
  }
  if (opts.copyNetwork !== false) writeFileSync(join(dir, "network.json5"), JSON.stringify(FIVE_LAYER_SPEC, null, 2) + "\n");
  return { dir, network, events, result, params };
}

const round4 = (x: number): number => Math.round(x * 10000) / 10000;

/** A plausible rewrite: add a sentence, drop one, or change a word. */
function mutate(prompt: string, rand: () => number): string {
  const sentences = prompt.split(/(?<=\.)\s+/).filter(Boolean);
  const r = rand();
  if (r < 0.5 || sentences.length < 2) {
    const add = at(SENTENCES, Math.floor(rand() * SENTENCES.length));
    return sentences.includes(add) ? `${prompt} Think carefully.` : [...sentences, add].join(" ");
  }
  if (r < 0.75) {
    const drop = 1 + Math.floor(rand() * (sentences.length - 1));
    return sentences.filter((_, i) => i !== drop).join(" ");
  }
  const words = prompt.split(" ");
  const i = Math.floor(rand() * words.length);
  words[i] = at(["carefully", "exactly", "briefly", "clearly"], Math.floor(rand() * 4));
  return words.join(" ");
}
