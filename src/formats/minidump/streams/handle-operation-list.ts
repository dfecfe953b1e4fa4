// HandleOperationListStream (18): application-verifier handle traces; the header is decoded,
// entries are opaque.

import { MINIDUMP_HANDLE_OPERATION_LIST } from '../../../../native-structs/minidump/handles.js';
import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { decodeStruct } from '../../../reader/struct-codec.js';
import type { StreamDecoder } from '../stream.js';

export const handleOperationListStream: StreamDecoder<Record<string, number>> = {
  streamType: StreamType.HandleOperationList,
  key: 'handleOperationList',
  async decode(ctx) {
    const e = ctx.entry;
    return decodeStruct<Record<string, number>>(MINIDUMP_HANDLE_OPERATION_LIST, await ctx.file.read(e.rva, Math.min(e.dataSize, 16), MINIDUMP_HANDLE_OPERATION_LIST.name), e.rva);
  },
};
