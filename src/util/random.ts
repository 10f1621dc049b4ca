/**
 * The one seeded PRNG and string hash of the library. Everything drawn "at random" (batches,
 * proposals, sampled classes, the simulator's task data and answers) comes from an `Rng`, and
 * every seed derived from text goes through `hashString`, so a run is a pure function of its seed.
 *
 * `Rng` is sfc32: its whole state is four 32-bit numbers, so a training checkpoint can store it
 * (`state()`) and a resumed run draws exactly the same numbers (`new Rng(state)`).
 */
import { DlnError } from "./errors.js";

export type RngState = [number, number, number, number];

export class Rng {
  private s: RngState;

  constructor(seedOrState: number | string | RngState) {
    if (Array.isArray(seedOrState)) {
      this.s = [...seedOrState];
    } else {
      const h = hashString(String(seedOrState));
      this.s = [h ^ 0x9e3779b9, h ^ 0x243f6a88, h ^ 0xb7e15162, h >>> 0 || 1];
      for (let i = 0; i < 12; i++) this.next(); // warm up so nearby seeds diverge
    }
  }

  /** A float in [0, 1). */
  next(): number {
    let [a, b, c, d] = this.s;
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    this.s = [a, b, c, d];
    return t / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi], both ends included. */
  intBetween(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** A new array with the items in random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      // Both indexes are in range (0 ≤ j ≤ i < out.length), so the reads are items, not holes.
      const item = out[i] as T;
      out[i] = out[j] as T;
      out[j] = item;
    }
    return out;
  }

  /** One of the items, each equally likely. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new DlnError("E_RNG_EMPTY", "Rng.pick: there is nothing to pick from (the list is empty)");
    return items[this.int(items.length)] as T; // 0 ≤ int(n) < n = items.length
  }

  /** An independent generator derived from this one's state and a label (does not advance this one). */
  fork(label: string | number): Rng {
    return new Rng(`${this.s.join(",")}/${label}`);
  }

  state(): RngState {
    return [...this.s];
  }

  /**
   * A generator that depends only on the parts (order matters): `Rng.of(seed, task, "generate")`.
   * Parts are joined with a separator that does not occur in ordinary text, so ("a/b", "c") and
   * ("a", "b/c") give different generators.
   */
  static of(...parts: Array<string | number>): Rng {
    return new Rng(parts.map(String).join(PART_SEPARATOR));
  }
}

const PART_SEPARATOR = "\u241f";

/** FNV-1a 32-bit hash of a string: stable across runs and platforms. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A 32-bit unsigned integer that depends only on the parts (order matters), mixed in every bit,
 * so `hashParts(…) % k` is fair for any k. (`hashString` alone is not: the lowest bit of FNV-1a
 * is the parity of the characters' lowest bits.) It is the first draw of `Rng.of(...parts)`.
 */
export function hashParts(...parts: Array<string | number>): number {
  return Rng.of(...parts).int(2 ** 32);
}

/** A number in [0, 1) that depends only on the parts: the first draw of `Rng.of(...parts)`. */
export function unitHash(...parts: Array<string | number>): number {
  return Rng.of(...parts).next();
}
