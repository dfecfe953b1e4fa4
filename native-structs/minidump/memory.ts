// Memory streams: MemoryList (5), Memory64List (9), MemoryInfoList (16). Spec §4.3, §4.7.

import { defineStruct, struct, u32, u64 } from '../define.js';
import { MINIDUMP_LOCATION_DESCRIPTOR } from './header.js';

export const MINIDUMP_MEMORY_DESCRIPTOR = defineStruct('MINIDUMP_MEMORY_DESCRIPTOR', 16, [
  ['startOfMemoryRange', u64], // 0x00
  ['memory', struct(MINIDUMP_LOCATION_DESCRIPTOR)], // 0x08 DataSize, 0x0C Rva
]);

export const MINIDUMP_MEMORY_DESCRIPTOR64 = defineStruct('MINIDUMP_MEMORY_DESCRIPTOR64', 16, [
  ['startOfMemoryRange', u64], // 0x00
  ['dataSize', u64], //           0x08
]);

export const MINIDUMP_MEMORY64_LIST = defineStruct('MINIDUMP_MEMORY64_LIST', 16, [
  ['numberOfMemoryRanges', u64], // 0x00
  ['baseRva', u64], //              0x08 file offset of range 0's bytes
]);

export const MINIDUMP_MEMORY_INFO_LIST = defineStruct('MINIDUMP_MEMORY_INFO_LIST', 16, [
  ['sizeOfHeader', u32], //    0x00
  ['sizeOfEntry', u32], //     0x04
  ['numberOfEntries', u64], // 0x08 (u64)
]);

export const MINIDUMP_MEMORY_INFO = defineStruct('MINIDUMP_MEMORY_INFO', 48, [
  ['baseAddress', u64], //       0x00
  ['allocationBase', u64], //    0x08
  ['allocationProtect', u32], // 0x10
  ['alignment1', u32], //        0x14
  ['regionSize', u64], //        0x18
  ['state', u32], //             0x20
  ['protect', u32], //           0x24
  ['type', u32], //              0x28
  ['alignment2', u32], //        0x2C
]);
