// HandleData (12), FunctionTable (13), HandleOperationList (18). Spec §4.8–§4.10.

import { defineStruct, u32, u64 } from '../define.js';

export const MINIDUMP_HANDLE_DATA_STREAM = defineStruct('MINIDUMP_HANDLE_DATA_STREAM', 16, [
  ['sizeOfHeader', u32], //        0x00
  ['sizeOfDescriptor', u32], //    0x04
  ['numberOfDescriptors', u32], // 0x08
  ['reserved', u32], //            0x0C
]);

export const MINIDUMP_HANDLE_DESCRIPTOR = defineStruct('MINIDUMP_HANDLE_DESCRIPTOR', 32, [
  ['handle', u64], //        0x00
  ['typeNameRva', u32], //   0x08
  ['objectNameRva', u32], // 0x0C
  ['attributes', u32], //    0x10
  ['grantedAccess', u32], // 0x14
  ['handleCount', u32], //   0x18
  ['pointerCount', u32], //  0x1C
]);

export const MINIDUMP_HANDLE_DESCRIPTOR_2 = defineStruct('MINIDUMP_HANDLE_DESCRIPTOR_2', 40, [
  ['handle', u64], //        0x00
  ['typeNameRva', u32], //   0x08
  ['objectNameRva', u32], // 0x0C
  ['attributes', u32], //    0x10
  ['grantedAccess', u32], // 0x14
  ['handleCount', u32], //   0x18
  ['pointerCount', u32], //  0x1C
  ['objectInfoRva', u32], // 0x20
  ['reserved0', u32], //     0x24
]);

export const MINIDUMP_HANDLE_OBJECT_INFORMATION = defineStruct('MINIDUMP_HANDLE_OBJECT_INFORMATION', 12, [
  ['nextInfoRva', u32], // 0x00
  ['infoType', u32], //    0x04
  ['sizeOfInfo', u32], //  0x08
]);

export const MINIDUMP_HANDLE_OPERATION_LIST = defineStruct('MINIDUMP_HANDLE_OPERATION_LIST', 16, [
  ['sizeOfHeader', u32], //    0x00
  ['sizeOfEntry', u32], //     0x04
  ['numberOfEntries', u32], // 0x08
  ['reserved', u32], //        0x0C
]);

export const MINIDUMP_FUNCTION_TABLE_STREAM = defineStruct('MINIDUMP_FUNCTION_TABLE_STREAM', 24, [
  ['sizeOfHeader', u32], //           0x00
  ['sizeOfDescriptor', u32], //       0x04
  ['sizeOfNativeDescriptor', u32], // 0x08
  ['sizeOfFunctionEntry', u32], //    0x0C
  ['numberOfDescriptors', u32], //    0x10
  ['sizeOfAlignPad', u32], //         0x14
]);

export const MINIDUMP_FUNCTION_TABLE_DESCRIPTOR = defineStruct('MINIDUMP_FUNCTION_TABLE_DESCRIPTOR', 32, [
  ['minimumAddress', u64], // 0x00
  ['maximumAddress', u64], // 0x08
  ['baseAddress', u64], //    0x10
  ['entryCount', u32], //     0x18
  ['sizeOfAlignPad', u32], // 0x1C
]);
