// UnloadedModuleListStream (14): MINIDUMP_UNLOADED_MODULE_LIST + entries.

import { MINIDUMP_UNLOADED_MODULE, MINIDUMP_UNLOADED_MODULE_LIST } from '../../../../native-structs/minidump/modules.js';
import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { LIMITS } from '../../../limits.js';
import { readExList, type StreamDecoder } from '../stream.js';
import { fileNameOf } from '../../../reader/text.js';

export interface UnloadedModule {
  baseOfImage: bigint;
  sizeOfImage: number;
  checkSum: number;
  timeDateStamp: number;
  moduleNameRva: number;
  path: string;
  name: string;
  offset: number;
}

export const unloadedModuleListStream: StreamDecoder<UnloadedModule[]> = {
  streamType: StreamType.UnloadedModuleList,
  key: 'unloadedModuleList',
  async decode(ctx) {
    const r = await readExList<{ sizeOfHeader: number; sizeOfEntry: number; numberOfEntries: number }, UnloadedModule>(
      ctx, MINIDUMP_UNLOADED_MODULE_LIST, MINIDUMP_UNLOADED_MODULE, (h) => h.numberOfEntries, LIMITS.maxModules);
    const start = ctx.entry.rva + r.header.sizeOfHeader;
    await ctx.file.prefetchEach(r.items, (m) => [{ offset: m.moduleNameRva, length: 4 + 128 }], async (m, i) => {
      m.path = (await ctx.file.readString(m.moduleNameRva, `unloaded module ${i} name`)) ?? '';
      m.name = fileNameOf(m.path);
      m.offset = start + i * r.header.sizeOfEntry;
    });
    return r.items;
  },
};
