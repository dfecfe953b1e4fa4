// SystemInfo (7) and MiscInfo (15) v1..v5. Spec §4.5, §4.6.

import { array, bytes, defineStruct, i32, struct, u16, u32, u64, u8, type FieldDecl } from '../define.js';

export const MINIDUMP_SYSTEM_INFO = defineStruct('MINIDUMP_SYSTEM_INFO', 56, [
  ['processorArchitecture', u16], // 0x00
  ['processorLevel', u16], //        0x02
  ['processorRevision', u16], //     0x04
  ['numberOfProcessors', u8], //     0x06
  ['productType', u8], //            0x07
  ['majorVersion', u32], //          0x08
  ['minorVersion', u32], //          0x0C
  ['buildNumber', u32], //           0x10
  ['platformId', u32], //            0x14
  ['csdVersionRva', u32], //         0x18 MINIDUMP_STRING
  ['suiteMask', u16], //             0x1C
  ['reserved2', u16], //             0x1E
  ['cpu', bytes(24)], //             0x20 CPU_INFORMATION union
]);

/** CPU_INFORMATION for x86 / x86-64 writers. */
export const CPU_INFORMATION_X86 = defineStruct('CPU_INFORMATION_X86', 24, [
  ['vendorId', array(u32, 3)], //          0x00 cpuid 0 ebx, edx, ecx
  ['versionInformation', u32], //          0x0C cpuid 1 eax
  ['featureInformation', u32], //          0x10 cpuid 1 edx
  ['amdExtendedCpuFeatures', u32], //      0x14
]);

/** CPU_INFORMATION for other writers. */
export const CPU_INFORMATION_OTHER = defineStruct('CPU_INFORMATION_OTHER', 24, [
  ['processorFeatures', array(u64, 2)], // 0x00
  ['unused', bytes(8)], //                 0x10
]);

/** breakpad ARM writers: {cpuid, elf_hwcaps}. */
export const CPU_INFORMATION_ARM = defineStruct('CPU_INFORMATION_ARM', 24, [
  ['cpuid', u32], //     0x00
  ['elfHwcaps', u32], // 0x04
  ['unused', bytes(16)], // 0x08
]);

export const SYSTEMTIME = defineStruct('SYSTEMTIME', 16, [
  ['year', u16], ['month', u16], ['dayOfWeek', u16], ['day', u16],
  ['hour', u16], ['minute', u16], ['second', u16], ['milliseconds', u16],
]);

export const TIME_ZONE_INFORMATION = defineStruct('TIME_ZONE_INFORMATION', 172, [
  ['bias', i32], //                       0x00 minutes, UTC = local + bias
  ['standardName', bytes(64)], //         0x04 UTF-16 [32]
  ['standardDate', struct(SYSTEMTIME)], // 0x44
  ['standardBias', i32], //               0x54
  ['daylightName', bytes(64)], //         0x58
  ['daylightDate', struct(SYSTEMTIME)], // 0x98
  ['daylightBias', i32], //               0xA8
]);

export const XSTATE_FEATURE = defineStruct('XSTATE_FEATURE', 8, [['offset', u32], ['size', u32]]);

export const XSTATE_CONFIG_FEATURE_MSC_INFO = defineStruct('XSTATE_CONFIG_FEATURE_MSC_INFO', 528, [
  ['sizeOfInfo', u32], //      0x00
  ['contextSize', u32], //     0x04
  ['enabledFeatures', u64], // 0x08
  ['features', array(struct(XSTATE_FEATURE), 64)], // 0x10
]);

const MISC1: FieldDecl[] = [
  ['sizeOfInfo', u32], //        0x000
  ['flags1', u32], //            0x004
  ['processId', u32], //         0x008
  ['processCreateTime', u32], // 0x00C time_t
  ['processUserTime', u32], //   0x010 seconds
  ['processKernelTime', u32], // 0x014 seconds
];
const MISC2: FieldDecl[] = [
  ...MISC1,
  ['processorMaxMhz', u32], //           0x018
  ['processorCurrentMhz', u32], //       0x01C
  ['processorMhzLimit', u32], //         0x020
  ['processorMaxIdleState', u32], //     0x024
  ['processorCurrentIdleState', u32], // 0x028
];
const MISC3: FieldDecl[] = [
  ...MISC2,
  ['processIntegrityLevel', u32], // 0x02C
  ['processExecuteFlags', u32], //   0x030
  ['protectedProcess', u32], //      0x034
  ['timeZoneId', u32], //            0x038
  ['timeZone', struct(TIME_ZONE_INFORMATION)], // 0x03C
];
const MISC4: FieldDecl[] = [
  ...MISC3,
  ['buildString', bytes(520)], // 0x0E8 UTF-16 [260]
  ['dbgBldStr', bytes(80)], //    0x2F0 UTF-16 [40]
];
const MISC5: FieldDecl[] = [
  ...MISC4,
  ['xStateData', struct(XSTATE_CONFIG_FEATURE_MSC_INFO)], // 0x340
  ['processCookie', u32], // 0x550
];

export const MINIDUMP_MISC_INFO = defineStruct('MINIDUMP_MISC_INFO', 24, MISC1);
export const MINIDUMP_MISC_INFO_2 = defineStruct('MINIDUMP_MISC_INFO_2', 44, MISC2);
export const MINIDUMP_MISC_INFO_3 = defineStruct('MINIDUMP_MISC_INFO_3', 232, MISC3);
export const MINIDUMP_MISC_INFO_4 = defineStruct('MINIDUMP_MISC_INFO_4', 832, MISC4);
export const MINIDUMP_MISC_INFO_5 = defineStruct('MINIDUMP_MISC_INFO_5', 1364, MISC5);

/** Largest first: pick the largest version that fits both SizeOfInfo and the stream size. */
export const MISC_INFO_VERSIONS = [
  { version: 5, def: MINIDUMP_MISC_INFO_5 },
  { version: 4, def: MINIDUMP_MISC_INFO_4 },
  { version: 3, def: MINIDUMP_MISC_INFO_3 },
  { version: 2, def: MINIDUMP_MISC_INFO_2 },
  { version: 1, def: MINIDUMP_MISC_INFO },
] as const;
