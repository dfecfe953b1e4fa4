// Reads target memory by virtual address across thread stacks, MemoryList and Memory64List:
// one sorted, non-overlapping interval table (range-table.ts; the lower start wins where ranges
// overlap, the first listed on equal starts), binary search, and bytes read on demand. Missing bytes are missing (undefined), never zeros.
//
// Thread stacks and the MemoryList table are small and load first; the Memory64List table of a
// full-memory dump can be large and loads only when an address is not found in the others.

import type { MemoryReader } from '../../analysis/facts/types.js';
import { LimitExceededError } from '../../errors.js';
import { LIMITS } from '../../limits.js';
import type { MinidumpFile } from './file.js';
import { RangeTableBuilder, type MemoryRange, type RangeTable } from './range-table.js';

export type { MemoryRange } from './range-table.js';

/**
 * Sort by start and trim overlaps so that earlier-listed ranges win. Ranges past EOF are cut.
 * (The memory map itself is a RangeTable; this is the same work on plain objects.)
 */
export function normalizeRanges(ranges: MemoryRange[], fileSize: number): MemoryRange[] {
  const b = new RangeTableBuilder(fileSize, ranges.length);
  for (const r of ranges) b.add(r.start, r.end, r.fileOffset);
  return b.build().toArray();
}

/** Adds a table's ranges to the map being built. */
export type RangeLoader = (into: RangeTableBuilder) => Promise<void>;

export class MinidumpMemory implements MemoryReader {
  // Memoised as promises: reads that start together (a stack scan's) share one load and sort.
  private smallBuilder?: Promise<RangeTableBuilder>;
  private small?: Promise<RangeTable>;
  private all?: Promise<RangeTable>;

  constructor(
    private readonly file: MinidumpFile,
    private readonly loadSmall: RangeLoader,
    private readonly loadLarge: RangeLoader,
    private readonly hasLarge: boolean,
  ) {}

  /** Every range as objects (loads the Memory64List table when there is one). For tests and tools. */
  async ranges(): Promise<MemoryRange[]> {
    return (await this.full()).toArray();
  }

  /** Ranges in the map (loads the Memory64List table when there is one). */
  async rangeCount(): Promise<number> {
    return (await this.full()).length;
  }

  private loadedSmall(): Promise<RangeTableBuilder> {
    this.smallBuilder ??= (async () => {
      const b = new RangeTableBuilder(this.file.size);
      await this.loadSmall(b);
      return b;
    })();
    return this.smallBuilder;
  }

  private primary(): Promise<RangeTable> {
    this.small ??= this.loadedSmall().then((b) => {
      // Kept only to start the full map from (a dump with a Memory64List): 24 bytes a range.
      if (!this.hasLarge) this.smallBuilder = undefined;
      return b.build();
    });
    return this.small;
  }

  private full(): Promise<RangeTable> {
    this.all ??= (async () => {
      if (!this.hasLarge) return this.primary();
      const b = (await this.loadedSmall()).copy();
      await this.loadLarge(b);
      this.smallBuilder = undefined;
      return b.build();
    })();
    return this.all;
  }

  /** Pieces covering [address, address+length) in `table`, stopping at the first gap. */
  private pieces(table: RangeTable, address: bigint, length: number): Array<{ fileOffset: number; length: number }> {
    const out: Array<{ fileOffset: number; length: number }> = [];
    let at = address;
    let left = length;
    while (left > 0) {
      const i = table.find(at);
      if (i < 0) break;
      const n = table.bytesFrom(i, at, left);
      out.push({ fileOffset: table.offsetOf(i, at), length: n });
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
    let t = await this.primary();
    let i = t.find(address);
    if (i < 0 && this.hasLarge) {
      t = await this.full();
      i = t.find(address);
    }
    return i < 0 ? undefined : t.offsetOf(i, address);
  }
}
