import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { loadExamples, parseExamples, DataError, detectFormat } from "../../src/data/index.js";
import { at } from "../helpers/indexing.js";

const fixture = (name: string) => join(import.meta.dirname, "../fixtures/data", name);

async function loadError(path: string, opts: Parameters<typeof loadExamples>[1]): Promise<DataError> {
  try {
    await loadExamples(path, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error("expected loadExamples to fail");
}

describe("loadExamples: JSONL", () => {
  it("reads the good records and reports every malformed one with file and line", async () => {
    const file = fixture("sentiment.jsonl");
    const { examples, problems, format, mapping } = await loadExamples(file, { inputs: ["x"] });
    expect(format).toBe("jsonl");
    expect(mapping).toEqual({ inputs: { x: "x" }, target: "y" });
    expect(examples.map((e) => e.source?.line)).toEqual([1, 2, 3, 8, 10, 11]);
    expect(examples[0]).toEqual({ id: "s1", inputs: { x: "I loved every minute of it." }, target: "positive", source: { file, line: 1 } });
    expect(at(examples, 2).id).toBe("sentiment.jsonl:3");
    // numbers and booleans are written out as text
    expect(examples[5]).toMatchObject({ inputs: { x: "42" }, target: "true" });
    expect(problems.map((p) => [p.file, p.line])).toEqual([
      [file, 4],
      [file, 5],
      [file, 6],
      [file, 9],
    ]);
    expect(at(problems, 0).message).toMatch(/not valid JSON/);
    expect(at(problems, 1).message).toMatch(/missing the field "y"/);
    expect(at(problems, 2).message).toMatch(/"x" is an array, not text/);
    expect(at(problems, 3).message).toMatch(/must be a JSON object/);
  });

  it("never uses a malformed record", async () => {
    const { examples } = await loadExamples(fixture("sentiment.jsonl"), { inputs: ["x"] });
    for (const e of examples) {
      expect(typeof e.inputs.x).toBe("string");
      expect(e.target.length).toBeGreaterThan(0);
    }
  });

  it("keeps the first `limit` examples", async () => {
    const { examples } = await loadExamples(fixture("sentiment.jsonl"), { inputs: ["x"], limit: 2 });
    expect(examples.map((e) => e.id)).toEqual(["s1", "s2"]);
  });

  it("reports duplicate ids and leaves the repeat out", () => {
    const text = '{"id": 7, "x": "a", "y": "b"}\n{"id": "7", "x": "c", "y": "d"}\n';
    const { examples, problems } = parseExamples(text, "dup.jsonl", { inputs: ["x"] });
    expect(examples.map((e) => e.inputs.x)).toEqual(["a"]);
    expect(problems).toEqual([{ file: "dup.jsonl", line: 2, message: 'duplicate id "7" (first used at line 1)' }]);
  });
});

describe("loadExamples: CSV", () => {
  it("maps columns with a header row, keeps quoted multi-line fields, reports bad rows by line", async () => {
    const file = fixture("arithmetic.csv");
    const { examples, problems, format } = await loadExamples(file, { inputs: ["q"], fields: { q: "question" }, target: "answer" });
    expect(format).toBe("csv");
    expect(examples.map((e) => [e.source?.line, e.inputs.q, e.target])).toEqual([
      [2, "What is 2+2?", "4"],
      [3, 'Say "hi"\nin two lines', "hi"],
      [6, "What is 10/2?", "5"],
      [9, "Final?", "10"],
    ]);
    expect(problems.map((p) => p.line)).toEqual([5, 7, 8]);
    expect(at(problems, 0).message).toMatch(/has 2 columns but the header has 3/);
    expect(at(problems, 1).message).toMatch(/"question" is empty \(mapped to input "q"\)/);
    expect(at(problems, 2).message).toMatch(/has 4 columns/);
  });

  it("reports an unclosed quote at the line where its record starts, and keeps the good records after it", () => {
    const { examples, problems } = parseExamples('x,y\na,b\n"open,c\nd,e\n', "q.csv", { inputs: ["x"] });
    expect(examples.map((e) => [e.source?.line, e.inputs.x, e.target])).toEqual([
      [2, "a", "b"],
      [4, "d", "e"],
    ]);
    expect(problems).toEqual([
      { file: "q.csv", line: 3, message: "unreadable CSV: a quoted field is opened and never closed; the record starting on this line is left out" },
    ]);
  });
});

describe("loadExamples: BIG-Bench Hard JSON", () => {
  it("reads {examples: [...]} ignoring canary, maps `input` to a single network input, target by default", async () => {
    const file = fixture("bbh-hyperbaton.json");
    const { examples, problems, format, mapping } = await loadExamples(file, { inputs: ["question"] });
    expect(format).toBe("bbh");
    expect(mapping).toEqual({ inputs: { question: "input" }, target: "target" });
    expect(examples).toHaveLength(4);
    expect(at(examples, 0).inputs.question).toMatch(/^Which sentence has the correct adjective order:\nOptions:\n\(A\)/);
    expect(examples.map((e) => e.target)).toEqual(["(B)", "(A)", "(A)", "(B)"]);
    expect(examples.map((e) => e.source?.line)).toEqual([4, 8, 12, 17]);
    expect(problems).toEqual([{ file, line: 16, message: 'missing the field "target" (the gold answer)' }]);
  });

  it("reads a top-level array of records (the Leopard layout)", async () => {
    const file = fixture("leopard-array.json");
    const { examples, problems } = await loadExamples(file, { inputs: ["x"], fields: { x: "sentence1" }, target: "label" });
    expect(examples.map((e) => e.target)).toEqual(["Relevant", "Not Relevant"]);
    expect(problems).toEqual([{ file, line: 4, message: "an example must be a JSON object, got a string" }]);
  });

  it("rejects a JSON document without examples, naming the keys it has", () => {
    expect(() => parseExamples('{"canary": "x", "data": []}', "t.json", { inputs: ["x"] })).toThrow(/found the keys "canary", "data"/);
  });

  it("reports invalid JSON as a file error", () => {
    expect(() => parseExamples('{"examples": [ {"input": "a", }', "t.json", { inputs: ["x"] })).toThrow(DataError);
  });
});

describe("format detection", () => {
  it("uses the extension, then the content", () => {
    expect(detectFormat("a.jsonl", "")).toBe("jsonl");
    expect(detectFormat("a.csv", "{}")).toBe("csv");
    expect(detectFormat("a.json", '{\n "examples": []\n}')).toBe("bbh");
    expect(detectFormat("a.json", '{"examples": [{"input": "a", "target": "b"}]}')).toBe("bbh");
    expect(detectFormat("a.json", '{"x": 1}\n{"x": 2}\n')).toBe("jsonl");
    expect(detectFormat("a.txt", "x,y\n1,2\n")).toBe("csv");
    expect(detectFormat("data", "[{}]")).toBe("bbh");
    expect(detectFormat("data", '{"x": 1}\n')).toBe("jsonl");
  });
  it("honours an explicit format", () => {
    const r = parseExamples("x,y\nhello,world\n", "data.txt", { inputs: ["x"], format: "csv" });
    expect(r.examples[0]).toMatchObject({ inputs: { x: "hello" }, target: "world" });
  });
});

describe("field mapping", () => {
  it("uses explicit mappings and the input's own name first", () => {
    const text = '{"a": "A", "input": "I", "b": "B", "gold": "g"}\n';
    const r = parseExamples(text, "m.jsonl", { inputs: ["a", "b"], target: "gold" });
    expect(at(r.examples, 0).inputs).toEqual({ a: "A", b: "B" });
    const single = parseExamples(text, "m.jsonl", { inputs: ["x"], target: "gold" });
    expect(at(single.examples, 0).inputs).toEqual({ x: "I" });
    const mapped = parseExamples(text, "m.jsonl", { inputs: ["x"], fields: { x: "b" }, target: "gold" });
    expect(at(mapped.examples, 0).inputs).toEqual({ x: "B" });
  });

  it("prefers `y` then `target` as the gold field outside BBH", () => {
    const r = parseExamples('{"x": "1", "y": "Y", "target": "T"}\n', "m.jsonl", { inputs: ["x"] });
    expect(at(r.examples, 0).target).toBe("Y");
    const t = parseExamples('{"x": "1", "target": "T"}\n', "m.jsonl", { inputs: ["x"] });
    expect(at(t.examples, 0).target).toBe("T");
  });

  it("fails with the file's fields when an input cannot be mapped", () => {
    expect(() => parseExamples('{"p": "1", "q": "2", "y": "3"}\n', "m.jsonl", { inputs: ["a", "b"] })).toThrow(
      /no field for the network input "a"; the file's fields are "p", "q", "y": map one with --field a=<field>/,
    );
  });

  it("fails when a mapping names an unknown input or a field no record has", () => {
    expect(() => parseExamples('{"x": "1", "y": "2"}\n', "m.jsonl", { inputs: ["x"], fields: { z: "x" } })).toThrow(/not an input of the network/);
    expect(() => parseExamples('{"x": "1", "y": "2"}\n', "m.jsonl", { inputs: ["x"], fields: { x: "nope" } })).toThrow(/no record has the field "nope"/);
    expect(() => parseExamples('{"x": "1", "y": "2"}\n', "m.jsonl", { inputs: ["x"], target: "gold" })).toThrow(/gold-answer field "gold"/);
  });
});

describe("files with nothing usable", () => {
  it("says the file is missing", async () => {
    const err = await loadError(fixture("nope.jsonl"), { inputs: ["x"] });
    expect(err.code).toBe("E_DATA_NOT_FOUND");
    expect(err.message).toMatch(/nope\.jsonl: no such file/);
  });
  it("says an empty file has no records", async () => {
    const err = await loadError(fixture("empty.jsonl"), { inputs: ["x"] });
    expect(err.code).toBe("E_DATA_EMPTY");
    expect(err.message).toMatch(/contains no records/);
  });
  it("says why no record could be read", async () => {
    const err = await loadError(fixture("all-bad.jsonl"), { inputs: ["x"] });
    expect(err.code).toBe("E_DATA_EMPTY");
    expect(err.message).toMatch(/none of its records could be read \(line 1: not valid JSON.* and 1 more\)/);
  });
  it("says when no record has a gold answer", async () => {
    const err = await loadError(fixture("no-gold.jsonl"), { inputs: ["x"] });
    expect(err.code).toBe("E_DATA_FIELDS");
    expect(err.message).toMatch(/no gold-answer field/);
  });
  it("says when every record has a problem", () => {
    expect(() => parseExamples('{"x": null, "y": "a"}\n{"x": "", "y": "b"}\n', "n.jsonl", { inputs: ["x"] })).toThrow(
      /no usable record: all 2 records have problems \(line 1: the field "x" is null and 1 more\)/,
    );
  });
});
