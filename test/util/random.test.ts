import { describe, expect, it } from "vitest";
import { Rng, hashParts, hashString, unitHash } from "../../src/util/random.js";

describe("Rng, the one generator", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const a = new Rng(42),
      b = new Rng(42),
      c = new Rng(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it("resumes exactly from a saved state, which is four 32-bit numbers that survive JSON (what checkpoints store)", () => {
    const a = new Rng("run");
    a.next();
    const saved = a.state();
    expect(saved).toHaveLength(4);
    for (const n of saved) expect(Number.isInteger(n) && n >= 0 && n < 2 ** 32).toBe(true);
    const expected = [a.next(), a.next(), a.int(100), a.between(3, 9)];
    const b = new Rng(JSON.parse(JSON.stringify(saved)));
    expect([b.next(), b.next(), b.int(100), b.between(3, 9)]).toEqual(expected);
  });

  it("shuffles into a permutation and spreads ints evenly", () => {
    const r = new Rng(1);
    const s = r.shuffle([1, 2, 3, 4, 5, 6]);
    expect([...s].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[r.int(4)]!++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });

  it("draws integers in [lo, hi], both ends included", () => {
    const r = new Rng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(r.between(2, 5));
    expect([...seen].sort()).toEqual([2, 3, 4, 5]);
  });

  it("picks every item, and refuses an empty list instead of returning undefined", () => {
    const r = new Rng(8);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(r.pick(["a", "b", "c"]));
    expect([...seen].sort()).toEqual(["a", "b", "c"]);
    expect(() => r.pick([])).toThrow(/nothing to pick from/);
  });

  it("forks without advancing, and forks with different labels differ", () => {
    const r = new Rng("f");
    const before = r.state();
    const x = r.fork("a").next();
    expect(r.state()).toEqual(before);
    expect(r.fork("a").next()).toBe(x);
    expect(r.fork("b").next()).not.toBe(x);
  });

  it("draws the same numbers as on the day it became the only generator (a pin: simulated data and runs are reproducible)", () => {
    expect(new Rng(42).int(2 ** 32)).toBe(1658143712);
    const r = new Rng(hashParts("generate", "coins", 5));
    expect([r.next(), r.next()]).toEqual([0.05294893146492541, 0.3707512335386127]);
  });
});

describe("hashString, the one hash", () => {
  it("is stable across runs (pinned) and tells near strings apart", () => {
    expect(hashString("abc")).toBe(482950588);
    expect(hashParts("x", 1)).toBe(3754566970);
    expect(unitHash("x", 1)).toBe(3754566970 / 2 ** 32);
    expect(hashString("abc")).not.toBe(hashString("abd"));
  });

  it("is fair modulo 2 where plain FNV-1a is not (the simulator flips its per-input coins on it)", () => {
    const fnv1a = (text: string) => {
      let h = 0x811c9dc5;
      for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
      return h >>> 0;
    };
    // Every character twice: the low bits cancel, so plain FNV-1a's lowest bit is the same for all.
    const inputs = Array.from({ length: 1000 }, (_, i) => `${i}${i}`);
    expect(new Set(inputs.map((s) => fnv1a(s) % 2)).size).toBe(1);
    const odd = inputs.filter((s) => hashString(s) % 2 === 1).length;
    expect(Math.abs(odd - 500)).toBeLessThan(60);
    const oddParts = inputs.filter((s) => hashParts(s) % 2 === 1).length;
    expect(Math.abs(oddParts - 500)).toBeLessThan(60);
  });
});
