// ExceptionStream (6). Spec §4.4.

import { array, defineStruct, struct, u32, u64 } from '../define.js';
import { MINIDUMP_LOCATION_DESCRIPTOR } from './header.js';

export const EXCEPTION_MAXIMUM_PARAMETERS = 15;

export const MINIDUMP_EXCEPTION = defineStruct('MINIDUMP_EXCEPTION', 152, [
  ['exceptionCode', u32], //      0x00
  ['exceptionFlags', u32], //     0x04
  ['exceptionRecord', u64], //    0x08 nested record address
  ['exceptionAddress', u64], //   0x10
  ['numberParameters', u32], //   0x18
  ['unusedAlignment', u32], //    0x1C
  ['exceptionInformation', array(u64, EXCEPTION_MAXIMUM_PARAMETERS)], // 0x20
]);

export const MINIDUMP_EXCEPTION_STREAM = defineStruct('MINIDUMP_EXCEPTION_STREAM', 168, [
  ['threadId', u32], //  0x00
  ['alignment', u32], // 0x04
  ['exceptionRecord', struct(MINIDUMP_EXCEPTION)], // 0x08
  ['threadContext', struct(MINIDUMP_LOCATION_DESCRIPTOR)], // 0xA0
]);
