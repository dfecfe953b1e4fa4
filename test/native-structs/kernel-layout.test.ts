// Kernel dump layouts pinned to the spec numbers (kernel-dump.md, triage-dump.md, memory-translation.md, pe-unwind.md).
import { describe, expect, it } from 'vitest';
import { DUMP_HEADER32, DUMP_HEADER64, EXCEPTION_RECORD32, EXCEPTION_RECORD64, PHYSICAL_MEMORY_DESCRIPTOR64, PHYSICAL_MEMORY_RUN64 } from '../../native-structs/kernel/dump-header.js';
import { BITMAP_DUMP_HEADER, RDMP_HEADER64, SUMMARY_DUMP32, SUMMARY_DUMP64 } from '../../native-structs/kernel/bitmap.js';
import { DUMP_DRIVER_ENTRY32, DUMP_DRIVER_ENTRY64, DUMP_KLDR_DATA_TABLE_ENTRY32, DUMP_KLDR_DATA_TABLE_ENTRY64, DUMP_MM_STORAGE32, DUMP_MM_STORAGE64, DUMP_UNLOADED_DRIVERS32, DUMP_UNLOADED_DRIVERS64, TRIAGE_DATA_BLOCK, TRIAGE_DUMP32, TRIAGE_DUMP64 } from '../../native-structs/kernel/triage.js';
import { KDDEBUGGER_DATA64 } from '../../native-structs/kernel/kdbg.js';
import { KLDR_DATA_TABLE_ENTRY32, KLDR_DATA_TABLE_ENTRY64 } from '../../native-structs/kernel/ldr.js';
import { CONTEXT_AMD64, CONTEXT_ARM64, CONTEXT_X86 } from '../../native-structs/contexts.js';
import { IMAGE_DEBUG_DIRECTORY, IMAGE_DOS_HEADER, IMAGE_OPTIONAL_HEADER32, IMAGE_OPTIONAL_HEADER64, CV_INFO_PDB70 } from '../../native-structs/pe/pe.js';
import { compiledSizeOf } from '../../src/reader/struct-codec.js';
import type { StructDef } from '../../native-structs/define.js';

const pins: [StructDef, number, Record<string, number>][] = [
  [DUMP_HEADER32, 0x1000, { minorVersion: 0xc, directoryTableBase: 0x10, machineImageType: 0x20, bugCheckCode: 0x28, bugCheckParameter: 0x2c, paeEnabled: 0x5c, kdDebuggerDataBlock: 0x60, physicalMemoryBlock: 0x64, contextRecord: 0x320, exception: 0x7d0, comment: 0x820, attributes: 0x8a0, dumpType: 0xf88, miniDumpFields: 0xf8c, productType: 0xf94, writerStatus: 0xf9c, requiredDumpSpace: 0xfa0, systemUpTime: 0xfb8, systemTime: 0xfc0 }],
  [DUMP_HEADER64, 0x2000, { directoryTableBase: 0x10, pfnDataBase: 0x18, psLoadedModuleList: 0x20, psActiveProcessHead: 0x28, machineImageType: 0x30, numberProcessors: 0x34, bugCheckCode: 0x38, bugCheckParameter: 0x40, versionUser: 0x60, kdDebuggerDataBlock: 0x80, physicalMemoryBlock: 0x88, contextRecord: 0x348, exception: 0xf00, dumpType: 0xf98, requiredDumpSpace: 0xfa0, systemTime: 0xfa8, comment: 0xfb0, systemUpTime: 0x1030, miniDumpFields: 0x1038, secondaryDataState: 0x103c, productType: 0x1040, suiteMask: 0x1044, writerStatus: 0x1048, kdSecondaryVersion: 0x104d, attributes: 0x1050, bootId: 0x1054 }],
  [EXCEPTION_RECORD32, 0x50, { exceptionAddress: 0xc, numberParameters: 0x10, exceptionInformation: 0x14 }],
  [EXCEPTION_RECORD64, 0x98, { exceptionAddress: 0x10, numberParameters: 0x18, exceptionInformation: 0x20 }],
  [PHYSICAL_MEMORY_DESCRIPTOR64, 0x10, { numberOfPages: 8 }],
  [PHYSICAL_MEMORY_RUN64, 0x10, { pageCount: 8 }],
  [BITMAP_DUMP_HEADER, 0x38, { firstPage: 0x20, totalPresentPages: 0x28, pages: 0x30 }],
  [SUMMARY_DUMP32, 0x20, { headerSize: 0xc, bitmapSize: 0x10, pages: 0x14 }],
  [SUMMARY_DUMP64, 0x28, { headerSize: 0xc, bitmapReserved0: 0x20 }],
  [RDMP_HEADER64, 0x30, { metadataSize: 0x10, firstPageOffset: 0x18, reserved2: 0x28 }],
  [TRIAGE_DUMP32, 0x68, { topOfStack: 0x48, dataPageAddress: 0x4c, debuggerDataOffset: 0x58, dataBlocksCount: 0x64 }],
  [TRIAGE_DUMP64, 0x80, { callStackOffset: 0x28, driverListOffset: 0x30, brokenDriverOffset: 0x40, topOfStack: 0x48, bStoreOffset: 0x50, limitOfBStore: 0x58, dataPageAddress: 0x60, dataPageOffset: 0x68, debuggerDataOffset: 0x70, dataBlocksOffset: 0x78, dataBlocksCount: 0x7c }],
  [DUMP_KLDR_DATA_TABLE_ENTRY64, 0x88, { dllBase: 0x30, sizeOfImage: 0x40, fullDllNameBuffer: 0x50, baseDllNameLength: 0x58, checkSum: 0x78, timeDateStamp: 0x80 }],
  [DUMP_KLDR_DATA_TABLE_ENTRY32, 0x48, { dllBase: 0x18, sizeOfImage: 0x20, checkSum: 0x40, timeDateStamp: 0x44 }],
  [DUMP_DRIVER_ENTRY64, 0x90, { ldrEntry: 8 }],
  [DUMP_DRIVER_ENTRY32, 0x4c, { ldrEntry: 4 }],
  [DUMP_UNLOADED_DRIVERS64, 0x38, { driverName: 0x10, startAddress: 0x28, endAddress: 0x30 }],
  [DUMP_UNLOADED_DRIVERS32, 0x28, { driverName: 0x8, startAddress: 0x20, endAddress: 0x24 }],
  [DUMP_MM_STORAGE64, 0x50, { mmMaximumNonPagedPool: 0x18, commitLimitMaximum: 0x48 }],
  [DUMP_MM_STORAGE32, 0x34, { commitLimitMaximum: 0x30 }],
  [TRIAGE_DATA_BLOCK, 0x10, { offset: 8, size: 0xc }],
  [KLDR_DATA_TABLE_ENTRY64, 0xa0, { dllBase: 0x30, sizeOfImage: 0x40, fullDllNameLength: 0x48, baseDllNameLength: 0x58, checkSum: 0x78, timeDateStamp: 0x9c }],
  [KLDR_DATA_TABLE_ENTRY32, 0x5c, { dllBase: 0x18, fullDllNameLength: 0x24, baseDllNameLength: 0x2c, checkSum: 0x40, timeDateStamp: 0x58 }],
  [KDDEBUGGER_DATA64, 0x3a8, { ownerTag: 0x10, size: 0x14, kernBase: 0x18, psLoadedModuleList: 0x48, mmPfnDatabase: 0xc0, ntBuildLab: 0x208, kiProcessorBlock: 0x218, mmUnloadedDrivers: 0x220, mmLastUnloadedDriver: 0x228, offsetKThreadApcProcess: 0x2a0, sizeEProcess: 0x2a8, offsetPrcbCurrentThread: 0x2b4, sizeEThread: 0x2c0, kdPrintCircularBufferPtr: 0x2c8, offsetPrcbContext: 0x338, offsetKThreadStackLimit: 0x340, offsetPrcbIdleThread: 0x350, pteBase: 0x360, retpolineStubFunctionTable: 0x368, offsetKThreadShadowStackLimit: 0x380, pointerAuthMask: 0x390, pointerIgnoreBits: 0x3a0 }],
  [CONTEXT_AMD64, 0x4d0, { contextFlags: 0x30, mxCsr: 0x34, eflags: 0x44, rax: 0x78, rsp: 0x98, rbp: 0xa0, r8: 0xb8, rip: 0xf8, fltSave: 0x100, vectorControl: 0x4a0 }],
  [CONTEXT_X86, 0x2cc, { floatSave: 0x1c, segGs: 0x8c, edi: 0x9c, ebp: 0xb4, eip: 0xb8, eflags: 0xc0, esp: 0xc4, extendedRegisters: 0xcc }],
  [CONTEXT_ARM64, 0x390, { cpsr: 4, x: 8, fp: 0xf0, lr: 0xf8, sp: 0x100, pc: 0x108, v: 0x110, fpcr: 0x310, bvr: 0x338, wvr: 0x380 }],
  [IMAGE_DOS_HEADER, 0x40, { eLfanew: 0x3c }],
  [IMAGE_OPTIONAL_HEADER32, 0xe0, { imageBase: 0x1c, sizeOfImage: 0x38, checkSum: 0x40, numberOfRvaAndSizes: 0x5c, dataDirectory: 0x60 }],
  [IMAGE_OPTIONAL_HEADER64, 0xf0, { imageBase: 0x18, sizeOfImage: 0x38, checkSum: 0x40, numberOfRvaAndSizes: 0x6c, dataDirectory: 0x70 }],
  [IMAGE_DEBUG_DIRECTORY, 28, { type: 0xc, addressOfRawData: 0x14 }],
  [CV_INFO_PDB70, 0x18, { age: 0x14 }],
];

describe('kernel native-structs layouts', () => {
  it.each(pins.map((p) => [p[0].name, ...p] as const))('%s', (_n, def, size, offsets) => {
    expect(def.size).toBe(size);
    expect(compiledSizeOf(def)).toBe(size);
    for (const [field, at] of Object.entries(offsets)) expect(def.offsetOf(field), field).toBe(at);
  });
});
