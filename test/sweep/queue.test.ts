/**
 * The queue end to end: an embedded PostgreSQL, a 2 × 2 sweep (3 iterations) put on the queue,
 * two `dln worker` processes, one of them killed with kill -9 in the middle of an iteration after
 * a checkpoint of a point; every point must finish exactly once, the killed one resumed from its
 * checkpoint by the other worker with the usage log and run.json the killed worker left in the
 * database (so its usage counts what the cut iteration spent), and every result must equal the
 * local sweep's.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveSweep, runSweep } from "../../src/sweep/index.js";
import { SweepQueue } from "../../src/sweep/queue.js";
import { writeFixture } from "./fixture.js";
import { startTestPostgres, type TestPostgres } from "./pg.js";
import { at } from "../helpers/indexing.js";
import { startOpenAIServer, type FakeOpenAIServer } from "../helpers/openai-server.js";
import { simResponder } from "../helpers/sim-responder.js";

const ROOT = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "dln-queue-"));
let postgres: TestPostgres;
let url: string;
const children: ChildProcess[] = [];
let logs = "";

// The model is the simulator behind a loopback OpenAI-compatible server that takes 25 ms per
// request, as a real endpoint would: an iteration lasts long enough (several stages of requests)
// for the test to find a worker in the middle of one, however idle or busy the machine is.
let server: FakeOpenAIServer;
const sweepText = (out: string) => `{
  name: "queued",
  network: "net.json5",
  data: "data.jsonl",
  caps: { train: 12, dev: 8, test: 8 },
  models: { "*": { provider: "openai", model: "sim-model", baseURL: "${server.baseURL}", apiKey: "queue-test-key", concurrency: 4 } },
  train: { iterations: 3 },
  grid: { seed: [1, 2], "train.promptSamples": [2, 3] },
  out: "${out}",
}`;

beforeAll(async () => {
  server = await startOpenAIServer({ responder: simResponder({ seed: 0 }), latencyMs: 25 });
  writeFixture(dir);
  writeFileSync(join(dir, "local.json5"), sweepText("local"));
  writeFileSync(join(dir, "remote.json5"), sweepText("remote"));
  postgres = await startTestPostgres("dln-queue-pg-");
  url = postgres.url;
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await postgres?.stop();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function worker(): ChildProcess {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "test/docs/dln-bin.ts"), "worker", "--queue", url, "--cache", "off", "--idle-exit", "90", "--json"],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "" },
    },
  );
  child.stdout!.on("data", (d) => (logs += `[${child.pid} out] ${d}`));
  child.stderr!.on("data", (d) => (logs += `[${child.pid} err] ${d}`));
  children.push(child);
  return child;
}

const exited = (c: ChildProcess) => new Promise<void>((res) => (c.exitCode !== null || c.signalCode !== null ? res() : c.once("exit", () => res())));

describe("dln worker on a PostgreSQL queue", () => {
  it("two workers, one killed with kill -9 mid-point: every point finished once, results equal the local sweep's", async () => {
    // The workers start (and compile the sources) while the same sweep is trained here.
    const a = worker();
    const b = worker();
    const pids = new Map([
      [a.pid!, a],
      [b.pid!, b],
    ]);
    const local = await runSweep(join(dir, "local.json5"), { cache: { mode: "off" }, parallel: 2 });
    expect(local.points.every((p) => p.status === "trained")).toBe(true);

    const queue = await SweepQueue.open(url, { leaseSeconds: 6, maintenanceSeconds: 1 });
    try {
      const sweep = await resolveSweep(join(dir, "remote.json5"));
      const { id, queued } = await queue.submit(sweep);
      expect(queued).toHaveLength(4);
      expect((await queue.submit(sweep)).queued).toEqual([]); // not queued twice

      // Kill the worker that holds a point after a checkpoint, in the middle of the next iteration:
      // when the usage log it saves in the database is ahead of the checkpoint, and behind what the
      // local run had spent at the end of that iteration.
      const localSpent = (point: string, iteration: number): number | undefined =>
        readFileSync(join(dir, "local", point, "events.jsonl"), "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l))
          .find((e) => e.type === "iteration" && e.iteration === iteration)?.usage.requests;
      let victim: { point: string; child: ChildProcess } | undefined;
      for (let i = 0; i < 1000 && !victim; i++) {
        const { rows } = await queue.pool.query<{ point: string; owner: string; checkpoint: string; usage: string | null }>(
          "SELECT point, owner, checkpoint, files->>'usage.jsonl' AS usage FROM dln_run WHERE sweep = $1 AND checkpoint IS NOT NULL AND result IS NULL",
          [id],
        );
        for (const r of rows) {
          const child = pids.get(Number(r.owner.split(":").at(-1)));
          const checkpoint = JSON.parse(r.checkpoint) as { iteration: number; usage: { requests: number } };
          const spent = r.usage ? (JSON.parse(r.usage) as { requests: number }).requests : 0;
          const iterationEnd = localSpent(r.point, checkpoint.iteration + 1);
          if (child && iterationEnd !== undefined && spent > checkpoint.usage.requests && spent < iterationEnd) {
            child.kill("SIGKILL");
            victim = { point: r.point, child };
            break;
          }
        }
        if (!victim) await new Promise((res) => setTimeout(res, 20));
      }
      expect(victim, `a worker was caught mid-point; the workers said:\n${logs.slice(-3000)}`).toBeDefined();
      await exited(victim!.child);
      expect(victim!.child.signalCode).toBe("SIGKILL");
      // What the killed worker had spent when it died, and its last checkpoint (no other worker has the point before the lease ends).
      const { rows: left } = await queue.pool.query<{ usage: string; checkpoint: string }>(
        "SELECT files->>'usage.jsonl' AS usage, checkpoint FROM dln_run WHERE sweep = $1 AND point = $2",
        [id, victim!.point],
      );
      const spentWhenKilled = (JSON.parse(at(left, 0).usage) as { requests: number }).requests;
      const checkpointRequests = (JSON.parse(at(left, 0).checkpoint) as { usage: { requests: number } }).usage.requests;
      // (Usually more than at the checkpoint; the same when the worker saved its next checkpoint just before it died.)
      const killedAt = `killed with ${spentWhenKilled} requests spent, ${checkpointRequests} at its checkpoint`;
      expect(spentWhenKilled, killedAt).toBeGreaterThanOrEqual(checkpointRequests);

      const done = await queue.wait(sweep, id, { pollMs: 300 });
      expect(done.sort()).toEqual(local.points.map((p) => p.name).sort());
      const { rows } = await queue.pool.query<{ point: string; attempts: number; events: string }>(
        "SELECT point, attempts, events FROM dln_run WHERE sweep = $1 ORDER BY point",
        [id],
      );
      expect(rows).toHaveLength(4);
      const killed = rows.find((r) => r.point === victim!.point)!;
      expect(killed.attempts).toBeGreaterThanOrEqual(2);
      const starts = killed.events
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .filter((e) => e.type === "start");
      expect(starts.length).toBe(2);
      expect(starts[1].resumedFrom).toBeGreaterThanOrEqual(1);
      // Trained to completion once: one "done" event per point.
      for (const r of rows)
        expect(
          r.events
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l))
            .filter((e) => e.type === "done"),
        ).toHaveLength(1);

      for (const p of local.points) {
        const mine = JSON.parse(readFileSync(join(dir, "local", p.name, "result.json"), "utf8"));
        const theirs = JSON.parse(readFileSync(join(dir, "remote", p.name, "result.json"), "utf8"));
        expect({ point: p.name, dev: theirs.devAccuracy, test: theirs.testAccuracy, prompts: theirs.bestPrompts, history: theirs.history }).toEqual({
          point: p.name,
          dev: mine.devAccuracy,
          test: mine.testAccuracy,
          prompts: mine.bestPrompts,
          history: mine.history,
        });
      }
      // The resumed point's usage counts what the killed worker spent in the iteration it did not
      // finish (paid twice), on top of what the local run spent: nothing it spent is lost.
      const mine = JSON.parse(readFileSync(join(dir, "local", victim!.point, "result.json"), "utf8"));
      const theirs = JSON.parse(readFileSync(join(dir, "remote", victim!.point, "result.json"), "utf8"));
      expect(theirs.usage.train.requests, killedAt).toBe(mine.usage.train.requests + spentWhenKilled - checkpointRequests);
      // Its run.json (written by the first worker) came along: it records the resume.
      const run = JSON.parse(readFileSync(join(dir, "remote", victim!.point, "run.json"), "utf8"));
      expect(run.resumes).toHaveLength(1);
      expect(run.data.fingerprints.train).toMatch(/^[0-9a-f]{64}$/);
      expect(existsSync(join(dir, "remote", victim!.point, "usage.jsonl"))).toBe(true);

      const survivor = [a, b].find((c) => c !== victim!.child)!;
      expect(survivor.exitCode).toBeNull(); // still waiting for work
      survivor.kill("SIGTERM");
      await exited(survivor);
    } finally {
      await queue.close();
    }
  }, 120_000);
});
