// ProcessVmCounters (22), Token (19), SystemMemoryInfo (21). Spec §4.10; the SystemMemoryInfo field
// list follows minidumpapiset.h (packed to 4).

import { defineStruct, i64, struct, u16, u32, u64, type FieldDecl } from '../define.js';

export const MINIDUMP_PROCESS_VM_COUNTERS_1 = defineStruct('MINIDUMP_PROCESS_VM_COUNTERS_1', 80, [
  ['revision', u16], //                   0x00 (1)
  ['pad0', u16], //                       0x02
  ['pageFaultCount', u32], //             0x04
  ['peakWorkingSetSize', u64], //         0x08
  ['workingSetSize', u64], //             0x10
  ['quotaPeakPagedPoolUsage', u64], //    0x18
  ['quotaPagedPoolUsage', u64], //        0x20
  ['quotaPeakNonPagedPoolUsage', u64], // 0x28
  ['quotaNonPagedPoolUsage', u64], //     0x30
  ['pagefileUsage', u64], //              0x38
  ['peakPagefileUsage', u64], //          0x40
  ['privateUsage', u64], //               0x48
]);

export const MINIDUMP_PROCESS_VM_COUNTERS_2 = defineStruct('MINIDUMP_PROCESS_VM_COUNTERS_2', 152, [
  ['revision', u16], //                   0x00 (2)
  ['flags', u16], //                      0x02
  ['pageFaultCount', u32], //             0x04
  ['peakWorkingSetSize', u64], //         0x08
  ['workingSetSize', u64], //             0x10
  ['quotaPeakPagedPoolUsage', u64], //    0x18
  ['quotaPagedPoolUsage', u64], //        0x20
  ['quotaPeakNonPagedPoolUsage', u64], // 0x28
  ['quotaNonPagedPoolUsage', u64], //     0x30
  ['pagefileUsage', u64], //              0x38
  ['peakPagefileUsage', u64], //          0x40
  ['peakVirtualSize', u64], //            0x48
  ['virtualSize', u64], //                0x50
  ['privateUsage', u64], //               0x58
  ['privateWorkingSetSize', u64], //      0x60
  ['sharedCommitUsage', u64], //          0x68
  ['jobSharedCommitUsage', u64], //       0x70
  ['jobPrivateCommitUsage', u64], //      0x78
  ['jobPeakPrivateCommitUsage', u64], //  0x80
  ['jobPrivateCommitLimit', u64], //      0x88
  ['jobTotalCommitLimit', u64], //        0x90
]);

export const MINIDUMP_TOKEN_INFO_LIST = defineStruct('MINIDUMP_TOKEN_INFO_LIST', 16, [
  ['tokenListSize', u32], //     0x00
  ['tokenListEntries', u32], //  0x04
  ['listHeaderSize', u32], //    0x08
  ['elementHeaderSize', u32], // 0x0C
]);

export const MINIDUMP_TOKEN_INFO_HEADER = defineStruct('MINIDUMP_TOKEN_INFO_HEADER', 16, [
  ['tokenSize', u32], //   0x00
  ['tokenId', u32], //     0x04
  ['tokenHandle', u64], // 0x08
]);

export const MINIDUMP_SYSTEM_BASIC_INFORMATION = defineStruct('MINIDUMP_SYSTEM_BASIC_INFORMATION', 52, [
  ['timerResolution', u32], //              0x00
  ['pageSize', u32], //                     0x04
  ['numberOfPhysicalPages', u32], //        0x08
  ['lowestPhysicalPageNumber', u32], //     0x0C
  ['highestPhysicalPageNumber', u32], //    0x10
  ['allocationGranularity', u32], //        0x14
  ['minimumUserModeAddress', u64], //       0x18
  ['maximumUserModeAddress', u64], //       0x20
  ['activeProcessorsAffinityMask', u64], // 0x28
  ['numberOfProcessors', u32], //           0x30
]);

export const MINIDUMP_SYSTEM_FILECACHE_INFORMATION = defineStruct('MINIDUMP_SYSTEM_FILECACHE_INFORMATION', 60, [
  ['currentSize', u64], //                                0x00
  ['peakSize', u64], //                                   0x08
  ['pageFaultCount', u32], //                             0x10
  ['minimumWorkingSet', u64], //                          0x14
  ['maximumWorkingSet', u64], //                          0x1C
  ['currentSizeIncludingTransitionInPages', u64], //      0x24
  ['peakSizeIncludingTransitionInPages', u64], //         0x2C
  ['transitionRePurposeCount', u32], //                   0x34
  ['flags', u32], //                                      0x38
]);

export const MINIDUMP_SYSTEM_BASIC_PERFORMANCE_INFORMATION = defineStruct('MINIDUMP_SYSTEM_BASIC_PERFORMANCE_INFORMATION', 32, [
  ['availablePages', u64], // 0x00
  ['committedPages', u64], // 0x08
  ['commitLimit', u64], //    0x10
  ['peakCommitment', u64], // 0x18
]);

const PERF_U32 = [
  'ioReadOperationCount', 'ioWriteOperationCount', 'ioOtherOperationCount', 'availablePages', 'committedPages',
  'commitLimit', 'peakCommitment', 'pageFaultCount', 'copyOnWriteCount', 'transitionCount',
  'cacheTransitionCount', 'demandZeroCount', 'pageReadCount', 'pageReadIoCount', 'cacheReadCount',
  'cacheIoCount', 'dirtyPagesWriteCount', 'dirtyWriteIoCount', 'mappedPagesWriteCount', 'mappedWriteIoCount',
  'pagedPoolPages', 'nonPagedPoolPages', 'pagedPoolAllocs', 'pagedPoolFrees', 'nonPagedPoolAllocs',
  'nonPagedPoolFrees', 'freeSystemPtes', 'residentSystemCodePage', 'totalSystemDriverPages', 'totalSystemCodePages',
  'nonPagedPoolLookasideHits', 'pagedPoolLookasideHits', 'availablePagedPoolPages', 'residentSystemCachePage',
  'residentPagedPoolPage', 'residentSystemDriverPage', 'ccFastReadNoWait', 'ccFastReadWait',
  'ccFastReadResourceMiss', 'ccFastReadNotPossible', 'ccFastMdlReadNoWait', 'ccFastMdlReadWait',
  'ccFastMdlReadResourceMiss', 'ccFastMdlReadNotPossible', 'ccMapDataNoWait', 'ccMapDataWait',
  'ccMapDataNoWaitMiss', 'ccMapDataWaitMiss', 'ccPinMappedDataCount', 'ccPinReadNoWait', 'ccPinReadWait',
  'ccPinReadNoWaitMiss', 'ccPinReadWaitMiss', 'ccCopyReadNoWait', 'ccCopyReadWait', 'ccCopyReadNoWaitMiss',
  'ccCopyReadWaitMiss', 'ccMdlReadNoWait', 'ccMdlReadWait', 'ccMdlReadNoWaitMiss', 'ccMdlReadWaitMiss',
  'ccReadAheadIos', 'ccLazyWriteIos', 'ccLazyWritePages', 'ccDataFlushes', 'ccDataPages', 'contextSwitches',
  'firstLevelTbFills', 'secondLevelTbFills', 'systemCalls',
] as const;

const PERF: FieldDecl[] = [
  ['idleProcessTime', u64], //      0x00
  ['ioReadTransferCount', u64], //  0x08
  ['ioWriteTransferCount', u64], // 0x10
  ['ioOtherTransferCount', u64], // 0x18
  ...PERF_U32.map((n): FieldDecl => [n, u32]), // 0x20 .. 0x138 (70 × u32)
  ['ccTotalDirtyPages', u64], //      0x138
  ['ccDirtyPageThreshold', u64], //   0x140
  ['residentAvailablePages', i64], // 0x148
  ['sharedCommittedPages', u64], //   0x150
];

export const MINIDUMP_SYSTEM_PERFORMANCE_INFORMATION = defineStruct('MINIDUMP_SYSTEM_PERFORMANCE_INFORMATION', 344, PERF);

export const MINIDUMP_SYSTEM_MEMORY_INFO_1 = defineStruct('MINIDUMP_SYSTEM_MEMORY_INFO_1', 492, [
  ['revision', u16], // 0x000
  ['flags', u16], //    0x002
  ['basicInfo', struct(MINIDUMP_SYSTEM_BASIC_INFORMATION)], // 0x004
  ['fileCacheInfo', struct(MINIDUMP_SYSTEM_FILECACHE_INFORMATION)], // 0x038
  ['basicPerfInfo', struct(MINIDUMP_SYSTEM_BASIC_PERFORMANCE_INFORMATION)], // 0x074
  ['perfInfo', struct(MINIDUMP_SYSTEM_PERFORMANCE_INFORMATION)], // 0x094
]);
