// BreakpadInfoStream (0x47670001): which thread wrote the dump and which asked for it.

import { MDRAW_BREAKPAD_INFO } from '../../../../native-structs/minidump/breakpad.js';
import { BreakpadInfoValid, StreamType } from '../../../../native-structs/constants/minidump.js';
import { decodeStruct } from '../../../reader/struct-codec.js';
import type { StreamDecoder } from '../stream.js';

export interface BreakpadInfo {
  validity: number;
  dumpThreadId?: number;
  requestingThreadId?: number;
}

export const breakpadInfoStream: StreamDecoder<BreakpadInfo> = {
  streamType: StreamType.BreakpadInfo,
  key: 'breakpadInfo',
  async decode(ctx) {
    const e = ctx.entry;
    const r = decodeStruct<{ validity: number; dumpThreadId: number; requestingThreadId: number }>(MDRAW_BREAKPAD_INFO, await ctx.file.read(e.rva, Math.min(e.dataSize, 12), MDRAW_BREAKPAD_INFO.name), e.rva);
    const out: BreakpadInfo = { validity: r.validity };
    if (r.validity & BreakpadInfoValid.DumpThreadId) out.dumpThreadId = r.dumpThreadId;
    if (r.validity & BreakpadInfoValid.RequestingThreadId) out.requestingThreadId = r.requestingThreadId;
    return out;
  },
};
