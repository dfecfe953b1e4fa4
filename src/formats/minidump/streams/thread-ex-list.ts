// ThreadExListStream (8): u32 count + MINIDUMP_THREAD_EX[] (adds the IA-64 backing store).

import { MINIDUMP_THREAD_EX } from '../../../../native-structs/minidump/threads.js';
import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { LIMITS } from '../../../limits.js';
import { readCountedList, type StreamDecoder } from '../stream.js';
import type { RawThread, ThreadList } from './thread-list.js';

export const threadExListStream: StreamDecoder<ThreadList> = {
  streamType: StreamType.ThreadExList,
  key: 'threadExList',
  async decode(ctx) {
    const r = await readCountedList<RawThread>(ctx, MINIDUMP_THREAD_EX, LIMITS.maxThreads);
    return { count: r.count, padded: r.padded, threads: r.items };
  },
};
