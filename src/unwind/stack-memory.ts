// The stack memory a walk may read: like breakpad's MemoryRegion, only the thread's own stack
// (the range recorded for it), loaded lazily in chunks, so a walk that touches a few KiB reads a
// few KiB. Reads outside the region answer undefined, whatever else the dump holds there: a
// caller's frame is never taken from an unrelated region.

import type { ReadMemory } from './types.js';

/** The contiguous present prefix of [address, address + length). */
export type ReadPrefix = (address: bigint, length: number) => Promise<Uint8Array>;

/** Bytes loaded at a time: a scan after the context frame covers 161 words (1.3 KiB on x64). */
const CHUNK = 1024;

export class StackMemory {
  private readonly chunks = new Map<bigint, Uint8Array | null>();
  /** Bytes fetched from the dump, for the read budget. */
  bytesRead = 0;
  /** Set when a read was refused because the budget was spent. */
  budgetSpent = false;

  constructor(
    private readonly read: ReadPrefix,
    /** First byte of the region. */
    readonly start: bigint,
    /** One past the last byte. */
    readonly end: bigint,
    /** Bytes this walk may load from the dump. */
    private readonly budget = Number.POSITIVE_INFINITY,
  ) {}

  contains(address: bigint, length = 1): boolean {
    return address >= this.start && address + BigInt(length) <= this.end;
  }

  private async chunk(base: bigint): Promise<Uint8Array | null> {
    let c = this.chunks.get(base);
    if (c !== undefined) return c;
    const from = base < this.start ? this.start : base;
    const to = base + BigInt(CHUNK) > this.end ? this.end : base + BigInt(CHUNK);
    if (this.bytesRead + CHUNK > this.budget) {
      this.budgetSpent = true;
      return null;
    }
    const bytes = to > from ? await this.read(from, Number(to - from)) : undefined;
    if (bytes && bytes.length > 0) {
      this.bytesRead += bytes.length;
      // Keep the chunk addressed from `base` even when the region starts inside it.
      // (Bytes before `from` are outside the region and never read back through `bytes`.)
      if (from !== base) {
        const padded = new Uint8Array(Number(from - base) + bytes.length);
        padded.set(bytes, Number(from - base));
        c = padded;
      } else c = bytes;
    } else c = null;
    this.chunks.set(base, c);
    return c;
  }

  /** `length` bytes at `address`, or undefined when any is outside the region or not in the dump. */
  async bytes(address: bigint, length: number): Promise<Uint8Array | undefined> {
    if (length <= 0 || !this.contains(address, length)) return undefined;
    const base = address - (address % BigInt(CHUNK));
    const off = Number(address - base);
    if (off + length <= CHUNK) {
      const c = await this.chunk(base);
      if (!c || off + length > c.length) return undefined;
      return c.subarray(off, off + length);
    }
    const out = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const at = address + BigInt(done);
      const b = at - (at % BigInt(CHUNK));
      const c = await this.chunk(b);
      const o = Number(at - b);
      const n = Math.min(length - done, CHUNK - o);
      if (!c || o + n > c.length) return undefined;
      out.set(c.subarray(o, o + n), done);
      done += n;
    }
    return out;
  }

  /** A little-endian word of `size` bytes at `address`. */
  async word(address: bigint, size: 4 | 8): Promise<bigint | undefined> {
    const b = await this.bytes(address, size);
    if (!b) return undefined;
    const dv = new DataView(b.buffer, b.byteOffset, size);
    return size === 8 ? dv.getBigUint64(0, true) : BigInt(dv.getUint32(0, true));
  }

  /** As a ReadMemory, for the unwind-data evaluators. */
  readonly asReader: ReadMemory = (address, length) => this.bytes(address, length);
}
