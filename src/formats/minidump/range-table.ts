// The memory map of a minidump as columns of numbers: for each range its first and last byte
// address (each as two 32-bit halves) and its file offset. A full-memory or Unity dump lists
// 10^5-10^6 ranges; as objects with bigint fields they cost ~500 bytes and several allocations
// each (a 10^6-range table took 1.3 s and 509 MiB to triage), as columns 24 bytes and none.
//
// Ranges are added in the order listed; build() cuts each to the bytes present in the file,
// sorts by start (only when not already in order, as writers leave it) and trims overlaps so
// that the range with the lower start wins, and on equal starts the one listed first.

const TWO32 = 0x1_0000_0000;

/** A range as a plain object (tests and small callers). */
export interface MemoryRange {
  start: bigint;
  /** Exclusive; only bytes present in the file. */
  end: bigint;
  fileOffset: number;
}

function big(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Collects ranges; each add is O(1) with no allocation past the column growth. */
export class RangeTableBuilder {
  private sHi: Uint32Array;
  private sLo: Uint32Array;
  private eHi: Uint32Array;
  private eLo: Uint32Array;
  private off: Float64Array;
  private n = 0;

  constructor(
    private readonly fileSize: number,
    capacity = 64,
  ) {
    const c = Math.max(1, capacity);
    this.sHi = new Uint32Array(c);
    this.sLo = new Uint32Array(c);
    this.eHi = new Uint32Array(c);
    this.eLo = new Uint32Array(c);
    this.off = new Float64Array(c);
  }

  get length(): number {
    return this.n;
  }

  /** Room for `more` ranges past those held (one allocation when a table's count is known). */
  reserve(more: number): void {
    while (this.sHi.length < this.n + more) this.grow(this.n + more);
  }

  /** A builder holding the same ranges, to add more to (the full map after the small one). */
  copy(): RangeTableBuilder {
    const c = new RangeTableBuilder(this.fileSize, this.n);
    c.sHi.set(this.sHi.subarray(0, this.n));
    c.sLo.set(this.sLo.subarray(0, this.n));
    c.eHi.set(this.eHi.subarray(0, this.n));
    c.eLo.set(this.eLo.subarray(0, this.n));
    c.off.set(this.off.subarray(0, this.n));
    c.n = this.n;
    return c;
  }

  private grow(atLeast = 0): void {
    const c = Math.max(this.sHi.length * 2, atLeast);
    const g32 = (a: Uint32Array): Uint32Array => {
      const b = new Uint32Array(c);
      b.set(a);
      return b;
    };
    this.sHi = g32(this.sHi);
    this.sLo = g32(this.sLo);
    this.eHi = g32(this.eHi);
    this.eLo = g32(this.eLo);
    const o = new Float64Array(c);
    o.set(this.off);
    this.off = o;
  }

  /**
   * A range of `size` bytes (a number; sizes past the file are cut anyway) at the address
   * hi:lo, whose bytes start at `fileOffset`. Ranges with no byte in the file are dropped;
   * a range running past 2^64 is cut at the top of the address space.
   */
  addParts(hi: number, lo: number, size: number, fileOffset: number): void {
    if (!(fileOffset >= 0 && fileOffset <= this.fileSize)) return;
    const n = Math.min(size, this.fileSize - fileOffset);
    if (!(n >= 1)) return;
    // Last byte = start + n - 1, in halves (n < 2^53, so lo + n - 1 is exact).
    const sum = lo + n - 1;
    const carry = Math.floor(sum / TWO32);
    let lastHi = hi + carry;
    let lastLo = sum - carry * TWO32;
    if (lastHi >= TWO32) {
      lastHi = TWO32 - 1;
      lastLo = TWO32 - 1;
    }
    if (this.n === this.sHi.length) this.grow();
    const i = this.n++;
    this.sHi[i] = hi;
    this.sLo[i] = lo;
    this.eHi[i] = lastHi;
    this.eLo[i] = lastLo;
    this.off[i] = fileOffset;
  }

  /** A range given with bigint bounds (end exclusive). */
  add(start: bigint, end: bigint, fileOffset: number): void {
    if (end <= start || start < 0n) return;
    const size = end - start;
    this.addParts(Number(start >> 32n) >>> 0, Number(start & 0xffff_ffffn), size > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(size), fileOffset);
  }

  build(): RangeTable {
    const { sHi, sLo, eHi, eLo, off } = this;
    const n = this.n;
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) if (sHi[i]! < sHi[i - 1]! || (sHi[i] === sHi[i - 1] && sLo[i]! < sLo[i - 1]!)) sorted = false;
    let order: Uint32Array | undefined;
    if (!sorted) {
      order = new Uint32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      order.sort((a, b) => sHi[a]! - sHi[b]! || sLo[a]! - sLo[b]! || a - b);
    }
    const t = new RangeTable(n);
    let k = 0;
    for (let j = 0; j < n; j++) {
      const i = order ? order[j]! : j;
      let hi = sHi[i]!;
      let lo = sLo[i]!;
      let fo = off[i]!;
      if (k > 0) {
        const pHi = t.eHi[k - 1]!;
        const pLo = t.eLo[k - 1]!;
        // Starts at or before the previous range's last byte: keep only what lies past it.
        if (hi < pHi || (hi === pHi && lo <= pLo)) {
          if (eHi[i]! < pHi || (eHi[i] === pHi && eLo[i]! <= pLo)) continue;
          // New start = previous last + 1 (no overflow: this range's last byte is above it).
          const nHi = pLo === TWO32 - 1 ? pHi + 1 : pHi;
          const nLo = pLo === TWO32 - 1 ? 0 : pLo + 1;
          fo += (nHi - hi) * TWO32 + (nLo - lo);
          hi = nHi;
          lo = nLo;
        }
      }
      t.sHi[k] = hi;
      t.sLo[k] = lo;
      t.eHi[k] = eHi[i]!;
      t.eLo[k] = eLo[i]!;
      t.off[k] = fo;
      k++;
    }
    t.length = k;
    return t;
  }
}

/** Sorted, non-overlapping ranges; lookups by binary search on the halves (no bigint per step). */
export class RangeTable {
  readonly sHi: Uint32Array;
  readonly sLo: Uint32Array;
  readonly eHi: Uint32Array;
  readonly eLo: Uint32Array;
  readonly off: Float64Array;
  length = 0;

  constructor(capacity: number) {
    this.sHi = new Uint32Array(capacity);
    this.sLo = new Uint32Array(capacity);
    this.eHi = new Uint32Array(capacity);
    this.eLo = new Uint32Array(capacity);
    this.off = new Float64Array(capacity);
  }

  /** Index of the range holding `address`, or -1. */
  find(address: bigint): number {
    if (address < 0n || address > 0xffff_ffff_ffff_ffffn) return -1;
    const hi = Number(address >> 32n);
    const lo = Number(address & 0xffff_ffffn);
    let a = 0;
    let b = this.length - 1;
    while (a <= b) {
      const m = (a + b) >> 1;
      const sh = this.sHi[m]!;
      if (hi < sh || (hi === sh && lo < this.sLo[m]!)) b = m - 1;
      else {
        const eh = this.eHi[m]!;
        if (hi > eh || (hi === eh && lo > this.eLo[m]!)) a = m + 1;
        else return m;
      }
    }
    return -1;
  }

  start(i: number): bigint {
    return big(this.sHi[i]!, this.sLo[i]!);
  }

  /** Exclusive end. */
  end(i: number): bigint {
    return big(this.eHi[i]!, this.eLo[i]!) + 1n;
  }

  fileOffset(i: number): number {
    return this.off[i]!;
  }

  /** Bytes from `address` (inside range i) to the end of range i, capped at `max`. */
  bytesFrom(i: number, address: bigint, max: number): number {
    const left = this.end(i) - address;
    return left > BigInt(max) ? max : Number(left);
  }

  /** File offset of `address` inside range i. */
  offsetOf(i: number, address: bigint): number {
    return this.off[i]! + Number(address - this.start(i));
  }

  toArray(): MemoryRange[] {
    const out: MemoryRange[] = [];
    for (let i = 0; i < this.length; i++) out.push({ start: this.start(i), end: this.end(i), fileOffset: this.off[i]! });
    return out;
  }
}
