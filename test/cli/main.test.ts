import { describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { buildProgram, runCli } from "../../src/cli/main.js";
import { at } from "../helpers/indexing.js";

function capture() {
  const out = new PassThrough();
  let text = "";
  out.on("data", (d) => (text += d));
  return { stream: out, text: () => text };
}

describe("dln", () => {
  it("prints help with examples and exits 0", async () => {
    const out = capture();
    const code = await runCli(["node", "dln", "--help"], { stdout: out.stream });
    expect(code).toBe(0);
    expect(out.text()).toContain("Examples:");
    expect(out.text()).toContain("validate");
  });
  it("exits 2 on an unknown command", async () => {
    const err = capture();
    const code = await runCli(["node", "dln", "frobnicate"], { stderr: err.stream });
    expect(code).toBe(2);
    expect(err.text()).toMatch(/unknown command/);
  });
});

describe("help texts", () => {
  it("use one style: lower-case phrases without a final period, for commands, arguments and options", () => {
    const program = buildProgram({ stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(), cwd: ".", env: {}, exitCode: 0 });
    const texts: string[] = [];
    for (const cmd of program.commands) {
      texts.push(`${cmd.name()}: ${cmd.description()}`);
      for (const arg of cmd.registeredArguments) texts.push(`${cmd.name()} <${arg.name()}>: ${arg.description}`);
      for (const opt of cmd.options) texts.push(`${cmd.name()} ${opt.long}: ${opt.description}`);
    }
    expect(texts.length).toBeGreaterThan(60);
    // A capital is fine for an acronym or a name (JSONL, JSON5, DLN, BIG-Bench …), not for an ordinary first word.
    const capitalised = texts.filter((t) => /^[A-Z][a-z]/.test(t.split(": ").slice(1).join(": ")) && !/^(BIG-Bench)/.test(at(t.split(": "), 1)));
    expect(capitalised).toEqual([]);
    expect(texts.filter((t) => /\.$/.test(t))).toEqual([]);
  });
});
