import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";

const ROOT = join(import.meta.dirname, "../..");

async function dln(...args: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (d) => (stdout += d));
  err.on("data", (d) => (stderr += d));
  const code = await runCli(["node", "dln", ...args], { stdout: out, stderr: err, cwd: ROOT, env: {} });
  return { code, stdout, stderr };
}

const tmp = mkdtempSync(join(tmpdir(), "dln-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("dln validate", () => {
  it("accepts every example network and prints a ✓ line per file", async () => {
    const files = ["dln-1", "dln-2", "cot", "self-consistency", "deep-3", "wide"].map((n) => `networks/${n}.json5`);
    const r = await dln("validate", ...files);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual(files.map((f) => `✓ ${f}`));
  });

  it("prints one diagnostic per line as file:line:column: error CODE message, and exits 1", async () => {
    const r = await dln("validate", "test/fixtures/networks/invalid/unknown-from.json5", "networks/dln-1.json5");
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^test\/fixtures\/networks\/invalid\/unknown-from\.json5:7:42: error E_UNKNOWN_NODE .*\(did you mean "h1"\?\)$/);
    expect(lines).toContain("✓ networks/dln-1.json5");
    expect(r.stdout).not.toMatch(/\x1b\[/); // not a terminal: no colours
  });

  it("prints warnings too, and a file with only warnings is valid", async () => {
    const r = await dln("validate", "test/fixtures/networks/warnings/unreachable.json5");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/unreachable\.json5:\d+:\d+: warning W_UNREACHABLE /);
    expect(r.stdout).toContain("✓ test/fixtures/networks/warnings/unreachable.json5");
  });

  it("--json reports every file with its diagnostics", async () => {
    const r = await dln("validate", "--json", "test/fixtures/networks/invalid/cycle-three.json5", "networks/wide.json5");
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.valid).toBe(false);
    expect(json.files.map((f: { file: string; valid: boolean }) => [f.file, f.valid])).toEqual([
      ["test/fixtures/networks/invalid/cycle-three.json5", false],
      ["networks/wide.json5", true],
    ]);
    expect(json.files[0].diagnostics[0]).toMatchObject({ code: "E_CYCLE", line: 6, column: 42, path: "nodes.a.from[1]", severity: "error" });
  });

  it("exits 2 naming a file it cannot read, and 2 without any file", async () => {
    const r = await dln("validate", "networks/dln-1.json5", "missing.json5");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing.json5: error E_READ cannot read the network file: no such file");
    const none = await dln("validate");
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/missing required argument/);
  });

  it("has --help with an example", async () => {
    const r = await dln("validate", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Examples:");
    expect(r.stdout).toContain("$ dln validate networks/*.json5");
  });
});

describe("dln plan", () => {
  it("prints the generations in order with each node's kind, parents, children, model and trainability", async () => {
    const r = await dln("plan", "networks/dln-2.json5");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/generation 1\n\s+h1\s+layer\s+from x\s+→ y\s+model fwd\s+template think\s+trainable/);
    expect(r.stdout).toMatch(/generation 2\n\s+y\s+layer\s+from x, h1\s+→ \(output\)\s+model fwd\s+template residual\s+trainable/);
  });

  it("--json gives the documented shape", async () => {
    const r = await dln("plan", "networks/self-consistency.json5", "--json");
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({ name: "self-consistency", inputs: ["x"], output: "sc", file: join(ROOT, "networks/self-consistency.json5") });
    expect(plan.generations).toEqual([["sc#1", "sc#2", "sc#3", "sc#4", "sc#5"], ["sc"]]);
    expect(plan.nodes[0]).toEqual({
      id: "sc#1",
      kind: "layer",
      generation: 0,
      parents: ["x"],
      children: ["sc"],
      model: "default",
      trainable: true,
      template: "classify",
      param: "guess",
    });
    expect(plan.nodes[5]).toEqual({
      id: "sc",
      kind: "ensemble",
      generation: 1,
      parents: ["sc#1", "sc#2", "sc#3", "sc#4", "sc#5"],
      children: [],
      model: null,
      trainable: false,
      template: null,
      members: ["sc#1", "sc#2", "sc#3", "sc#4", "sc#5"],
      aggregate: "vote",
    });
    expect(plan.warnings).toEqual([]);
  });

  it("exits 1 with diagnostics on stderr for an invalid network, 2 for a missing file", async () => {
    const bad = await dln("plan", "test/fixtures/networks/invalid/cycle-self.json5");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error E_CYCLE cycle: y → y/);
    expect(bad.stdout).toBe("");
    expect((await dln("plan", "nope.json5")).code).toBe(2);
  });
});

describe("dln draw", () => {
  it("draws Mermaid by default", async () => {
    const r = await dln("draw", "networks/wide.json5");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("flowchart TD");
    expect(r.stdout).toContain('n0["h1 · layer · think"]');
    expect(r.stdout).toContain("in0 --> n2");
    expect(r.stdout).toContain("n1 --> n2");
  });

  it("draws DOT into a file with --output", async () => {
    const file = join(tmp, "g.dot");
    const r = await dln("draw", "networks/dln-2.json5", "--format", "dot", "--output", file);
    expect(r.code).toBe(0);
    const dot = readFileSync(file, "utf8");
    expect(dot).toContain('digraph "dln-2" {');
    expect(dot).toContain('"h1" -> "y";');
    expect(dot).toContain('"x" -> "h1";');
  });

  it("rejects an unknown format with exit 2", async () => {
    const r = await dln("draw", "networks/dln-2.json5", "--format", "png");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown format "png"; use one of: mermaid, dot');
  });
});
