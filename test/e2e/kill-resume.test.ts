/**
 * Issue 14 item 5 with real processes: `dln train` killed with SIGKILL (bounded: 2 kills, each
 * after a checkpoint), a second process on the run directory while one runs (refused, naming its
 * pid), then `--resume <dir>` alone (with --iterations, to end it): events.jsonl reads every iteration once and the
 * killed process's lock is taken over. Sim models; the child runs the sources through tsx.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { generateTask } from "../../src/sim/tasks.js";

const ROOT = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "dln-kill-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

writeFileSync(
  join(dir, "net.json5"),
  `{
  name: "kill",
  models: { sim: { provider: "sim", model: "tasks" } },
  inputs: ["x"],
  nodes: { y: { type: "layer", from: ["x"], template: "classify", prompt: "Answer the question.", classes: ["mammal", "bird", "fish", "reptile"] } },
  output: "y",
  loss: { type: "exact_match", normalize: "first_word" },
  train: { iterations: 500, batchSize: 6, promptSamples: 3, valEvery: 1 },
}`,
);
writeFileSync(
  join(dir, "data.jsonl"),
  generateTask("animals", { seed: 5, n: 40 })
    .map((s) => JSON.stringify(s))
    .join("\n") + "\n",
);

/** Starts `dln train …` in a child; resolves once it printed a checkpoint event (its iteration). */
function trainUntilCheckpoint(args: string[]): Promise<{ child: ChildProcess; iteration: number }> {
  const child = spawn(
    process.execPath,
    ["--import", import.meta.resolve("tsx"), join(ROOT, "test/docs/dln-bin.ts"), "train", "net.json5", ...args, "--cache", "off", "--json"],
    {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  return new Promise((done, fail) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /"type":"checkpoint","iteration":(\d+)/.exec(out);
      if (m) done({ child, iteration: Number(m[1]) });
    });
    child.on("exit", (code) => fail(new Error(`the child ended (${code}) before a checkpoint: ${err}`)));
  });
}

const killed = (child: ChildProcess) =>
  new Promise<void>((done) => {
    child.once("exit", () => done());
    child.kill("SIGKILL");
  });

async function dln(...args: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = "";
  let e = "";
  out.on("data", (d) => (o += d));
  err.on("data", (d) => (e += d));
  const code = await runCli(["node", "dln", "train", "net.json5", ...args, "--cache", "off"], { stdout: out, stderr: err, cwd: dir, env: {} });
  return { code, out: o, err: e };
}

describe("killed and resumed runs (real processes)", () => {
  it("two SIGKILLs, a refused second process, then --resume alone: a clean event log", async () => {
    const first = await trainUntilCheckpoint(["--data", "data.jsonl", "--run-dir", "run"]);
    // While it runs, a second process on the same directory is refused, naming it.
    const second = await dln("--resume", "run");
    expect(second.code).toBe(2);
    expect(second.err).toContain(`in use by process ${first.child.pid}`);
    await killed(first.child);

    const again = await trainUntilCheckpoint(["--resume", "run"]); // takes over the dead process's lock
    await killed(again.child);

    // The children cannot finish 500 iterations in this time; end the run two iterations after its checkpoint.
    const end = JSON.parse(readFileSync(join(dir, "run", "checkpoint.json"), "utf8")).iteration + 2;
    const last = await dln("--resume", "run", "--json", "--iterations", String(end));
    expect(last.code, last.err).toBe(0);
    const events = readFileSync(join(dir, "run", "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const its = (type: string) => events.filter((e) => e.type === type).map((e) => e.iteration);
    const all = Array.from({ length: end }, (_x, i) => i + 1);
    expect(its("iteration")).toEqual(all);
    expect(its("checkpoint")).toEqual(all);
    expect(its("batch")).toEqual(all);
    expect(events.filter((e) => e.type === "done")).toHaveLength(1);
    const manifest = JSON.parse(readFileSync(join(dir, "run", "run.json"), "utf8"));
    expect(manifest.resumes.length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
