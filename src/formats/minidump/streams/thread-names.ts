// ThreadNamesStream (24): u32 count + MINIDUMP_THREAD_NAME[] (RVA64 → MINIDUMP_STRING).

import { MINIDUMP_THREAD_NAME } from '../../../../native-structs/minidump/threads.js';
import { StreamType } from '../../../../native-structs/constants/minidump.js';
import { LIMITS } from '../../../limits.js';
import { readCountedList, type StreamDecoder } from '../stream.js';

export interface ThreadName {
  threadId: number;
  rvaOfThreadName: bigint;
  name?: string;
}

export const threadNamesStream: StreamDecoder<ThreadName[]> = {
  streamType: StreamType.ThreadNames,
  key: 'threadNames',
  async decode(ctx) {
    const r = await readCountedList<ThreadName>(ctx, MINIDUMP_THREAD_NAME, LIMITS.maxThreads);
    await ctx.file.prefetchEach(r.items, (t) => [{ offset: Number(t.rvaOfThreadName), length: 4 + 128 }], async (t) => {
      const name = await ctx.file.readString(t.rvaOfThreadName, `thread ${t.threadId} name`);
      if (name !== undefined) t.name = name;
    });
    return r.items;
  },
};
