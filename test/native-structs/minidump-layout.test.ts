// Pins every minidump layout's size and key offsets to the numbers in ../shared/spec/minidump.md,
// and checks the compiled binary-parser chain has the declared size.

import { describe, expect, it } from 'vitest';
import * as MD from '../../native-structs/minidump/index.js';
import type { StructDef } from '../../native-structs/define.js';
import { compiledSizeOf } from '../../src/reader/struct-codec.js';

const allStructs = Object.entries(MD).filter(([, v]) => typeof v === 'object' && v !== null && 'fields' in v && 'size' in v) as Array<[string, StructDef]>;

const SIZES: Record<string, number> = {
  MINIDUMP_HEADER: 0x20,
  MINIDUMP_DIRECTORY: 0xc,
  MINIDUMP_LOCATION_DESCRIPTOR: 8,
  MINIDUMP_LOCATION_DESCRIPTOR64: 16,
  MINIDUMP_THREAD: 0x30,
  MINIDUMP_THREAD_EX: 0x40,
  MINIDUMP_THREAD_NAME: 0xc,
  MINIDUMP_MODULE: 108,
  VS_FIXEDFILEINFO: 52,
  MINIDUMP_UNLOADED_MODULE_LIST: 12,
  MINIDUMP_UNLOADED_MODULE: 24,
  MINIDUMP_MEMORY_DESCRIPTOR: 16,
  MINIDUMP_MEMORY_DESCRIPTOR64: 16,
  MINIDUMP_MEMORY64_LIST: 16,
  MINIDUMP_EXCEPTION: 152,
  MINIDUMP_EXCEPTION_STREAM: 168,
  MINIDUMP_SYSTEM_INFO: 56,
  MINIDUMP_MISC_INFO: 24,
  MINIDUMP_MISC_INFO_2: 44,
  MINIDUMP_MISC_INFO_3: 232,
  MINIDUMP_MISC_INFO_4: 832,
  MINIDUMP_MISC_INFO_5: 1364,
  TIME_ZONE_INFORMATION: 172,
  MINIDUMP_MEMORY_INFO_LIST: 16,
  MINIDUMP_MEMORY_INFO: 48,
  MINIDUMP_THREAD_INFO_LIST: 12,
  MINIDUMP_THREAD_INFO: 64,
  MINIDUMP_HANDLE_DATA_STREAM: 16,
  MINIDUMP_HANDLE_DESCRIPTOR: 32,
  MINIDUMP_HANDLE_DESCRIPTOR_2: 40,
  MINIDUMP_FUNCTION_TABLE_STREAM: 24,
  MINIDUMP_FUNCTION_TABLE_DESCRIPTOR: 32,
  MINIDUMP_HANDLE_OPERATION_LIST: 16,
  MINIDUMP_TOKEN_INFO_LIST: 16,
  MINIDUMP_TOKEN_INFO_HEADER: 16,
  MINIDUMP_PROCESS_VM_COUNTERS_1: 80,
  MINIDUMP_PROCESS_VM_COUNTERS_2: 152,
  MDRAW_BREAKPAD_INFO: 12,
  MDRAW_ASSERTION_INFO: 0x308,
  MDRAW_CRASHPAD_INFO: 0x34,
  CONTEXT_X86: 0x2cc,
  FLOATING_SAVE_AREA: 112,
  CONTEXT_AMD64: 0x4d0,
  XMM_SAVE_AREA32: 512,
  CONTEXT_ARM64: 0x390,
  CV_INFO_PDB70: 0x18,
  CV_INFO_PDB20: 0x10,
};

const OFFSETS: Array<[StructDef, string, number]> = [
  [MD.MINIDUMP_HEADER, 'streamDirectoryRva', 0x0c],
  [MD.MINIDUMP_HEADER, 'timeDateStamp', 0x14],
  [MD.MINIDUMP_HEADER, 'flags', 0x18],
  [MD.MINIDUMP_DIRECTORY, 'location', 0x04],
  [MD.MINIDUMP_THREAD, 'teb', 0x10],
  [MD.MINIDUMP_THREAD, 'stack', 0x18],
  [MD.MINIDUMP_THREAD, 'threadContext', 0x28],
  [MD.MINIDUMP_THREAD_EX, 'backingStore', 0x30],
  [MD.MINIDUMP_THREAD_NAME, 'rvaOfThreadName', 0x04],
  [MD.MINIDUMP_MODULE, 'moduleNameRva', 0x14],
  [MD.MINIDUMP_MODULE, 'versionInfo', 0x18],
  [MD.MINIDUMP_MODULE, 'cvRecord', 0x4c],
  [MD.MINIDUMP_MODULE, 'miscRecord', 0x54],
  [MD.MINIDUMP_MODULE, 'reserved1', 0x64],
  [MD.VS_FIXEDFILEINFO, 'fileDateLS', 0x30],
  [MD.MINIDUMP_EXCEPTION, 'exceptionAddress', 0x10],
  [MD.MINIDUMP_EXCEPTION, 'numberParameters', 0x18],
  [MD.MINIDUMP_EXCEPTION, 'exceptionInformation', 0x20],
  [MD.MINIDUMP_EXCEPTION_STREAM, 'exceptionRecord', 0x08],
  [MD.MINIDUMP_EXCEPTION_STREAM, 'threadContext', 0xa0],
  [MD.MINIDUMP_SYSTEM_INFO, 'numberOfProcessors', 0x06],
  [MD.MINIDUMP_SYSTEM_INFO, 'platformId', 0x14],
  [MD.MINIDUMP_SYSTEM_INFO, 'csdVersionRva', 0x18],
  [MD.MINIDUMP_SYSTEM_INFO, 'cpu', 0x20],
  [MD.MINIDUMP_MISC_INFO_5, 'processorMaxMhz', 0x18],
  [MD.MINIDUMP_MISC_INFO_5, 'processIntegrityLevel', 0x2c],
  [MD.MINIDUMP_MISC_INFO_5, 'timeZone', 0x3c],
  [MD.MINIDUMP_MISC_INFO_5, 'buildString', 0xe8],
  [MD.MINIDUMP_MISC_INFO_5, 'dbgBldStr', 0x2f0],
  [MD.MINIDUMP_MISC_INFO_5, 'xStateData', 0x340],
  [MD.MINIDUMP_MISC_INFO_5, 'processCookie', 0x550],
  [MD.MINIDUMP_MEMORY_INFO, 'regionSize', 0x18],
  [MD.MINIDUMP_MEMORY_INFO, 'type', 0x28],
  [MD.MINIDUMP_THREAD_INFO, 'createTime', 0x10],
  [MD.MINIDUMP_THREAD_INFO, 'affinity', 0x38],
  [MD.MINIDUMP_HANDLE_DESCRIPTOR_2, 'objectInfoRva', 0x20],
  [MD.MINIDUMP_PROCESS_VM_COUNTERS_2, 'privateUsage', 0x58],
  [MD.MINIDUMP_PROCESS_VM_COUNTERS_2, 'jobTotalCommitLimit', 0x90],
  [MD.MINIDUMP_PROCESS_VM_COUNTERS_1, 'privateUsage', 0x48],
  [MD.MDRAW_ASSERTION_INFO, 'line', 0x300],
  [MD.MDRAW_ASSERTION_INFO, 'type', 0x304],
  [MD.MDRAW_CRASHPAD_INFO, 'simpleAnnotations', 0x24],
  [MD.MDRAW_CRASHPAD_INFO, 'moduleList', 0x2c],
  [MD.CONTEXT_X86, 'floatSave', 0x1c],
  [MD.CONTEXT_X86, 'segGs', 0x8c],
  [MD.CONTEXT_X86, 'edi', 0x9c],
  [MD.CONTEXT_X86, 'eax', 0xb0],
  [MD.CONTEXT_X86, 'ebp', 0xb4],
  [MD.CONTEXT_X86, 'eip', 0xb8],
  [MD.CONTEXT_X86, 'eflags', 0xc0],
  [MD.CONTEXT_X86, 'esp', 0xc4],
  [MD.CONTEXT_X86, 'extendedRegisters', 0xcc],
  [MD.CONTEXT_AMD64, 'contextFlags', 0x30],
  [MD.CONTEXT_AMD64, 'eflags', 0x44],
  [MD.CONTEXT_AMD64, 'rax', 0x78],
  [MD.CONTEXT_AMD64, 'rsp', 0x98],
  [MD.CONTEXT_AMD64, 'rbp', 0xa0],
  [MD.CONTEXT_AMD64, 'r15', 0xf0],
  [MD.CONTEXT_AMD64, 'rip', 0xf8],
  [MD.CONTEXT_AMD64, 'fltSave', 0x100],
  [MD.CONTEXT_AMD64, 'vectorRegister', 0x300],
  [MD.CONTEXT_AMD64, 'vectorControl', 0x4a0],
  [MD.CONTEXT_AMD64, 'lastExceptionFromRip', 0x4c8],
  [MD.XMM_SAVE_AREA32, 'mxCsr', 0x18],
  [MD.XMM_SAVE_AREA32, 'floatRegisters', 0x20],
  [MD.XMM_SAVE_AREA32, 'xmmRegisters', 0xa0],
  [MD.CONTEXT_ARM64, 'x', 0x08],
  [MD.CONTEXT_ARM64, 'fp', 0xf0],
  [MD.CONTEXT_ARM64, 'lr', 0xf8],
  [MD.CONTEXT_ARM64, 'sp', 0x100],
  [MD.CONTEXT_ARM64, 'pc', 0x108],
  [MD.CONTEXT_ARM64, 'v', 0x110],
  [MD.CONTEXT_ARM64, 'fpcr', 0x310],
  [MD.CONTEXT_ARM64, 'bvr', 0x338],
  [MD.CONTEXT_ARM64, 'wvr', 0x380],
  [MD.CONTEXT_ARM64_OLD, 'cpsr', 0x110],
  [MD.CONTEXT_ARM, 'cpsr', 0x44],
  [MD.CONTEXT_ARM_WINDOWS, 'cpsr', 0x44],
  [MD.CV_INFO_PDB70, 'age', 0x14],
  [MD.CV_INFO_PDB20, 'age', 0x0c],
];

describe('minidump layouts', () => {
  it('declares the sizes the spec gives', () => {
    const byName = new Map(allStructs.map(([k, v]) => [k, v]));
    for (const [name, size] of Object.entries(SIZES)) {
      expect(byName.get(name)?.size, name).toBe(size);
    }
  });
  it.each(OFFSETS.map(([d, f, o]) => [d.name, f, o, d] as const))('%s.%s is at %i', (_n, field, offset, def) => {
    expect(def.offsetOf(field)).toBe(offset);
  });
  it('Xmm0 sits at 0x1A0 in the AMD64 CONTEXT (kdmp-parser static assert)', () => {
    expect(MD.CONTEXT_AMD64.offsetOf('fltSave') + MD.XMM_SAVE_AREA32.offsetOf('xmmRegisters')).toBe(0x1a0);
  });
  it.each(allStructs.map(([k, v]) => [k, v] as const))('%s compiles to its declared size', (_k, def) => {
    expect(compiledSizeOf(def)).toBe(def.size);
  });
});
