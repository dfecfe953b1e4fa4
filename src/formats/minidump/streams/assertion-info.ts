// AssertionInfoStream (0x47670002): breakpad's invalid-parameter / pure-virtual-call record.

import { MDRAW_ASSERTION_INFO } from '../../../../native-structs/minidump/breakpad.js';
import { AssertionType, StreamType } from '../../../../native-structs/constants/minidump.js';
import { decodeStruct } from '../../../reader/struct-codec.js';
import { decodeUtf16 } from '../../../reader/text.js';
import type { StreamDecoder } from '../stream.js';

export interface AssertionInfo {
  expression: string;
  function: string;
  file: string;
  line: number;
  type: number;
  typeName: string;
}

export const assertionInfoStream: StreamDecoder<AssertionInfo> = {
  streamType: StreamType.AssertionInfo,
  key: 'assertionInfo',
  async decode(ctx) {
    const e = ctx.entry;
    const r = decodeStruct<{ expression: Uint8Array; function: Uint8Array; file: Uint8Array; line: number; type: number }>(
      MDRAW_ASSERTION_INFO, await ctx.file.read(e.rva, Math.min(e.dataSize, MDRAW_ASSERTION_INFO.size), MDRAW_ASSERTION_INFO.name), e.rva);
    return {
      expression: decodeUtf16(r.expression),
      function: decodeUtf16(r.function),
      file: decodeUtf16(r.file),
      line: r.line,
      type: r.type,
      typeName: Object.entries(AssertionType).find(([, v]) => v === r.type)?.[0] ?? `0x${r.type.toString(16)}`,
    };
  },
};
