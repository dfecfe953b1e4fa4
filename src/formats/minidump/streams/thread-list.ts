// ThreadListStream (3): u32 count + MINIDUMP_THREAD[]. Contexts and stacks are read on demand.

import { MINIDUMP_THREAD } from '../../../../native-structs/minidump/threads.js';
import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { LIMITS } from '../../../limits.js';
import { readCountedList, type StreamDecoder } from '../stream.js';

export interface RawThread {
  threadId: number;
  suspendCount: number;
  priorityClass: number;
  priority: number;
  teb: bigint;
  stack: { startOfMemoryRange: bigint; memory: { dataSize: number; rva: number } };
  threadContext: { dataSize: number; rva: number };
  backingStore?: { startOfMemoryRange: bigint; memory: { dataSize: number; rva: number } };
}

export interface ThreadList {
  count: number;
  padded: boolean;
  threads: RawThread[];
}

export const threadListStream: StreamDecoder<ThreadList> = {
  streamType: StreamType.ThreadList,
  key: 'threadList',
  async decode(ctx) {
    const r = await readCountedList<RawThread>(ctx, MINIDUMP_THREAD, LIMITS.maxThreads);
    return { count: r.count, padded: r.padded, threads: r.items };
  },
};
