import { describe, expect, it } from "vitest";
import { expectedPrints, extractBlocks, fileAttr, isRunnable, missingPrint, resolvePackageImports, unrunnableCode } from "./markdown.js";
import { at } from "../helpers/indexing.js";

const doc = [
  "# Title",
  "```ts runnable",
  'import { loadNetwork } from "dln";',
  'console.log("a"); // prints: a',
  "```",
  "text",
  "```json5 file=net.json5",
  "{ name: 'n' }",
  "```",
  "````md",
  "```ts runnable",
  "````",
  "```sh runnable",
  "dln validate net.json5   # prints: ✓ net.json5",
  "```",
].join("\n");

describe("docs code blocks", () => {
  const blocks = extractBlocks(doc, "doc.md");

  it("finds each block with its language, attributes and opening line", () => {
    expect(blocks.map((b) => [b.lang, b.attrs, b.line])).toEqual([
      ["ts", ["runnable"], 2],
      ["json5", ["file=net.json5"], 7],
      ["md", [], 10],
      ["sh", ["runnable"], 13],
    ]);
    expect(at(blocks, 2).code).toBe("```ts runnable\n"); // a longer fence keeps shorter ones inside
    expect(blocks.filter(isRunnable)).toHaveLength(2);
    expect(fileAttr(at(blocks, 1))).toBe("net.json5");
    expect(fileAttr(at(blocks, 0))).toBeUndefined();
  });

  it("reads prints: expectations with the language's comment marker", () => {
    expect(expectedPrints(at(blocks, 0))).toEqual(["a"]);
    expect(expectedPrints(at(blocks, 3))).toEqual(["✓ net.json5"]);
  });

  it("checks expected lines as an ordered subsequence of whole lines", () => {
    expect(missingPrint("x\n a \nb\n", ["a", "b"])).toBeUndefined();
    expect(missingPrint("b\na\n", ["a", "b"])).toBe("b");
    expect(missingPrint("abc\n", ["a"])).toBe("a");
  });

  it("points dln imports at the source entry and leaves others alone", () => {
    const code = 'import { a } from "dln";\nimport b from "dlnx";\nconst c = await import(\'dln\');\n';
    expect(resolvePackageImports(code, "file:///r/src/index.ts")).toBe(
      'import { a } from "file:///r/src/index.ts";\nimport b from "dlnx";\nconst c = await import(\'file:///r/src/index.ts\');\n',
    );
  });

  it("flags ts/js code that is not marked runnable, and nothing else", () => {
    const mixed = extractBlocks(
      [
        "```ts runnable",
        "a",
        "```",
        "```js",
        "b",
        "```",
        "```TypeScript",
        "c",
        "```",
        "```mjs",
        "d",
        "```",
        "```text",
        "{ shape }",
        "```",
        "```sh",
        "dln run",
        "```",
      ].join("\n"),
      "mixed.md",
    );
    expect(unrunnableCode(mixed)).toEqual(["mixed.md:4", "mixed.md:7", "mixed.md:10"]);
    expect(unrunnableCode(blocks)).toEqual([]);
  });

  it("refuses an unclosed block", () => {
    expect(() => extractBlocks("```ts\nx\n", "bad.md")).toThrow(/bad\.md:1/);
  });
});
