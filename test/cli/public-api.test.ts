import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/** The import specifiers of a TypeScript file: static imports, re-exports and dynamic `import("…")`. */
function importsOf(path: string): string[] {
  const text = readFileSync(path, "utf8");
  const staticOnes = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gms)].map((m) => m[1]!);
  const dynamicOnes = [...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]!);
  return [...staticOnes, ...dynamicOnes];
}

describe("dln train, run, eval and demo are shells over the public API", () => {
  for (const command of ["train", "run", "eval", "demo"]) {
    it(`${command}.ts imports no module of src/exec, src/train or src/compile, and not main.ts`, () => {
      const imports = importsOf(`src/cli/commands/${command}.ts`);
      expect(imports.length).toBeGreaterThan(3);
      expect(imports.filter((p) => /(^|\/)(exec|train|compile)\//.test(p) || /\/main\.js$/.test(p))).toEqual([]);
    });
  }

  it("reads every import line (a multi-line import included)", () => {
    expect(importsOf("src/cli/commands/train.ts")).toContain("../../graph.js");
    expect(importsOf("src/cli/commands/train.ts")).toContain("../shared.js");
  });
});
