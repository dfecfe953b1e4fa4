// normalizeRanges: the interval list every memory read of a minidump searches. It skips the
// sort when the list is already in order and sorts on a numeric key, so it is checked against a
// plain reference (sort on the bigint start, list order on ties) on random lists: unsorted,
// overlapping, tied, cut at the end of the file, and kernel addresses close enough together that
// their Number() keys are equal.

import { mulberry32 as rng } from '../../helpers/rng.js';
import { describe, expect, it } from 'vitest';
import { MinidumpMemory, normalizeRanges, type MemoryRange } from '../../../src/formats/minidump/memory.js';
import type { MinidumpFile } from '../../../src/formats/minidump/file.js';
import { RangeTableBuilder } from '../../../src/formats/minidump/range-table.js';

function reference(ranges: MemoryRange[], fileSize: number): MemoryRange[] {
  const kept = ranges
    .map((r, i) => {
      const room = BigInt(Math.max(0, fileSize - r.fileOffset));
      return { start: r.start, end: r.end - r.start > room ? r.start + room : r.end, fileOffset: r.fileOffset, i };
    })
    .filter((r) => r.end > r.start && r.fileOffset >= 0 && r.fileOffset <= fileSize)
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.i - b.i));
  const out: MemoryRange[] = [];
  for (const r of kept) {
    const last = out[out.length - 1];
    if (last && r.start < last.end) {
      if (r.end > last.end) out.push({ start: last.end, end: r.end, fileOffset: r.fileOffset + Number(last.end - r.start) });
    } else out.push({ start: r.start, end: r.end, fileOffset: r.fileOffset });
  }
  return out;
}


describe('normalizeRanges', () => {
  it('keeps the first-listed bytes where ranges overlap, cuts at the end of the file, drops empty and misplaced ranges', () => {
    const r = (start: number, end: number, fileOffset: number): MemoryRange => ({ start: BigInt(start), end: BigInt(end), fileOffset });
    expect(normalizeRanges([r(0x2000, 0x3000, 100), r(0x1000, 0x2800, 5000), r(0x500, 0x500, 0), r(0x9000, 0x9100, -4), r(0x8000, 0x9000, 19_900)], 20_000)).toEqual([
      r(0x1000, 0x2800, 5000),
      r(0x2800, 0x3000, 100 + 0x800),
      r(0x8000, 0x8000 + 100, 19_900),
    ]);
  });

  it('leaves a list already in order as it is (one copy per range, no sort needed)', () => {
    const list: MemoryRange[] = Array.from({ length: 1000 }, (_, i) => ({ start: BigInt(i * 0x2000), end: BigInt(i * 0x2000 + 0x1000), fileOffset: i * 0x1000 }));
    expect(normalizeRanges(list, 0x1000 * 1000)).toEqual(list);
  });

  it('agrees with the reference on random lists, kernel addresses with equal Number() keys included', () => {
    const next = rng(7);
    const bases = [0x10000n, 0x7ff6_0000_0000n, 0xffff_f800_0000_0000n];
    for (let round = 0; round < 300; round++) {
      const base = bases[round % bases.length]!;
      const fileSize = 1 + Math.floor(next() * 0x20000);
      // Offsets under 0x800 above a kernel base share one Number() key (doubles step by 2048 there).
      const spread = round % 3 === 2 ? 0x800 : 0x40000;
      const ranges: MemoryRange[] = Array.from({ length: Math.floor(next() * 40) }, () => {
        const start = base + BigInt(Math.floor(next() * spread));
        return { start, end: start + BigInt(Math.floor(next() * 0x3000)), fileOffset: Math.floor(next() * (fileSize + 0x100)) - 0x10 };
      });
      if (round % 4 === 0) ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
      expect(normalizeRanges(ranges, fileSize)).toEqual(reference(ranges, fileSize));
    }
  });
});

describe('RangeTable', () => {
  it('finds addresses at the 32-bit seams and the top of the address space', () => {
    const b = new RangeTableBuilder(1 << 20);
    b.add(0xffff_fff0n, 0x1_0000_0010n, 0x100); // crosses 2^32
    b.add(0xffff_ffff_ffff_fff0n, 0x1_0000_0000_0000_0000n, 0x200); // ends at 2^64
    b.addParts(0xffff_ffff, 0xffff_fff8, 0x100, 0x300); // runs past 2^64: cut at the top
    const t = b.build();
    expect(t.toArray()).toEqual([
      { start: 0xffff_fff0n, end: 0x1_0000_0010n, fileOffset: 0x100 },
      { start: 0xffff_ffff_ffff_fff0n, end: 0x1_0000_0000_0000_0000n, fileOffset: 0x200 },
    ]);
    expect(t.find(0xffff_ffefn)).toBe(-1);
    expect(t.find(0x1_0000_0000n)).toBe(0);
    expect(t.offsetOf(0, 0x1_0000_0000n)).toBe(0x110);
    expect(t.find(0x1_0000_0010n)).toBe(-1);
    expect(t.find(0xffff_ffff_ffff_ffffn)).toBe(1);
    expect(t.bytesFrom(1, 0xffff_ffff_ffff_fffen, 100)).toBe(2);
    expect(t.find(-1n)).toBe(-1);
    expect(t.find(1n << 64n)).toBe(-1);
  });

  it('takes the bytes past the previous range from a range that starts inside it, across 2^32', () => {
    const b = new RangeTableBuilder(1 << 20);
    b.add(0x1_0000_0000n, 0x1_0000_1000n, 0x1000);
    b.add(0xffff_f000n, 0x1_0000_0800n, 0x8000); // lower start, listed second: wins where they meet
    expect(b.build().toArray()).toEqual([
      { start: 0xffff_f000n, end: 0x1_0000_0800n, fileOffset: 0x8000 },
      { start: 0x1_0000_0800n, end: 0x1_0000_1000n, fileOffset: 0x1800 },
    ]);
  });

  it('holds 10^6 ranges in columns: 24 bytes each', () => {
    const b = new RangeTableBuilder(2 ** 40, 1_000_000);
    for (let i = 0; i < 1_000_000; i++) {
      const a = i * 0x2000; // past 2^32 from i = 524,288 on
      b.addParts(Math.floor(a / 2 ** 32), a % 2 ** 32, 0x1000, i * 0x1000);
    }
    const t = b.build();
    expect(t.length).toBe(1_000_000);
    expect(t.sHi.byteLength + t.sLo.byteLength + t.eHi.byteLength + t.eLo.byteLength + t.off.byteLength).toBe(24_000_000);
    expect(t.find(BigInt(999_999 * 0x2000 + 0xfff))).toBe(999_999);
    expect(t.find(BigInt(999_999 * 0x2000 + 0x1000))).toBe(-1);
  });
});

describe('MinidumpMemory', () => {
  it('loads and sorts the range table once for reads that start together', async () => {
    let loads = 0;
    const bytes = Uint8Array.from({ length: 0x100 }, (_, i) => i);
    const file = { size: bytes.length, read: async (o: number, n: number) => bytes.subarray(o, o + n) } as unknown as MinidumpFile;
    const mem = new MinidumpMemory(
      file,
      async (into) => {
        loads++;
        into.add(0x1000n, 0x1100n, 0);
      },
      async () => {},
      false,
    );
    const got = await Promise.all([mem.read(0x1000n, 4), mem.read(0x1010n, 2), mem.fileOffsetOf(0x10ffn)]);
    expect(got).toEqual([Uint8Array.from([0, 1, 2, 3]), Uint8Array.from([0x10, 0x11]), 0xff]);
    expect(loads).toBe(1);
  });
});
