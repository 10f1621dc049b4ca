/** `dln report` and `dln draw --format svg [--prompts <run-dir>]`, run in-process. */
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { writeSyntheticRun } from "./fixtures.js";

const tmp = mkdtempSync(join(tmpdir(), "dln-report-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function dln(...args: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (d) => (stdout += d));
  err.on("data", (d) => (stderr += d));
  const code = await runCli(["node", "dln", ...args], { stdout: out, stderr: err, cwd: tmp, env: {} });
  return { code, stdout, stderr };
}

describe("dln report", () => {
  const run = writeSyntheticRun(join(tmp, "run"), { iterations: 6 });

  it("writes <run-dir>/report.html by default", async () => {
    const r = await dln("report", "run");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(join(run.dir, "report.html"));
    const html = readFileSync(join(run.dir, "report.html"), "utf8");
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('class="dln-drawing"');
    expect(html).not.toMatch(/<(link|iframe)\b|src="http|href="http/);
    // The run is named as typed relative to the working directory: no absolute path in the header or the footer.
    expect(html).toMatch(/<p class="meta">run<br>/);
    expect(html).toContain(" from run. This file is self-contained");
    expect(html).not.toContain(tmp);
    // The score chart says its points are not comparable (each is scored on another minibatch).
    expect(html).toContain('aria-label="Optimization score of the chosen prompt, each point on a different batch"');
    expect(html).toContain("so points are not comparable across iterations");
  });

  it("writes where --output says, and draws the network given with --network", async () => {
    unlinkSync(join(run.dir, "network.json5"));
    const plain = await dln("report", "run", "--output", "plain.html");
    expect(plain.code).toBe(0);
    expect(readFileSync(join(tmp, "plain.html"), "utf8")).toContain("pass it with --network");
    const withNetwork = await dln("report", "run", "-o", "net.html", "--network", join(import.meta.dirname, "../../networks/dln-2.json5"));
    expect(withNetwork.code).toBe(0);
    expect(readFileSync(join(tmp, "net.html"), "utf8")).toContain('class="dln-drawing"');
  });

  it("a directory that is not a run directory is a usage error (exit 2) that says what to point at", async () => {
    const r = await dln("report", "nowhere");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no events.jsonl or result.json");
    expect(existsSync(join(tmp, "nowhere", "report.html"))).toBe(false);
  });

  it("an unfinished run (no result.json yet) still gets a report, marked unfinished", async () => {
    const partial = writeSyntheticRun(join(tmp, "partial"), { iterations: 3, finished: false });
    const r = await dln("report", "partial");
    expect(r.code).toBe(0);
    const html = readFileSync(join(partial.dir, "report.html"), "utf8");
    expect(html).toContain("unfinished");
    expect(html.match(/data-series="train \(minibatch\)" data-x/g)?.length).toBe(3);
  });
});

describe("dln draw --format svg", () => {
  const network = join(import.meta.dirname, "../../networks/dln-2.json5");

  it("draws the network as SVG, with the initial prompts", async () => {
    const r = await dln("draw", network, "--format", "svg");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(r.stdout).toContain('data-node="h1"');
    expect(r.stdout).not.toContain("(trained prompts)");
  });

  it("shows the trained prompts of a run with --prompts, and writes to --output", async () => {
    const runDir = join(tmp, "trained");
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, "result.json"), JSON.stringify({ bestPrompts: { h1: "Trained <b>h1</b> prompt." } }));
    const r = await dln("draw", network, "--format", "svg", "--prompts", "trained", "-o", "d.svg");
    expect(r.code).toBe(0);
    const svg = readFileSync(join(tmp, "d.svg"), "utf8");
    expect(svg).toContain("(trained prompts)");
    expect(svg).toContain("Trained &lt;b&gt;h1&lt;/b&gt; prompt.");
  });

  it("a --prompts path that does not exist is a usage error", async () => {
    const r = await dln("draw", network, "--format", "svg", "--prompts", "missing-run");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing-run");
  });
});
