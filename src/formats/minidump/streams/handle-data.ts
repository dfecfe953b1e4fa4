// HandleDataStream (12): MINIDUMP_HANDLE_DATA_STREAM + MINIDUMP_HANDLE_DESCRIPTOR(_2)[].

import { MINIDUMP_HANDLE_DATA_STREAM, MINIDUMP_HANDLE_DESCRIPTOR, MINIDUMP_HANDLE_DESCRIPTOR_2 } from '../../../../native-structs/minidump/handles.js';
import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { LIMITS } from '../../../limits.js';
import { readExList, type StreamDecoder } from '../stream.js';

export interface HandleDescriptor {
  handle: bigint;
  typeNameRva: number;
  objectNameRva: number;
  attributes: number;
  grantedAccess: number;
  handleCount: number;
  pointerCount: number;
  objectInfoRva?: number;
  typeName?: string;
  objectName?: string;
}

/** Handles whose names are resolved (each name is a string read). */
const MAX_NAMED_HANDLES = 4096;

export const handleDataStream: StreamDecoder<{ count: number; handles: HandleDescriptor[] }> = {
  streamType: StreamType.HandleData,
  key: 'handleData',
  async decode(ctx) {
    const head = await ctx.file.read(ctx.entry.rva, Math.min(ctx.entry.dataSize, 16), 'MINIDUMP_HANDLE_DATA_STREAM');
    const entrySize = head.length >= 8 ? new DataView(head.buffer, head.byteOffset).getUint32(4, true) : 0;
    const def = entrySize >= MINIDUMP_HANDLE_DESCRIPTOR_2.size ? MINIDUMP_HANDLE_DESCRIPTOR_2 : MINIDUMP_HANDLE_DESCRIPTOR;
    const r = await readExList<{ sizeOfHeader: number; sizeOfEntry: number; numberOfDescriptors: number }, HandleDescriptor>(
      ctx, MINIDUMP_HANDLE_DATA_STREAM, def, (h) => h.numberOfDescriptors, LIMITS.maxHandles);
    const named = r.items.slice(0, MAX_NAMED_HANDLES);
    await ctx.file.prefetchEach(named, (h) => [{ offset: h.typeNameRva, length: 64 }, { offset: h.objectNameRva, length: 256 }], async (h) => {
      const t = await ctx.file.readString(h.typeNameRva, 'handle type name');
      if (t !== undefined) h.typeName = t;
      const o = await ctx.file.readString(h.objectNameRva, 'handle object name');
      if (o !== undefined && o !== '') h.objectName = o;
    });
    return { count: r.header.numberOfDescriptors, handles: r.items };
  },
};
