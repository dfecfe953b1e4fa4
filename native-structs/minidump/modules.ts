// Module streams: ModuleList (4), UnloadedModuleList (14), VS_FIXEDFILEINFO, CodeView headers. Spec §3.2, §3.3, §4.2.

import { bytes, defineStruct, struct, u32, u64 } from '../define.js';
import { MINIDUMP_LOCATION_DESCRIPTOR } from './header.js';

export const VS_FIXEDFILEINFO = defineStruct('VS_FIXEDFILEINFO', 52, [
  ['signature', u32], //        0x00 0xFEEF04BD
  ['strucVersion', u32], //     0x04
  ['fileVersionMS', u32], //    0x08
  ['fileVersionLS', u32], //    0x0C
  ['productVersionMS', u32], // 0x10
  ['productVersionLS', u32], // 0x14
  ['fileFlagsMask', u32], //    0x18
  ['fileFlags', u32], //        0x1C
  ['fileOS', u32], //           0x20
  ['fileType', u32], //         0x24
  ['fileSubtype', u32], //      0x28
  ['fileDateMS', u32], //       0x2C
  ['fileDateLS', u32], //       0x30
]);

/** 108 bytes (a naturally aligned C struct would be 112). */
export const MINIDUMP_MODULE = defineStruct('MINIDUMP_MODULE', 108, [
  ['baseOfImage', u64], //   0x00
  ['sizeOfImage', u32], //   0x08
  ['checkSum', u32], //      0x0C
  ['timeDateStamp', u32], // 0x10
  ['moduleNameRva', u32], // 0x14 MINIDUMP_STRING
  ['versionInfo', struct(VS_FIXEDFILEINFO)], // 0x18
  ['cvRecord', struct(MINIDUMP_LOCATION_DESCRIPTOR)], // 0x4C
  ['miscRecord', struct(MINIDUMP_LOCATION_DESCRIPTOR)], // 0x54
  ['reserved0', u64], //     0x5C
  ['reserved1', u64], //     0x64
]);

export const MINIDUMP_UNLOADED_MODULE_LIST = defineStruct('MINIDUMP_UNLOADED_MODULE_LIST', 12, [
  ['sizeOfHeader', u32], //    0x00
  ['sizeOfEntry', u32], //     0x04
  ['numberOfEntries', u32], // 0x08
]);

export const MINIDUMP_UNLOADED_MODULE = defineStruct('MINIDUMP_UNLOADED_MODULE', 24, [
  ['baseOfImage', u64], //   0x00
  ['sizeOfImage', u32], //   0x08
  ['checkSum', u32], //      0x0C
  ['timeDateStamp', u32], // 0x10
  ['moduleNameRva', u32], // 0x14
]);

/** CV_INFO_PDB70 fixed part; the NUL-terminated PDB name follows at 0x18. */
export const CV_INFO_PDB70 = defineStruct('CV_INFO_PDB70', 24, [
  ['cvSignature', u32], // 0x00 "RSDS"
  ['signature', bytes(16)], // 0x04 GUID (Data1 LE u32, Data2 LE u16, Data3 LE u16, Data4 bytes)
  ['age', u32], //         0x14
]);

/** CV_INFO_PDB20 fixed part; the NUL-terminated PDB name follows at 0x10. */
export const CV_INFO_PDB20 = defineStruct('CV_INFO_PDB20', 16, [
  ['cvSignature', u32], // 0x00 "NB10"
  ['offset', u32], //      0x04
  ['signature', u32], //   0x08 time_t
  ['age', u32], //         0x0C
]);
