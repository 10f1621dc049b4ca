import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSplits, seededPartition, capExamples, type Example } from "../../src/data/index.js";
import { at } from "../helpers/indexing.js";

function examples(n: number, classes = ["a", "b"]): Example[] {
  return Array.from({ length: n }, (_, i) => ({ id: `e${i}`, inputs: { x: `text ${i}` }, target: at(classes, i % classes.length) }));
}

function writeJsonl(dir: string, name: string, n: number, offset = 0): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    Array.from({ length: n }, (_, i) => JSON.stringify({ id: `${name}-${i + offset}`, x: `x${i}`, y: i % 2 ? "yes" : "no" })).join("\n") + "\n",
  );
  return path;
}

const ids = (list: Example[]) => list.map((e) => e.id);

describe("seededPartition", () => {
  it("is reproducible for a seed and different for another", () => {
    const all = examples(40);
    const a = seededPartition(all, ["train", "dev", "test"], { train: 0.5, dev: 0.25, test: 0.25 }, 7);
    const b = seededPartition(all, ["train", "dev", "test"], { train: 0.5, dev: 0.25, test: 0.25 }, 7);
    const c = seededPartition(all, ["train", "dev", "test"], { train: 0.5, dev: 0.25, test: 0.25 }, 8);
    expect(ids(a.train)).toEqual(ids(b.train));
    expect(ids(a.test)).toEqual(ids(b.test));
    expect(ids(a.train)).not.toEqual(ids(c.train));
  });

  it("puts every example in exactly one split, in the requested proportions", () => {
    const all = examples(41);
    const p = seededPartition(all, ["train", "dev", "test"], { train: 0.5, dev: 0.25, test: 0.25 }, 1);
    expect([p.train.length, p.dev.length, p.test.length]).toEqual([21, 10, 10]);
    const seen = [...ids(p.train), ...ids(p.dev), ...ids(p.test)];
    expect(new Set(seen).size).toBe(41);
    expect(seen.sort()).toEqual(ids(all).sort());
  });

  it("renormalises over the splits it cuts", () => {
    const p = seededPartition(examples(30), ["train", "dev"], { train: 0.5, dev: 0.25, test: 0.25 }, 1);
    expect([p.train.length, p.dev.length, p.test.length]).toEqual([20, 10, 0]);
  });

  it("rejects fractions that add up to nothing", () => {
    expect(() => seededPartition(examples(3), ["dev"], { train: 1, dev: 0, test: 0 }, 1)).toThrow(/add up to 0/);
  });
});

describe("capExamples", () => {
  it("keeps a seeded subset in file order", () => {
    const all = examples(20);
    const capped = capExamples(all, 5, 3, "train");
    expect(capped).toHaveLength(5);
    expect(ids(capped)).toEqual(ids(all).filter((id) => ids(capped).includes(id)));
    expect(ids(capExamples(all, 5, 3, "train"))).toEqual(ids(capped));
    expect(capExamples(all, 50, 3, "train")).toHaveLength(20);
  });
});

describe("loadSplits", () => {
  const dir = mkdtempSync(join(tmpdir(), "dln-splits-"));
  const data = writeJsonl(dir, "all.jsonl", 40);
  const train = writeJsonl(dir, "train.jsonl", 12);
  const dev = writeJsonl(dir, "dev.jsonl", 6);
  const test = writeJsonl(dir, "test.jsonl", 8);

  it("cuts one file into disjoint, reproducible splits", async () => {
    const a = await loadSplits({ data, inputs: ["x"], seed: 5 });
    const b = await loadSplits({ data, inputs: ["x"], seed: 5 });
    expect([a.train.length, a.dev.length, a.test.length]).toEqual([20, 10, 10]);
    expect(ids(a.dev)).toEqual(ids(b.dev));
    const all = [...ids(a.train), ...ids(a.dev), ...ids(a.test)];
    expect(new Set(all).size).toBe(40);
  });

  it("reads separate files as they are", async () => {
    const s = await loadSplits({ train, dev, test, inputs: ["x"], seed: 1 });
    expect([s.train.length, s.dev.length, s.test.length]).toEqual([12, 6, 8]);
    expect(at(s.train, 0).id).toBe("train.jsonl-0");
  });

  it("takes the missing dev split from the train file", async () => {
    const s = await loadSplits({ train, test, inputs: ["x"], seed: 1 });
    expect([s.train.length, s.dev.length, s.test.length]).toEqual([8, 4, 8]);
    expect(ids(s.train).filter((id) => ids(s.dev).includes(id))).toEqual([]);
  });

  it("cuts `data` only into the splits without a file", async () => {
    const s = await loadSplits({ data, test, inputs: ["x"], seed: 1 });
    expect(s.test).toHaveLength(8);
    expect(s.train.length + s.dev.length).toBe(40);
    expect(s.train.length).toBeGreaterThan(s.dev.length);
  });

  it("applies caps and custom fractions", async () => {
    const s = await loadSplits({ data, inputs: ["x"], seed: 1, split: { train: 0.8, dev: 0.1, test: 0.1 }, caps: { train: 5, test: 2 } });
    expect([s.train.length, s.dev.length, s.test.length]).toEqual([5, 4, 2]);
  });

  it("collects the problems of every file", async () => {
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, '{"x": "a", "y": "b"}\nnot json\n');
    const s = await loadSplits({ train, dev: bad, test, inputs: ["x"], seed: 1 });
    expect(s.problems).toEqual([{ file: bad, line: 2, message: expect.stringMatching(/not valid JSON/) }]);
  });

  it("refuses to run with no data, or with data that would be ignored", async () => {
    await expect(loadSplits({ inputs: ["x"], seed: 1 })).rejects.toThrow(/no data/);
    await expect(loadSplits({ data, train, dev, test, inputs: ["x"], seed: 1 })).rejects.toThrow(/would not be used/);
  });
});
