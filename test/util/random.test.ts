import { describe, expect, it } from "vitest";
import { Rng, hashString } from "../../src/util/random.js";

describe("Rng", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const a = new Rng(42),
      b = new Rng(42),
      c = new Rng(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
  it("resumes exactly from a saved state", () => {
    const a = new Rng("run");
    a.next();
    const saved = a.state();
    const expected = [a.next(), a.next(), a.int(100)];
    const b = new Rng(saved);
    expect([b.next(), b.next(), b.int(100)]).toEqual(expected);
  });
  it("shuffles into a permutation and spreads ints evenly", () => {
    const r = new Rng(1);
    const s = r.shuffle([1, 2, 3, 4, 5, 6]);
    expect([...s].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[r.int(4)]!++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
  it("hashes strings stably", () => {
    expect(hashString("")).toBe(0x811c9dc5);
    expect(hashString("abc")).toBe(hashString("abc"));
    expect(hashString("abc")).not.toBe(hashString("abd"));
  });
});
