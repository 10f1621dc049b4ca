/**
 * A small seeded PRNG (sfc32) whose whole state is four 32-bit numbers, so a training
 * checkpoint can store it and a resumed run draws exactly the same numbers.
 */
export type RngState = [number, number, number, number];

export class Rng {
  private s: RngState;

  constructor(seedOrState: number | string | RngState) {
    if (Array.isArray(seedOrState)) {
      this.s = [...seedOrState] as RngState;
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
      [out[i], out[j]] = [out[j]!, out[i]!]; // 0 ≤ j ≤ i < out.length
    }
    return out;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!; // undefined only when items is empty
  }

  /** An independent generator derived from this one's state and a label (does not advance this one). */
  fork(label: string | number): Rng {
    return new Rng(`${this.s.join(",")}/${label}`);
  }

  state(): RngState {
    return [...this.s] as RngState;
  }
}

/** FNV-1a 32-bit hash of a string: stable across runs and platforms. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
