import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { updateLastRunLink } from "../../src/cli/last-run.js";
import { runCli } from "../../src/cli/main.js";
import { capture } from "../helpers/capture.js";
import { only } from "../helpers/indexing.js";

describe("runs/last", () => {
  it("points at the newest run of `dln demo` and `dln train`, and `dln report runs/last` works", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "dln-last-"));
    const io = () => ({ stdout: capture().stream, stderr: capture().stream, cwd, env: {} });
    expect(await runCli(["node", "dln", "demo", "--cache", "off", "--iterations", "1", "--size", "16"], io())).toBe(0);
    const demoRun = only(readdirSync(join(cwd, "runs")).filter((n) => n.startsWith("demo-")));
    expect(lstatSync(join(cwd, "runs", "last")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(cwd, "runs", "last"))).toBe(demoRun);
    expect(existsSync(join(cwd, "runs", "last", "result.json"))).toBe(true);

    const data = join("runs", demoRun, "data");
    const train = [
      "node",
      "dln",
      "train",
      join(process.cwd(), "networks", "dln-2.json5"),
      "--cache",
      "off",
      "--iterations",
      "1",
      "--model",
      "*=sim:tasks",
      "--train",
      join(data, "train.jsonl"),
      "--dev",
      join(data, "dev.jsonl"),
      "--test",
      join(data, "test.jsonl"),
      "--run-dir",
      "runs/second",
    ];
    expect(await runCli(train, io())).toBe(0);
    expect(readlinkSync(join(cwd, "runs", "last"))).toBe("second");
    expect(realpathSync(join(cwd, "runs", "last"))).toBe(realpathSync(join(cwd, "runs", "second")));

    const out = capture();
    expect(await runCli(["node", "dln", "report", "runs/last", "--output", "r.html"], { ...io(), stdout: out.stream })).toBe(0);
    expect(existsSync(join(cwd, "r.html"))).toBe(true);
  }, 120_000);

  it("is left alone for a run outside runs/, and never replaces a real directory", () => {
    const cwd = mkdtempSync(join(tmpdir(), "dln-last-"));
    expect(updateLastRunLink(cwd, join(cwd, "elsewhere", "run"))).toEqual({});
    expect(existsSync(join(cwd, "runs", "last"))).toBe(false);
    mkdirSync(join(cwd, "runs", "last"), { recursive: true });
    expect(updateLastRunLink(cwd, join(cwd, "runs", "r1")).problem).toMatch(/runs\/last exists and is not a link/);
    expect(lstatSync(join(cwd, "runs", "last")).isDirectory()).toBe(true);
  });
});
