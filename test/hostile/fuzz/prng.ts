// A small seeded PRNG (sfc32 seeded through splitmix32). Every fuzz input is derived from
// (campaign seed, input index) alone, so any input can be regenerated from those two numbers.

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A generator for input `index` of the campaign with seed `seed`. */
  constructor(seed: number, index = 0) {
    const mix = splitmix32((seed >>> 0) ^ Math.imul(index >>> 0, 0x27d4eb2f) ^ ((index / 0x100000000) >>> 0));
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix() | 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform integer in [0, n). n up to 2^53. */
  int(n: number): number {
    if (n <= 0) return 0;
    if (n <= 0x100000000) return Math.floor((this.u32() / 0x100000000) * n);
    return Math.floor(((this.u32() * 0x100000000 + this.u32()) / 2 ** 64) * n);
  }

  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Pick by weight: `[[weight, value], ...]`. */
  weighted<T>(table: ReadonlyArray<readonly [number, T]>): T {
    const total = table.reduce((n, [w]) => n + w, 0);
    let r = this.int(total);
    for (const [w, v] of table) {
      if (r < w) return v;
      r -= w;
    }
    return table[table.length - 1]![1];
  }
}
