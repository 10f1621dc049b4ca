/**
 * Input files, whatever command reads them (issue 14 item 11): one reader of bytes for `dln run`
 * (streaming) and `dln train`/`dln eval` (whole files); byte-order marks, CRLF, broken CSV quotes,
 * bytes that are not UTF-8, and gold labels no class can produce.
 */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { decodeDataFile, parseExamples, readDataLines, unreachableGoldLabels } from "../../src/data/index.js";
import { compileNetwork } from "../../src/compile/index.js";
import type { CompiledNetwork } from "../../src/compile/types.js";

const BOM = [0xef, 0xbb, 0xbf];
const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))));

async function lines(chunks: Buffer[]) {
  const out = [];
  for await (const l of readDataLines(Readable.from(chunks))) out.push(l);
  return out;
}

describe("the data line reader", () => {
  it("drops a byte-order mark, ends lines at LF or CRLF, and keeps lines split across chunks whole", async () => {
    const data = bytes(BOM, '{"x":"a"}\r\n{"x":"caf', [0xc3], [0xa9], '"}\n\n{"x":"z"}');
    // Every chunking gives the same lines, even one that cuts the BOM or a two-byte character.
    for (const size of [1, 2, 5, data.length]) {
      const chunks = [];
      for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
      expect(await lines(chunks)).toEqual([
        { line: 1, text: '{"x":"a"}' },
        { line: 2, text: '{"x":"café"}' },
        { line: 3, text: "" },
        { line: 4, text: '{"x":"z"}' },
      ]);
    }
  });

  it("names a line whose bytes are not UTF-8, with the byte", async () => {
    const got = await lines([bytes('{"x":"ok"}\n{"x":"caf', [0xe9], '"}\n{"x":"ok"}\n')]);
    expect(got.map((l) => [l.line, l.problem])).toEqual([
      [1, undefined],
      [2, "not UTF-8 text (byte 0xE9 at byte 10 of the line); save the file as UTF-8"],
      [3, undefined],
    ]);
    expect(decodeDataFile(bytes("a\n", [0xff], "\nb")).badLines).toEqual(new Map([[2, expect.stringMatching(/byte 0xFF at byte 1/)]]));
  });
});

describe("whole data files", () => {
  it("a byte-order mark works in JSONL, CSV and JSON files", () => {
    for (const [name, text] of [
      ["a.jsonl", '{"x":"a","y":"b"}\n'],
      ["a.csv", "x,y\na,b\n"],
      ["a.json", '[{"x":"a","y":"b"}]'],
    ] as const) {
      const r = parseExamples(bytes(BOM, text), name, { inputs: ["x"] });
      expect([name, r.examples.map((e) => [e.inputs.x, e.target]), r.problems]).toEqual([name, [["a", "b"]], []]);
    }
  });

  it("a record on a line that is not UTF-8 is left out and named; the others are kept", () => {
    const jsonl = parseExamples(bytes('{"x":"a","y":"b"}\n{"x":"caf', [0xe9], '","y":"b"}\n{"x":"c","y":"d"}\n'), "d.jsonl", { inputs: ["x"] });
    expect(jsonl.examples.map((e) => e.source?.line)).toEqual([1, 3]);
    expect(jsonl.problems).toEqual([
      { file: "d.jsonl", line: 2, message: expect.stringMatching(/^not UTF-8 text \(byte 0xE9 at byte 10 of the line\).*left out$/) },
    ]);
    // A CSV record whose quoted field spans the bad line is left out as a whole.
    const csv = parseExamples(bytes('x,y\n"two\nlin', [0xe9], 's",b\nc,d\n'), "d.csv", { inputs: ["x"] });
    expect(csv.examples.map((e) => [e.source?.line, e.inputs.x])).toEqual([[4, "c"]]);
    expect(csv.problems.map((p) => p.line)).toEqual([3]);
  });

  it("an unterminated quote does not swallow the records after it, and every line is the true one", () => {
    const text = 'x,y\n"good one",yes\n\n"multi\nline",yes\n"bad quote,no\n"another good",yes\nfine,no\n';
    const r = parseExamples(text, "q.csv", { inputs: ["x"] });
    expect(r.examples.map((e) => [e.source?.line, e.inputs.x])).toEqual([
      [2, "good one"],
      [4, "multi\nline"],
      [7, "another good"],
      [8, "fine"],
    ]);
    expect(r.problems.map((p) => [p.line, p.message])).toEqual([
      [6, expect.stringMatching(/^unreadable CSV: .*the record starting on this line is left out$/)],
    ]);
  });

  it("a stray quote in the middle of a field is named at its own line", () => {
    const r = parseExamples('x,y\na,b\nbad "quote,no\nc,d\n', "q.csv", { inputs: ["x"] });
    expect(r.examples.map((e) => e.source?.line)).toEqual([2, 4]);
    expect(r.problems.map((p) => p.line)).toEqual([3]);
  });

  it("a CSV column named __proto__ or constructor is a field like any other", () => {
    const r = parseExamples("__proto__,constructor\na,b\n", "p.csv", { inputs: ["x"], fields: { x: "__proto__" }, target: "constructor" });
    expect(r.examples.map((e) => [e.inputs.x, e.target])).toEqual([["a", "b"]]);
    const missing = parseExamples('{"x":"a","y":"b","toString":"t"}\n{"x":"c","y":"d"}\n', "p.jsonl", { inputs: ["x"], target: "toString" });
    expect(missing.problems).toEqual([{ file: "p.jsonl", line: 2, message: 'missing the field "toString" (the gold answer)' }]);
  });
});

describe("gold labels no class can produce", () => {
  const compiled = (classes: string, loss = "") => {
    const r = compileNetwork(
      `{ name: "t", models: { m: { provider: "sim", model: "tasks" } }, inputs: ["x"], nodes: { y: { type: "layer", from: ["x"], classes: ${classes} } }, output: "y"${loss} }`,
    );
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    return r.network as CompiledNetwork;
  };
  const examples = parseExamples('{"x":"a","y":"yes"}\n{"x":"b","y":"Maybe"}\n{"x":"c","y":" No "}\n', "g.jsonl", { inputs: ["x"] }).examples;

  it("are named with their file and line", () => {
    expect(unreachableGoldLabels(examples, compiled('["yes", "no"]'))).toEqual([
      { file: "g.jsonl", line: 2, message: 'the gold answer "Maybe" is none of the output\'s classes (yes, no), so this example can never be answered right' },
    ]);
  });

  it("match under the network's loss, and an unconstrained output warns of nothing", () => {
    expect(unreachableGoldLabels(examples, compiled('["yes", "no", "maybe"]'))).toEqual([]);
    const free = compileNetwork(
      `{ name: "t", models: { m: { provider: "sim", model: "tasks" } }, inputs: ["x"], nodes: { y: { type: "layer", from: ["x"] } }, output: "y" }`,
    );
    expect(free.ok && unreachableGoldLabels(examples, free.network)).toEqual([]);
  });
});
