// SystemMemoryInfoStream (21): MINIDUMP_SYSTEM_MEMORY_INFO_1 (diagnostic).

import { MINIDUMP_SYSTEM_MEMORY_INFO_1 } from '../../../../native-structs/minidump/process.js';
import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { decodeStruct } from '../../../reader/struct-codec.js';
import { DumpFormatError } from '../../../errors.js';
import type { StreamDecoder } from '../stream.js';

export const systemMemoryInfoStream: StreamDecoder<Record<string, unknown>> = {
  streamType: StreamType.SystemMemoryInfo,
  key: 'systemMemoryInfo',
  async decode(ctx) {
    const e = ctx.entry;
    if (e.dataSize < MINIDUMP_SYSTEM_MEMORY_INFO_1.size) {
      throw new DumpFormatError('BadValue', `SystemMemoryInfoStream is ${e.dataSize} bytes; needs ${MINIDUMP_SYSTEM_MEMORY_INFO_1.size}`, { struct: MINIDUMP_SYSTEM_MEMORY_INFO_1.name, offset: e.rva });
    }
    return decodeStruct(MINIDUMP_SYSTEM_MEMORY_INFO_1, await ctx.file.read(e.rva, MINIDUMP_SYSTEM_MEMORY_INFO_1.size, MINIDUMP_SYSTEM_MEMORY_INFO_1.name), e.rva);
  },
};
