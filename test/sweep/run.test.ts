import { mkdtempSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { runSweep, type SweepEvent } from "../../src/sweep/index.js";
import { redactUrl } from "../../src/cli/commands/sweep.js";
import { writeFixture } from "./fixture.js";
import { at } from "../helpers/indexing.js";

const dir = mkdtempSync(join(tmpdir(), "dln-sweep-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFixture(dir);
const cache = { mode: "readwrite" as const, path: join(dir, "cache.sqlite") };
const NAMES = ["seed=1,train.promptSamples=2", "seed=1,train.promptSamples=3", "seed=2,train.promptSamples=2", "seed=2,train.promptSamples=3"];
const result = (point: string) => JSON.parse(readFileSync(join(dir, "out", point, "result.json"), "utf8"));

function capture() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (d) => (text += d));
  return { stream, text: () => text };
}

describe("runSweep on this machine", () => {
  it("trains a 2 × 2 grid, two points at once, one run directory per point", async () => {
    const events: SweepEvent[] = [];
    const summary = await runSweep(join(dir, "sweep.json5"), { parallel: 2, cache, onEvent: (e) => events.push(e) });
    expect(summary.points.map((p) => [p.name, p.status])).toEqual(NAMES.map((n) => [n, "trained"]));
    for (const name of NAMES) {
      const r = result(name);
      expect(r.config.iterations).toBe(1);
      expect(JSON.parse(readFileSync(join(dir, "out", name, "point.json"), "utf8")).name).toBe(name);
    }
    expect(result(at(NAMES, 0)).seed).toBe(1);
    expect(result(at(NAMES, 3)).seed).toBe(2);
    expect(result(at(NAMES, 0)).config.promptSamples).toBe(2);
    expect(result(at(NAMES, 3)).config.promptSamples).toBe(3);
    const manifest = JSON.parse(readFileSync(join(dir, "out", "sweep.json"), "utf8"));
    expect(manifest.points.map((p: { name: string }) => p.name)).toEqual(NAMES);
    expect(events[0]).toMatchObject({ type: "sweep-start", points: 4, finished: 0, parallel: 2 });
    expect(events.filter((e) => e.type === "point-done")).toHaveLength(4);
    expect(events.at(-1)).toMatchObject({ type: "sweep-done", trained: 4, skipped: 0, failed: 0 });
    expect(summary.usage.requests + summary.usage.cacheHits).toBeGreaterThan(0);
  }, 60_000);

  it("a rerun of the finished sweep trains nothing and sends no request", async () => {
    const before = NAMES.map((n) => readFileSync(join(dir, "out", n, "result.json"), "utf8"));
    const events: SweepEvent[] = [];
    const summary = await runSweep(join(dir, "sweep.json5"), { parallel: 2, cache, onEvent: (e) => events.push(e) });
    expect(summary.points.map((p) => p.status)).toEqual(["skipped", "skipped", "skipped", "skipped"]);
    expect(summary.usage).toMatchObject({ requests: 0, cacheHits: 0, promptTokens: 0, completionTokens: 0 });
    expect(events.some((e) => e.type === "point-start")).toBe(false);
    expect(NAMES.map((n) => readFileSync(join(dir, "out", n, "result.json"), "utf8"))).toEqual(before);
  }, 60_000);

  it("resumes an unfinished point from its checkpoint and leaves the finished ones alone", async () => {
    const before = result(at(NAMES, 2));
    unlinkSync(join(dir, "out", at(NAMES, 2), "result.json")); // as if the process died after the last checkpoint
    const events: SweepEvent[] = [];
    const summary = await runSweep(join(dir, "sweep.json5"), { cache, onEvent: (e) => events.push(e) });
    expect(summary.points.map((p) => p.status)).toEqual(["skipped", "skipped", "trained", "skipped"]);
    expect(events.find((e) => e.type === "point-start")).toMatchObject({ point: NAMES[2], resumedFrom: 1 });
    const after = result(at(NAMES, 2));
    expect(after.bestPrompts).toEqual(before.bestPrompts);
    expect(after.testAccuracy).toBe(before.testAccuracy);
  }, 60_000);
});

describe("dln sweep", () => {
  async function dln(...args: string[]) {
    const out = capture();
    const err = capture();
    const code = await runCli(["node", "dln", "sweep", ...args], { stdout: out.stream, stderr: err.stream, cwd: dir, env: {} });
    return { code, out: out.text(), err: err.text() };
  }

  it("--json prints one sweep event per line (a finished sweep: every point skipped)", async () => {
    const r = await dln("sweep.json5", "--json", "--cache", "off");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const events = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.type)).toEqual(["sweep-start", "point-skip", "point-skip", "point-skip", "point-skip", "sweep-done"]);
    expect(events.at(-1).usage.requests).toBe(0);
  }, 60_000);

  it("prints a line per point", async () => {
    const r = await dln("sweep.json5", "--cache", "off");
    expect(r.code).toBe(0);
    for (const n of NAMES) expect(r.out).toContain(n);
    expect(r.out).toMatch(/0 trained, 4 finished earlier, 0 failed/);
  }, 60_000);

  it("dln compare writes one page with all four points of the sweep", async () => {
    const out = capture();
    const err = capture();
    const code = await runCli(["node", "dln", "compare", "out", "-o", "compare.html"], { stdout: out.stream, stderr: err.stream, cwd: dir, env: {} });
    expect(err.text()).toMatch(/wrote .*compare\.html/);
    expect(code).toBe(0);
    const html = readFileSync(join(dir, "compare.html"), "utf8");
    expect(html.match(/<tr class="run"/g)).toHaveLength(4);
    for (const n of NAMES) expect(html).toContain(`data-run="${n}"`);
    expect(html).toContain("<th>seed</th><th>train.promptSamples</th>");
    const missing = await runCli(["node", "dln", "compare", "nowhere"], { stdout: capture().stream, stderr: capture().stream, cwd: dir, env: {} });
    expect(missing).toBe(2);
  });

  it("exits 2 with located diagnostics for an invalid sweep file", async () => {
    const r = await dln(join("..", dir.split("/").at(-1)!, "net.json5"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/net\.json5:\d+:\d+: error E_SWEEP_UNKNOWN_FIELD unknown field "name"|E_SWEEP_REQUIRED/);
    expect((await dln("nope.json5")).err).toMatch(/nope\.json5: error E_READ cannot read the sweep file: no such file/);
    expect((await dln("sweep.json5", "--parallel", "0")).code).toBe(2);
  });

  it("queue usage errors exit 2, and connection URLs never show their password", async () => {
    const pull = await dln("pull", "sweep.json5");
    expect(pull.code).toBe(2);
    expect(pull.err).toMatch(/--queue/);
    expect((await dln("sweep.json5", "--queue", "postgres://u:pw@localhost:1/x", "--lease", "0")).code).toBe(2);
    const bad = await dln("sweep.json5", "--queue", "postgres://dln:s3cret@127.0.0.1:1/x");
    expect(bad.code).toBe(1);
    expect(bad.err + bad.out).not.toContain("s3cret");
    expect(redactUrl("postgres://dln:s3cret@db:5432/x")).toBe("postgres://dln:***@db:5432/x");
    const w = capture();
    expect(
      await runCli(["node", "dln", "worker", "--queue", "postgres://a:b@h/x", "--parallel", "0"], {
        stdout: capture().stream,
        stderr: w.stream,
        cwd: dir,
        env: {},
      }),
    ).toBe(2);
  }, 60_000);
});
