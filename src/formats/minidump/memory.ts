// Reads target memory by virtual address across thread stacks, MemoryList and Memory64List:
// one sorted, non-overlapping interval list (first listed wins where ranges overlap), binary
// search, and bytes read on demand. Missing bytes are missing (undefined), never zeros.
//
// Thread stacks and the MemoryList table are small and load first; the Memory64List table of a
// full-memory dump can be large and loads only when an address is not found in the others.

import type { MemoryReader } from '../../analysis/facts/types.js';
import { LimitExceededError } from '../../errors.js';
import { LIMITS } from '../../limits.js';
import type { MinidumpFile } from './file.js';

export interface MemoryRange {
  start: bigint;
  /** Exclusive; only bytes present in the file. */
  end: bigint;
  fileOffset: number;
}

/**
 * Sort by start and trim overlaps so that earlier-listed ranges win. Ranges past EOF are cut.
 * A full or heap dump lists thousands of ranges: no object spread, a numeric sort key (bigint
 * compares only where two keys tie), and no sort at all when the list is already in order (as
 * writers usually leave it). 7,990 ranges took 7 ms this way round, and 0.6 ms this way.
 */
export function normalizeRanges(ranges: MemoryRange[], fileSize: number): MemoryRange[] {
  const kept: Array<{ start: bigint; end: bigint; fileOffset: number; i: number; key: number }> = [];
  let sorted = true;
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i]!;
    if (!(r.fileOffset >= 0 && r.fileOffset <= fileSize)) continue;
    const room = BigInt(fileSize - r.fileOffset);
    const end = r.end - r.start > room ? r.start + room : r.end;
    if (end <= r.start) continue;
    // Number() of a bigint is monotonic: a smaller key is a smaller start; equal keys may not be.
    const key = Number(r.start);
    const last = kept[kept.length - 1];
    if (last && (key < last.key || (key === last.key && r.start < last.start))) sorted = false;
    kept.push({ start: r.start, end, fileOffset: r.fileOffset, i, key });
  }
  if (!sorted) kept.sort((a, b) => a.key - b.key || (a.start < b.start ? -1 : a.start > b.start ? 1 : a.i - b.i));
  const out: MemoryRange[] = [];
  for (const r of kept) {
    const last = out[out.length - 1];
    if (last && r.start < last.end) {
      if (r.end <= last.end) continue;
      const cut = last.end - r.start;
      out.push({ start: last.end, end: r.end, fileOffset: r.fileOffset + Number(cut) });
    } else out.push({ start: r.start, end: r.end, fileOffset: r.fileOffset });
  }
  return out;
}

function find(ranges: MemoryRange[], address: bigint): MemoryRange | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (address < r.start) hi = mid - 1;
    else if (address >= r.end) lo = mid + 1;
    else return r;
  }
  return undefined;
}

export class MinidumpMemory implements MemoryReader {
  // Memoised as promises: reads that start together (a stack scan's) share one load and sort.
  private small?: Promise<MemoryRange[]>;
  private all?: Promise<MemoryRange[]>;

  constructor(
    private readonly file: MinidumpFile,
    private readonly loadSmall: () => Promise<MemoryRange[]>,
    private readonly loadLarge: () => Promise<MemoryRange[]>,
    private readonly hasLarge: boolean,
  ) {}

  /** Every range (loads the Memory64List table when there is one). */
  async ranges(): Promise<MemoryRange[]> {
    return this.full();
  }

  private primary(): Promise<MemoryRange[]> {
    this.small ??= this.loadSmall().then((r) => normalizeRanges(r, this.file.size));
    return this.small;
  }

  private full(): Promise<MemoryRange[]> {
    this.all ??= (async () => {
      const small = await this.loadSmall();
      const large = this.hasLarge ? await this.loadLarge() : [];
      return normalizeRanges([...small, ...large], this.file.size);
    })();
    return this.all;
  }

  /** Pieces covering [address, address+length) in `ranges`, stopping at the first gap. */
  private pieces(ranges: MemoryRange[], address: bigint, length: number): Array<{ fileOffset: number; length: number }> {
    const out: Array<{ fileOffset: number; length: number }> = [];
    let at = address;
    let left = length;
    while (left > 0) {
      const r = find(ranges, at);
      if (!r) break;
      const n = Math.min(left, Number(r.end - at));
      out.push({ fileOffset: r.fileOffset + Number(at - r.start), length: n });
      at += BigInt(n);
      left -= n;
    }
    return out;
  }

  /**
   * Reads ahead the file bytes behind many small ranges (the first stack bytes of every thread)
   * through the file's read-ahead cache, all at once (each read is a thread-pool round trip:
   * one after the other, a hundred threads' stacks cost a hundred waits). Only touching ranges are
   * merged: reading the gaps between stacks would double the bytes read. Only the MemoryList is
   * consulted.
   */
  async prefetch(spans: Array<{ address: bigint; length: number }>): Promise<void> {
    const ranges = await this.primary();
    const wanted: Array<{ offset: number; length: number }> = [];
    for (const s of spans) for (const p of this.pieces(ranges, s.address, s.length)) wanted.push({ offset: p.fileOffset, length: p.length });
    await this.file.prefetch(wanted, 0);
  }

  private async gather(address: bigint, length: number, needAll: boolean): Promise<Uint8Array | undefined> {
    if (length > LIMITS.maxSingleRead) throw new LimitExceededError(`memory read of ${length} bytes is over the ${LIMITS.maxSingleRead}-byte limit`, { struct: 'memory' });
    if (length <= 0 || address < 0n) return new Uint8Array(0);
    let ps = this.pieces(await this.primary(), address, length);
    let got = ps.reduce((n, p) => n + p.length, 0);
    if (got < length && this.hasLarge) {
      ps = this.pieces(await this.full(), address, length);
      got = ps.reduce((n, p) => n + p.length, 0);
    }
    if (needAll && got < length) return undefined;
    if (ps.length === 1) return (await this.file.read(ps[0]!.fileOffset, ps[0]!.length, 'memory')).slice();
    const out = new Uint8Array(got);
    let o = 0;
    for (const p of ps) {
      out.set(await this.file.read(p.fileOffset, p.length, 'memory'), o);
      o += p.length;
    }
    return out;
  }

  async read(address: bigint, length: number): Promise<Uint8Array | undefined> {
    return this.gather(address, length, true);
  }

  async readPrefix(address: bigint, maxLength: number): Promise<Uint8Array> {
    return (await this.gather(address, maxLength, false)) ?? new Uint8Array(0);
  }

  async fileOffsetOf(address: bigint): Promise<number | undefined> {
    let r = find(await this.primary(), address);
    if (!r && this.hasLarge) r = find(await this.full(), address);
    return r ? r.fileOffset + Number(address - r.start) : undefined;
  }
}
