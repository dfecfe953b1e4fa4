// breakpad / crashpad extension streams (spec minidump.md §5) and breakpad's Linux DSO debug stream.

import { array, bytes, defineStruct, pad, struct, u16, u32, u64 } from '../define.js';
import { MINIDUMP_LOCATION_DESCRIPTOR } from './header.js';

export const MDRAW_BREAKPAD_INFO = defineStruct('MDRawBreakpadInfo', 12, [
  ['validity', u32], //           0x00 bit0 dump thread, bit1 requesting thread
  ['dumpThreadId', u32], //       0x04
  ['requestingThreadId', u32], // 0x08
]);

export const MDRAW_ASSERTION_INFO = defineStruct('MDRawAssertionInfo', 776, [
  ['expression', bytes(256)], // 0x000 UTF-16 [128]
  ['function', bytes(256)], //   0x100
  ['file', bytes(256)], //       0x200
  ['line', u32], //              0x300
  ['type', u32], //              0x304
]);

/** The 0x34-byte crashpad info every version has. */
export const MDRAW_CRASHPAD_INFO = defineStruct('MDRawCrashpadInfo', 0x34, [
  ['version', u32], //     0x00
  ['reportId', bytes(16)], // 0x04 GUID
  ['clientId', bytes(16)], // 0x14 GUID
  ['simpleAnnotations', struct(MINIDUMP_LOCATION_DESCRIPTOR)], // 0x24
  ['moduleList', struct(MINIDUMP_LOCATION_DESCRIPTOR)], // 0x2C
]);

/** Newer breakpad header tail after 0x34: Reserved + AddressMask. */
export const MDRAW_CRASHPAD_INFO_TAIL = defineStruct('MDRawCrashpadInfoTail', 12, [
  ['reserved', u32], //    0x34
  ['addressMask', u64], // 0x38
]);

export const MINIDUMP_SIMPLE_STRING_DICTIONARY_ENTRY = defineStruct('MinidumpSimpleStringDictionaryEntry', 8, [
  ['key', u32], //   RVA → MinidumpUTF8String
  ['value', u32], // RVA → MinidumpUTF8String
]);

export const MINIDUMP_MODULE_CRASHPAD_INFO_LINK = defineStruct('MinidumpModuleCrashpadInfoLink', 12, [
  ['minidumpModuleListIndex', u32], // 0x00
  ['location', struct(MINIDUMP_LOCATION_DESCRIPTOR)], // 0x04
]);

export const MINIDUMP_MODULE_CRASHPAD_INFO = defineStruct('MinidumpModuleCrashpadInfo', 28, [
  ['version', u32], // 0x00
  ['listAnnotations', struct(MINIDUMP_LOCATION_DESCRIPTOR)], // 0x04 → MinidumpRVAList of strings
  ['simpleAnnotations', struct(MINIDUMP_LOCATION_DESCRIPTOR)], // 0x0C → dictionary
  ['annotationObjects', struct(MINIDUMP_LOCATION_DESCRIPTOR)], // 0x14 → annotation list
]);

export const MINIDUMP_ANNOTATION = defineStruct('MinidumpAnnotation', 12, [
  ['name', u32], //     0x00 RVA → MinidumpUTF8String
  ['type', u16], //     0x04
  ['reserved', u16], // 0x06
  ['value', u32], //    0x08 RVA → MinidumpByteArray
]);

/** breakpad LinuxDsoDebug header, 32-bit writers. */
export const MDRAW_DEBUG32 = defineStruct('MDRawDebug32', 24, [
  ['version', u32], ['map', u32], ['dsoCount', u32], ['brk', u32], ['ldbase', u32], ['dynamic', u32],
]);

/** breakpad LinuxDsoDebug header, 64-bit writers. Naturally aligned (the corpus's Android dump
 * has brk at 0x10, not 0x0C): this breakpad struct is not under pshpack4. */
export const MDRAW_DEBUG64 = defineStruct('MDRawDebug64', 40, [
  ['version', u32], //  0x00
  ['map', u32], //      0x04 RVA → MDRawLinkMap64[dsoCount]
  ['dsoCount', u32], // 0x08
  ['pad0', pad(4)], //  0x0C
  ['brk', u64], //      0x10
  ['ldbase', u64], //   0x18
  ['dynamic', u64], //  0x20
]);

export const MDRAW_LINK_MAP32 = defineStruct('MDRawLinkMap32', 12, [['addr', u32], ['name', u32], ['ld', u32]]);

/** Naturally aligned: 24 bytes. */
export const MDRAW_LINK_MAP64 = defineStruct('MDRawLinkMap64', 24, [
  ['addr', u64], //    0x00
  ['name', u32], //    0x08 RVA → MINIDUMP_STRING
  ['pad0', pad(4)], // 0x0C
  ['ld', u64], //      0x10
]);

/** Pair of u32 used for MinidumpRVAList counts etc. */
export const MINIDUMP_RVA = defineStruct('MINIDUMP_RVA', 4, [['rva', u32]]);

export const MINIDUMP_GUID_WORDS = defineStruct('MINIDUMP_GUID_WORDS', 16, [
  ['data1', u32], ['data2', u16], ['data3', u16], ['data4', array(u16, 4)],
]);
