/** The run directory: schemas, resume after a kill, budgets, same-seed reruns, other shapes of network. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import { lastValueFrom, toArray } from "rxjs";
import type { NetworkSpec } from "../../src/network/types.js";
import { TASKS } from "../../src/sim/tasks.js";
import type { TrainEvent } from "../../src/train/events.js";
import { dln1, runTraining, splits } from "./helpers.js";
import { key } from "../helpers/indexing.js";

const tmp = mkdtempSync(join(tmpdir(), "dln-train-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dir = (name: string): string => join(tmp, name);

const TINY = { iterations: 3, batchSize: 6, promptSamples: 3, valEvery: 1, seed: 11, memory: 2, patience: 1 };
const data = splits("animals", { train: 24, dev: 12, test: 12 });
const labels = key(TASKS, "animals").labels;

function schema(name: string) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  return ajv.compile(JSON.parse(readFileSync(join("schemas", `${name}.schema.json`), "utf8")));
}
const readJson = (p: string): unknown => JSON.parse(readFileSync(p, "utf8"));
const readEvents = (d: string): TrainEvent[] =>
  readFileSync(join(d, "events.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
/** What must be the same between two runs of the same seed: every candidate, score and choice. */
const decisions = (events: TrainEvent[]) =>
  events.filter((e) => e.type === "candidates" || e.type === "choice" || e.type === "validation").map(({ time: _t, ...rest }) => rest);

describe("a training run directory", () => {
  it("holds result.json, checkpoint.json and events.jsonl that match their schemas", async () => {
    const d = dir("schemas");
    const r = await runTraining(dln1(labels), data, TINY, { runDir: d }).result;
    const result = schema("result");
    expect(result(readJson(join(d, "result.json"))), JSON.stringify(result.errors)).toBe(true);
    const checkpoint = schema("checkpoint");
    expect(checkpoint(readJson(join(d, "checkpoint.json"))), JSON.stringify(checkpoint.errors)).toBe(true);
    const event = schema("event");
    const events = readEvents(d);
    for (const e of events) expect(event(e), `${e.type}: ${JSON.stringify(event.errors)}`).toBe(true);
    const types = new Set(events.map((e) => e.type));
    for (const t of ["start", "validation", "batch", "candidates", "choice", "iteration", "checkpoint", "stop", "test", "done"]) expect(types).toContain(t);
    expect(readJson(join(d, "best.json"))).toEqual(r.bestPrompts);
    expect(r.usage.train.requests).toBeGreaterThan(0);
    // At least one request per distinct test input (identical inputs share their request).
    expect(r.usage.test.requests).toBeGreaterThanOrEqual(new Set(data.test.map((e) => JSON.stringify(e.inputs))).size);
  }, 60_000);

  it("same seed, same run: prompt for prompt and score for score", async () => {
    const a = runTraining(dln1(labels), data, TINY);
    const b = runTraining(dln1(labels), data, TINY);
    const [ea, eb] = await Promise.all([lastValueFrom(a.events$.pipe(toArray())), lastValueFrom(b.events$.pipe(toArray()))]);
    expect(decisions(ea).length).toBeGreaterThan(3);
    expect(decisions(eb)).toEqual(decisions(ea));
    expect((await b.result).bestPrompts).toEqual((await a.result).bestPrompts);
    const c = runTraining(dln1(labels), data, { ...TINY, seed: 12 });
    expect(decisions(await lastValueFrom(c.events$.pipe(toArray())))).not.toEqual(decisions(ea));
  }, 60_000);

  it("a run killed mid-iteration and resumed ends with the same result as an uninterrupted one", async () => {
    const whole = await runTraining(dln1(labels), data, TINY, { runDir: dir("whole") }).result;

    const d = dir("killed");
    const abort = new AbortController();
    const killed = runTraining(dln1(labels), data, TINY, { runDir: d, signal: abort.signal });
    // Kill it in iteration 2, after its forward pass and before its checkpoint.
    killed.events$.subscribe({ next: (e) => e.type === "batch" && e.iteration === 2 && abort.abort(new Error("killed")), error: () => undefined });
    await expect(killed.result).rejects.toThrow("killed");
    expect((readJson(join(d, "checkpoint.json")) as { iteration: number }).iteration).toBe(1);

    const resumed = await runTraining(dln1(labels), data, TINY, { runDir: d, resume: true }).result;
    expect(resumed.bestPrompts).toEqual(whole.bestPrompts);
    expect(resumed.devAccuracy).toBe(whole.devAccuracy);
    expect(resumed.testAccuracy).toBe(whole.testAccuracy);
    expect(resumed.history).toEqual(whole.history);
    expect(decisions(readEvents(d)).filter((e) => (e as { iteration: number }).iteration !== 2)).toEqual(
      decisions(readEvents(dir("whole"))).filter((e) => (e as { iteration: number }).iteration !== 2),
    );
  }, 60_000);

  it("a budget is a cap: the run stops before a request would cross it, at the last finished iteration, checkpointed", async () => {
    // What the first iterations cost without a budget.
    const free = await runTraining(dln1(labels), data, { ...TINY, iterations: 3 }).result;
    const tokens = (u: { promptTokens: number; completionTokens: number }) => u.promptTokens + u.completionTokens;
    const perIteration = tokens(free.usage.train) / 3;
    const cap = Math.round(perIteration * 2.5);
    const d = dir("budget");
    const r = await runTraining(dln1(labels), data, { ...TINY, iterations: 10, budget: { tokens: cap } }, { runDir: d }).result;
    expect(r.stopReason).toBe("budget");
    expect(r.stopDetail).toMatch(/token budget/);
    expect(tokens(r.usage.train)).toBeLessThanOrEqual(cap); // it used to stop only after crossing it
    expect(r.iterations).toBeGreaterThanOrEqual(1);
    expect(r.iterations).toBeLessThan(3);
    const checkpoint = readJson(join(d, "checkpoint.json")) as {
      iteration: number;
      stopped?: string;
      usage: { promptTokens: number; completionTokens: number };
    };
    expect(checkpoint.stopped).toBe("budget");
    expect(checkpoint.iteration).toBe(r.iterations);
    expect(tokens(checkpoint.usage)).toBe(tokens(r.usage.train));
    expect(r.testAccuracy).not.toBeNull();
  }, 60_000);

  it("a request budget caps the requests sent", async () => {
    const r = await runTraining(dln1(labels), data, { ...TINY, iterations: 10, budget: { requests: 40 } }).result;
    expect(r.stopReason).toBe("budget");
    expect(r.stopDetail).toMatch(/request budget/);
    expect(r.usage.train.requests).toBeLessThanOrEqual(40);
  }, 60_000);
});

const SIM = { sim: { provider: "sim" as const, model: "tasks" } };
const shapes: Record<string, NetworkSpec> = {
  "3-deep": {
    name: "deep",
    models: SIM,
    inputs: ["x"],
    nodes: {
      h1: { type: "layer", from: ["x"], template: "think", prompt: "Think." },
      h2: { type: "layer", from: ["x", "h1"], template: "think", prompt: "Think more." },
      y: { type: "layer", from: ["x", "h2"], template: "residual", prompt: "Answer.", classes: labels },
    },
    output: "y",
    loss: { type: "exact_match", normalize: "first_word" },
  },
  wide: {
    name: "wide",
    models: SIM,
    inputs: ["x"],
    nodes: {
      a: { type: "layer", from: ["x"], template: "think", prompt: "Look at the body." },
      b: { type: "layer", from: ["x"], template: "think", prompt: "Look at the habits.", trainable: false },
      both: { type: "combine", from: ["a", "b"], template: "concat" },
      y: { type: "layer", from: ["x", "both"], template: "residual", prompt: "Answer.", classes: labels },
    },
    output: "y",
    loss: { type: "exact_match", normalize: "first_word" },
  },
  ensemble: {
    name: "ens",
    models: SIM,
    inputs: ["x"],
    nodes: {
      y1: { type: "layer", from: ["x"], template: "classify", prompt: "Answer.", classes: labels, temperature: 0.7 },
      vote: { type: "ensemble", replicate: { layer: "y1", count: 3, temperature: 0.7 }, aggregate: "vote" },
    },
    output: "vote",
    loss: { type: "exact_match", normalize: "first_word" },
  },
};

describe("other shapes train without error", () => {
  for (const [name, spec] of Object.entries(shapes)) {
    it(
      name,
      async () => {
        const run = runTraining(spec, data, { iterations: 2, batchSize: 4, promptSamples: 3, hiddenSamples: 2, valEvery: 1, seed: 3 });
        const events = lastValueFrom(run.events$.pipe(toArray()));
        const r = await run.result;
        expect(r.iterations).toBe(2);
        const stepped = new Set((await events).filter((e) => e.type === "candidates").map((e) => (e as { param: string }).param));
        const trainable = Object.entries(spec.nodes)
          .filter(([, n]) => n.type === "layer" && n.trainable !== false)
          .map(([id]) => id);
        expect([...stepped].sort()).toEqual(trainable.sort());
        if (name === "wide") {
          const signals = (await events).filter((e) => e.type === "signal").map((e) => `${(e as { from: string }).from}→${(e as { to: string }).to}`);
          expect(new Set(signals)).toEqual(new Set(["y→a", "y→b"]));
          expect(r.bestPrompts.b).toBe("Look at the habits.");
        }
      },
      60_000,
    );
  }
});
