// ProcessVmCountersStream (22): revision 1 or 2, chosen by the Revision field and the size.

import { MINIDUMP_PROCESS_VM_COUNTERS_1, MINIDUMP_PROCESS_VM_COUNTERS_2 } from '../../../../native-structs/minidump/process.js';
import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { decodeStruct } from '../../../reader/struct-codec.js';
import { DumpFormatError } from '../../../errors.js';
import type { StreamDecoder } from '../stream.js';

export const processVmCountersStream: StreamDecoder<Record<string, unknown>> = {
  streamType: StreamType.ProcessVmCounters,
  key: 'processVmCounters',
  async decode(ctx) {
    const e = ctx.entry;
    const head = await ctx.file.read(e.rva, Math.min(2, e.dataSize), 'MINIDUMP_PROCESS_VM_COUNTERS');
    const revision = head.length === 2 ? head[0]! | (head[1]! << 8) : 0;
    const def = revision >= 2 && e.dataSize >= MINIDUMP_PROCESS_VM_COUNTERS_2.size ? MINIDUMP_PROCESS_VM_COUNTERS_2 : MINIDUMP_PROCESS_VM_COUNTERS_1;
    if (e.dataSize < def.size) throw new DumpFormatError('BadValue', `ProcessVmCountersStream is ${e.dataSize} bytes; ${def.name} needs ${def.size}`, { struct: def.name, offset: e.rva });
    const r = decodeStruct<Record<string, unknown>>(def, await ctx.file.read(e.rva, def.size, def.name), e.rva);
    delete r.pad0;
    return r;
  },
};
