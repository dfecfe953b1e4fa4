// Memory64ListStream (9): u64 count, u64 BaseRva, MINIDUMP_MEMORY_DESCRIPTOR64[]; the data of all
// ranges is contiguous from BaseRva. Each range is bounded by the file (clamped with a warning).

import { MINIDUMP_MEMORY64_LIST, MINIDUMP_MEMORY_DESCRIPTOR64 } from '../../../../native-structs/minidump/memory.js';
import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { LIMITS } from '../../../limits.js';
import { decodeStruct } from '../../../reader/struct-codec.js';
import { DumpFormatError } from '../../../errors.js';
import { hex } from '../../../util/hex.js';
import type { RangeTableBuilder } from '../range-table.js';
import { budgeted, clampCount, forEachEntryPage, type StreamContext, type StreamDecoder } from '../stream.js';

export interface Memory64Range {
  startOfMemoryRange: bigint;
  dataSize: bigint;
  /** File offset of this range's bytes. */
  rva: number;
  /** Bytes of the range actually present in the file. */
  available: number;
}

export interface Memory64List {
  numberOfMemoryRanges: bigint;
  baseRva: bigint;
  ranges: Memory64Range[];
}

async function memory64Head(ctx: StreamContext): Promise<{ h: { numberOfMemoryRanges: bigint; baseRva: bigint }; n: number }> {
  const e = ctx.entry;
  if (e.dataSize < MINIDUMP_MEMORY64_LIST.size) {
    throw new DumpFormatError('BadValue', `Memory64ListStream is ${e.dataSize} bytes`, { struct: MINIDUMP_MEMORY64_LIST.name, offset: e.rva });
  }
  const h = decodeStruct<{ numberOfMemoryRanges: bigint; baseRva: bigint }>(MINIDUMP_MEMORY64_LIST, await ctx.file.read(e.rva, 16, MINIDUMP_MEMORY64_LIST.name), e.rva);
  const count = h.numberOfMemoryRanges > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(h.numberOfMemoryRanges);
  const cap = Math.floor(LIMITS.streamReadCap / 16);
  const n = clampCount(ctx, MINIDUMP_MEMORY_DESCRIPTOR64.name, count, 16, e.dataSize - 16, Math.min(LIMITS.maxMemoryRanges, cap), e.rva);
  return { h, n };
}

function big(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** One descriptor as walkMemory64 hands it over: the start and size in 32-bit halves. */
interface Memory64Entry {
  hi: number;
  lo: number;
  sizeHi: number;
  sizeLo: number;
  /** The size as a number (a size past 2^53 is past any file, so what is lost is never present). */
  dataSize: number;
  /** File offset of the range's bytes (capped at 2^53). */
  rva: number;
}

/**
 * The first `n` descriptors, a page at a time, each with its file offset (the data of all ranges
 * is contiguous from BaseRva), with the warnings both readers give: the first range running
 * past the end of the file, and a range past 2^64 (skipped).
 */
async function walkMemory64(ctx: StreamContext, baseRva: bigint, n: number, visit: (r: Memory64Entry) => void): Promise<void> {
  const e = ctx.entry;
  const size = ctx.file.size;
  let at = baseRva > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(baseRva);
  let warned = false;
  await forEachEntryPage(ctx, MINIDUMP_MEMORY_DESCRIPTOR64.name, e.rva + 16, n, 16, (dv, _first, k) => {
    for (let j = 0; j < k; j++) {
      const lo = dv.getUint32(j * 16, true);
      const hi = dv.getUint32(j * 16 + 4, true);
      const sizeLo = dv.getUint32(j * 16 + 8, true);
      const sizeHi = dv.getUint32(j * 16 + 12, true);
      const dataSize = sizeHi * 0x1_0000_0000 + sizeLo;
      const rva = at;
      at = Math.min(Number.MAX_SAFE_INTEGER, at + dataSize);
      if (!warned && (rva >= size ? dataSize > 0 : at > size)) {
        warned = true;
        ctx.file.warn('MemoryTruncated', `Memory64List range ${hex(big(hi, lo))} (${hex(big(sizeHi, sizeLo))} bytes at file offset ${hex(rva)}) runs past the end of the file; later ranges are missing`, e.rva);
      }
      // Start + size past 2^64 (possible only when the high halves add up to 2^32 - 1 or more).
      if (hi + sizeHi >= 0xffff_ffff && big(hi, lo) + big(sizeHi, sizeLo) > 0x1_0000_0000_0000_0000n) {
        ctx.file.warn('BadValue', `Memory64List range ${hex(big(hi, lo))} + ${hex(big(sizeHi, sizeLo))} overflows the address space`, e.rva);
        continue;
      }
      visit({ hi, lo, sizeHi, sizeLo, dataSize, rva });
    }
  });
}

export const memory64ListStream: StreamDecoder<Memory64List> = {
  streamType: StreamType.Memory64List,
  key: 'memory64List',
  async decode(ctx) {
    const { h, n } = await memory64Head(ctx);
    const size = ctx.file.size;
    const ranges: Memory64Range[] = [];
    await walkMemory64(ctx, h.baseRva, budgeted(ctx, n), (r) => {
      const present = r.rva >= size ? 0 : Math.min(r.dataSize, size - r.rva);
      ranges.push({ startOfMemoryRange: big(r.hi, r.lo), dataSize: big(r.sizeHi, r.sizeLo), rva: Math.min(r.rva, size), available: present });
    });
    return { numberOfMemoryRanges: h.numberOfMemoryRanges, baseRva: h.baseRva, ranges };
  },
};

/**
 * The Memory64List's ranges straight into the memory map's columns (the triage path): no
 * object per descriptor.
 */
export async function addMemory64Ranges(ctx: StreamContext, into: RangeTableBuilder): Promise<void> {
  const { h, n } = await memory64Head(ctx);
  into.reserve(n);
  const size = ctx.file.size;
  await walkMemory64(ctx, h.baseRva, n, (r) => {
    if (r.rva < size) into.addParts(r.hi, r.lo, r.dataSize, r.rva);
  });
}
