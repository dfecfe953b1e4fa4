// CPU CONTEXT layouts (spec minidump.md §8), declared once for every format: minidump threads and
// exceptions, and kernel dump headers / triage blocks, store the same Windows CONTEXT. A minidump
// location may be larger than these (XSTATE, CET): the fixed part is decoded, the rest noted.

import { array, bytes, defineStruct, struct, u16, u32, u64, u8 } from './define.js';

export const FLOATING_SAVE_AREA = defineStruct('FLOATING_SAVE_AREA', 112, [
  ['controlWord', u32], //   0x00
  ['statusWord', u32], //    0x04
  ['tagWord', u32], //       0x08
  ['errorOffset', u32], //   0x0C
  ['errorSelector', u32], // 0x10
  ['dataOffset', u32], //    0x14
  ['dataSelector', u32], //  0x18
  ['registerArea', bytes(80)], // 0x1C
  ['cr0NpxState', u32], //   0x6C
]);

export const CONTEXT_X86 = defineStruct('CONTEXT_X86', 0x2cc, [
  ['contextFlags', u32], // 0x00
  ['dr0', u32], ['dr1', u32], ['dr2', u32], ['dr3', u32], ['dr6', u32], ['dr7', u32], // 0x04..0x18
  ['floatSave', struct(FLOATING_SAVE_AREA)], // 0x1C
  ['segGs', u32], ['segFs', u32], ['segEs', u32], ['segDs', u32], // 0x8C..0x98
  ['edi', u32], ['esi', u32], ['ebx', u32], ['edx', u32], ['ecx', u32], ['eax', u32], // 0x9C..0xB0
  ['ebp', u32], //    0xB4
  ['eip', u32], //    0xB8
  ['segCs', u32], //  0xBC
  ['eflags', u32], // 0xC0
  ['esp', u32], //    0xC4
  ['segSs', u32], //  0xC8
  ['extendedRegisters', bytes(512)], // 0xCC FXSAVE image
]);

/** FXSAVE / XMM_SAVE_AREA32 (512 bytes). */
export const XMM_SAVE_AREA32 = defineStruct('XMM_SAVE_AREA32', 512, [
  ['controlWord', u16], //   0x00
  ['statusWord', u16], //    0x02
  ['tagWord', u8], //        0x04
  ['reserved1', u8], //      0x05
  ['errorOpcode', u16], //   0x06
  ['errorOffset', u32], //   0x08
  ['errorSelector', u16], // 0x0C
  ['reserved2', u16], //     0x0E
  ['dataOffset', u32], //    0x10
  ['dataSelector', u16], //  0x14
  ['reserved3', u16], //     0x16
  ['mxCsr', u32], //         0x18
  ['mxCsrMask', u32], //     0x1C
  ['floatRegisters', bytes(128)], // 0x20 8 × 16
  ['xmmRegisters', bytes(256)], //   0xA0 16 × 16
  ['reserved4', bytes(96)], //       0x1A0
]);

export const CONTEXT_AMD64 = defineStruct('CONTEXT_AMD64', 0x4d0, [
  ['p1Home', u64], ['p2Home', u64], ['p3Home', u64], ['p4Home', u64], ['p5Home', u64], ['p6Home', u64], // 0x00..0x28
  ['contextFlags', u32], // 0x30
  ['mxCsr', u32], //        0x34
  ['segCs', u16], ['segDs', u16], ['segEs', u16], ['segFs', u16], ['segGs', u16], ['segSs', u16], // 0x38..0x42
  ['eflags', u32], //       0x44
  ['dr0', u64], ['dr1', u64], ['dr2', u64], ['dr3', u64], ['dr6', u64], ['dr7', u64], // 0x48..0x70
  ['rax', u64], ['rcx', u64], ['rdx', u64], ['rbx', u64], // 0x78..0x90
  ['rsp', u64], //          0x98
  ['rbp', u64], //          0xA0
  ['rsi', u64], ['rdi', u64], // 0xA8, 0xB0
  ['r8', u64], ['r9', u64], ['r10', u64], ['r11', u64], ['r12', u64], ['r13', u64], ['r14', u64], ['r15', u64], // 0xB8..0xF0
  ['rip', u64], //          0xF8
  ['fltSave', struct(XMM_SAVE_AREA32)], // 0x100
  ['vectorRegister', bytes(416)], // 0x300 26 × 16
  ['vectorControl', u64], //        0x4A0
  ['debugControl', u64], //         0x4A8
  ['lastBranchToRip', u64], //      0x4B0
  ['lastBranchFromRip', u64], //    0x4B8
  ['lastExceptionToRip', u64], //   0x4C0
  ['lastExceptionFromRip', u64], // 0x4C8
]);

/** Microsoft ARM64 CONTEXT (flags 0x00400000); breakpad's MDRawContextARM64 has the same bytes. */
export const CONTEXT_ARM64 = defineStruct('CONTEXT_ARM64', 0x390, [
  ['contextFlags', u32], // 0x000
  ['cpsr', u32], //         0x004
  ['x', array(u64, 29)], // 0x008 X0..X28
  ['fp', u64], //           0x0F0 X29
  ['lr', u64], //           0x0F8 X30
  ['sp', u64], //           0x100
  ['pc', u64], //           0x108
  ['v', bytes(512)], //     0x110 V0..V31
  ['fpcr', u32], //         0x310
  ['fpsr', u32], //         0x314
  ['bcr', array(u32, 8)], // 0x318
  ['bvr', array(u64, 8)], // 0x338
  ['wcr', array(u32, 2)], // 0x378
  ['wvr', array(u64, 2)], // 0x380
]);

/** breakpad "ARM64_OLD" context (flags 0x80000000, u64 context_flags), packed to 4. */
export const CONTEXT_ARM64_OLD = defineStruct('CONTEXT_ARM64_OLD', 796, [
  ['contextFlags', u64], //     0x000
  ['iregs', array(u64, 33)], // 0x008 x0..x28, fp, lr, sp, pc
  ['cpsr', u32], //             0x110
  ['fpsr', u32], //             0x114
  ['fpcr', u32], //             0x118
  ['v', bytes(512)], //         0x11C
]);

/** breakpad MDRawContextARM (flags 0x40000000). */
export const CONTEXT_ARM = defineStruct('CONTEXT_ARM', 368, [
  ['contextFlags', u32], //      0x000
  ['iregs', array(u32, 16)], //  0x004 r0..r12, sp (r13), lr (r14), pc (r15)
  ['cpsr', u32], //              0x044
  ['fpscr', u64], //             0x048
  ['fpRegs', bytes(256)], //     0x050 d0..d31
  ['fpExtra', array(u32, 8)], // 0x150
]);

/** Microsoft ARM (32-bit) CONTEXT (flags 0x00200000): same integer part as breakpad's. */
export const CONTEXT_ARM_WINDOWS = defineStruct('CONTEXT_ARM_WINDOWS', 0x1a0, [
  ['contextFlags', u32], //     0x000
  ['iregs', array(u32, 16)], // 0x004 r0..r12, sp, lr, pc
  ['cpsr', u32], //             0x044
  ['fpscr', u32], //            0x048
  ['padding', u32], //          0x04C
  ['d', bytes(256)], //         0x050
  ['bvr', array(u32, 8)], //    0x150
  ['bcr', array(u32, 8)], //    0x170
  ['wvr', u32], //              0x190
  ['wcr', u32], //              0x194
  ['padding2', array(u32, 2)], // 0x198
]);
