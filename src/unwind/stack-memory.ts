// The stack memory a walk may read: like breakpad's MemoryRegion, only the thread's own stack
// (the range recorded for it), loaded lazily. A walk moves up the stack from SP, so the bytes
// are kept as one growing window (a second one only for a read below it): a walk that touches a
// few KiB reads a few KiB, in one or two reads, and most lookups are a bounds test and a
// subarray. Reads outside the region answer undefined, whatever else the dump holds there: a
// caller's frame is never taken from an unrelated region.

import type { ReadMemory } from './types.js';

/** The contiguous present prefix of [address, address + length). */
export type ReadPrefix = (address: bigint, length: number) => Promise<Uint8Array>;

/** Bytes a window grows by at least (doubling from there). */
const GROW = 1024;
/** A read this far above a window's end extends the window rather than opening another. */
const NEAR_GAP = 64 * 1024;

interface Window {
  start: bigint;
  bytes: Uint8Array;
  /** The dump (or the region) has no bytes after this window: it cannot grow. */
  final: boolean;
}

export class StackMemory {
  private readonly windows: Window[] = [];
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
    /** Bytes the first load takes in one read (most walks need no more: one I/O per thread). */
    private readonly firstRead = GROW,
    /** Where the first load starts when the first read falls within firstRead of it (SP: the
     * walk reads upward from there, and a read-ahead of the stack starts there too). */
    private readonly origin?: bigint,
  ) {}

  contains(address: bigint, length = 1): boolean {
    return address >= this.start && address + BigInt(length) <= this.end;
  }

  private windowAt(address: bigint): Window | undefined {
    for (const w of this.windows) if (address >= w.start && address <= w.start + BigInt(w.bytes.length)) return w;
    return undefined;
  }

  /**
   * `prefix` without I/O: the answer when the loaded bytes decide it (all there, or the dump ends
   * inside), else undefined. Walks ask the same few KiB many times; this spares them the awaits.
   */
  prefixNow(address: bigint, length: number): Uint8Array | undefined {
    if (length <= 0 || address < this.start || address >= this.end) return new Uint8Array(0);
    const room = this.end - address;
    if (BigInt(length) > room) length = Number(room);
    const w = this.windowAt(address);
    if (!w) return undefined;
    const off = Number(address - w.start);
    if (off + length <= w.bytes.length) return w.bytes.subarray(off, off + length);
    return w.final ? w.bytes.subarray(off) : undefined;
  }

  /** Loads so that [address, address + length) is in a window, as far as the dump and budget allow. */
  private async load(address: bigint, length: number): Promise<void> {
    let w = this.windowAt(address);
    // Frames a few KiB apart (a deep recursion's): grow the window below through the gap, which
    // costs one read where a window per frame would cost one each.
    if (!w) {
      const below = this.windows.find((x) => !x.final && x.start <= address && address - (x.start + BigInt(x.bytes.length)) <= BigInt(Math.max(NEAR_GAP, x.bytes.length)));
      if (below) w = below;
    }
    if (!w) {
      // A new window (the first, or one below the others). The first starts at the origin when
      // the read is near it, whatever the walk asked first (ARM64 reads x29's record first).
      let from = address;
      let size = Math.max(length, this.windows.length === 0 ? this.firstRead : GROW);
      const o = this.origin;
      if (this.windows.length === 0 && o !== undefined && o >= this.start && o <= address && address - o < BigInt(this.firstRead)) {
        from = o;
        size = Math.max(this.firstRead, Number(address - o) + length);
      }
      const want = this.clamp(from, size);
      if (want <= 0) {
        this.windows.push({ start: from, bytes: new Uint8Array(0), final: true });
        return;
      }
      const bytes = await this.read(from, want);
      this.bytesRead += bytes.length;
      w = { start: from, bytes, final: bytes.length < want || from + BigInt(want) >= this.end };
      this.windows.push(w);
      if (Number(address - w.start) + length <= w.bytes.length || w.final) return;
    }
    while (!w.final && Number(address - w.start) + length > w.bytes.length) {
      const at = w.start + BigInt(w.bytes.length);
      const need = Number(address - at) + length;
      const want = this.clamp(at, Math.max(need, GROW, w.bytes.length));
      if (want <= 0) {
        w.final = true;
        return;
      }
      const more = await this.read(at, want);
      this.bytesRead += more.length;
      const joined = new Uint8Array(w.bytes.length + more.length);
      joined.set(w.bytes);
      joined.set(more, w.bytes.length);
      w.bytes = joined;
      if (more.length < want || at + BigInt(want) >= this.end) w.final = true;
    }
  }

  /** `length` cut to the region's end and to what is left of the budget (noting when the budget cut it). */
  private clamp(at: bigint, length: number): number {
    if (at >= this.end) return 0;
    const room = this.end - at;
    if (BigInt(length) > room) length = Number(room);
    const left = this.budget - this.bytesRead;
    if (length > left) {
      this.budgetSpent = true;
      length = Math.max(0, left);
    }
    return length;
  }

  /** `length` bytes at `address`, or undefined when any is outside the region or not in the dump. */
  async bytes(address: bigint, length: number): Promise<Uint8Array | undefined> {
    if (length <= 0 || !this.contains(address, length)) return undefined;
    let got = this.prefixNow(address, length);
    if (got === undefined) {
      await this.load(address, length);
      got = this.prefixNow(address, length);
    }
    return got && got.length === length ? got : undefined;
  }

  /**
   * The readable bytes from `address`, up to `length`: fewer where the region, the dump or the
   * budget ends first (possibly none). One call for a whole scan window.
   */
  async prefix(address: bigint, length: number): Promise<Uint8Array> {
    const now = this.prefixNow(address, length);
    if (now !== undefined) return now;
    await this.load(address, length);
    const w = this.windowAt(address);
    if (!w) return new Uint8Array(0);
    const off = Number(address - w.start);
    return w.bytes.subarray(off, Math.min(w.bytes.length, off + length));
  }

  /** A word from loaded bytes: the value, null when absent, undefined when a load is needed. */
  wordNow(address: bigint, size: 4 | 8): bigint | null | undefined {
    const b = this.prefixNow(address, size);
    if (b === undefined) return undefined;
    if (b.length < size) return null;
    const dv = new DataView(b.buffer, b.byteOffset, size);
    return size === 8 ? dv.getBigUint64(0, true) : BigInt(dv.getUint32(0, true));
  }

  /** A little-endian word of `size` bytes at `address`. */
  async word(address: bigint, size: 4 | 8): Promise<bigint | undefined> {
    const now = this.wordNow(address, size);
    if (now !== undefined) return now ?? undefined;
    const b = await this.bytes(address, size);
    if (!b) return undefined;
    const dv = new DataView(b.buffer, b.byteOffset, size);
    return size === 8 ? dv.getBigUint64(0, true) : BigInt(dv.getUint32(0, true));
  }

  /** As a ReadMemory, for the unwind-data evaluators. */
  readonly asReader: ReadMemory = (address, length) => this.bytes(address, length);
}
