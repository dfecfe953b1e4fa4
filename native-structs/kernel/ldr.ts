// Live kernel KLDR_DATA_TABLE_ENTRY (the entries of PsLoadedModuleList), Windows 10/11 layout.
// The leading part up to CheckSum equals the debugger layout (triage.ts DUMP_KLDR_*); the
// TimeDateStamp position is version dependent (0x9C / 0x58 here, 0x80 / 0x44 in older kernels),
// so the reader prefers the PE header. Offsets from ../shared/spec/memory-translation.md §6.

import { defineStruct, pad, u16, u32, u64, type FieldDecl } from '../define.js';

/**
 * The first 0x7C bytes of a 64-bit loader entry, the same in the live kernel's
 * KLDR_DATA_TABLE_ENTRY and in the debugger copy a small dump embeds (triage.ts).
 */
export const KLDR_DATA_TABLE_ENTRY64_HEAD: readonly FieldDecl[] = [
  ['inLoadOrderFlink', u64], // 0x00
  ['inLoadOrderBlink', u64], // 0x08
  ['exceptionTable', u64], // 0x10
  ['exceptionTableSize', u64], // 0x18
  ['gpValue', u64], // 0x20
  ['nonPagedDebugInfo', u64], // 0x28
  ['dllBase', u64], // 0x30
  ['entryPoint', u64], // 0x38
  ['sizeOfImage', u32], // 0x40
  ['pad0', pad(4)], // 0x44
  ['fullDllNameLength', u16], // 0x48
  ['fullDllNameMaximumLength', u16], // 0x4A
  ['pad1', pad(4)], // 0x4C
  ['fullDllNameBuffer', u64], // 0x50
  ['baseDllNameLength', u16], // 0x58
  ['baseDllNameMaximumLength', u16], // 0x5A
  ['pad2', pad(4)], // 0x5C
  ['baseDllNameBuffer', u64], // 0x60
  ['flags', u32], // 0x68
  ['loadCount', u16], // 0x6C
  ['u1', u16], // 0x6E
  ['sectionPointer', u64], // 0x70
  ['checkSum', u32], // 0x78
];

export const KLDR_DATA_TABLE_ENTRY64 = defineStruct('KLDR_DATA_TABLE_ENTRY64', 0xa0, [
  ...KLDR_DATA_TABLE_ENTRY64_HEAD,
  ['coverageSectionSize', u32], // 0x7C
  ['coverageSection', u64], // 0x80 (older kernels: TimeDateStamp u32 here)
  ['loadedImports', u64], // 0x88
  ['spare', u64], // 0x90
  ['sizeOfImageNotRounded', u32], // 0x98
  ['timeDateStamp', u32], // 0x9C
]);

/** The first 0x44 bytes of a 32-bit loader entry, shared with the small-dump copy (triage.ts). */
export const KLDR_DATA_TABLE_ENTRY32_HEAD: readonly FieldDecl[] = [
  ['inLoadOrderFlink', u32], // 0x00
  ['inLoadOrderBlink', u32], // 0x04
  ['exceptionTable', u32], // 0x08
  ['exceptionTableSize', u32], // 0x0C
  ['gpValue', u32], // 0x10
  ['nonPagedDebugInfo', u32], // 0x14
  ['dllBase', u32], // 0x18
  ['entryPoint', u32], // 0x1C
  ['sizeOfImage', u32], // 0x20
  ['fullDllNameLength', u16], // 0x24
  ['fullDllNameMaximumLength', u16], // 0x26
  ['fullDllNameBuffer', u32], // 0x28
  ['baseDllNameLength', u16], // 0x2C
  ['baseDllNameMaximumLength', u16], // 0x2E
  ['baseDllNameBuffer', u32], // 0x30
  ['flags', u32], // 0x34
  ['loadCount', u16], // 0x38
  ['u1', u16], // 0x3A
  ['sectionPointer', u32], // 0x3C
  ['checkSum', u32], // 0x40
];

export const KLDR_DATA_TABLE_ENTRY32 = defineStruct('KLDR_DATA_TABLE_ENTRY32', 0x5c, [
  ...KLDR_DATA_TABLE_ENTRY32_HEAD,
  ['coverageSectionSize', u32], // 0x44 (older kernels: TimeDateStamp here)
  ['coverageSection', u32], // 0x48
  ['loadedImports', u32], // 0x4C
  ['spare', u32], // 0x50
  ['sizeOfImageNotRounded', u32], // 0x54
  ['timeDateStamp', u32], // 0x58
]);

/** Older (Windows 7/8) TimeDateStamp position, the debugger layout. */
export const KLDR_TIMESTAMP_OFFSET_LEGACY = { 32: 0x44, 64: 0x80 } as const;

/**
 * MmUnloadedDrivers array element (UNLOADED_DRIVERS): UNICODE_STRING Name, StartAddress,
 * EndAddress, CurrentTime (FILETIME). 64-bit: 0x28 bytes; 32-bit: 0x18 bytes.
 */
export const UNLOADED_DRIVERS64 = defineStruct('UNLOADED_DRIVERS64', 0x28, [
  ['nameLength', u16], // 0x00
  ['nameMaximumLength', u16], // 0x02
  ['pad0', pad(4)], // 0x04
  ['nameBuffer', u64], // 0x08
  ['startAddress', u64], // 0x10
  ['endAddress', u64], // 0x18
  ['currentTime', u64], // 0x20
]);

export const UNLOADED_DRIVERS32 = defineStruct('UNLOADED_DRIVERS32', 0x18, [
  ['nameLength', u16], // 0x00
  ['nameMaximumLength', u16], // 0x02
  ['nameBuffer', u32], // 0x04
  ['startAddress', u32], // 0x08
  ['endAddress', u32], // 0x0C
  ['currentTime', u64], // 0x10
]);
