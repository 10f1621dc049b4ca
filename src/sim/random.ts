/**
 * Seeded hashing and pseudo-random numbers for the simulator. Everything the simulated world
 * decides "at random" is a pure function of a seed and the request text, so runs are reproducible.
 */

/** FNV-1a over the UTF-16 code units of `text`, mixed with `seed`; a 32-bit unsigned integer. */
export function hashString(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // A final avalanche so nearby inputs give unrelated hashes.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** One 32-bit hash of several parts (order matters). */
export function hashParts(...parts: Array<string | number>): number {
  return hashString(parts.map(String).join("\u241f"));
}

/** A number in [0, 1) that depends only on the parts. */
export function unitHash(...parts: Array<string | number>): number {
  return hashParts(...parts) / 2 ** 32;
}

/** mulberry32: a small, fast, seedable PRNG returning numbers in [0, 1). */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

/** A shuffled copy (Fisher–Yates). */
export function shuffled<T>(rng: () => number, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** An integer in [lo, hi]. */
export function intBetween(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}
