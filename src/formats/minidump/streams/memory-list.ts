// MemoryListStream (5): u32 count + MINIDUMP_MEMORY_DESCRIPTOR[]. Only the table is read here;
// range contents are read by address through the memory reader.

import { MINIDUMP_MEMORY_DESCRIPTOR } from '../../../../native-structs/minidump/memory.js';
import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { LIMITS } from '../../../limits.js';
import type { RangeTableBuilder } from '../range-table.js';
import { countedListLayout, forEachEntryPage, readCountedList, type StreamContext, type StreamDecoder } from '../stream.js';

export interface MemoryDescriptor {
  startOfMemoryRange: bigint;
  memory: { dataSize: number; rva: number };
}

export const memoryListStream: StreamDecoder<MemoryDescriptor[]> = {
  streamType: StreamType.MemoryList,
  key: 'memoryList',
  async decode(ctx) {
    return (await readCountedList<MemoryDescriptor>(ctx, MINIDUMP_MEMORY_DESCRIPTOR, LIMITS.maxMemoryRanges)).items;
  },
};

/**
 * The MemoryList's ranges straight into the memory map's columns: no object per descriptor
 * (the triage path; `dump` decodes objects through memoryListStream).
 */
export async function addMemoryListRanges(ctx: StreamContext, into: RangeTableBuilder): Promise<void> {
  const { skip, n } = await countedListLayout(ctx, MINIDUMP_MEMORY_DESCRIPTOR, LIMITS.maxMemoryRanges);
  into.reserve(n);
  const size = MINIDUMP_MEMORY_DESCRIPTOR.size;
  await forEachEntryPage(ctx, MINIDUMP_MEMORY_DESCRIPTOR.name, ctx.entry.rva + skip, n, size, (dv, _first, k) => {
    for (let j = 0; j < k; j++) {
      const at = j * size;
      const dataSize = dv.getUint32(at + 8, true);
      const rva = dv.getUint32(at + 12, true);
      if (rva === 0 || dataSize === 0) continue;
      into.addParts(dv.getUint32(at + 4, true), dv.getUint32(at, true), dataSize, rva);
    }
  });
}
