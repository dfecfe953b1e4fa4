// MINIDUMP_HEADER, MINIDUMP_DIRECTORY and location descriptors (spec minidump.md §1).
// All Microsoft minidump structures are pshpack4: offsets below are explicit.

import { defineStruct, struct, u32, u64 } from '../define.js';

export const MINIDUMP_LOCATION_DESCRIPTOR = defineStruct('MINIDUMP_LOCATION_DESCRIPTOR', 8, [
  ['dataSize', u32], // 0x00
  ['rva', u32], //      0x04
]);

export const MINIDUMP_LOCATION_DESCRIPTOR64 = defineStruct('MINIDUMP_LOCATION_DESCRIPTOR64', 16, [
  ['dataSize', u64], // 0x00
  ['rva', u64], //      0x08
]);

export const MINIDUMP_HEADER = defineStruct('MINIDUMP_HEADER', 32, [
  ['signature', u32], //          0x00 "MDMP"
  ['version', u32], //            0x04 low 16 bits 0xA793
  ['numberOfStreams', u32], //    0x08
  ['streamDirectoryRva', u32], // 0x0C
  ['checkSum', u32], //           0x10
  ['timeDateStamp', u32], //      0x14 time_t
  ['flags', u64], //              0x18 MINIDUMP_TYPE
]);

export const MINIDUMP_DIRECTORY = defineStruct('MINIDUMP_DIRECTORY', 12, [
  ['streamType', u32], // 0x00
  ['location', struct(MINIDUMP_LOCATION_DESCRIPTOR)], // 0x04 DataSize, 0x08 Rva
]);

/** u32 count at the start of the classic list streams (thread, module, memory, thread names). */
export const MINIDUMP_LIST_COUNT = defineStruct('MINIDUMP_LIST_COUNT', 4, [['count', u32]]);
