// CPU contexts, shared by minidumps and kernel dumps (both store the Windows CONTEXT): pick the layout from ContextFlags (falling back to SystemInfo's architecture),
// extract the general registers into a CpuContext from a short prefix (what facts need), and
// decode the whole fixed layout for describe(). Contexts larger than the layout (XSTATE / CET
// shadow stack) keep their fixed part; the extra size is noted.

import { CONTEXT_AMD64, CONTEXT_ARM, CONTEXT_ARM64, CONTEXT_ARM64_OLD, CONTEXT_ARM_WINDOWS, CONTEXT_X86 } from '../../native-structs/contexts.js';
import { ContextCpu, ContextPart } from '../../native-structs/constants/minidump.js';
import type { StructDef } from '../../native-structs/define.js';
import type { Arch, CpuContext } from '../analysis/facts/types.js';
import { compileStructs, decodeStruct } from '../reader/struct-codec.js';

compileStructs(CONTEXT_X86, CONTEXT_AMD64, CONTEXT_ARM64, CONTEXT_ARM64_OLD, CONTEXT_ARM, CONTEXT_ARM_WINDOWS);

export type ContextKind = 'x86' | 'amd64' | 'arm64' | 'arm64-old' | 'arm' | 'arm-windows';

interface Layout {
  kind: ContextKind;
  arch: Arch;
  def: StructDef;
  /** Bytes needed for the general registers (what facts read). */
  prefix: number;
  regs: Array<[name: string, offset: number, size: 4 | 8]>;
  /** Registers past the prefix, read only when the caller has the whole context (kernel dumps). */
  extra?: Array<[name: string, offset: number, size: 4 | 8]>;
  ip: string;
  sp: string;
  fp?: string;
}

function field(def: StructDef, name: string): number {
  return def.offsetOf(name);
}

const X86_REGS = ['edi', 'esi', 'ebx', 'edx', 'ecx', 'eax', 'ebp', 'eip', 'eflags', 'esp', 'segCs', 'segSs', 'segDs', 'segEs', 'segFs', 'segGs', 'dr0', 'dr1', 'dr2', 'dr3', 'dr6', 'dr7'];
const AMD64_REGS64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip', 'dr0', 'dr1', 'dr2', 'dr3', 'dr6', 'dr7'];

const LAYOUTS: Record<ContextKind, Layout> = {
  x86: {
    kind: 'x86', arch: 'x86', def: CONTEXT_X86, prefix: CONTEXT_X86.offsetOf('extendedRegisters'),
    regs: X86_REGS.map((r) => [r.startsWith('seg') ? r.slice(3).toLowerCase() : r, field(CONTEXT_X86, r), 4]),
    ip: 'eip', sp: 'esp', fp: 'ebp',
  },
  amd64: {
    kind: 'amd64', arch: 'x64', def: CONTEXT_AMD64, prefix: CONTEXT_AMD64.offsetOf('fltSave'),
    regs: [
      ...AMD64_REGS64.map((r): [string, number, 4 | 8] => [r, field(CONTEXT_AMD64, r), 8]),
      // The struct field is EFlags; on x64 the register is RFLAGS (WinDbg: efl, rizin: rflags).
      ['rflags', field(CONTEXT_AMD64, 'eflags'), 4],
      ['mxcsr', field(CONTEXT_AMD64, 'mxCsr'), 4],
    ],
    ip: 'rip', sp: 'rsp', fp: 'rbp',
  },
  arm64: {
    kind: 'arm64', arch: 'arm64', def: CONTEXT_ARM64, prefix: CONTEXT_ARM64.offsetOf('v'),
    regs: [
      ...Array.from({ length: 29 }, (_, i): [string, number, 4 | 8] => [`x${i}`, 8 + i * 8, 8]),
      ['fp', field(CONTEXT_ARM64, 'fp'), 8],
      ['lr', field(CONTEXT_ARM64, 'lr'), 8],
      ['sp', field(CONTEXT_ARM64, 'sp'), 8],
      ['pc', field(CONTEXT_ARM64, 'pc'), 8],
      ['cpsr', field(CONTEXT_ARM64, 'cpsr'), 4],
    ],
    extra: [
      ['fpcr', field(CONTEXT_ARM64, 'fpcr'), 4],
      ['fpsr', field(CONTEXT_ARM64, 'fpsr'), 4],
    ],
    ip: 'pc', sp: 'sp', fp: 'fp',
  },
  'arm64-old': {
    kind: 'arm64-old', arch: 'arm64', def: CONTEXT_ARM64_OLD, prefix: CONTEXT_ARM64_OLD.offsetOf('v'),
    regs: [
      ...Array.from({ length: 29 }, (_, i): [string, number, 4 | 8] => [`x${i}`, 8 + i * 8, 8]),
      ['fp', 8 + 29 * 8, 8],
      ['lr', 8 + 30 * 8, 8],
      ['sp', 8 + 31 * 8, 8],
      ['pc', 8 + 32 * 8, 8],
      ['cpsr', field(CONTEXT_ARM64_OLD, 'cpsr'), 4],
    ],
    ip: 'pc', sp: 'sp', fp: 'fp',
  },
  arm: {
    kind: 'arm', arch: 'arm', def: CONTEXT_ARM, prefix: CONTEXT_ARM.offsetOf('fpscr'),
    regs: [
      ...Array.from({ length: 13 }, (_, i): [string, number, 4 | 8] => [`r${i}`, 4 + i * 4, 4]),
      ['sp', 4 + 13 * 4, 4], ['lr', 4 + 14 * 4, 4], ['pc', 4 + 15 * 4, 4], ['cpsr', 0x44, 4],
    ],
    ip: 'pc', sp: 'sp', fp: 'r11',
  },
  'arm-windows': {
    kind: 'arm-windows', arch: 'arm', def: CONTEXT_ARM_WINDOWS, prefix: CONTEXT_ARM_WINDOWS.offsetOf('fpscr'),
    regs: [
      ...Array.from({ length: 13 }, (_, i): [string, number, 4 | 8] => [`r${i}`, 4 + i * 4, 4]),
      ['sp', 4 + 13 * 4, 4], ['lr', 4 + 14 * 4, 4], ['pc', 4 + 15 * 4, 4], ['cpsr', 0x44, 4],
    ],
    ip: 'pc', sp: 'sp', fp: 'r11',
  },
};

/** The CPU a ContextFlags value names, if any. */
export function contextKindFromFlags(flags: number): ContextKind | undefined {
  const cpu = flags >>> 0;
  if ((cpu & 0xffffff00) === 0) return undefined;
  if (cpu & ContextCpu.Arm64Old) return 'arm64-old';
  if ((cpu & ContextCpu.Arm) !== 0) return 'arm';
  if ((cpu & 0x00ff0000) === ContextCpu.X86) return 'x86';
  if ((cpu & 0x00ff0000) === ContextCpu.Amd64) return 'amd64';
  if ((cpu & 0x00ff0000) === ContextCpu.Arm64) return 'arm64';
  if ((cpu & 0x00ff0000) === ContextCpu.WindowsArm) return 'arm-windows';
  return undefined;
}

/** The layout for a dump of `arch` (kernel dumps have no ContextFlags-based choice to make). */
export function layoutForArch(arch: Arch): Layout | undefined {
  const kind = contextKindFromArch(arch);
  return kind ? LAYOUTS[kind] : undefined;
}

export function contextKindFromArch(arch: Arch): ContextKind | undefined {
  switch (arch) {
    case 'x86': return 'x86';
    case 'x64': return 'amd64';
    case 'arm64': return 'arm64';
    case 'arm': return 'arm';
    default: return undefined;
  }
}

/** Where ContextFlags sits in each layout's first bytes: AMD64 at 0x30, the others at 0. */
function peekFlags(bytes: Uint8Array): { at0: number; at30?: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { at0: bytes.length >= 4 ? dv.getUint32(0, true) : 0, at30: bytes.length >= 0x34 ? dv.getUint32(0x30, true) : undefined };
}

export interface ChosenLayout {
  layout: Layout;
  /** Set when the flags disagree with the system architecture. */
  mismatch?: string;
}

/**
 * Choose the layout: the CPU bits of ContextFlags when they name a CPU (AMD64 keeps its flags at
 * 0x30), confirmed against `arch`; else `arch`. `size` is the recorded context size.
 */
export function chooseLayout(head: Uint8Array, arch: Arch, size: number): ChosenLayout | undefined {
  const { at0, at30 } = peekFlags(head);
  const byArch = contextKindFromArch(arch);
  const fromAt0 = contextKindFromFlags(at0);
  const fromAt30 = at30 !== undefined && size >= CONTEXT_AMD64.size && contextKindFromFlags(at30) === 'amd64' ? 'amd64' : undefined;
  let kind: ContextKind | undefined;
  if (byArch === 'amd64' && fromAt30) kind = 'amd64';
  else if (byArch && fromAt0 && LAYOUTS[fromAt0].arch === LAYOUTS[byArch].arch) kind = fromAt0;
  else kind = fromAt0 ?? fromAt30;
  if (arch === 'arm64' && kind === undefined && size >= CONTEXT_ARM64_OLD.size && size !== CONTEXT_ARM64.size) kind = 'arm64-old';
  if (!kind) {
    if (!byArch) return undefined;
    return { layout: LAYOUTS[byArch], mismatch: `ContextFlags ${(at0 >>> 0).toString(16)} name no CPU; decoded as ${arch}` };
  }
  const layout = LAYOUTS[kind];
  if (byArch && layout.arch !== arch) {
    return { layout, mismatch: `ContextFlags name ${layout.arch} but SystemInfo says ${arch}` };
  }
  return { layout };
}

/** Bytes to read for facts (general registers only) for a dump of `arch`. */
export function registerPrefixSize(arch: Arch): number {
  switch (arch) {
    case 'x86': return LAYOUTS.x86.prefix;
    case 'x64': return LAYOUTS.amd64.prefix;
    case 'arm64': return Math.max(LAYOUTS.arm64.prefix, LAYOUTS['arm64-old'].prefix);
    case 'arm': return LAYOUTS.arm.prefix;
    default: return Math.max(...Object.values(LAYOUTS).map((l) => l.prefix), CONTEXT_AMD64.offsetOf('contextFlags') + 4);
  }
}

/** CpuContext (general registers) from the first bytes of a context. */
export function registersFrom(bytes: Uint8Array, layout: Layout, at: { struct: string; offset: number }): CpuContext | undefined {
  if (bytes.length < layout.prefix) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const registers: Record<string, bigint> = {};
  const regs = layout.extra && bytes.length >= layout.def.size ? [...layout.regs, ...layout.extra] : layout.regs;
  for (const [name, off, size] of regs) {
    registers[name] = size === 8 ? dv.getBigUint64(off, true) : BigInt(dv.getUint32(off, true));
  }
  const ctx: CpuContext = {
    arch: layout.arch,
    ip: registers[layout.ip]!,
    sp: registers[layout.sp]!,
    registers,
    at: { struct: layout.def.name, offset: at.offset },
  };
  if (layout.fp && registers[layout.fp] !== undefined) ctx.fp = registers[layout.fp];
  return ctx;
}

/** The whole fixed layout decoded, plus notes on extra (XSTATE) bytes. */
export function decodeFullContext(bytes: Uint8Array, layout: Layout, offset: number): Record<string, unknown> {
  const out: Record<string, unknown> = { layout: layout.def.name, size: bytes.length };
  if (bytes.length < layout.def.size) {
    out.truncated = `context is ${bytes.length} bytes, ${layout.def.name} needs ${layout.def.size}`;
    out.registers = registersFrom(bytes, layout, { struct: layout.def.name, offset })?.registers;
    return out;
  }
  out.fields = decodeStruct(layout.def, bytes, offset);
  if (bytes.length > layout.def.size) {
    const flags = layout.kind === 'amd64' ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(0x30, true) : new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
    out.extraBytes = bytes.length - layout.def.size;
    out.xstate = (flags & ContextPart.Xstate) !== 0 ? 'CONTEXT_XSTATE: extended state (AVX / CET shadow stack) follows the fixed part' : 'bytes past the fixed layout (not decoded)';
  }
  return out;
}

export type { Layout as ContextLayout };
