// CPU CONTEXT records as stored in kernel dump headers (x64 at 0x348, x86 at 0x320, ARM64 at
// 0x348). Layouts from ../shared/spec/minidump.md §8 (same CONTEXT as user-mode minidumps);
// declared here because the kernel reader needs them independently of the minidump module.

import { array, bytes, defineStruct, u16, u32, u64 } from '../define.js';

export const KERNEL_CONTEXT_AMD64 = defineStruct('CONTEXT_AMD64', 0x4d0, [
  ['p1Home', u64], ['p2Home', u64], ['p3Home', u64], ['p4Home', u64], ['p5Home', u64], ['p6Home', u64], // 0x00
  ['contextFlags', u32], // 0x30
  ['mxCsr', u32], // 0x34
  ['segCs', u16], ['segDs', u16], ['segEs', u16], ['segFs', u16], ['segGs', u16], ['segSs', u16], // 0x38
  ['eFlags', u32], // 0x44
  ['dr0', u64], ['dr1', u64], ['dr2', u64], ['dr3', u64], ['dr6', u64], ['dr7', u64], // 0x48
  ['rax', u64], // 0x78
  ['rcx', u64], // 0x80
  ['rdx', u64], // 0x88
  ['rbx', u64], // 0x90
  ['rsp', u64], // 0x98
  ['rbp', u64], // 0xA0
  ['rsi', u64], // 0xA8
  ['rdi', u64], // 0xB0
  ['r8', u64], ['r9', u64], ['r10', u64], ['r11', u64], ['r12', u64], ['r13', u64], ['r14', u64], ['r15', u64], // 0xB8
  ['rip', u64], // 0xF8
  ['fltSave', bytes(512)], // 0x100 (XMM_SAVE_AREA32; MxCsr copy at +0x18)
  ['vectorRegister', bytes(26 * 16)], // 0x300
  ['vectorControl', u64], // 0x4A0
  ['debugControl', u64], // 0x4A8
  ['lastBranchToRip', u64], // 0x4B0
  ['lastBranchFromRip', u64], // 0x4B8
  ['lastExceptionToRip', u64], // 0x4C0
  ['lastExceptionFromRip', u64], // 0x4C8
]);

export const KERNEL_CONTEXT_X86 = defineStruct('CONTEXT_X86', 0x2cc, [
  ['contextFlags', u32], // 0x00
  ['dr0', u32], ['dr1', u32], ['dr2', u32], ['dr3', u32], ['dr6', u32], ['dr7', u32], // 0x04
  ['floatSave', bytes(112)], // 0x1C FLOATING_SAVE_AREA
  ['segGs', u32], // 0x8C
  ['segFs', u32], // 0x90
  ['segEs', u32], // 0x94
  ['segDs', u32], // 0x98
  ['edi', u32], // 0x9C
  ['esi', u32], // 0xA0
  ['ebx', u32], // 0xA4
  ['edx', u32], // 0xA8
  ['ecx', u32], // 0xAC
  ['eax', u32], // 0xB0
  ['ebp', u32], // 0xB4
  ['eip', u32], // 0xB8
  ['segCs', u32], // 0xBC
  ['eFlags', u32], // 0xC0
  ['esp', u32], // 0xC4
  ['segSs', u32], // 0xC8
  ['extendedRegisters', bytes(512)], // 0xCC
]);

export const KERNEL_CONTEXT_ARM64 = defineStruct('CONTEXT_ARM64', 0x390, [
  ['contextFlags', u32], // 0x000
  ['cpsr', u32], // 0x004
  ['x', array(u64, 29)], // 0x008 X0..X28
  ['fp', u64], // 0x0F0 X29
  ['lr', u64], // 0x0F8 X30
  ['sp', u64], // 0x100
  ['pc', u64], // 0x108
  ['v', bytes(32 * 16)], // 0x110
  ['fpcr', u32], // 0x310
  ['fpsr', u32], // 0x314
  ['bcr', array(u32, 8)], // 0x318
  ['bvr', array(u64, 8)], // 0x338
  ['wcr', array(u32, 2)], // 0x378
  ['wvr', array(u64, 2)], // 0x380
]);
