// MemoryListStream (5): u32 count + MINIDUMP_MEMORY_DESCRIPTOR[]. Only the table is read here;
// range contents are read by address through the memory reader.

import { MINIDUMP_MEMORY_DESCRIPTOR } from '../../../../native-structs/minidump/memory.js';
import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { LIMITS } from '../../../limits.js';
import { readCountedList, type StreamDecoder } from '../stream.js';

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
