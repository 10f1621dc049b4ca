/**
 * Issue 14 items 4 and 5 at the library level: the resume policy that `graph.train({ resume })`
 * shares with `dln train --resume` (the run's own settings and data; differences refused unless
 * forced, and recorded), a clean event log after a kill, and the run directory's lock.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile as compileGraph } from "../../src/graph.js";
import { TASKS } from "../../src/sim/tasks.js";
import type { TrainEvent } from "../../src/train/events.js";
import { LOCK_FILE, lockRunDir, RUN_FILE, truncateEvents, type RunManifest } from "../../src/train/resume.js";
import { dln1, runTraining, splits } from "./helpers.js";
import { at, key } from "../helpers/indexing.js";

const tmp = mkdtempSync(join(tmpdir(), "dln-resume-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dir = (name: string): string => join(tmp, name);

const TINY = { iterations: 3, batchSize: 6, promptSamples: 3, valEvery: 1, seed: 11, memory: 2, patience: 1 };
const data = splits("animals", { train: 24, dev: 12, test: 12 });
const labels = key(TASKS, "animals").labels;
const readEvents = (d: string): TrainEvent[] =>
  readFileSync(join(d, "events.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
const iterationsOf = (events: TrainEvent[], type: TrainEvent["type"]) =>
  events.filter((e) => e.type === type).map((e) => (e as { iteration: number }).iteration);
const graph = () => compileGraph(dln1(labels), { baseDir: process.cwd(), models: {}, cache: { mode: "off" } });

/** A run killed in iteration 2 (after its forward pass, before its checkpoint). */
async function killedRun(d: string): Promise<void> {
  const abort = new AbortController();
  const killed = runTraining(dln1(labels), data, TINY, { runDir: d, signal: abort.signal });
  killed.events$.subscribe({ next: (e) => e.type === "batch" && e.iteration === 2 && abort.abort(new Error("killed")), error: () => undefined });
  await expect(killed.result).rejects.toThrow("killed");
}

describe("resume (library)", () => {
  it("after a kill and a resume, events.jsonl reads every iteration once, the same decisions as an uninterrupted run", async () => {
    await runTraining(dln1(labels), data, TINY, { runDir: dir("whole") }).result;
    const d = dir("killed");
    await killedRun(d);
    await runTraining(dln1(labels), data, TINY, { runDir: d, resume: true }).result;
    const events = readEvents(d);
    for (const type of ["batch", "iteration", "checkpoint"] as const) expect(iterationsOf(events, type), type).toEqual([1, 2, 3]);
    const decisions = (es: TrainEvent[]) =>
      es.filter((e) => e.type === "candidates" || e.type === "choice" || e.type === "validation").map(({ time: _t, ...rest }) => rest);
    expect(decisions(events)).toEqual(decisions(readEvents(dir("whole"))));
    expect(events.filter((e) => e.type === "start").map((e) => (e as { resumedFrom?: number }).resumedFrom)).toEqual([undefined, 1]);
  }, 60_000);

  it("truncateEvents drops a line cut in half by a kill", () => {
    const d = dir("cut");
    rmSync(d, { recursive: true, force: true });
    spawnSync("mkdir", ["-p", d]);
    const lines = [
      { type: "start" },
      { type: "validation", iteration: 0 },
      { type: "batch", iteration: 1 },
      { type: "iteration", iteration: 1 },
      { type: "checkpoint", iteration: 1 },
      { type: "batch", iteration: 2 },
    ].map((e) => JSON.stringify(e));
    writeFileSync(join(d, "events.jsonl"), lines.join("\n") + "\n" + '{"type":"cand');
    expect(truncateEvents(d, 1)).toBe(2);
    expect(readFileSync(join(d, "events.jsonl"), "utf8")).toBe(lines.slice(0, 5).join("\n") + "\n");
  });

  it("truncateEvents writes the checkpoint event a kill cut off after the checkpoint was saved", () => {
    // Killed between saveCheckpoint() and the append of its event: checkpoint.json says 2, the log
    // ends with iteration 2's "iteration" event. The resumed run starts at 3: the log must say 2 was saved.
    const d = dir("cut-after-save");
    rmSync(d, { recursive: true, force: true });
    spawnSync("mkdir", ["-p", d]);
    const lines = [
      { type: "start" },
      { type: "batch", iteration: 1 },
      { type: "iteration", iteration: 1 },
      { type: "checkpoint", iteration: 1, path: "x" },
      { type: "batch", iteration: 2 },
      { type: "iteration", iteration: 2 },
    ].map((e) => JSON.stringify(e));
    writeFileSync(join(d, "events.jsonl"), lines.join("\n") + "\n");
    truncateEvents(d, 2);
    const events = readEvents(d);
    expect(iterationsOf(events, "checkpoint")).toEqual([1, 2]);
    expect(events.at(-1)).toMatchObject({ type: "checkpoint", iteration: 2, path: join(d, "checkpoint.json"), recovered: true });
    truncateEvents(d, 2); // idempotent
    expect(iterationsOf(readEvents(d), "checkpoint")).toEqual([1, 2]);
  });

  it("graph.train({ resume }) continues with the checkpoint's settings, not the network's defaults", async () => {
    const d = dir("graph-settings");
    await graph().train(data, { runDir: d, config: { ...TINY, iterations: 1, promptSamples: 2 } }).result;
    const resumed = await graph().train(data, { runDir: d, resume: true, config: { iterations: 2 } }).result;
    expect(resumed.iterations).toBe(2);
    expect(resumed.config.promptSamples).toBe(2);
    expect(resumed.config.batchSize).toBe(6);
  }, 60_000);

  it("graph.train({ resume }) refuses other data or settings, naming what differs; force accepts and records it", async () => {
    const d = dir("graph-diff");
    await graph().train(data, { runDir: d, config: { ...TINY, iterations: 1 } }).result;
    const other = { ...data, train: data.dev, dev: data.train };
    const refused = graph().train(other, { runDir: d, resume: true, config: { iterations: 2, batchSize: 4 } }).result;
    await expect(refused).rejects.toThrow(/batchSize is 4, the run used 6/);
    await expect(refused).rejects.toThrow(/the train data differs/);
    await expect(refused).rejects.toThrow(/the dev data differs/);
    const forced = await graph().train(other, { runDir: d, resume: true, force: true, config: { iterations: 2, batchSize: 4 } }).result;
    expect(forced.config.batchSize).toBe(4);
    const manifest = JSON.parse(readFileSync(join(d, RUN_FILE), "utf8")) as RunManifest;
    expect(manifest.resumes).toHaveLength(1);
    expect(at(manifest.resumes, 0).fromIteration).toBe(1);
    expect(at(manifest.resumes, 0).forced?.join(" ")).toMatch(/batchSize.*train data differs/);
  }, 60_000);

  it("locks the run directory: a second holder is refused with the pid and host; a dead holder's lock is taken over", () => {
    const d = dir("lock");
    spawnSync("mkdir", ["-p", d]);
    const release = lockRunDir(d);
    expect(() => lockRunDir(d)).toThrow(new RegExp(`in use by process ${process.pid} on ${hostname()}`));
    release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), time: "2026-01-01T00:00:00Z" }));
    const again = lockRunDir(d);
    expect(JSON.parse(readFileSync(join(d, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    again();
  });

  it("a training run holds the lock while it runs, so a second run on the same directory fails", async () => {
    const d = dir("busy");
    const first = runTraining(dln1(labels), data, { ...TINY, iterations: 1 }, { runDir: d });
    const second = runTraining(dln1(labels), data, { ...TINY, iterations: 1 }, { runDir: d });
    const settled = await Promise.allSettled([first.result, second.result]);
    expect(settled[0].status).toBe("fulfilled");
    expect(settled[1].status).toBe("rejected");
    expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/is in use by process/);
  }, 60_000);
});
