// Thread streams: ThreadList (3), ThreadExList (8), ThreadInfoList (17), ThreadNames (24). Spec §4.1, §4.7.

import { defineStruct, struct, u32, u64 } from '../define.js';
import { MINIDUMP_LOCATION_DESCRIPTOR } from './header.js';
import { MINIDUMP_MEMORY_DESCRIPTOR } from './memory.js';

export const MINIDUMP_THREAD = defineStruct('MINIDUMP_THREAD', 48, [
  ['threadId', u32], //       0x00
  ['suspendCount', u32], //   0x04
  ['priorityClass', u32], //  0x08
  ['priority', u32], //       0x0C
  ['teb', u64], //            0x10
  ['stack', struct(MINIDUMP_MEMORY_DESCRIPTOR)], // 0x18 start, 0x20 size, 0x24 rva
  ['threadContext', struct(MINIDUMP_LOCATION_DESCRIPTOR)], // 0x28 size, 0x2C rva
]);

export const MINIDUMP_THREAD_EX = defineStruct('MINIDUMP_THREAD_EX', 64, [
  ['threadId', u32], //       0x00
  ['suspendCount', u32], //   0x04
  ['priorityClass', u32], //  0x08
  ['priority', u32], //       0x0C
  ['teb', u64], //            0x10
  ['stack', struct(MINIDUMP_MEMORY_DESCRIPTOR)], // 0x18
  ['threadContext', struct(MINIDUMP_LOCATION_DESCRIPTOR)], // 0x28
  ['backingStore', struct(MINIDUMP_MEMORY_DESCRIPTOR)], // 0x30 (IA-64)
]);

/** Packed: the RVA64 sits at offset 4. */
export const MINIDUMP_THREAD_NAME = defineStruct('MINIDUMP_THREAD_NAME', 12, [
  ['threadId', u32], //        0x00
  ['rvaOfThreadName', u64], // 0x04 RVA64 → MINIDUMP_STRING
]);

export const MINIDUMP_THREAD_INFO_LIST = defineStruct('MINIDUMP_THREAD_INFO_LIST', 12, [
  ['sizeOfHeader', u32], //    0x00
  ['sizeOfEntry', u32], //     0x04
  ['numberOfEntries', u32], // 0x08
]);

export const MINIDUMP_THREAD_INFO = defineStruct('MINIDUMP_THREAD_INFO', 64, [
  ['threadId', u32], //     0x00
  ['dumpFlags', u32], //    0x04
  ['dumpError', u32], //    0x08 HRESULT
  ['exitStatus', u32], //   0x0C
  ['createTime', u64], //   0x10 FILETIME
  ['exitTime', u64], //     0x18 FILETIME
  ['kernelTime', u64], //   0x20 100 ns
  ['userTime', u64], //     0x28 100 ns
  ['startAddress', u64], // 0x30
  ['affinity', u64], //     0x38
]);
