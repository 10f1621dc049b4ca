/**
 * The trainer: the outer loop of TRAINING.md, short enough to read as pseudo-code.
 *
 *   validate the initial prompts on dev
 *   for each iteration:
 *     draw a minibatch; forward it (keep the trace)
 *     backward: every parameter takes an optimizer step, children before parents
 *     every valEvery iterations: validate on dev, keep the best, memory, patience
 *     checkpoint; stop at a budget
 *   evaluate the best prompts on test; write result.json
 *
 * `train()` returns the events as an Observable (also appended to events.jsonl in the run
 * directory) and a promise of the result. Every random choice comes from one seeded Rng whose
 * state is checkpointed, so a resumed or repeated run makes the same choices.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lastValueFrom, ReplaySubject, toArray, type Observable } from "rxjs";
import type { CompiledNetwork } from "../compile/types.js";
import { BatchSampler } from "../data/batches.js";
import type { Example, Splits } from "../data/types.js";
import { toSample } from "../data/sample.js";
import { addUsage, emptyUsage, type Usage } from "../llm/types.js";
import { Rng } from "../util/random.js";
import { backward, type UnitStepped } from "./backward.js";
import { budgetExceeded, subtractUsage } from "./budget.js";
import { lockRunDir, newManifest, readManifest, truncateEvents, writeManifest } from "./resume.js";
import {
  loadCheckpoint,
  openUsageLog,
  readUsageLog,
  saveCheckpoint,
  writeJsonAtomic,
  type Checkpoint,
  type HistoryEntry,
  type PromptSet,
} from "./checkpoint.js";
import type { TrainConfig } from "./config.js";
import { createDlnVi } from "./dln-vi/index.js";
import { appendEvent, makeEvent, type TrainEvent, type TrainEventBody } from "./events.js";
import { buildTrainGraph, type TrainGraph } from "./topology.js";
import { mean } from "./math.js";
import type { Optimizer } from "./optimizer.js";
import type { TrainServices } from "./services.js";
import type { BatchTrace } from "./types.js";
import type { Span } from "@opentelemetry/api";
import { endSpan, startSpan, withSpan } from "../util/telemetry.js";
import { DlnError, throwIfAborted, type DlnErrorOptions } from "../util/errors.js";

export const RESULT_FILE = "result.json";
export const EVENTS_FILE = "events.jsonl";
export const BEST_FILE = "best.json";
/** A copy of the network the run trained, so a report (or a person) can tell what the prompts belong to. */
export const NETWORK_FILE = "network.json5";
export const TRAINER_VERSION = "0.1.0";

export interface TrainOptions {
  config: TrainConfig;
  services: TrainServices;
  /** Where checkpoints, events.jsonl and result.json go (none: nothing is written). */
  runDir?: string;
  /** Continue the run in `runDir` from its checkpoint (see resolveResume in resume.ts for the policy). */
  resume?: boolean;
  /** Where the data came from, recorded in run.json so a resume can reload it (the CLI's data flags). */
  dataSources?: unknown;
  /** Differences from the run that a forced resume accepted (recorded in run.json). */
  forced?: string[];
  signal?: AbortSignal;
  /** Another optimizer than dln-vi (e.g. a textual-feedback one). */
  optimizer?: Optimizer;
}

export interface TrainResult {
  version: 1;
  network: string;
  runDir: string | null;
  seed: number;
  /** Why the run ended. */
  stopReason: "completed" | "budget";
  stopDetail?: string;
  iterations: number;
  bestIteration: number;
  /** Best prompt per parameter (layer id, or the shared id of replicas). */
  bestPrompts: Record<string, string>;
  initialPrompts: Record<string, string>;
  initialDevAccuracy: number | null;
  devAccuracy: number | null;
  testAccuracy: number | null;
  sizes: { train: number; dev: number; test: number };
  usage: { train: Usage; test: Usage };
  wallTimeMs: number;
  history: HistoryEntry[];
  config: TrainConfig;
  versions: { dln: string; node: string };
}

export interface TrainRun {
  events$: Observable<TrainEvent>;
  result: Promise<TrainResult>;
}

/** Trains the network's prompts on `splits` (Graph.train calls this). */
export function train(network: CompiledNetwork, splits: Pick<Splits, "train" | "dev" | "test">, options: TrainOptions): TrainRun {
  const events = new ReplaySubject<TrainEvent>();
  // The run as an OpenTelemetry span (src/util/telemetry.ts), each iteration a `dln.train.step` inside it.
  const span = startSpan(`dln.train ${network.name}`, { "dln.network": network.name });
  const trainer = new Trainer(network, splits, options, events);
  const result = withSpan(span, () => trainer.run()).then(
    (r) => {
      span.setAttributes({ "dln.train.iterations": r.iterations, "dln.train.best_iteration": r.bestIteration, "dln.train.stop_reason": r.stopReason });
      endSpan(span);
      events.complete();
      return r;
    },
    (err: unknown) => {
      if (trainer.step) endSpan(trainer.step, err);
      endSpan(span, err);
      events.error(err);
      throw err;
    },
  );
  result.catch(() => undefined); // the caller handles it; never an unhandled rejection
  return { events$: events.asObservable(), result };
}

/** The prompts a network starts from, per parameter. */
export function initialPrompts(graph: TrainGraph): Record<string, string> {
  return Object.fromEntries(graph.units.map((u) => [u.param, u.layers[0].prompt]));
}

class Trainer {
  private readonly graph: TrainGraph;
  private readonly config: TrainConfig;
  private readonly services: TrainServices;
  private readonly optimizer: Optimizer;
  private readonly started = Date.now();
  /** Stops keeping the run's usage in usage.jsonl (see runLocked). */
  private stopUsageLog: (() => void) | undefined;
  /** The span of the iteration in progress (ended by `train` when the run fails inside it). */
  step?: Span;

  constructor(
    private readonly network: CompiledNetwork,
    private readonly splits: Pick<Splits, "train" | "dev" | "test">,
    private readonly options: TrainOptions,
    private readonly events: ReplaySubject<TrainEvent>,
  ) {
    this.graph = buildTrainGraph(network);
    this.config = options.config;
    this.services = options.services;
    this.optimizer = options.optimizer ?? createDlnVi(this.graph, this.config, this.services);
  }

  private emit(body: TrainEventBody): void {
    const event = makeEvent(body);
    if (this.options.runDir) appendEvent(join(this.options.runDir, EVENTS_FILE), event);
    this.events.next(event);
  }

  async run(): Promise<TrainResult> {
    const { splits, options } = this;
    if (splits.train.length === 0)
      throw new TrainError("E_TRAIN_NO_DATA", "the train split is empty", { kind: "usage", hint: "give --data or --train with at least one example" });
    if (options.runDir) mkdirSync(options.runDir, { recursive: true });
    // One process per run directory (a killed one's lock is taken over).
    const unlock = options.runDir ? lockRunDir(options.runDir) : undefined;
    try {
      return await this.runLocked();
    } finally {
      this.stopUsageLog?.();
      unlock?.();
    }
  }

  private async runLocked(): Promise<TrainResult> {
    const { config, splits, options } = this;
    // Scoring modes are decided before anything is spent: an impossible one fails here (issue 12).
    await this.checkScoring();
    const usageAtStart = this.services.usage();
    // A budget is a cap: requests that would cross it are refused before they are sent (issue 12).
    const capped = Object.values(config.budget).some((v) => v !== undefined);
    let spending = capped && !options.resume ? this.services.limitSpending?.(config.budget, emptyUsage()) : undefined;
    const resumed = options.resume ? this.resumeState() : undefined;
    // What earlier processes of this run spent (resume): the usage log, which also holds what an
    // iteration a kill cut short spent; the checkpoint (finished iterations only) for older runs.
    // A log behind the checkpoint (one restored from elsewhere, e.g. a sweep's database) is not used.
    const logged = resumed && readUsageLog(options.runDir!);
    const behind = (a: Usage, b: Usage): boolean => a.requests + a.cacheHits < b.requests + b.cacheHits;
    const usageBefore = resumed ? { ...(logged && !behind(logged, resumed.usage) ? logged : resumed.usage) } : emptyUsage();
    const elapsedBefore = resumed ? resumed.elapsedMs : 0;
    const trainUsage = (): Usage => addUsage({ ...usageBefore }, subtractUsage(this.services.usage(), usageAtStart));
    if (options.runDir && this.services.onUsage) {
      // The run's usage is kept on disk as it is spent, so a kill loses none of it (issue 12).
      const log = openUsageLog(options.runDir, usageBefore);
      const unwatch = this.services.onUsage(() => log.write(trainUsage()));
      this.stopUsageLog = () => {
        unwatch();
        log.close();
        this.stopUsageLog = undefined;
      };
    }
    const state = resumed ?? (await this.freshState());
    if (resumed) state.usage = { ...usageBefore };
    if (capped && resumed) spending = this.services.limitSpending?.(config.budget, usageBefore);
    const elapsed = (): number => elapsedBefore + (Date.now() - this.started);
    const rng = new Rng(state.rng);
    let stop: { reason: "completed" | "budget"; detail?: string } = state.stopped ? { reason: "budget", detail: "stopped earlier" } : { reason: "completed" };

    for (let t = state.iteration + 1; t <= config.iterations && !state.stopped; t++) {
      this.checkAborted();
      const before = spending && (structuredClone(state) as Checkpoint);
      const iterRng = new Rng(rng.int(2 ** 32));
      const step = (this.step = startSpan("dln.train.step", { "dln.train.iteration": t }));
      const batch = await withSpan(step, () => this.forwardBatch(t, iterRng.fork("batch"), state.prompts));
      const steps = await withSpan(step, () =>
        lastValueFrom(
          backward({
            graph: this.graph,
            optimizer: this.optimizer,
            iteration: t - 1,
            prompts: state.prompts,
            memory: memoryByParam(state.memory),
            batch,
            rng: iterRng.fork("backward"),
            signal: options.signal,
          }).pipe(toArray()),
        ),
      );
      state.prompts = this.applySteps(t, state.prompts, steps);

      let dev: number | null = null;
      if (t % config.valEvery === 0 || t === config.iterations) dev = await withSpan(step, () => this.validateAndRemember(t, state));
      const refused = spending?.refused();
      if (refused && before) {
        // The iteration that met the cap is abandoned: back to the last one finished, checkpointed.
        await spending!.idle();
        Object.assign(state, before, { usage: trainUsage(), elapsedMs: elapsed(), stopped: "budget" });
        stop = { reason: "budget", detail: `stopped before crossing the ${refused}` };
        if (options.runDir) this.emit({ type: "checkpoint", iteration: state.iteration, path: saveCheckpoint(options.runDir, state) });
        this.emit({ type: "stop", iteration: state.iteration, reason: "budget", detail: stop.detail });
        break;
      }
      state.iteration = t;
      state.usage = trainUsage();
      state.elapsedMs = elapsed();
      state.rng = rng.state();
      state.history.push({ iteration: t, trainAccuracy: mean(batch.correct.map(Number)), devAccuracy: dev });
      const exceeded = budgetExceeded(state.usage, config.budget);
      if (exceeded) {
        state.stopped = "budget";
        stop = { reason: "budget", detail: exceeded };
      }
      this.emit({
        type: "iteration",
        iteration: t,
        iterations: config.iterations,
        trainAccuracy: mean(batch.correct.map(Number)),
        devAccuracy: dev,
        bestDevAccuracy: state.best.devAccuracy,
        usage: state.usage,
        elapsedMs: state.elapsedMs,
        failures: steps.reduce((n, s) => n + s.output.failures, 0),
      });
      step.setAttributes({
        "dln.train.train_accuracy": mean(batch.correct.map(Number)),
        ...(dev !== null ? { "dln.train.dev_accuracy": dev } : {}),
        "dln.train.prompts_changed": steps.filter((s) => s.output.prompt !== s.previous).length,
      });
      endSpan(step);
      this.step = undefined;
      if (options.runDir) this.emit({ type: "checkpoint", iteration: t, path: saveCheckpoint(options.runDir, state) });
      if (state.stopped) this.emit({ type: "stop", iteration: t, reason: "budget", detail: exceeded });
    }
    if (stop.reason === "completed") this.emit({ type: "stop", iteration: state.iteration, reason: "completed" });
    spending?.release(); // the final test is reported apart (usage.test), outside the training budget
    this.stopUsageLog?.();

    // The best prompts on test.
    const best = state.best.devAccuracy >= 0 ? state.best.prompts : state.prompts;
    const beforeTest = this.services.usage();
    const test = splits.test.length ? await this.accuracy(splits.test, best) : null;
    const testUsage = subtractUsage(this.services.usage(), beforeTest);
    this.emit({ type: "test", accuracy: test, n: splits.test.length, usage: testUsage });

    const result: TrainResult = {
      version: 1,
      network: this.network.name,
      runDir: options.runDir ?? null,
      seed: config.seed,
      stopReason: stop.reason,
      ...(stop.detail ? { stopDetail: stop.detail } : {}),
      iterations: state.iteration,
      bestIteration: state.best.iteration,
      bestPrompts: best,
      initialPrompts: initialPrompts(this.graph),
      initialDevAccuracy: state.initialDevAccuracy,
      devAccuracy: state.best.devAccuracy >= 0 ? state.best.devAccuracy : null,
      testAccuracy: test,
      sizes: { train: splits.train.length, dev: splits.dev.length, test: splits.test.length },
      usage: { train: state.usage, test: testUsage },
      wallTimeMs: elapsed(),
      history: state.history,
      config,
      versions: { dln: TRAINER_VERSION, node: process.version },
    };
    if (options.runDir) {
      writeJsonAtomic(join(options.runDir, RESULT_FILE), result);
      writeJsonAtomic(join(options.runDir, BEST_FILE), best);
    }
    this.emit({ type: "done", devAccuracy: result.devAccuracy, testAccuracy: result.testAccuracy, bestPrompts: best });
    return result;
  }

  /** Picks every trainable layer's scoring mode (capability probes only), throwing when one is impossible. */
  private async checkScoring(): Promise<void> {
    const layers = this.graph.units.filter((u) => u.trainable).flatMap((u) => u.layers);
    await Promise.all(layers.map(async (layer) => this.services.scorer(layer, await this.services.clients.get(layer.model))));
  }

  // ── state ───────────────────────────────────────────────────────────────────────────────────

  private async freshState(): Promise<Checkpoint> {
    const prompts = initialPrompts(this.graph);
    if (this.options.runDir) {
      writeNetworkCopy(this.options.runDir, this.network);
      writeManifest(this.options.runDir, newManifest(this.network.name, this.splits, this.options.dataSources));
    }
    this.emit({
      type: "start",
      network: this.network.name,
      runDir: this.options.runDir,
      seed: this.config.seed,
      iterations: this.config.iterations,
      config: this.config,
    });
    const initial = this.splits.dev.length ? await this.accuracy(this.splits.dev, prompts, "the initial validation") : null;
    if (initial !== null)
      this.emit({ type: "validation", iteration: 0, split: "dev", accuracy: initial, n: this.splits.dev.length, best: initial, improved: true });
    const best: PromptSet = { prompts, devAccuracy: initial ?? -1, iteration: 0 };
    return {
      version: 1,
      network: this.network.name,
      iteration: 0,
      prompts,
      memory: initial === null ? [] : [best].slice(0, this.config.memory),
      rng: new Rng(`dln-train/${this.config.seed}`).state(),
      best,
      initialDevAccuracy: initial,
      staleValidations: 0,
      usage: emptyUsage(),
      elapsedMs: 0,
      seed: this.config.seed,
      config: this.config,
      history: [],
    };
  }

  private resumeState(): Checkpoint {
    const dir = this.options.runDir;
    if (!dir || !existsSync(dir)) throw new TrainError("E_TRAIN_RESUME", `cannot resume: run directory ${dir ?? "(none)"} does not exist`, { kind: "usage" });
    const cp = loadCheckpoint(dir);
    if (cp.network !== this.network.name)
      throw new TrainError("E_TRAIN_RESUME", `cannot resume: ${dir} is a run of network "${cp.network}", not "${this.network.name}"`, { kind: "usage" });
    // The events of the iteration a kill cut short are done again: drop them, so the log reads each iteration once.
    truncateEvents(dir, cp.iteration);
    let manifest = readManifest(dir) ?? newManifest(this.network.name, this.splits, this.options.dataSources);
    if (this.options.forced?.length) {
      // A forced resume trains on the data given now: later resumes compare with it.
      const now = newManifest(this.network.name, this.splits, this.options.dataSources ?? manifest.data.sources);
      manifest = { ...manifest, data: now.data };
    }
    manifest.resumes.push({
      time: new Date().toISOString(),
      fromIteration: cp.iteration,
      ...(this.options.forced?.length ? { forced: this.options.forced } : {}),
    });
    writeManifest(dir, manifest);
    this.emit({
      type: "start",
      network: this.network.name,
      runDir: dir,
      seed: this.config.seed,
      iterations: this.config.iterations,
      resumedFrom: cp.iteration,
      config: this.config,
    });
    return cp;
  }

  private checkAborted(): void {
    const s = this.options.signal;
    throwIfAborted(s, "training was cancelled");
  }

  // ── forward ─────────────────────────────────────────────────────────────────────────────────

  private async forwardBatch(t: number, rng: Rng, prompts: Record<string, string>): Promise<BatchTrace> {
    const examples = new BatchSampler(this.splits.train, { batchSize: this.config.batchSize, balanced: this.config.balanced, rng }).next();
    const results = await this.services.forward(examples.map(toSample), { prompts, sampleKey: `train/${t}`, signal: this.options.signal, trace: true });
    this.checkAborted();
    const trace: BatchTrace = { ids: [], values: [], gold: [], correct: [], raw: [] };
    let failed = 0;
    results.forEach((r, k) => {
      if (r.error) return void failed++;
      const e = examples[k];
      trace.ids.push(e.id);
      trace.values.push({ ...e.inputs, ...r.values });
      trace.gold.push(e.target);
      trace.correct.push(this.services.isCorrect(r.output, e.target));
      trace.raw!.push(Object.fromEntries((r.trace ?? []).flatMap((n) => (n.kind === "layer" && n.raw !== undefined ? [[n.node, n.raw]] : []))));
    });
    this.emit({ type: "batch", iteration: t, ids: examples.map((e) => e.id), trainAccuracy: mean(trace.correct.map(Number)) || 0, failed });
    return trace;
  }

  /** Accuracy of the network with these prompts at temperature 0 (failed samples count as wrong). */
  private async accuracy(examples: readonly Example[], prompts: Record<string, string>, what?: string): Promise<number> {
    const results = await this.services.forward(examples.map(toSample), { prompts, temperature: 0, signal: this.options.signal });
    this.checkAborted();
    const failed = results.filter((r) => r.error);
    if (what && failed.length === results.length && results.length > 0) {
      // Nothing answered: a number (0%) would hide a configuration problem.
      const first = failed[0].error!;
      throw new TrainError(
        "E_TRAIN_ALL_FAILED",
        `every sample of ${what} failed, so there is no accuracy to report; the first: ${first.code}${first.node ? ` at ${first.node}` : ""}: ${first.message}`,
      );
    }
    return mean(results.map((r, k) => (!r.error && this.services.isCorrect(r.output, examples[k].target) ? 1 : 0)));
  }

  // ── update, validation, memory, patience ────────────────────────────────────────────────────

  private applySteps(t: number, prompts: Record<string, string>, steps: UnitStepped[]): Record<string, string> {
    const next = { ...prompts };
    // Events in topological order of the parameters, whatever order the steps finished in.
    const order = new Map(this.graph.units.map((u, i) => [u.param, i]));
    for (const s of [...steps].sort((a, b) => order.get(a.unit.param)! - order.get(b.unit.param)!).reverse()) {
      const { unit, output } = s;
      for (const sig of output.summaries) this.emit({ type: "signal", iteration: t, ...sig });
      if (output.candidates.length === 0) continue;
      this.emit({
        type: "candidates",
        iteration: t,
        param: unit.param,
        layers: unit.layers.map((l) => l.id),
        mode: output.mode ?? null,
        candidates: output.candidates,
      });
      const chosen = output.candidates.find((c) => c.prompt === output.prompt);
      this.emit({
        type: "choice",
        iteration: t,
        param: unit.param,
        previous: s.previous,
        prompt: output.prompt,
        changed: output.prompt !== s.previous,
        score: chosen?.score ?? null,
      });
      next[unit.param] = output.prompt;
    }
    return next;
  }

  private async validateAndRemember(t: number, state: Checkpoint): Promise<number | null> {
    if (this.splits.dev.length === 0) return null;
    const acc = await this.accuracy(this.splits.dev, state.prompts);
    const improved = acc > state.best.devAccuracy;
    if (improved) {
      state.best = { prompts: { ...state.prompts }, devAccuracy: acc, iteration: t };
      state.staleValidations = 0;
    } else state.staleValidations++;
    this.emit({ type: "validation", iteration: t, split: "dev", accuracy: acc, n: this.splits.dev.length, best: state.best.devAccuracy, improved });
    state.memory = remember(state.memory, { prompts: { ...state.prompts }, devAccuracy: acc, iteration: t }, this.config.memory);
    if (this.config.patience > 0 && state.staleValidations >= this.config.patience) {
      state.prompts = { ...state.best.prompts };
      state.staleValidations = 0;
      this.emit({ type: "reload-best", iteration: t, devAccuracy: state.best.devAccuracy });
    }
    return acc;
  }
}

/** The M best prompt sets by dev accuracy (earlier first on a tie), without duplicates. */
export function remember(memory: readonly PromptSet[], entry: PromptSet, size: number): PromptSet[] {
  if (size <= 0) return [];
  const key = (p: PromptSet): string => JSON.stringify(p.prompts);
  const all = [...memory.filter((m) => key(m) !== key(entry) || m.devAccuracy >= entry.devAccuracy)];
  if (!all.some((m) => key(m) === key(entry))) all.push(entry);
  return all.sort((a, b) => b.devAccuracy - a.devAccuracy || a.iteration - b.iteration).slice(0, size);
}

/** Remembered prompts per parameter, best first, distinct. */
export function memoryByParam(memory: readonly PromptSet[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const set of memory) {
    for (const [param, prompt] of Object.entries(set.prompts)) {
      const list = (out[param] ??= []);
      if (!list.includes(prompt)) list.push(prompt);
    }
  }
  return out;
}

/** Training could not go on (`E_TRAIN_ALL_FAILED`: kind failed) or could not start (no data, a run that cannot be resumed: kind usage). */
export class TrainError extends DlnError {
  constructor(code: string, message: string, options: DlnErrorOptions = {}) {
    super(code, message, options);
  }
}

/**
 * Copies the network file (or, for a network given as an object, its spec) into the run
 * directory, with every literal secret of its models (API keys, header values) replaced by
 * `[redacted]`: run directories are shared and reported on, and secrets never reach them.
 * `${VAR}` placeholders are kept; they are no secret.
 */
function writeNetworkCopy(runDir: string, network: CompiledNetwork): void {
  let text: string;
  try {
    text = network.file ? readFileSync(network.file, "utf8") : JSON.stringify(network.spec, null, 2) + "\n";
  } catch {
    text = JSON.stringify(network.spec, null, 2) + "\n";
  }
  writeFileSync(join(runDir, NETWORK_FILE), redactLiterals(text, literalSecrets(network)));
}

/** The literal (not `${VAR}`) API keys and header values of a network's models, longest first. */
export function literalSecrets(network: Pick<CompiledNetwork, "models" | "spec">): string[] {
  const models = [...Object.values(network.models ?? {}), ...Object.values(network.spec.models ?? {})];
  const values = models.flatMap((m) => [m.apiKey, ...Object.values(m.headers ?? {}), ...(m.endpoints ?? []).map((e) => e.apiKey)]);
  const secrets = values.filter((v): v is string => typeof v === "string" && v.length >= 4 && !v.includes("${"));
  return [...new Set(secrets)].sort((a, b) => b.length - a.length);
}

function redactLiterals(text: string, secrets: readonly string[]): string {
  return secrets.reduce((t, secret) => t.split(secret).join("[redacted]"), text);
}
