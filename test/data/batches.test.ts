import { describe, expect, it } from "vitest";
import { BatchSampler, kShotExamples, toSample, type Example } from "../../src/data/index.js";
import { Rng } from "../../src/util/random.js";

function examples(counts: Record<string, number>): Example[] {
  const out: Example[] = [];
  for (const [label, n] of Object.entries(counts)) {
    for (let i = 0; i < n; i++) out.push({ id: `${label}${i}`, inputs: { x: `${label} ${i}` }, target: label });
  }
  return out;
}

function countByClass(batch: Example[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of batch) out[e.target] = (out[e.target] ?? 0) + 1;
  return out;
}

describe("BatchSampler", () => {
  it("balanced batches hold each class equally even when the data is skewed", () => {
    const data = examples({ pos: 30, neg: 5 });
    const sampler = new BatchSampler(data, { batchSize: 10, balanced: true, rng: new Rng(1) });
    for (let i = 0; i < 5; i++) expect(countByClass(sampler.next())).toEqual({ pos: 5, neg: 5 });
  });

  it("balanced batches differ by at most one per class when the size does not divide", () => {
    const sampler = new BatchSampler(examples({ a: 10, b: 10, c: 10 }), { batchSize: 10, balanced: true, rng: new Rng(2) });
    const counts = Object.values(countByClass(sampler.next())).sort();
    expect(counts).toEqual([3, 3, 4]);
  });

  it("plain batches are distinct within a batch and cover every example once per epoch", () => {
    const data = examples({ a: 6, b: 4 });
    const sampler = new BatchSampler(data, { batchSize: 5, rng: new Rng(3) });
    const first = sampler.next();
    const second = sampler.next();
    expect(new Set(first.map((e) => e.id)).size).toBe(5);
    expect(new Set([...first, ...second].map((e) => e.id)).size).toBe(10);
  });

  it("is deterministic given the Rng state", () => {
    const data = examples({ a: 7, b: 7 });
    const a = new BatchSampler(data, { batchSize: 4, balanced: true, rng: new Rng(9) });
    const b = new BatchSampler(data, { batchSize: 4, balanced: true, rng: new Rng(9) });
    for (let i = 0; i < 3; i++) expect(a.next().map((e) => e.id)).toEqual(b.next().map((e) => e.id));
  });

  it("reports its classes and refuses an empty split or a bad size", () => {
    expect(new BatchSampler(examples({ b: 1, a: 2 }), { batchSize: 1, rng: new Rng(1) }).classes()).toEqual([
      { label: "a", count: 2 },
      { label: "b", count: 1 },
    ]);
    expect(() => new BatchSampler([], { batchSize: 2, rng: new Rng(1) })).toThrow(/empty split/);
    expect(() => new BatchSampler(examples({ a: 1 }), { batchSize: 0, rng: new Rng(1) })).toThrow(/batch size/);
  });
});

describe("kShotExamples", () => {
  it("picks k distinct examples spread over the classes", () => {
    const data = examples({ yes: 10, no: 10 });
    const shots = kShotExamples(data, 4, new Rng(4));
    expect(shots).toHaveLength(4);
    expect(new Set(shots.map((e) => e.id)).size).toBe(4);
    expect(countByClass(shots)).toEqual({ yes: 2, no: 2 });
  });

  it("is reproducible, gives at most the examples there are, and 0 shots is empty", () => {
    const data = examples({ a: 2, b: 1 });
    expect(kShotExamples(data, 3, new Rng(5)).map((e) => e.id)).toEqual(kShotExamples(data, 3, new Rng(5)).map((e) => e.id));
    expect(kShotExamples(data, 10, new Rng(5))).toHaveLength(3);
    expect(kShotExamples(data, 0, new Rng(5))).toEqual([]);
  });
});

describe("toSample", () => {
  it("gives the executor the inputs and the id", () => {
    expect(toSample({ id: "7", inputs: { x: "hi", ctx: "c" }, target: "t" })).toEqual({ x: "hi", ctx: "c", id: "7" });
  });
});
