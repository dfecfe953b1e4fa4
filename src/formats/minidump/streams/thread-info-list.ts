// ThreadInfoListStream (17): MINIDUMP_THREAD_INFO_LIST + MINIDUMP_THREAD_INFO[].

import { MINIDUMP_THREAD_INFO, MINIDUMP_THREAD_INFO_LIST } from '../../../../native-structs/minidump/threads.js';
import { StreamType, ThreadInfoFlag } from '../../../../native-structs/constants/minidump.js';
import { LIMITS } from '../../../limits.js';
import { filetimeToIso } from '../../../reader/text.js';
import { readExList, type StreamDecoder } from '../stream.js';

export interface ThreadInfo {
  threadId: number;
  dumpFlags: number;
  dumpFlagNames?: string[];
  dumpError: number;
  exitStatus: number;
  createTime: bigint;
  createTimeIso?: string;
  exitTime: bigint;
  kernelTime: bigint;
  userTime: bigint;
  startAddress: bigint;
  affinity: bigint;
}

export const threadInfoListStream: StreamDecoder<ThreadInfo[]> = {
  streamType: StreamType.ThreadInfoList,
  key: 'threadInfoList',
  async decode(ctx) {
    const r = await readExList<{ sizeOfHeader: number; sizeOfEntry: number; numberOfEntries: number }, ThreadInfo>(
      ctx, MINIDUMP_THREAD_INFO_LIST, MINIDUMP_THREAD_INFO, (h) => h.numberOfEntries, LIMITS.maxThreads);
    for (const t of r.items) {
      const names = Object.entries(ThreadInfoFlag).filter(([, b]) => t.dumpFlags & b).map(([n]) => n);
      if (names.length) t.dumpFlagNames = names;
      const iso = filetimeToIso(t.createTime);
      if (iso) t.createTimeIso = iso;
    }
    return r.items;
  },
};
