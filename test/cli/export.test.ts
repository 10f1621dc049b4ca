import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { compileNetwork } from "../../src/compile/index.js";
import { ExportError, exportRun, writePrompts } from "../../src/export.js";
import { capture } from "../helpers/capture.js";

/** The text with every `prompt` string replaced by a marker: what must not change in an export. */
const withoutPrompts = (text: string): string => text.replace(/(prompt"?\s*:\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/g, "$1<P>");

describe("dln export", () => {
  it("writes the trained prompts into the network file, keeps everything else, and the result validates and runs", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "dln-export-"));
    const io = (out = capture(), err = capture()) => ({ stdout: out.stream, stderr: err.stream, cwd, env: {} });
    expect(await runCli(["node", "dln", "demo", "--cache", "off", "--iterations", "2", "--size", "24", "--run-dir", "run"], io())).toBe(0);
    // A short demo on the hard simulator may keep its initial prompts; export must write whatever
    // best.json holds, so the test gives it prompts that differ from the file's (quotes included).
    const best = { h1: 'Keep two totals: north minus south, east minus west. Say "zero" when both are.', y: "Answer yes or no." };
    writeFileSync(join(cwd, "run", "best.json"), JSON.stringify(best, null, 2));

    const err = capture();
    expect(await runCli(["node", "dln", "export", "run", "-o", "trained.json5"], io(capture(), err))).toBe(0);
    expect(err.text()).toBe("dln export: wrote trained.json5 (2 prompts: h1, y)\n");
    const original = readFileSync(join(cwd, "run", "network.json5"), "utf8");
    const exported = readFileSync(join(cwd, "trained.json5"), "utf8");
    // Comments, layout and every other value as the author wrote them; only the prompts differ.
    expect(withoutPrompts(exported)).toBe(withoutPrompts(original));
    expect(exported).toContain("// A hidden layer h1 writes step-by-step reasoning");
    expect(exported).toContain('template: "think", // "<x>\\n\\n<prompt> Let\'s think step by step."');
    const compiled = compileNetwork(exported);
    if (!compiled.ok) throw new Error("the export does not compile");
    for (const [id, prompt] of Object.entries(best)) expect(compiled.network.nodes.get(id)).toMatchObject({ prompt });

    expect(await runCli(["node", "dln", "validate", "trained.json5"], io())).toBe(0);
    writeFileSync(join(cwd, "in.jsonl"), JSON.stringify({ x: "Moves: 2 north, 2 south. Do you end where you started?" }) + "\n");
    const out = capture();
    expect(await runCli(["node", "dln", "run", "trained.json5", "--input", "in.jsonl", "--cache", "off"], io(out))).toBe(0);
    expect(["yes", "no"]).toContain((JSON.parse(out.text().trim()) as { output: string }).output);

    // Without -o: the same text on standard output.
    const stdout = capture();
    expect(await runCli(["node", "dln", "export", "run"], io(stdout))).toBe(0);
    expect(stdout.text()).toBe(exported);
  }, 120_000);

  it("adds a prompt field where a layer had none, in the file's key style, and names what it cannot place", () => {
    const text = `{
  // JSON with comments
  "nodes": {
    "a": { "type": "layer", "from": ["x"] },
    "b": { "type": "layer", "from": ["a"], "prompt": 'old', }, // kept
    "c": {}
  }
}`;
    const { text: out, written } = writePrompts(text, { a: 'A "quoted"\nprompt', b: "B", c: "C" });
    expect(written).toEqual(["a", "b", "c"]);
    expect(out).toBe(`{
  // JSON with comments
  "nodes": {
    "a": { "type": "layer", "from": ["x"], "prompt": "A \\"quoted\\"\\nprompt" },
    "b": { "type": "layer", "from": ["a"], "prompt": "B", }, // kept
    "c": { "prompt": "C" }
  }
}`);
    expect(() => writePrompts(text, { zz: "?" }, "net.json5")).toThrow(/net\.json5: the run has a prompt for "zz", but the network has no node "zz"/);
  });

  it("says what is wrong with a directory that is not a run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dln-export-empty-"));
    await expect(exportRun(dir)).rejects.toThrow(ExportError);
    await expect(exportRun(dir)).rejects.toThrow(/without best\.json or result\.json/);
    const err = capture();
    expect(await runCli(["node", "dln", "export", dir], { stdout: capture().stream, stderr: err.stream, cwd: dir, env: {} })).toBe(2);
    expect(err.text()).toMatch(/^dln export: /);
  });
});
