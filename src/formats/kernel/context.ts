// CONTEXT records (header copy at 0x320 / 0x348) → the format-neutral CpuContext.

import { KERNEL_CONTEXT_AMD64, KERNEL_CONTEXT_ARM64, KERNEL_CONTEXT_X86 } from '../../../native-structs/kernel/context.js';
import { MachineType } from '../../../native-structs/constants/kernel.js';
import { compileStructs, decodeStruct } from '../../reader/struct-codec.js';
import type { Arch, CpuContext } from '../../analysis/facts/types.js';

compileStructs(KERNEL_CONTEXT_AMD64, KERNEL_CONTEXT_ARM64, KERNEL_CONTEXT_X86);

export function archOfMachine(machine: number): Arch {
  switch (machine) {
    case MachineType.AMD64: return 'x64';
    case MachineType.I386: return 'x86';
    case MachineType.ARM64: return 'arm64';
    case MachineType.ARMNT: return 'arm';
    case MachineType.IA64: return 'ia64';
    default: return 'unknown';
  }
}

const AMD64_REGS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip'] as const;
const X86_REGS = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip'] as const;

/** Decode a CONTEXT for `arch` from `bytes` (file offset `fileOffset`); undefined when too short or unknown arch. */
export function decodeContext(arch: Arch, bytes: Uint8Array, fileOffset: number): CpuContext | undefined {
  type R = Record<string, unknown>;
  if (arch === 'x64' && bytes.length >= KERNEL_CONTEXT_AMD64.size) {
    const c = decodeStruct<R>(KERNEL_CONTEXT_AMD64, bytes, fileOffset);
    const registers: Record<string, bigint> = {};
    for (const n of AMD64_REGS) registers[n] = c[n] as bigint;
    registers.rflags = BigInt(c.eFlags as number);
    registers.mxcsr = BigInt(c.mxCsr as number);
    for (const s of ['segCs', 'segDs', 'segEs', 'segFs', 'segGs', 'segSs']) registers[s.slice(3).toLowerCase()] = BigInt(c[s] as number);
    for (const d of ['dr0', 'dr1', 'dr2', 'dr3', 'dr6', 'dr7']) registers[d] = c[d] as bigint;
    registers.contextflags = BigInt(c.contextFlags as number);
    return { arch, ip: registers.rip!, sp: registers.rsp!, fp: registers.rbp!, registers, at: { struct: 'CONTEXT_AMD64', offset: fileOffset } };
  }
  if (arch === 'x86' && bytes.length >= KERNEL_CONTEXT_X86.size) {
    const c = decodeStruct<R>(KERNEL_CONTEXT_X86, bytes, fileOffset);
    const registers: Record<string, bigint> = {};
    for (const n of X86_REGS) registers[n] = BigInt(c[n] as number);
    registers.eflags = BigInt(c.eFlags as number);
    for (const s of ['segCs', 'segDs', 'segEs', 'segFs', 'segGs', 'segSs']) registers[s.slice(3).toLowerCase()] = BigInt(c[s] as number);
    registers.contextflags = BigInt(c.contextFlags as number);
    return { arch, ip: registers.eip!, sp: registers.esp!, fp: registers.ebp!, registers, at: { struct: 'CONTEXT_X86', offset: fileOffset } };
  }
  if (arch === 'arm64' && bytes.length >= KERNEL_CONTEXT_ARM64.size) {
    const c = decodeStruct<R>(KERNEL_CONTEXT_ARM64, bytes, fileOffset);
    const registers: Record<string, bigint> = {};
    (c.x as bigint[]).forEach((v, i) => (registers[`x${i}`] = v));
    registers.fp = c.fp as bigint;
    registers.lr = c.lr as bigint;
    registers.sp = c.sp as bigint;
    registers.pc = c.pc as bigint;
    registers.cpsr = BigInt(c.cpsr as number);
    registers.fpcr = BigInt(c.fpcr as number);
    registers.fpsr = BigInt(c.fpsr as number);
    registers.contextflags = BigInt(c.contextFlags as number);
    return { arch, ip: registers.pc, sp: registers.sp, fp: registers.fp, registers, at: { struct: 'CONTEXT_ARM64', offset: fileOffset } };
  }
  return undefined;
}
