// A hostile minidump (issue 18, finding 1): N threads whose MINIDUMP_THREAD entries all point at
// ONE CONTEXT and ONE stack range. SynthMinidump writes one context and one stack per thread, so
// the thread list is written here by hand and appended after a SynthMinidump base that carries a
// raw directory entry for it (the base is built twice: once to learn where its bytes end).

import { StreamType } from '../../native-structs/constants/minidump.js';
import { MINIDUMP_THREAD } from '../../native-structs/minidump/threads.js';
import { encodeContext, SynthMinidump } from './minidump.js';

export const SHARED_STACK_START = 0x7ff6_0000_0000n;
export const SHARED_STACK_SIZE = 16 * 1024;
export const SHARED_RIP = 0x7ff7_1234_5678n;

function base(threadListRva: number, threadListSize: number): Uint8Array {
  return new SynthMinidump({ arch: 'x64' })
    .addSystemInfo({ arch: 'x64', os: 'windows' })
    .addModule({ name: 'C:\\app\\app.exe', base: 0x7ff7_1230_0000n, size: 0x10_0000 })
    .addException({ threadId: 1, code: 0xc0000005, address: SHARED_RIP, parameters: [0n, 0n], context: { rip: SHARED_RIP, rsp: SHARED_STACK_START + 0x100n } })
    .addRawDirectoryEntry(StreamType.ThreadList, threadListRva, threadListSize)
    .build();
}

/** `count` threads (ids 1..count) sharing one CONTEXT RVA and one stack memory range. */
export function sharedThreadsMinidump(count = 65_536): Uint8Array {
  const listSize = 4 + count * MINIDUMP_THREAD.size;
  const probe = base(0, 0);
  const ctxRva = (probe.length + 15) & ~15;
  const ctx = encodeContext('x64', { rip: SHARED_RIP, rsp: SHARED_STACK_START + 0x100n, rbp: SHARED_STACK_START + 0x200n });
  const stackRva = (ctxRva + ctx.length + 15) & ~15;
  const listRva = stackRva + SHARED_STACK_SIZE;
  const head = base(listRva, listSize);
  if (head.length !== probe.length) throw new Error('base minidump size changed between builds');
  const out = new Uint8Array(listRva + listSize);
  out.set(head, 0);
  out.set(ctx, ctxRva);
  const stack = new DataView(out.buffer, stackRva, SHARED_STACK_SIZE);
  // Stack words: some look like return addresses into the module, the rest small numbers.
  for (let i = 0; i < SHARED_STACK_SIZE / 8; i++) stack.setBigUint64(i * 8, i % 7 === 0 ? SHARED_RIP + BigInt(i) : BigInt(i), true);
  const dv = new DataView(out.buffer, listRva, listSize);
  dv.setUint32(0, count, true);
  for (let i = 0; i < count; i++) {
    const at = 4 + i * MINIDUMP_THREAD.size;
    dv.setUint32(at + 0x00, i + 1, true); // threadId
    dv.setUint32(at + 0x0c, 0, true); // priority
    dv.setBigUint64(at + 0x10, 0x7ff5_0000_0000n + BigInt(i) * 0x2000n, true); // teb
    dv.setBigUint64(at + 0x18, SHARED_STACK_START, true);
    dv.setUint32(at + 0x20, SHARED_STACK_SIZE, true);
    dv.setUint32(at + 0x24, stackRva, true);
    dv.setUint32(at + 0x28, ctx.length, true);
    dv.setUint32(at + 0x2c, ctxRva, true);
  }
  return out;
}
