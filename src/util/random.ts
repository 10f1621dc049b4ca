/**
 * The library's one seeded generator and its one string hash.
 *
 * - `Rng` (sfc32): everything drawn at random, by the trainer (batches, proposals, sampled
 *   classes, splits) and by the simulator (generated task data, sampled completions). Its whole
 *   state is four 32-bit numbers, so a training checkpoint stores it (`state()`) and a resumed run
 *   draws exactly the same numbers.
 * - `hashString` (FNV-1a with a final avalanche), with `hashParts` and `unitHash` on it: what is
 *   decided by a text rather than drawn in turn (a layer call's sampling seed, the simulated
 *   world's per-input coin flips, sweep point names). The avalanche matters: plain FNV-1a's lowest
 *   bit is the parity of the characters' lowest bits, so `hash % 2` over inputs that differ in
 *   pairs of characters is constant (test/util/random.test.ts). A first attempt at one generator
 *   (2026-11-29) put the simulator's per-input coin flips on plain FNV-1a, and DLN-1 on navigate
 *   stopped improving; with the avalanche, the flips are the values they always were and the
 *   learning rates measured over many seeds are unchanged (see the comments in test/train and
 *   test/e2e).
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

  /** An integer in [lo, hi] (both included). */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
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
}

/**
 * A 32-bit hash of a string, stable across runs and platforms: FNV-1a over the UTF-16 code units,
 * then avalanched so that every output bit depends on every input bit.
 */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
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
