// Synthetic minidumps for the stack walker (src/unwind/). Each builder lays out one thread's
// registers, stack and (where the case needs it) the module image pages by hand and returns the
// frames a correct walker finds, in order, with the trust of the method that finds each one:
//   frame 0: the context (trust 'context'); callers: 'cfi' (Windows unwind data read from the
//   image in the dump: x64 .pdata/.xdata, ARM64 .pdata packed or .xdata, including the "no
//   .pdata entry = leaf" rule), 'frame-pointer' (x86 EBP chain, ARM64 x29/x30 records), 'scan'.
// `address` is the instruction pointer for frame 0 and for a frame restored from a machine frame
// (PUSH_MACHFRAME gives the interrupted RIP), and the return address for the other callers.
// Stop rules assumed (pe-unwind.md §5 step 9, §7; rust-minidump's get_caller_frame): a caller
// whose IP is < 0x1000 ends the walk, and so does one whose SP does not increase (the first
// unwind on ARM64 may keep SP, since a leaf's caller is in LR).
//
// Each case has one thread (crashing, with an exception stream) and the thread's stack in the
// MemoryList. Code bytes hold a call right before every return address that lies in image memory
// (x86/x64 `E8 rel32`, or `FF D0` call rax into JIT code; ARM64 `BL`), so a walker that checks
// "the instruction before a return address is a call" accepts them; stale values planted for
// scanners are preceded by calls too, so only a walker that follows the unwind data / frame
// chain skips them.

import { SynthMinidump } from './minidump.js';
import {
  A64_UWC,
  arm64Nops,
  arm64PackedUnwindData,
  arm64Xdata,
  buildPeImage,
  putArm64,
  putBlArm64,
  putCallX86,
  runtimeFunctionsArm64,
  runtimeFunctionsX64,
  SCN_RDATA,
  SCN_TEXT,
  X64_REG,
  x64UnwindInfo,
  type PeImage,
  type RuntimeFunctionX64,
} from './pe-image.js';

export type FrameTrust = 'context' | 'cfi' | 'frame-pointer' | 'scan';

export interface ExpectedFrame {
  /** Frame 0: the instruction pointer; callers: the return address (or the interrupted IP of a machine frame). */
  address: bigint;
  trust: FrameTrust;
  /** File name of the module holding `address` (as ModuleFacts.name), absent for none. */
  module?: string;
  /** `address` is an interrupted instruction (restored from a machine frame), not a return address. */
  interrupted?: boolean;
}

export interface UnwindCase {
  bytes: Uint8Array;
  expected: ExpectedFrame[];
  note: string;
  arch: 'x86' | 'x64' | 'arm64';
  /** The one thread to walk (also the exception thread). */
  threadId: number;
}

/** Little-endian words written at absolute addresses inside one memory range. */
class Mem {
  readonly bytes: Uint8Array;
  private readonly dv: DataView;
  constructor(
    readonly start: bigint,
    size: number,
    private readonly ptr: 4 | 8,
  ) {
    this.bytes = new Uint8Array(size);
    this.dv = new DataView(this.bytes.buffer);
  }
  private at(address: bigint, width: number): number {
    const o = Number(address - this.start);
    if (o < 0 || o + width > this.bytes.length) throw new Error(`0x${address.toString(16)} is outside the range at 0x${this.start.toString(16)}`);
    return o;
  }
  /** A pointer-sized word. */
  word(address: bigint, value: bigint): this {
    if (this.ptr === 8) this.dv.setBigUint64(this.at(address, 8), BigInt.asUintN(64, value), true);
    else this.dv.setUint32(this.at(address, 4), Number(value & 0xffffffffn), true);
    return this;
  }
  u64(address: bigint, value: bigint): this {
    this.dv.setBigUint64(this.at(address, 8), BigInt.asUintN(64, value), true);
    return this;
  }
  u32(address: bigint, value: number): this {
    this.dv.setUint32(this.at(address, 4), value >>> 0, true);
    return this;
  }
}

function addImage(dump: SynthMinidump, image: PeImage): SynthMinidump {
  for (const p of image.pages) dump.addMemory(p.address, p.bytes);
  return dump;
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

// =================================================================================================
// x86: one module with its header and .text pages in memory, frames linked by EBP.
// =================================================================================================

const X86_APP = 0x0040_0000n;
const X86_APP_NAME = 'LegacyTool.exe';
const X86_NTDLL = 0x7784_0000n;
/** .text at rva 0x1000; function starts (offsets in .text) and call sites. */
const X86_F = { f0: 0x000, f1: 0x100, f2: 0x200, f3: 0x300, f5: 0x500, f6: 0x600 } as const;

interface X86Code {
  image: PeImage;
  /** Absolute addresses. */
  eip0: bigint;
  r1: bigint;
  r2: bigint;
  r3: bigint;
  stale1: bigint;
  stale2: bigint;
}

/** LegacyTool.exe: f0 (faults), f1 calls f0, f2 calls f1, f3 calls f2; f5 and f6 hold calls whose return addresses are planted as stale values. */
function x86Code(): X86Code {
  const text = new Uint8Array(0x1000).fill(0xcc);
  // push ebp; mov ebp, esp; sub esp, N
  const prolog = (at: number, locals: number): void => text.set([0x55, 0x8b, 0xec, 0x83, 0xec, locals], at);
  prolog(X86_F.f0, 0x30);
  prolog(X86_F.f1, 0x38);
  prolog(X86_F.f2, 0x28);
  prolog(X86_F.f3, 0x18);
  prolog(X86_F.f5, 0x10);
  prolog(X86_F.f6, 0x10);
  text.set([0x8b, 0x01], X86_F.f0 + 0x20); // mov eax, [ecx]: the faulting instruction
  const r1 = X86_F.f1 + 0x1d;
  const r2 = X86_F.f2 + 0x2a;
  const r3 = X86_F.f3 + 0x47;
  const s1 = X86_F.f5 + 0x12;
  const s2 = X86_F.f6 + 0x33;
  putCallX86(text, r1, X86_F.f0);
  putCallX86(text, r2, X86_F.f1);
  putCallX86(text, r3, X86_F.f2);
  putCallX86(text, s1, X86_F.f2);
  putCallX86(text, s2, X86_F.f0);
  const image = buildPeImage({ machine: 'x86', base: X86_APP, sizeOfImage: 0x8000, timestamp: 0x4f2e1d0c, sections: [{ name: '.text', rva: 0x1000, bytes: text, characteristics: SCN_TEXT }] });
  const at = (o: number): bigint => X86_APP + 0x1000n + BigInt(o);
  return { image, eip0: at(X86_F.f0 + 0x20), r1: at(r1), r2: at(r2), r3: at(r3), stale1: at(s1), stale2: at(s2) };
}

function x86Dump(tid: number, code: X86Code, regs: { eip: bigint; esp: bigint; ebp: bigint }, stack: Mem): SynthMinidump {
  const dump = new SynthMinidump({ arch: 'x86', timestamp: 1_700_100_000 })
    .addSystemInfo({ arch: 'x86', major: 10, minor: 0, build: 19045, cpus: 4, vendor: 'GenuineIntel' })
    .addModule({ name: `C:\\Tools\\${X86_APP_NAME}`, base: X86_APP, size: code.image.sizeOfImage, timestamp: 0x4f2e1d0c })
    .addModule({ name: 'C:\\Windows\\SysWOW64\\ntdll.dll', base: X86_NTDLL, size: 0x1a4000, timestamp: 0x1f2e3d4c })
    .addThread({ id: tid, context: { eip: Number(regs.eip), esp: Number(regs.esp), ebp: Number(regs.ebp), ecx: 0, eflags: 0x10246, segCs: 0x23, segSs: 0x2b }, stack: { start: stack.start, bytes: stack.bytes } })
    .addException({ threadId: tid, code: 0xc0000005, address: regs.eip, parameters: [0n, 0n] });
  return addImage(dump, code.image);
}

/**
 * (a) x86, four frames linked by saved EBP / return address pairs; stale return addresses (into
 * the module, after real calls, and into ntdll) sit in the locals between the records, where a
 * scan would pick them up and the EBP chain skips them. The outermost record holds EBP = 0 and
 * return address 0 (thread start): the walk ends there, and nothing above it looks like code.
 */

/** A 16 KiB image: .text at 0x1000, .rdata (unwind data) at 0x2000, .pdata at 0x3000 (the exception directory). */
function textRdataPdataImage(machine: 'x64' | 'arm64', base: bigint, text: Uint8Array, rdata: Uint8Array, pdata: Uint8Array, timestamp?: number): PeImage {
  return buildPeImage({
    machine,
    base,
    sizeOfImage: 0x4000,
    ...(timestamp !== undefined ? { timestamp } : {}),
    sections: [
      { name: '.text', rva: 0x1000, bytes: text, characteristics: SCN_TEXT },
      { name: '.rdata', rva: 0x2000, bytes: rdata, characteristics: SCN_RDATA },
      { name: '.pdata', rva: 0x3000, bytes: pdata, characteristics: SCN_RDATA },
    ],
    exception: { rva: 0x3000, size: pdata.length },
  });
}

export function x86EbpChain(): UnwindCase {
  const tid = 0x1b58;
  const c = x86Code();
  const S = 0x0019_f000n;
  const E0 = S + 0x30n; // f0: esp0 = S, sub esp 0x30 → ebp0 = S + 0x30
  const E1 = S + 0x70n; // f1: esp1 = E0 + 8 = S + 0x38, sub esp 0x38 → ebp1 = S + 0x70
  const E2 = S + 0xa0n; // f2: esp2 = E1 + 8 = S + 0x78, sub esp 0x28 → ebp2 = S + 0xa0
  const E3 = S + 0xc0n; // f3: esp3 = E2 + 8 = S + 0xa8, sub esp 0x18 → ebp3 = S + 0xc0
  const stack = new Mem(S, 0x200, 4)
    .word(S + 0x08n, c.stale1) // f0 locals: stale return address into f5
    .word(S + 0x14n, X86_NTDLL + 0x67a9en) // stale ntdll address
    .word(E0, E1).word(E0 + 4n, c.r1)
    .word(S + 0x40n, c.stale2) // f1 locals
    .word(S + 0x48n, 0x0019_f0f0n) // a stack address, not code
    .word(E1, E2).word(E1 + 4n, c.r2)
    .word(S + 0x88n, c.stale1) // f2 locals
    .word(E2, E3).word(E2 + 4n, c.r3)
    .word(E3, 0n).word(E3 + 4n, 0n); // f3: EBP 0, return address 0: end of the chain
  const bytes = x86Dump(tid, c, { eip: c.eip0, esp: S, ebp: E0 }, stack).build();
  return {
    bytes,
    arch: 'x86',
    threadId: tid,
    expected: [
      { address: c.eip0, trust: 'context', module: X86_APP_NAME },
      { address: c.r1, trust: 'frame-pointer', module: X86_APP_NAME },
      { address: c.r2, trust: 'frame-pointer', module: X86_APP_NAME },
      { address: c.r3, trust: 'frame-pointer', module: X86_APP_NAME },
    ],
    note:
      `x86 EBP chain: esp ${hex(S)}, ebp ${hex(E0)} → ${hex(E1)} → ${hex(E2)} → ${hex(E3)} (→ 0); ` +
      `stale ${hex(c.stale1)}, ${hex(c.stale2)} (after real calls) and ntdll+0x67a9e lie between the records and must not become frames; ` +
      'the record at ebp3 holds 0/0, so the walk ends after 4 frames (nothing above looks like code for a scan).',
  };
}

/**
 * (d) x86 frame chain that loops: the record at E1 points back to E0. Walking gives frame 1 (E0),
 * frame 2 (E1), then the candidate from E0 again, whose ESP (E0 + 8) is below frame 2's ESP
 * (E1 + 8): the SP-must-increase rule ends the walk after 3 frames. Nothing above E1 + 8 looks like
 * code, so a scan fallback finds nothing either.
 */
export function stackLoop(): UnwindCase {
  const tid = 0x2210;
  const c = x86Code();
  const S = 0x0028_e000n;
  const E0 = S + 0x20n;
  const E1 = S + 0x50n;
  const stack = new Mem(S, 0x100, 4)
    .word(E0, E1).word(E0 + 4n, c.r1)
    .word(E1, E0).word(E1 + 4n, c.r2); // back to E0: the loop
  const bytes = x86Dump(tid, c, { eip: c.eip0, esp: S, ebp: E0 }, stack).build();
  return {
    bytes,
    arch: 'x86',
    threadId: tid,
    expected: [
      { address: c.eip0, trust: 'context', module: X86_APP_NAME },
      { address: c.r1, trust: 'frame-pointer', module: X86_APP_NAME },
      { address: c.r2, trust: 'frame-pointer', module: X86_APP_NAME },
    ],
    note:
      `x86 EBP loop: ${hex(E0)} → ${hex(E1)} → ${hex(E0)} → ...; frame 2 has esp ${hex(E1 + 8n)} and ebp ${hex(E0)}, the next candidate esp ${hex(E0 + 8n)} goes backwards: stop. ` +
      'Frame 2 is what the x86 EBP rule gives without validating the caller EBP (breakpad, rust-minidump); a walker that also requires caller EBP >= caller ESP stops after frame 1.',
  };
}

/**
 * (e) x86 chain whose stack memory ends mid-record: E2 sits 4 bytes before the end of the
 * captured stack, so [E2] (a saved EBP) is readable and [E2 + 4] (the return address) is not.
 * The walk gives 3 frames and stops without an error.
 */
export function truncatedStack(): UnwindCase {
  const tid = 0x3a4;
  const c = x86Code();
  const S = 0x0033_f000n;
  const size = 0x60;
  const E0 = S + 0x10n;
  const E1 = S + 0x30n;
  const E2 = S + BigInt(size) - 4n; // the last 4 bytes of the range
  const stack = new Mem(S, size, 4)
    .word(E0, E1).word(E0 + 4n, c.r1)
    .word(E1, E2).word(E1 + 4n, c.r2)
    .word(E2, S + 0x100n); // saved EBP, pointing further up; [E2 + 4] is past the end of the dump
  const bytes = x86Dump(tid, c, { eip: c.eip0, esp: S, ebp: E0 }, stack).build();
  return {
    bytes,
    arch: 'x86',
    threadId: tid,
    expected: [
      { address: c.eip0, trust: 'context', module: X86_APP_NAME },
      { address: c.r1, trust: 'frame-pointer', module: X86_APP_NAME },
      { address: c.r2, trust: 'frame-pointer', module: X86_APP_NAME },
    ],
    note: `x86 stack [${hex(S)}, ${hex(S + BigInt(size))}) ends inside the record at ${hex(E2)}: its return address at ${hex(E2 + 4n)} is not in the dump, so the walk stops after 3 frames.`,
  };
}

// =================================================================================================
// x64: a module whose headers, .text, .rdata (UNWIND_INFO) and .pdata are in the dump.
// =================================================================================================

const X64_MOD = 0x7ff8_1000_0000n;
const X64_MOD_NAME = 'Contoso.Core.dll';
const X64_NTDLL = 0x7ffb_2e40_0000n;
const X64_KERNEL32 = 0x7ffb_2d10_0000n;

/**
 * (b) x64 unwinding from the image's own .pdata/.xdata. Seven frames:
 *
 *   0  F0  rip0 (context)        PUSH_NONVOL rbx, rsi; ALLOC_LARGE (OpInfo 0) 0x1a8; SAVE_XMM128 xmm6
 *   1  F1  r1   (cfi)            a KiUserExceptionDispatcher-like frame: ALLOC_LARGE (OpInfo 1) 0x4f0
 *                                then PUSH_MACHFRAME: the caller's RIP and RSP come from the machine frame
 *   2  F2  rip2 (cfi)            the interrupted instruction (not a return address); SET_FPREG rbp
 *                                (FrameOffset 2), SAVE_NONVOL rbx, ALLOC_SMALL 0x40, PUSH_NONVOL rbp
 *   3  F3b r3   (cfi)            a cold fragment whose UNWIND_INFO is chained to F3's: PUSH_NONVOL r12,
 *                                r13; ALLOC_SMALL 0x28
 *   4  F4  r4   (cfi)            ALLOC_SMALL 0x28
 *   5  F5  r5   (cfi)            PUSH_NONVOL rdi; ALLOC_SMALL 0x20
 *   6  ntdll r6 (cfi)            RtlUserThreadStart (no image in the dump: the walk ends here; the
 *                                saved RBP restored by F2 is 0 and nothing above looks like code)
 *
 * RBP is the same in frames 0..2 (F0 and F1 do not save it): the walker must carry it to use F2's
 * frame register. Stale return addresses (after real calls) sit in F0's and F2's locals, and the
 * CONTEXT area of F1 holds rip2.
 */
export function x64PdataImage(): UnwindCase {
  const tid = 0x2a4c;
  // .text function starts (rva); each function gets 0x100 bytes except F3 (hot part) and F3b (cold).
  const F = { f0: 0x1000, f1: 0x1100, f2: 0x1200, f3: 0x1300, f4: 0x1400, f5: 0x1500, f3b: 0x1600 } as const;
  const END = { f0: 0x1100, f1: 0x1200, f2: 0x1300, f3: 0x1380, f4: 0x1500, f5: 0x1600, f3b: 0x1640 } as const;
  const text = new Uint8Array(0x1000).fill(0xcc);
  const t = (rva: number): number => rva - 0x1000;
  // Prologs (the bytes the unwind codes describe).
  text.set([0x53, 0x56, 0x48, 0x81, 0xec, 0xa8, 0x01, 0x00, 0x00, 0x0f, 0x29, 0x74, 0x24, 0x30], t(F.f0)); // push rbx; push rsi; sub rsp,1a8h; movaps [rsp+30h],xmm6
  text.set([0x55, 0x48, 0x83, 0xec, 0x40, 0x48, 0x89, 0x5c, 0x24, 0x38, 0x48, 0x8d, 0x6c, 0x24, 0x20], t(F.f2)); // push rbp; sub rsp,40h; mov [rsp+38h],rbx; lea rbp,[rsp+20h]
  text.set([0x41, 0x54, 0x41, 0x55, 0x48, 0x83, 0xec, 0x28], t(F.f3)); // push r12; push r13; sub rsp,28h
  text.set([0x48, 0x83, 0xec, 0x28], t(F.f4)); // sub rsp,28h
  text.set([0x57, 0x48, 0x83, 0xec, 0x20], t(F.f5)); // push rdi; sub rsp,20h
  const rip0 = F.f0 + 0x60;
  const r1 = F.f1 + 0x25;
  const rip2 = F.f2 + 0x30;
  const r3 = F.f3b + 0x12;
  const r4 = F.f4 + 0x1d;
  const r5 = F.f5 + 0x2a;
  const stale1 = F.f4 + 0x65;
  const stale2 = F.f5 + 0x90;
  text.set([0x8b, 0x01], t(rip0)); // mov eax,[rcx]
  text.set([0x48, 0x8b, 0x03], t(rip2)); // mov rax,[rbx]: where F2 was interrupted
  putCallX86(text, t(r1), t(F.f0));
  putCallX86(text, t(r3), t(F.f2));
  putCallX86(text, t(r4), t(F.f3));
  putCallX86(text, t(r5), t(F.f4));
  putCallX86(text, t(stale1), t(F.f3));
  putCallX86(text, t(stale2), t(F.f4));

  // UNWIND_INFO records in .rdata (rva 0x2000), 4-aligned.
  const infos: Array<[keyof typeof F, Uint8Array]> = [];
  const rf = (k: keyof typeof F, unwind: number): RuntimeFunctionX64 => ({ begin: F[k], end: END[k], unwind });
  let at = 0x2000;
  const unwindRva: Partial<Record<keyof typeof F, number>> = {};
  const place = (k: keyof typeof F, info: Uint8Array): void => {
    unwindRva[k] = at;
    infos.push([k, info]);
    at += Math.ceil(info.length / 4) * 4;
  };
  place('f0', x64UnwindInfo({ sizeOfProlog: 14, ops: [
    { op: 'savexmm', offset: 14, xmm: 6, at: 0x30 },
    { op: 'alloc', offset: 9, size: 0x1a8 }, // ALLOC_LARGE, OpInfo 0 (size / 8 in one slot)
    { op: 'push', offset: 2, reg: X64_REG.rsi },
    { op: 'push', offset: 1, reg: X64_REG.rbx },
  ] }));
  place('f1', x64UnwindInfo({ sizeOfProlog: 0, ops: [
    { op: 'alloc', offset: 0, size: 0x4f0, large32: true }, // ALLOC_LARGE, OpInfo 1 (unscaled u32)
    { op: 'machframe', offset: 0 },
  ] }));
  place('f2', x64UnwindInfo({ sizeOfProlog: 15, frameRegister: X64_REG.rbp, frameOffset: 2, ops: [
    { op: 'setfp', offset: 15 },
    { op: 'save', offset: 10, reg: X64_REG.rbx, at: 0x38 },
    { op: 'alloc', offset: 5, size: 0x40 }, // ALLOC_SMALL
    { op: 'push', offset: 1, reg: X64_REG.rbp },
  ] }));
  place('f3', x64UnwindInfo({ sizeOfProlog: 8, ops: [
    { op: 'alloc', offset: 8, size: 0x28 },
    { op: 'push', offset: 4, reg: X64_REG.r13 },
    { op: 'push', offset: 2, reg: X64_REG.r12 },
  ] }));
  place('f4', x64UnwindInfo({ sizeOfProlog: 4, ops: [{ op: 'alloc', offset: 4, size: 0x28 }] }));
  place('f5', x64UnwindInfo({ sizeOfProlog: 5, ops: [{ op: 'alloc', offset: 5, size: 0x20 }, { op: 'push', offset: 1, reg: X64_REG.rdi }] }));
  place('f3b', x64UnwindInfo({ sizeOfProlog: 0, ops: [], chained: rf('f3', unwindRva.f3!) }));
  const rdata = new Uint8Array(0x1000);
  for (const [k, info] of infos) rdata.set(info, unwindRva[k]! - 0x2000);
  const order: Array<keyof typeof F> = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f3b']; // sorted by BeginAddress
  const pdata = runtimeFunctionsX64(order.map((k) => rf(k, unwindRva[k]!)));
  const image = textRdataPdataImage('x64', X64_MOD, text, rdata, pdata, 0x65a1b2c3);
  const A = (rva: number): bigint => X64_MOD + BigInt(rva);

  // ---- stack, from frame 0 up ----
  const S = 0x0000_00a1_b2cf_a000n;
  const rsp0 = S; // F0 body
  const rsp1 = rsp0 + 0x1a8n + 0x10n + 8n; // + alloc, two pushes, return address = rsp0 + 0x1c0
  const M = rsp1 + 0x4f0n; // F1's machine frame
  const rsp2 = M + 0x30n; // interrupted RSP in F2 (above the 0x28-byte machine frame)
  const rbp2 = rsp2 + 0x20n; // lea rbp,[rsp+20h]: FrameOffset 2
  const rsp3 = rsp2 + 0x40n + 8n + 8n; // alloc 0x40, push rbp, return address
  const rsp4 = rsp3 + 0x28n + 0x10n + 8n;
  const rsp5 = rsp4 + 0x28n + 8n;
  const rsp6 = rsp5 + 0x20n + 8n + 8n;
  const r6 = X64_NTDLL + 0x526a1n;
  const stack = new Mem(S, 0x1000, 8)
    .word(rsp0 + 0x08n, A(stale1)) // F0 locals: stale return address
    .u64(rsp0 + 0x30n, 0x3ff0000000000000n).u64(rsp0 + 0x38n, 0n) // xmm6 save slot (1.0)
    .word(rsp0 + 0x1a8n, 0x0000_0213_5555_0000n) // saved rsi (first pop: rsp0 + alloc)
    .word(rsp0 + 0x1b0n, 0x0000_0213_6666_0000n) // saved rbx
    .word(rsp0 + 0x1b8n, A(r1))
    // F1: a CONTEXT record (P1Home.. at rsp1 + 0x30) whose Rip (+0xf8) is rip2: a scanner's bait
    .word(rsp1 + 0x30n + 0xf8n, A(rip2))
    .word(M, A(rip2)).word(M + 8n, 0x33n).word(M + 0x10n, 0x10246n).word(M + 0x18n, rsp2).word(M + 0x20n, 0x2bn)
    .word(rsp2 + 0x10n, A(stale2)) // F2 locals
    .word(rsp2 + 0x38n, 0x0000_0213_7777_0000n) // SAVE_NONVOL rbx slot (frame base + 0x38)
    .word(rsp2 + 0x40n, 0n) // pushed rbp of F3's frame: 0 (F3..F5 do not use rbp)
    .word(rsp2 + 0x48n, A(r3))
    .word(rsp3 + 0x28n, 0x0000_0000_0000_1313n) // r13
    .word(rsp3 + 0x30n, 0x0000_0000_0000_1212n) // r12
    .word(rsp3 + 0x38n, A(r4))
    .word(rsp4 + 0x28n, A(r5))
    .word(rsp5 + 0x20n, 0x0000_0000_0000_0d1dn) // rdi
    .word(rsp5 + 0x28n, r6);
  if (rsp6 !== rsp5 + 0x30n || rsp6 + 0x500n > S + 0x1000n) throw new Error('x64PdataImage layout');

  const dump = new SynthMinidump({ arch: 'x64', timestamp: 1_716_900_000 })
    .addSystemInfo({ arch: 'x64', major: 10, minor: 0, build: 19045, cpus: 8, vendor: 'GenuineIntel' })
    .addModule({ name: `C:\\Program Files\\Contoso\\${X64_MOD_NAME}`, base: X64_MOD, size: image.sizeOfImage, timestamp: 0x65a1b2c3 })
    .addModule({ name: 'C:\\Windows\\SYSTEM32\\ntdll.dll', base: X64_NTDLL, size: 0x1f8000, timestamp: 0x1a2b3c4d })
    .addThread({
      id: tid,
      context: { rip: A(rip0), rsp: rsp0, rbp: rbp2, rbx: 0x0000_0213_9999_0000n, rsi: 0x1n, rcx: 0n, eflags: 0x10246, segCs: 0x33, segSs: 0x2b },
      stack: { start: S, bytes: stack.bytes },
    })
    .addException({ threadId: tid, code: 0xc0000005, address: A(rip0), parameters: [0n, 0n] });
  addImage(dump, image);
  return {
    bytes: dump.build(),
    arch: 'x64',
    threadId: tid,
    expected: [
      { address: A(rip0), trust: 'context', module: X64_MOD_NAME },
      { address: A(r1), trust: 'cfi', module: X64_MOD_NAME },
      { address: A(rip2), trust: 'cfi', module: X64_MOD_NAME, interrupted: true },
      { address: A(r3), trust: 'cfi', module: X64_MOD_NAME },
      { address: A(r4), trust: 'cfi', module: X64_MOD_NAME },
      { address: A(r5), trust: 'cfi', module: X64_MOD_NAME },
      { address: r6, trust: 'cfi', module: 'ntdll.dll' },
    ],
    note:
      `x64 .pdata/.xdata from the image at ${hex(X64_MOD)}; rsp per frame: ${[rsp0, rsp1, rsp2, rsp3, rsp4, rsp5, rsp6].map(hex).join(', ')}; ` +
      `frame 2's RIP comes from F1's PUSH_MACHFRAME (machine frame at ${hex(M)}) and is the interrupted instruction, not a return address; ` +
      `F2's frame register rbp = ${hex(rbp2)} is carried unchanged from the context; frame 3 lies in a chained (cold) fragment; ` +
      'ntdll has no image in the dump and nothing above rsp6 looks like code, so the walk ends after 7 frames.',
  };
}

/**
 * (g) x64 crash with RIP in JIT code (no module; its page is in the dump, PAGE_EXECUTE_READWRITE,
 * described by a MemoryInfoList). RBP is 0 and the JIT code has no unwind data, so frame 1 is
 * found by scanning: the first stack word inside a module is the return address into G1, after
 * a `call rax` (FF D0). G1..G3 then unwind from the application's .pdata, and G3 returns into
 * KERNEL32 (no image in the dump), where the walk ends.
 */
export function execOutsideModules(): UnwindCase {
  const tid = 0x1e90;
  const APP = 0x7ff6_4a20_0000n;
  const APP_NAME = 'SampleApp.exe';
  const JIT = 0x0000_02a0_1234_0000n;
  const rip0 = JIT + 0x5678n;
  const G = { g1: 0x1000, g2: 0x1100, g3: 0x1200 } as const;
  const GEND = { g1: 0x1100, g2: 0x1200, g3: 0x1300 } as const;
  const text = new Uint8Array(0x1000).fill(0xcc);
  const t = (rva: number): number => rva - 0x1000;
  text.set([0x53, 0x48, 0x83, 0xec, 0x20], t(G.g1)); // push rbx; sub rsp,20h
  text.set([0x48, 0x83, 0xec, 0x28], t(G.g2)); // sub rsp,28h
  text.set([0x57, 0x56, 0x48, 0x83, 0xec, 0x30], t(G.g3)); // push rdi; push rsi; sub rsp,30h
  const r1 = G.g1 + 0x31;
  const r2 = G.g2 + 0x1c;
  const r3 = G.g3 + 0x40;
  text.set([0xff, 0xd0], t(r1) - 2); // call rax (into the JIT code)
  putCallX86(text, t(r2), t(G.g1));
  putCallX86(text, t(r3), t(G.g2));
  const rdata = new Uint8Array(0x1000);
  const u1 = x64UnwindInfo({ sizeOfProlog: 5, ops: [{ op: 'alloc', offset: 5, size: 0x20 }, { op: 'push', offset: 1, reg: X64_REG.rbx }] });
  const u2 = x64UnwindInfo({ sizeOfProlog: 4, ops: [{ op: 'alloc', offset: 4, size: 0x28 }] });
  const u3 = x64UnwindInfo({ sizeOfProlog: 6, ops: [{ op: 'alloc', offset: 6, size: 0x30 }, { op: 'push', offset: 2, reg: X64_REG.rsi }, { op: 'push', offset: 1, reg: X64_REG.rdi }] });
  rdata.set(u1, 0x00);
  rdata.set(u2, 0x20);
  rdata.set(u3, 0x40);
  const pdata = runtimeFunctionsX64([
    { begin: G.g1, end: GEND.g1, unwind: 0x2000 },
    { begin: G.g2, end: GEND.g2, unwind: 0x2020 },
    { begin: G.g3, end: GEND.g3, unwind: 0x2040 },
  ]);
  const image = textRdataPdataImage('x64', APP, text, rdata, pdata);
  const A = (rva: number): bigint => APP + BigInt(rva);
  const S = 0x0000_00b3_7c4f_d000n;
  const rsp0 = S;
  const rsp1 = S + 0x50n; // r1 at S + 0x48 (the first module address from rsp0)
  const rsp2 = rsp1 + 0x20n + 8n + 8n; // alloc 0x20, push rbx, return address
  const rsp3 = rsp2 + 0x28n + 8n;
  const rsp4 = rsp3 + 0x30n + 0x10n + 8n;
  const r4 = X64_KERNEL32 + 0x17034n;
  const stack = new Mem(S, 0x600, 8)
    .word(S + 0x00n, 0x0000_02a0_0077_1230n) // JIT frame: heap object
    .word(S + 0x08n, JIT + 0x5600n) // JIT code pointer (no module)
    .word(S + 0x10n, 0x2an)
    .word(S + 0x20n, 0x0000_02a0_0077_1280n)
    .word(S + 0x30n, S + 0x200n) // a stack address
    .word(S + 0x48n, A(r1))
    .word(rsp1 + 0x20n, 0x0000_02a0_0011_0000n) // saved rbx
    .word(rsp1 + 0x28n, A(r2))
    .word(rsp2 + 0x28n, A(r3))
    .word(rsp3 + 0x30n, 0x5n) // saved rsi
    .word(rsp3 + 0x38n, 0x7n) // saved rdi
    .word(rsp3 + 0x40n, r4);
  if (rsp4 !== rsp3 + 0x48n) throw new Error('execOutsideModules layout');
  const jitCode = new Uint8Array(0x1000).fill(0xcc);
  jitCode.set([0x48, 0x8b, 0x41, 0x08], 0x5678 - 0x5000); // mov rax,[rcx+8]
  const dump = new SynthMinidump({ arch: 'x64', timestamp: 1_716_950_000 })
    .addSystemInfo({ arch: 'x64', major: 10, minor: 0, build: 22631, cpus: 16, vendor: 'AuthenticAMD' })
    .addModule({ name: `C:\\Program Files\\Contoso\\${APP_NAME}`, base: APP, size: image.sizeOfImage })
    .addModule({ name: 'C:\\Windows\\System32\\KERNEL32.DLL', base: X64_KERNEL32, size: 0xbf000 })
    .addThread({ id: tid, context: { rip: rip0, rsp: rsp0, rbp: 0n, rcx: 0n, eflags: 0x10246, segCs: 0x33, segSs: 0x2b }, stack: { start: S, bytes: stack.bytes } })
    .addException({ threadId: tid, code: 0xc0000005, address: rip0, parameters: [0n, 8n] })
    .addMemory(JIT + 0x5000n, jitCode)
    .addMemoryInfo({ base: JIT + 0x5000n, size: 0x1000, allocationBase: JIT, allocationProtect: 0x40, protect: 0x40, type: 0x20000 })
    .addMemoryInfo({ base: S, size: 0x600, protect: 0x04, type: 0x20000 });
  addImage(dump, image);
  return {
    bytes: dump.build(),
    arch: 'x64',
    threadId: tid,
    expected: [
      { address: rip0, trust: 'context' },
      { address: A(r1), trust: 'scan', module: APP_NAME },
      { address: A(r2), trust: 'cfi', module: APP_NAME },
      { address: A(r3), trust: 'cfi', module: APP_NAME },
      { address: r4, trust: 'cfi', module: 'KERNEL32.DLL' },
    ],
    note:
      `x64 RIP ${hex(rip0)} in JIT code outside every module (RBP 0, no unwind data): frame 1 by scan at ${hex(S + 0x48n)} ` +
      `(the first word inside a module, after FF D0 call rax), then the app's .pdata: rsp ${[rsp1, rsp2, rsp3, rsp4].map(hex).join(', ')}; ` +
      'KERNEL32 has no image in the dump and nothing above rsp4 looks like code: 5 frames.',
  };
}

/**
 * (f) x64 thread whose RSP (a pivoted stack in the heap) lies outside the stack memory recorded
 * for it. The recorded stack is full of return-address-looking values; the walker must not scan
 * it (it is not where RSP points), and memory at RSP is absent, so only the context frame remains.
 */
export function spOutsideStack(): UnwindCase {
  const tid = 0x4c8;
  const APP = 0x7ff6_1000_0000n;
  const APP_NAME = 'Pivot.exe';
  const S = 0x0000_0051_2340_0000n;
  const rsp = 0x0000_01f0_0000_1000n; // heap, not in the dump
  const rip = APP + 0x1a2bn;
  const stack = new Mem(S, 0x400, 8);
  for (let i = 0; i < 16; i++) stack.word(S + BigInt(i * 0x20 + 8), APP + 0x2000n + BigInt(i * 0x40 + 5));
  const bytes = new SynthMinidump({ arch: 'x64', timestamp: 1_716_990_000 })
    .addSystemInfo({ arch: 'x64', major: 10, minor: 0, build: 19045, cpus: 4 })
    .addModule({ name: `C:\\Apps\\${APP_NAME}`, base: APP, size: 0x20000 })
    .addThread({ id: tid, context: { rip, rsp, rbp: 0n, eflags: 0x10246, segCs: 0x33, segSs: 0x2b }, stack: { start: S, bytes: stack.bytes } })
    .addException({ threadId: tid, code: 0xc0000005, address: rip, parameters: [0n, 0x10n] })
    .build();
  return {
    bytes,
    arch: 'x64',
    threadId: tid,
    expected: [{ address: rip, trust: 'context', module: APP_NAME }],
    note: `x64 RSP ${hex(rsp)} is outside the recorded stack [${hex(S)}, ${hex(S + 0x400n)}) (16 module addresses there are bait) and its memory is absent; RBP is 0 and ${APP_NAME} has no image in the dump: only the context frame.`,
  };
}

// =================================================================================================
// ARM64: .pdata with packed unwind data, one full .xdata function, a leaf, then x29/x30 records.
// =================================================================================================

/**
 * (c) ARM64. Module Codec.dll (image in the dump) holds:
 *   L   a leaf without a .pdata entry: its caller is only in LR (lr = r1, not saved anywhere);
 *   F1  packed unwind data (Flag 1, RegI 2, CR 3 chained, FrameSize 0x50): stp x19,x20,[sp,#-16]!;
 *       stp x29,lr,[sp,#-64]!; mov x29,sp;
 *   F2  a full .xdata record: stp x29,lr,[sp,#-32]!; mov x29,sp; sub sp,sp,#0x30 (codes alloc_s,
 *       set_fp, save_fplr_x, end; one epilog at the end from code index 1).
 * Viewer.exe (no image in the dump) holds r3..r5, whose frames keep x29/x30 records.
 *
 *   0  L   pc0 (context)       x29 = F1's record, so a frame-pointer walk from here would skip r1
 *   1  F1  r1  (cfi)           leaf rule: no .pdata entry covers pc0 → pc = lr, sp unchanged
 *   2  F2  r2  (cfi)           F1's packed data: x29/lr at sp, x19/x20 at sp+0x40, sp += 0x50
 *   3  Viewer.exe r3 (cfi)     F2's .xdata: sp = x29, x29/lr from the record, sp += 0x20
 *   4  Viewer.exe r4 (frame-pointer)   [x29_3 + 8]
 *   5  Viewer.exe r5 (frame-pointer)   [x29_4 + 8]; the next record is 0/0: end
 */
export function arm64Packed(): UnwindCase {
  const tid = 0x2f04;
  const LIB = 0x7ffc_5510_0000n;
  const LIB_NAME = 'Codec.dll';
  const APP = 0x7ff7_1200_0000n;
  const APP_NAME = 'Viewer.exe';
  const L = 0x1000; // leaf: 0x20 bytes
  const F1 = 0x1040; // packed: 0x40 bytes
  const F2 = 0x1080; // .xdata: 0x40 bytes
  const F1_LEN = 0x40;
  const F2_LEN = 0x40;
  const text = arm64Nops(0x1000);
  const t = (rva: number): number => rva - 0x1000;
  const RET = 0xd65f03c0;
  // L: ... ldr w0,[x0] (faults) ... ret
  putArm64(text, t(L) + 8, [0xb9400000]);
  putArm64(text, t(L) + 0x1c, [RET]);
  // F1 prolog / canonical epilog
  putArm64(text, t(F1), [0xa9bf53f3, 0xa9bc7bfd, 0x910003fd]); // stp x19,x20,[sp,#-16]!; stp x29,x30,[sp,#-64]!; mov x29,sp
  putArm64(text, t(F1) + F1_LEN - 12, [0xa8c47bfd, 0xa8c153f3, RET]); // ldp x29,x30,[sp],#64; ldp x19,x20,[sp],#16; ret
  // F2 prolog / epilog
  putArm64(text, t(F2), [0xa9be7bfd, 0x910003fd, 0xd100c3ff]); // stp x29,x30,[sp,#-32]!; mov x29,sp; sub sp,sp,#0x30
  putArm64(text, t(F2) + F2_LEN - 12, [0x910003bf, 0xa8c27bfd, RET]); // mov sp,x29; ldp x29,x30,[sp],#32; ret
  const pc0 = L + 8;
  const r1 = F1 + 0x20;
  const r2 = F2 + 0x24;
  const stale1 = F2 + 0x2c;
  putBlArm64(text, t(r1), t(L));
  putBlArm64(text, t(r2), t(F1));
  putBlArm64(text, t(stale1), t(L));

  const xdataRva = 0x2000;
  const xdata = arm64Xdata({
    functionLength: F2_LEN,
    codes: [...A64_UWC.allocS(0x30), ...A64_UWC.setFp, ...A64_UWC.saveFplrX(0x20), ...A64_UWC.end],
    singleEpilogIndex: 1, // epilog: mov sp,x29 (set_fp); ldp x29,lr,[sp],#32 (save_fplr_x); ret (end)
  });
  const rdata = new Uint8Array(0x1000);
  rdata.set(xdata, 0);
  const pdata = runtimeFunctionsArm64([
    { begin: F1, unwindData: arm64PackedUnwindData({ functionLength: F1_LEN, regF: 0, regI: 2, h: 0, cr: 3, frameSize: 0x50 }) },
    { begin: F2, unwindData: xdataRva },
  ]);
  const image = textRdataPdataImage('arm64', LIB, text, rdata, pdata, 0x63c1d2e3);
  const A = (rva: number): bigint => LIB + BigInt(rva);
  const r3 = APP + 0x2d48n;
  const r4 = APP + 0x11f0n;
  const r5 = APP + 0x1088n;

  const S0 = 0x0000_0067_88af_e000n;
  const sp1 = S0; // the leaf does not move sp: sp0 = sp1 = F1's body sp = F1's x29
  const x29_1 = sp1;
  const sp2 = sp1 + 0x50n; // F2 body sp
  const x29_2 = sp2 + 0x30n; // F2's record (sub sp,#0x30 after mov x29,sp)
  const sp3 = x29_2 + 0x20n;
  const x29_3 = sp3; // Viewer.exe frames: stp x29,lr,[sp,#-32]!; mov x29,sp
  const x29_4 = x29_3 + 0x20n;
  const x29_5 = x29_4 + 0x20n;
  const stack = new Mem(S0, 0x400, 8)
    .word(x29_1, x29_2).word(x29_1 + 8n, A(r2)) // F1's record
    .word(sp1 + 0x18n, A(stale1)) // F1 locals: a stale return address (after a BL)
    .word(sp1 + 0x40n, 0x1919n).word(sp1 + 0x48n, 0x2020n) // x19, x20
    .word(sp2 + 0x10n, APP + 0x5004n) // F2 locals: stale Viewer.exe address
    .word(x29_2, x29_3).word(x29_2 + 8n, r3) // F2's record
    .word(x29_3, x29_4).word(x29_3 + 8n, r4)
    .word(x29_4, x29_5).word(x29_4 + 8n, r5)
    .word(x29_5, 0n).word(x29_5 + 8n, 0n); // end of the chain
  const dump = new SynthMinidump({ arch: 'arm64', timestamp: 1_705_000_000 })
    .addSystemInfo({ arch: 'arm64', major: 10, minor: 0, build: 22631, cpus: 8, processorLevel: 0x0d, processorRevision: 0x0e01 })
    .addModule({ name: `C:\\Program Files\\Fabrikam\\Viewer\\${APP_NAME}`, base: APP, size: 0x54000, timestamp: 0x659a0b1c })
    .addModule({ name: `C:\\Program Files\\Fabrikam\\Viewer\\${LIB_NAME}`, base: LIB, size: image.sizeOfImage, timestamp: 0x63c1d2e3 })
    .addThread({
      id: tid,
      context: { pc: A(pc0), sp: sp1, fp: x29_1, lr: A(r1), x0: 0n, x19: 0x1919n, x20: 0x2020n, cpsr: 0x60000000 },
      stack: { start: S0, bytes: stack.bytes },
    })
    .addException({ threadId: tid, code: 0xc0000005, address: A(pc0), parameters: [0n, 0n] });
  addImage(dump, image);
  return {
    bytes: dump.build(),
    arch: 'arm64',
    threadId: tid,
    expected: [
      { address: A(pc0), trust: 'context', module: LIB_NAME },
      { address: A(r1), trust: 'cfi', module: LIB_NAME },
      { address: A(r2), trust: 'cfi', module: LIB_NAME },
      { address: r3, trust: 'cfi', module: APP_NAME },
      { address: r4, trust: 'frame-pointer', module: APP_NAME },
      { address: r5, trust: 'frame-pointer', module: APP_NAME },
    ],
    note:
      `ARM64: frame 1 is LR (${hex(A(r1))}) with sp unchanged (${hex(sp1)}): the leaf has no .pdata entry; ` +
      `frame 2 from F1's packed word (sp ${hex(sp2)}), frame 3 from F2's .xdata (sp ${hex(sp3)}, x29 ${hex(x29_3)}), ` +
      `frames 4-5 from x29/x30 records at ${hex(x29_3)} and ${hex(x29_4)}; the record at ${hex(x29_5)} is 0/0. ` +
      'A walker that follows x29 from frame 0 without the leaf rule would report r2 as frame 1.',
  };
}

/** Every case, by builder name. */
/**
 * Hostile unwind data: the one function's UNWIND_INFO chains to a RUNTIME_FUNCTION whose unwind
 * data is that same UNWIND_INFO (a chain loop). The walker must report a typed problem and fall
 * through to the next method (a leaf return: [rsp] is a return address into the module, after a
 * call), never loop.
 */
export function x64ChainLoop(): UnwindCase {
  const tid = 0x3b10;
  const text = new Uint8Array(0x1000).fill(0xcc);
  const rip0 = 0x1010;
  const ret = 0x1800;
  putCallX86(text, ret - 0x1000, 0x1000);
  const info = x64UnwindInfo({ sizeOfProlog: 0, ops: [], chained: { begin: 0x1000, end: 0x1100, unwind: 0x2000 } });
  const rdata = new Uint8Array(0x1000);
  rdata.set(info, 0);
  const pdata = runtimeFunctionsX64([{ begin: 0x1000, end: 0x1100, unwind: 0x2000 }]);
  const image = textRdataPdataImage('x64', X64_MOD, text, rdata, pdata, 0x65a1b2c3);
  const S = 0x0000_00b1_0000_0000n;
  const stack = new Mem(S, 0x100, 8).word(S, X64_MOD + BigInt(ret));
  const dump = new SynthMinidump({ arch: 'x64', timestamp: 1_716_900_000 })
    .addSystemInfo({ arch: 'x64', major: 10, minor: 0, build: 19045, cpus: 8, vendor: 'GenuineIntel' })
    .addModule({ name: `C:\\Program Files\\Contoso\\${X64_MOD_NAME}`, base: X64_MOD, size: image.sizeOfImage, timestamp: 0x65a1b2c3 })
    .addThread({ id: tid, context: { rip: X64_MOD + BigInt(rip0), rsp: S, eflags: 0x10246, segCs: 0x33, segSs: 0x2b }, stack: { start: S, bytes: stack.bytes } })
    .addException({ threadId: tid, code: 0xc0000005, address: X64_MOD + BigInt(rip0), parameters: [0n, 0n] });
  addImage(dump, image);
  return {
    bytes: dump.build(),
    arch: 'x64',
    threadId: tid,
    expected: [
      { address: X64_MOD + BigInt(rip0), trust: 'context', module: X64_MOD_NAME },
      { address: X64_MOD + BigInt(ret), trust: 'scan', module: X64_MOD_NAME },
    ],
    note: 'x64: a chained UNWIND_INFO that chains to itself: a typed problem, then the leaf return [rsp]',
  };
}

export const UNWIND_CASES = {
  x86EbpChain,
  x64PdataImage,
  arm64Packed,
  stackLoop,
  truncatedStack,
  spOutsideStack,
  execOutsideModules,
} as const;
