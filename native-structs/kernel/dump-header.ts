// Kernel dump header pages: DUMP_HEADER32 (PAGEDUMP, 0x1000) and DUMP_HEADER64 (PAGEDU64, 0x2000),
// the physical memory descriptors stored inside them and the header's exception records.
// Offsets from ../shared/spec/kernel-dump.md §2, §3, §6.1, §7.

import { array, bytes, defineStruct, i64, pad, struct, u32, u64, u8 } from '../define.js';

export const PHYSICAL_MEMORY_RUN32 = defineStruct('PHYSICAL_MEMORY_RUN32', 8, [
  ['basePage', u32], // 0x0
  ['pageCount', u32], // 0x4
]);

export const PHYSICAL_MEMORY_RUN64 = defineStruct('PHYSICAL_MEMORY_RUN64', 16, [
  ['basePage', u64], // 0x0
  ['pageCount', u64], // 0x8
]);

/** Fixed part; NumberOfRuns × PHYSICAL_MEMORY_RUN32 follow at +0x8 (at most 86 in the 700-byte area). */
export const PHYSICAL_MEMORY_DESCRIPTOR32 = defineStruct('PHYSICAL_MEMORY_DESCRIPTOR32', 8, [
  ['numberOfRuns', u32], // 0x0
  ['numberOfPages', u32], // 0x4
]);

/** Fixed part; NumberOfRuns × PHYSICAL_MEMORY_RUN64 follow at +0x10 (at most 42 in the 700-byte area). */
export const PHYSICAL_MEMORY_DESCRIPTOR64 = defineStruct('PHYSICAL_MEMORY_DESCRIPTOR64', 16, [
  ['numberOfRuns', u32], // 0x0
  ['pad0', pad(4)], // 0x4
  ['numberOfPages', u64], // 0x8
]);

/** Bytes of the PhysicalMemoryBlock area in both headers. */
export const PHYSICAL_MEMORY_BLOCK_SIZE = 700;
export const MAX_RUNS32 = Math.floor((PHYSICAL_MEMORY_BLOCK_SIZE - 8) / 8); // 86
export const MAX_RUNS64 = Math.floor((PHYSICAL_MEMORY_BLOCK_SIZE - 16) / 16); // 42

export const EXCEPTION_RECORD32 = defineStruct('EXCEPTION_RECORD32', 0x50, [
  ['exceptionCode', u32], // 0x00
  ['exceptionFlags', u32], // 0x04
  ['exceptionRecord', u32], // 0x08
  ['exceptionAddress', u32], // 0x0C
  ['numberParameters', u32], // 0x10
  ['exceptionInformation', array(u32, 15)], // 0x14
]);

export const EXCEPTION_RECORD64 = defineStruct('EXCEPTION_RECORD64', 0x98, [
  ['exceptionCode', u32], // 0x00
  ['exceptionFlags', u32], // 0x04
  ['exceptionRecord', u64], // 0x08
  ['exceptionAddress', u64], // 0x10
  ['numberParameters', u32], // 0x18
  ['unusedAlignment', u32], // 0x1C
  ['exceptionInformation', array(u64, 15)], // 0x20
]);

export const DUMP_HEADER32 = defineStruct('DUMP_HEADER32', 0x1000, [
  ['signature', u32], // 0x000 "PAGE"
  ['validDump', u32], // 0x004 "DUMP"
  ['majorVersion', u32], // 0x008
  ['minorVersion', u32], // 0x00C build
  ['directoryTableBase', u32], // 0x010
  ['pfnDataBase', u32], // 0x014
  ['psLoadedModuleList', u32], // 0x018
  ['psActiveProcessHead', u32], // 0x01C
  ['machineImageType', u32], // 0x020
  ['numberProcessors', u32], // 0x024
  ['bugCheckCode', u32], // 0x028
  ['bugCheckParameter', array(u32, 4)], // 0x02C
  ['versionUser', bytes(32)], // 0x03C
  ['paeEnabled', u8], // 0x05C
  ['kdSecondaryVersion', u8], // 0x05D
  ['spare', bytes(2)], // 0x05E
  ['kdDebuggerDataBlock', u32], // 0x060
  ['physicalMemoryBlock', bytes(PHYSICAL_MEMORY_BLOCK_SIZE)], // 0x064
  ['contextRecord', bytes(1200)], // 0x320
  ['exception', struct(EXCEPTION_RECORD32)], // 0x7D0
  ['comment', bytes(128)], // 0x820
  ['attributes', u32], // 0x8A0
  ['bootId', u32], // 0x8A4
  ['reserved0', bytes(1760)], // 0x8A8
  ['dumpType', u32], // 0xF88
  ['miniDumpFields', u32], // 0xF8C
  ['secondaryDataState', u32], // 0xF90
  ['productType', u32], // 0xF94
  ['suiteMask', u32], // 0xF98
  ['writerStatus', u32], // 0xF9C
  ['requiredDumpSpace', i64], // 0xFA0
  ['reserved2', bytes(16)], // 0xFA8
  ['systemUpTime', i64], // 0xFB8
  ['systemTime', i64], // 0xFC0
  ['reserved3', bytes(56)], // 0xFC8
]);

export const DUMP_HEADER64 = defineStruct('DUMP_HEADER64', 0x2000, [
  ['signature', u32], // 0x000 "PAGE"
  ['validDump', u32], // 0x004 "DU64"
  ['majorVersion', u32], // 0x008
  ['minorVersion', u32], // 0x00C build
  ['directoryTableBase', u64], // 0x010
  ['pfnDataBase', u64], // 0x018
  ['psLoadedModuleList', u64], // 0x020
  ['psActiveProcessHead', u64], // 0x028
  ['machineImageType', u32], // 0x030
  ['numberProcessors', u32], // 0x034
  ['bugCheckCode', u32], // 0x038
  ['pad0', pad(4)], // 0x03C
  ['bugCheckParameter', array(u64, 4)], // 0x040
  ['versionUser', bytes(32)], // 0x060
  ['kdDebuggerDataBlock', u64], // 0x080
  ['physicalMemoryBlock', bytes(704)], // 0x088 (700-byte area + 4 alignment)
  ['contextRecord', bytes(3000)], // 0x348
  ['exception', struct(EXCEPTION_RECORD64)], // 0xF00
  ['dumpType', u32], // 0xF98
  ['pad1', pad(4)], // 0xF9C
  ['requiredDumpSpace', i64], // 0xFA0
  ['systemTime', i64], // 0xFA8
  ['comment', bytes(128)], // 0xFB0
  ['systemUpTime', i64], // 0x1030
  ['miniDumpFields', u32], // 0x1038
  ['secondaryDataState', u32], // 0x103C
  ['productType', u32], // 0x1040
  ['suiteMask', u32], // 0x1044
  ['writerStatus', u32], // 0x1048
  ['unused1', u8], // 0x104C
  ['kdSecondaryVersion', u8], // 0x104D
  ['unused', bytes(2)], // 0x104E
  ['attributes', u32], // 0x1050
  ['bootId', u32], // 0x1054
  ['reserved0', bytes(4008)], // 0x1058
]);
