// Memory64ListStream (9): u64 count, u64 BaseRva, MINIDUMP_MEMORY_DESCRIPTOR64[]; the data of all
// ranges is contiguous from BaseRva. Each range is bounded by the file (clamped with a warning).

import { MINIDUMP_MEMORY64_LIST, MINIDUMP_MEMORY_DESCRIPTOR64 } from '../../../../native-structs/minidump/memory.js';
import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { LIMITS } from '../../../limits.js';
import { decodeArray, decodeStruct } from '../../../reader/struct-codec.js';
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

export const memory64ListStream: StreamDecoder<Memory64List> = {
  streamType: StreamType.Memory64List,
  key: 'memory64List',
  async decode(ctx) {
    const e = ctx.entry;
    const head = await memory64Head(ctx);
    const h = head.h;
    const n = budgeted(ctx, head.n);
    const descs = n === 0 ? [] : decodeArray<{ startOfMemoryRange: bigint; dataSize: bigint }>(MINIDUMP_MEMORY_DESCRIPTOR64, await ctx.file.read(e.rva + 16, n * 16, MINIDUMP_MEMORY_DESCRIPTOR64.name), n, e.rva + 16);
    const size = BigInt(ctx.file.size);
    let at = h.baseRva;
    const ranges: Memory64Range[] = [];
    let warned = false;
    for (const d of descs) {
      const rva = at;
      at += d.dataSize;
      const present = rva >= size ? 0n : (at > size ? size - rva : d.dataSize);
      if (present < d.dataSize && !warned) {
        warned = true;
        ctx.file.warn('MemoryTruncated', `Memory64List range ${hex(d.startOfMemoryRange)} (${hex(d.dataSize)} bytes at file offset ${hex(rva)}) runs past the end of the file; later ranges are missing`, e.rva);
      }
      if (d.startOfMemoryRange + d.dataSize > 0xffff_ffff_ffff_ffffn + 1n) {
        ctx.file.warn('BadValue', `Memory64List range ${hex(d.startOfMemoryRange)} + ${hex(d.dataSize)} overflows the address space`, e.rva);
        continue;
      }
      ranges.push({ startOfMemoryRange: d.startOfMemoryRange, dataSize: d.dataSize, rva: rva > size ? Number(size) : Number(rva), available: Number(present) });
    }
    return { numberOfMemoryRanges: h.numberOfMemoryRanges, baseRva: h.baseRva, ranges };
  },
};

function big(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * The Memory64List's ranges straight into the memory map's columns (the triage path): sizes and
 * file offsets as numbers (a size past 2^53 is past any file, so what is lost is never present),
 * the same warnings as the decoder.
 */
export async function addMemory64Ranges(ctx: StreamContext, into: RangeTableBuilder): Promise<void> {
  const e = ctx.entry;
  const { h, n } = await memory64Head(ctx);
  into.reserve(n);
  const size = ctx.file.size;
  let at = h.baseRva > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(h.baseRva);
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
      if (rva < size) into.addParts(hi, lo, dataSize, rva);
    }
  });
}
