// Small memory dump (DumpType 4) structures: TRIAGE_DUMP32/64 and the sections it points to.
// Offsets from ../shared/spec/triage-dump.md §2, §3, §6.

import { array, defineStruct, pad, struct, u16, u32, u64 } from '../define.js';
import { KLDR_DATA_TABLE_ENTRY32_HEAD, KLDR_DATA_TABLE_ENTRY64_HEAD } from './ldr.js';

export const TRIAGE_DUMP32 = defineStruct('TRIAGE_DUMP32', 0x68, [
  ['servicePackBuild', u32], // 0x00
  ['sizeOfDump', u32], // 0x04
  ['validOffset', u32], // 0x08
  ['contextOffset', u32], // 0x0C
  ['exceptionOffset', u32], // 0x10
  ['mmOffset', u32], // 0x14
  ['unloadedDriversOffset', u32], // 0x18
  ['prcbOffset', u32], // 0x1C
  ['processOffset', u32], // 0x20
  ['threadOffset', u32], // 0x24
  ['callStackOffset', u32], // 0x28
  ['sizeOfCallStack', u32], // 0x2C
  ['driverListOffset', u32], // 0x30
  ['driverCount', u32], // 0x34
  ['stringPoolOffset', u32], // 0x38
  ['stringPoolSize', u32], // 0x3C
  ['brokenDriverOffset', u32], // 0x40
  ['triageOptions', u32], // 0x44
  ['topOfStack', u32], // 0x48
  ['dataPageAddress', u32], // 0x4C
  ['dataPageOffset', u32], // 0x50
  ['dataPageSize', u32], // 0x54
  ['debuggerDataOffset', u32], // 0x58
  ['debuggerDataSize', u32], // 0x5C
  ['dataBlocksOffset', u32], // 0x60
  ['dataBlocksCount', u32], // 0x64
]);

export const TRIAGE_DUMP64 = defineStruct('TRIAGE_DUMP64', 0x80, [
  ['servicePackBuild', u32], // 0x00
  ['sizeOfDump', u32], // 0x04
  ['validOffset', u32], // 0x08
  ['contextOffset', u32], // 0x0C
  ['exceptionOffset', u32], // 0x10
  ['mmOffset', u32], // 0x14
  ['unloadedDriversOffset', u32], // 0x18
  ['prcbOffset', u32], // 0x1C
  ['processOffset', u32], // 0x20
  ['threadOffset', u32], // 0x24
  ['callStackOffset', u32], // 0x28
  ['sizeOfCallStack', u32], // 0x2C
  ['driverListOffset', u32], // 0x30
  ['driverCount', u32], // 0x34
  ['stringPoolOffset', u32], // 0x38
  ['stringPoolSize', u32], // 0x3C
  ['brokenDriverOffset', u32], // 0x40
  ['triageOptions', u32], // 0x44
  ['topOfStack', u64], // 0x48
  ['bStoreOffset', u32], // 0x50 ArchitectureSpecific.Ia64
  ['sizeOfBStore', u32], // 0x54
  ['limitOfBStore', u64], // 0x58
  ['dataPageAddress', u64], // 0x60
  ['dataPageOffset', u32], // 0x68
  ['dataPageSize', u32], // 0x6C
  ['debuggerDataOffset', u32], // 0x70
  ['debuggerDataSize', u32], // 0x74
  ['dataBlocksOffset', u32], // 0x78
  ['dataBlocksCount', u32], // 0x7C
]);

/** "TRGD", written last at ValidOffset. */
export const TRIAGE_DUMP_VALID = 0x44475254;

/** Debugger layout of the loader entry embedded in DUMP_DRIVER_ENTRY64 (not the live kernel one). */
export const DUMP_KLDR_DATA_TABLE_ENTRY64 = defineStruct('DUMP_KLDR_DATA_TABLE_ENTRY64', 0x88, [
  ...KLDR_DATA_TABLE_ENTRY64_HEAD,
  ['pad3', pad(4)], // 0x7C
  ['timeDateStamp', u32], // 0x80
  ['pad4', pad(4)], // 0x84
]);

export const DUMP_KLDR_DATA_TABLE_ENTRY32 = defineStruct('DUMP_KLDR_DATA_TABLE_ENTRY32', 0x48, [
  ...KLDR_DATA_TABLE_ENTRY32_HEAD,
  ['timeDateStamp', u32], // 0x44
]);

export const DUMP_DRIVER_ENTRY64 = defineStruct('DUMP_DRIVER_ENTRY64', 0x90, [
  ['driverNameOffset', u32], // 0x00 file offset of a DUMP_STRING
  ['pad0', pad(4)], // 0x04
  ['ldrEntry', struct(DUMP_KLDR_DATA_TABLE_ENTRY64)], // 0x08
]);

export const DUMP_DRIVER_ENTRY32 = defineStruct('DUMP_DRIVER_ENTRY32', 0x4c, [
  ['driverNameOffset', u32], // 0x00
  ['ldrEntry', struct(DUMP_KLDR_DATA_TABLE_ENTRY32)], // 0x04
]);

/** u32 Length in UTF-16 code units (no NUL), then Length+1 units. Entries are 8-byte aligned. */
export const DUMP_STRING = defineStruct('DUMP_STRING', 4, [
  ['length', u32], // 0x0
]);

export const DUMP_UNLOADED_DRIVERS64 = defineStruct('DUMP_UNLOADED_DRIVERS64', 0x38, [
  ['nameLength', u16], // 0x00 bytes
  ['nameMaximumLength', u16], // 0x02
  ['pad0', pad(4)], // 0x04
  ['nameBuffer', u64], // 0x08 kernel pointer, never followed
  ['driverName', array(u16, 12)], // 0x10
  ['startAddress', u64], // 0x28
  ['endAddress', u64], // 0x30
]);

export const DUMP_UNLOADED_DRIVERS32 = defineStruct('DUMP_UNLOADED_DRIVERS32', 0x28, [
  ['nameLength', u16], // 0x00
  ['nameMaximumLength', u16], // 0x02
  ['nameBuffer', u32], // 0x04
  ['driverName', array(u16, 12)], // 0x08
  ['startAddress', u32], // 0x20
  ['endAddress', u32], // 0x24
]);

export const DUMP_MM_STORAGE64 = defineStruct('DUMP_MM_STORAGE64', 0x50, [
  ['version', u32], // 0x00
  ['size', u32], // 0x04
  ['mmSpecialPoolTag', u32], // 0x08
  ['miTriageActionTaken', u32], // 0x0C
  ['mmVerifyDriverLevel', u32], // 0x10
  ['kernelVerifier', u32], // 0x14
  ['mmMaximumNonPagedPool', u64], // 0x18
  ['mmAllocatedNonPagedPool', u64], // 0x20
  ['pagedPoolMaximum', u64], // 0x28
  ['pagedPoolAllocated', u64], // 0x30
  ['committedPages', u64], // 0x38
  ['committedPagesPeak', u64], // 0x40
  ['commitLimitMaximum', u64], // 0x48
]);

export const DUMP_MM_STORAGE32 = defineStruct('DUMP_MM_STORAGE32', 0x34, [
  ['version', u32], // 0x00
  ['size', u32], // 0x04
  ['mmSpecialPoolTag', u32], // 0x08
  ['miTriageActionTaken', u32], // 0x0C
  ['mmVerifyDriverLevel', u32], // 0x10
  ['kernelVerifier', u32], // 0x14
  ['mmMaximumNonPagedPool', u32], // 0x18
  ['mmAllocatedNonPagedPool', u32], // 0x1C
  ['pagedPoolMaximum', u32], // 0x20
  ['pagedPoolAllocated', u32], // 0x24
  ['committedPages', u32], // 0x28
  ['committedPagesPeak', u32], // 0x2C
  ['commitLimitMaximum', u32], // 0x30
]);

/** 16 bytes for 32- and 64-bit files (rizin's 12-byte 32-bit variant is a fallback). */
export const TRIAGE_DATA_BLOCK = defineStruct('TRIAGE_DATA_BLOCK', 0x10, [
  ['address', u64], // 0x0
  ['offset', u32], // 0x8
  ['size', u32], // 0xC
]);

export const TRIAGE_DATA_BLOCK32 = defineStruct('TRIAGE_DATA_BLOCK32', 0xc, [
  ['address', u32], // 0x0
  ['offset', u32], // 0x4
  ['size', u32], // 0x8
]);
