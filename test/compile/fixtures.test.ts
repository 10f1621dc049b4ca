/**
 * The corpus of broken networks: each file says which diagnostic it must produce (`// expect: CODE`
 * on its first line) and marks where with a `/*@*​/` comment right before the offending text. The
 * test compiles the file and requires a diagnostic with that code at exactly that line and column.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileNetwork, formatDiagnostic } from "../../src/compile/index.js";
import { at } from "../helpers/indexing.js";

const ROOT = join(import.meta.dirname, "../fixtures/networks");
const MARK = "/*@*/";

interface Case {
  name: string;
  file: string;
  code: string;
  line: number;
  column: number;
  text: string;
}

function cases(dir: string): Case[] {
  return readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith(".json5"))
    .sort()
    .map((f) => {
      const file = join(ROOT, dir, f);
      const text = readFileSync(file, "utf8");
      const code = /^\/\/ expect: (\w+)/.exec(text)?.[1];
      const at = text.indexOf(MARK);
      if (!code || at < 0) throw new Error(`${f}: needs "// expect: CODE" on line 1 and a ${MARK} marker`);
      const before = text.slice(0, at + MARK.length);
      const line = before.split("\n").length;
      const column = before.length - before.lastIndexOf("\n");
      return { name: f, file: `${dir}/${f}`, code, line, column, text };
    });
}

const invalid = cases("invalid");
const warnings = cases("warnings");

describe("invalid network corpus", () => {
  it("has at least 30 files", () => {
    expect(invalid.length).toBeGreaterThanOrEqual(30);
  });

  it.each(invalid.map((c) => [c.name, c] as const))("%s is rejected at the marked place", (_, c) => {
    const result = compileNetwork(c.text, { file: c.file });
    expect(result.ok, `${c.name} compiled`).toBe(false);
    if (result.ok) return;
    const shown = result.diagnostics.map(formatDiagnostic).join("\n");
    const match = result.diagnostics.find((d) => d.code === c.code && d.severity === "error");
    expect(match, `no ${c.code} in:\n${shown}`).toBeDefined();
    expect(`${match!.line}:${match!.column}`, shown).toBe(`${c.line}:${c.column}`);
    expect(match!.file).toBe(c.file);
    expect(match!.message.length).toBeGreaterThan(10);
  });
});

describe("warning corpus", () => {
  it.each(warnings.map((c) => [c.name, c] as const))("%s compiles with the expected warning", (_, c) => {
    const result = compileNetwork(c.text, { file: c.file });
    if (!result.ok) throw new Error(result.diagnostics.map(formatDiagnostic).join("\n"));
    const match = result.warnings.find((d) => d.code === c.code);
    expect(match, result.warnings.map(formatDiagnostic).join("\n")).toBeDefined();
    expect(match!.severity).toBe("warning");
    expect(`${match!.line}:${match!.column}`).toBe(`${c.line}:${c.column}`);
    expect(result.network.warnings).toEqual(result.warnings);
  });
});

describe("diagnostic codes", () => {
  const sources = ["src/network", "src/compile"].flatMap((dir) =>
    readdirSync(join(import.meta.dirname, "../..", dir))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => readFileSync(join(import.meta.dirname, "../..", dir, f), "utf8")),
  );
  const schema = readFileSync(join(import.meta.dirname, "../../schemas/network.schema.json"), "utf8");
  const emitted = new Set([...[...sources, schema].join("\n").matchAll(/"([EW]_[A-Z_]+)"/g)].map((m) => at(m, 1)));
  emitted.delete("E_NETWORK_INVALID"); // the NetworkError class's own code, not a diagnostic
  const covered = new Set([...invalid, ...warnings].map((c) => c.code));
  covered.add("E_READ"); // an unreadable file: covered by test/cli/validate-plan-draw.test.ts

  it("every code the compiler can emit has a fixture", () => {
    expect([...emitted].filter((c) => !covered.has(c)).sort()).toEqual([]);
    expect(emitted.size).toBeGreaterThan(30);
  });

  it("every code is documented in docs/network-files.md", () => {
    const docs = readFileSync(join(import.meta.dirname, "../../docs/network-files.md"), "utf8");
    expect([...emitted].filter((c) => !docs.includes(c)).sort()).toEqual([]);
  });
});
