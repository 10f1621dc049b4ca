import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadNetworkFile } from "../../src/compile/index.js";

// docs/network-files.md (Editors): in VS Code, write a network as JSON with comments in a .jsonc
// file; dln reads it unchanged.
describe("a network written as JSON with comments (.jsonc)", () => {
  it("compiles as it is, $schema included", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dln-jsonc-"));
    writeFileSync(
      join(dir, "animals.jsonc"),
      `{
  // JSON with comments: keys in double quotes, no trailing commas.
  "$schema": "../schemas/network.schema.json",
  "name": "animals",
  "models": { "default": { "provider": "sim", "model": "tasks" } },
  "inputs": ["x"],
  /* one layer */
  "nodes": { "y": { "type": "layer", "from": ["x"], "prompt": "Answer with one word.", "classes": ["mammal", "bird"] } },
  "output": "y"
}
`,
    );
    const result = await loadNetworkFile(join(dir, "animals.jsonc"));
    expect(result.ok ? [] : result.diagnostics).toEqual([]);
    if (result.ok) expect(result.network.order).toEqual(["y"]);
  });
});
