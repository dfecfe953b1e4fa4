// ARM64 unwind data (.pdata 8-byte entries, packed unwind words, full .xdata records) and one-frame
// unwinding with it. Encoding: Microsoft's "ARM64 exception handling" (learn.microsoft.com, via
// MicrosoftDocs/cpp-docs docs/build/arm64-exception-handling.md), cross-checked against LLVM's
// ARM64 Windows EH printer (llvm-readobj --unwind) on real MSVC images. Own code.
//
// .pdata entry: BeginAddress (RVA), UnwindData: low 2 bits Flag: 0 = RVA of an .xdata record,
// 1 = packed (prolog and epilog at the ends), 2 = packed fragment (no prolog/epilog), 3 = reserved.
//
// Both forms are turned into one list of unwind ops in unwind order (the reverse of the prolog),
// each op standing for one 4-byte instruction, and one interpreter runs them.

import type { ReadMemory, RegisterSet, UnwindProblem, UnwindStep } from '../../unwind/types.js';
import { isDumpError } from '../../errors.js';
import { hex } from '../../util/hex.js';
import { PeMachine, type PeImage } from './image.js';
import type { UnwindOptions } from './x64-unwind.js';

export type Arm64OpName =
  | 'alloc_s' | 'save_r19r20_x' | 'save_fplr' | 'save_fplr_x' | 'alloc_m' | 'save_regp' | 'save_regp_x'
  | 'save_reg' | 'save_reg_x' | 'save_lrpair' | 'save_fregp' | 'save_fregp_x' | 'save_freg' | 'save_freg_x'
  | 'alloc_l' | 'set_fp' | 'add_fp' | 'nop' | 'end' | 'end_c' | 'save_next' | 'save_any_reg'
  | 'trap_frame' | 'machine_frame' | 'context' | 'ec_context' | 'clear_unwound_to_call' | 'pac_sign_lr' | 'reserved';

/** One unwind op. Offsets and sizes are in bytes; registers are RegisterSet names (x19.., fp, lr, d8.., q0..). */
export interface Arm64UnwindOp {
  name: Arm64OpName;
  /** Encoded length in bytes (0 for ops synthesized from packed data). */
  length: number;
  /** Byte index in the .xdata code array (full records only). */
  index?: number;
  /** The encoded bytes (full records only). */
  bytes: number[];
  /** alloc_*: bytes freed when unwinding; add_fp: the fp − sp distance. */
  size?: number;
  /** save_*: registers loaded, lowest address first (before save_next extends them). */
  regs?: string[];
  /** save_*: offset from sp of the first register. */
  offset?: number;
  /** *_x forms: sp += writeback after the loads. */
  writeback?: number;
  /** Bytes per register slot (8, or 16 for q registers). */
  slotSize?: number;
  /** Synthesized homing store of packed data (stp x0..x7): no effect when unwinding, absent in the epilog. */
  homing?: boolean;
}

export interface RuntimeFunctionArm64 {
  beginAddress: number;
  unwindData: number;
  /** UnwindData & 3. */
  flag: number;
  entryRva: number;
}

/** Packed unwind data (Flag 1 or 2). */
export interface PackedUnwindArm64 {
  flag: 1 | 2;
  /** Bytes (the field × 4). */
  functionLength: number;
  regF: number;
  regI: number;
  h: boolean;
  cr: number;
  /** Bytes (the field × 16). */
  frameSize: number;
}

export interface EpilogScopeArm64 {
  /** Bytes from the function start (the field × 4). */
  startOffset: number;
  /** Byte index of its first unwind code. */
  startIndex: number;
}

/** A decoded .xdata record. */
export interface XdataArm64 {
  rva: number;
  /** Bytes (the field × 4). */
  functionLength: number;
  version: number;
  /** X: exception handler data follows the codes. */
  exceptionData: boolean;
  /** E: a single epilog, described by `epilogIndex`, ends the function. */
  epilogInHeader: boolean;
  /** E = 1: byte index of the epilog's first code. */
  epilogIndex?: number;
  epilogScopes: EpilogScopeArm64[];
  codeWords: number;
  codes: Uint8Array;
  handlerRva?: number;
  /** Bytes of the record up to and including the handler RVA. */
  size: number;
}

export const ARM64_UNWIND_LIMITS = {
  /** .pdata entries considered (32 MiB of .pdata). */
  maxEntries: 1 << 22,
  /** Ops run in one unwind (the code array holds at most 255 × 4 bytes). */
  maxOps: 1024,
} as const;

export const ARM64_NONVOLATILE = ['x19', 'x20', 'x21', 'x22', 'x23', 'x24', 'x25', 'x26', 'x27', 'x28', 'fp'] as const;

const MASK64 = (1n << 64n) - 1n;
const problem = (code: UnwindProblem['code'], message: string): UnwindProblem => ({ code, message });
const isProblem = (x: unknown): x is UnwindProblem => typeof x === 'object' && x !== null && 'code' in x && 'message' in x && !('registers' in x);
const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

// ------------------------------------------------------------------------------------------------
// Decoding

/** Name of integer register n (0..30), with x29 = fp and x30 = lr as RegisterSet names them. */
function xreg(n: number): string {
  return n === 29 ? 'fp' : n === 30 ? 'lr' : `x${n}`;
}

/** Length in bytes of the code whose first byte is `b` (Microsoft's table; reserved f8-fb carry 1-4 more bytes). */
export function arm64CodeLength(b: number): number {
  if (b < 0xc0) return 1; // alloc_s, save_r19r20_x, save_fplr, save_fplr_x
  if (b === 0xdf) return 1; // reserved (not in Microsoft's table; llvm-readobj reads one byte)
  if (b < 0xe0) return 2; // alloc_m .. save_freg_x
  if (b === 0xe0) return 4; // alloc_l
  if (b === 0xe2) return 2; // add_fp
  if (b === 0xe7) return 3; // save_any_reg
  if (b >= 0xf8 && b <= 0xfb) return 2 + (b - 0xf8);
  return 1;
}

/** Decode the code at byte `i` of `codes`; undefined when it runs past the array. */
export function decodeArm64Op(codes: Uint8Array, i: number): Arm64UnwindOp | undefined {
  const b0 = codes[i];
  if (b0 === undefined) return undefined;
  const length = arm64CodeLength(b0);
  if (i + length > codes.length) return undefined;
  const bytes = Array.from(codes.subarray(i, i + length));
  const b1 = codes[i + 1] ?? 0;
  const op = (name: Arm64OpName, extra: Partial<Arm64UnwindOp> = {}): Arm64UnwindOp => ({ name, length, index: i, bytes, ...extra });
  if (b0 < 0x20) return op('alloc_s', { size: b0 * 16 });
  if (b0 < 0x40) return op('save_r19r20_x', { regs: ['x19', 'x20'], offset: 0, writeback: (b0 & 0x1f) * 8 });
  if (b0 < 0x80) return op('save_fplr', { regs: ['fp', 'lr'], offset: (b0 & 0x3f) * 8 });
  if (b0 < 0xc0) return op('save_fplr_x', { regs: ['fp', 'lr'], offset: 0, writeback: ((b0 & 0x3f) + 1) * 8 });
  if (b0 < 0xc8) return op('alloc_m', { size: (((b0 & 7) << 8) | b1) * 16 });
  const x4 = ((b0 & 3) << 2) | (b1 >> 6); // 4-bit register field of save_regp/_x and save_reg
  const x3 = ((b0 & 1) << 2) | (b1 >> 6); // 3-bit register field
  const z6 = b1 & 0x3f;
  if (b0 < 0xcc) return op('save_regp', { regs: [xreg(19 + x4), xreg(20 + x4)], offset: z6 * 8 });
  if (b0 < 0xd0) return op('save_regp_x', { regs: [xreg(19 + x4), xreg(20 + x4)], offset: 0, writeback: (z6 + 1) * 8 });
  if (b0 < 0xd4) return op('save_reg', { regs: [xreg(19 + x4)], offset: z6 * 8 });
  if (b0 < 0xd6) return op('save_reg_x', { regs: [xreg(19 + (((b0 & 1) << 3) | (b1 >> 5)))], offset: 0, writeback: ((b1 & 0x1f) + 1) * 8 });
  if (b0 < 0xd8) return op('save_lrpair', { regs: [xreg(19 + 2 * x3), 'lr'], offset: z6 * 8 });
  if (b0 < 0xda) return op('save_fregp', { regs: [`d${8 + x3}`, `d${9 + x3}`], offset: z6 * 8 });
  if (b0 < 0xdc) return op('save_fregp_x', { regs: [`d${8 + x3}`, `d${9 + x3}`], offset: 0, writeback: (z6 + 1) * 8 });
  if (b0 < 0xde) return op('save_freg', { regs: [`d${8 + x3}`], offset: z6 * 8 });
  if (b0 === 0xde) return op('save_freg_x', { regs: [`d${8 + (b1 >> 5)}`], offset: 0, writeback: ((b1 & 0x1f) + 1) * 8 });
  if (b0 === 0xdf) return op('reserved');
  switch (b0) {
    case 0xe0:
      return op('alloc_l', { size: ((codes[i + 1]! << 16) | (codes[i + 2]! << 8) | codes[i + 3]!) * 16 });
    case 0xe1:
      return op('set_fp');
    case 0xe2:
      return op('add_fp', { size: b1 * 8 });
    case 0xe3:
      return op('nop');
    case 0xe4:
      return op('end');
    case 0xe5:
      return op('end_c');
    case 0xe6:
      return op('save_next');
    case 0xe7: {
      // save_any_reg (LLVM/wine): byte 1: 0x40 paired, 0x20 writeback, low 5 bits register;
      // byte 2: top 2 bits kind (0 x, 1 d, 2 q), low 6 bits offset.
      const b2 = codes[i + 2]!;
      const paired = (b1 & 0x40) !== 0;
      const wb = (b1 & 0x20) !== 0;
      const kind = b2 >> 6;
      const reg = b1 & 0x1f;
      if ((b1 & 0x80) || kind === 3) return op('reserved');
      let off = b2 & 0x3f;
      if (wb) off++;
      off *= !wb && !paired && kind !== 2 ? 8 : 16;
      const name = (n: number): string => (kind === 0 ? xreg(n) : `${kind === 1 ? 'd' : 'q'}${n}`);
      const regs = paired ? [name(reg), name(reg + 1)] : [name(reg)];
      return op('save_any_reg', { regs, offset: wb ? 0 : off, writeback: wb ? off : undefined, slotSize: kind === 2 ? 16 : 8 });
    }
    case 0xe8:
      return op('trap_frame');
    case 0xe9:
      return op('machine_frame');
    case 0xea:
      return op('context');
    case 0xeb:
      return op('ec_context');
    case 0xec:
      return op('clear_unwound_to_call');
    case 0xfc:
      return op('pac_sign_lr');
    default:
      return op('reserved');
  }
}

/** Ops from byte `start` up to and including the first `end` (or the array's end); at most ARM64_UNWIND_LIMITS.maxOps. */
export function decodeArm64Sequence(codes: Uint8Array, start: number): Arm64UnwindOp[] | UnwindProblem {
  const out: Arm64UnwindOp[] = [];
  for (let i = start; i < codes.length; ) {
    if (out.length >= ARM64_UNWIND_LIMITS.maxOps) return problem('BadUnwindData', 'too many ARM64 unwind codes');
    const op = decodeArm64Op(codes, i);
    if (!op) return problem('BadUnwindData', `ARM64 unwind code at byte ${i} runs past the code array`);
    out.push(op);
    if (op.name === 'end') break;
    i += op.length;
  }
  return out;
}

/** Decode a packed UnwindData word (Flag 1 or 2). */
export function decodePackedArm64(unwindData: number): PackedUnwindArm64 | undefined {
  const flag = unwindData & 3;
  if (flag !== 1 && flag !== 2) return undefined;
  return {
    flag,
    functionLength: ((unwindData >>> 2) & 0x7ff) * 4,
    regF: (unwindData >>> 13) & 7,
    regI: (unwindData >>> 16) & 0xf,
    h: ((unwindData >>> 20) & 1) === 1,
    cr: (unwindData >>> 21) & 3,
    frameSize: ((unwindData >>> 23) & 0x1ff) * 16,
  };
}

/**
 * The prolog of packed unwind data as ops in unwind order (the canonical prolog of Microsoft's
 * table, steps 1-6, reversed; the layout llvm-readobj prints). A problem for CR = 1 with
 * RegI = 1, which no instruction sequence encodes.
 */
export function synthesizePackedArm64(p: PackedUnwindArm64): Arm64UnwindOp[] | UnwindProblem {
  const ops: Arm64UnwindOp[] = [];
  const op = (name: Arm64OpName, extra: Partial<Arm64UnwindOp> = {}): void => {
    ops.push({ name, length: 0, bytes: [], ...extra });
  };
  const intSz = 8 * p.regI + (p.cr === 1 ? 8 : 0);
  const fpSz = p.regF ? 8 * p.regF + 8 : 0;
  const savSz = (intSz + fpSz + 64 * (p.h ? 1 : 0) + 0xf) & ~0xf;
  const locSz = p.frameSize - savSz;
  if (locSz < 0) return problem('BadUnwindData', `packed unwind data: FrameSize ${p.frameSize} is smaller than the save area ${savSz}`);
  const chained = p.cr === 2 || p.cr === 3;
  if (chained) {
    op('set_fp');
    if (locSz <= 512) op('save_fplr_x', { regs: ['fp', 'lr'], offset: 0, writeback: locSz });
    else op('save_fplr', { regs: ['fp', 'lr'], offset: 0 });
  }
  if (locSz > 4080) {
    op(locSz - 4080 < 512 ? 'alloc_s' : 'alloc_m', { size: locSz - 4080 });
    op('alloc_m', { size: 4080 });
  } else if ((!chained && locSz > 0) || locSz > 512) {
    op(locSz < 512 ? 'alloc_s' : 'alloc_m', { size: locSz });
  }
  if (p.h) {
    op('nop', { homing: true, regs: ['x6', 'x7'], offset: savSz - 16 });
    op('nop', { homing: true, regs: ['x4', 'x5'], offset: savSz - 32 });
    op('nop', { homing: true, regs: ['x2', 'x3'], offset: savSz - 48 });
    if (p.regI > 0 || p.regF > 0 || p.cr === 1) op('nop', { homing: true, regs: ['x0', 'x1'], offset: savSz - 64 });
    // Nothing else moved sp by the save area: this store does (undocumented; llvm-readobj's reading).
    else op('alloc_s', { homing: true, regs: ['x0', 'x1'], size: savSz });
  }
  const floatRegs = p.regF > 0 ? p.regF + 1 : 0;
  for (let i = Math.floor((floatRegs + 1) / 2) - 1; i >= 0; i--) {
    if (i === Math.floor((floatRegs + 1) / 2) - 1 && floatRegs % 2 === 1) op('save_freg', { regs: [`d${8 + 2 * i}`], offset: intSz + 16 * i });
    else if (i === 0 && p.regI === 0 && p.cr !== 1) op('save_fregp_x', { regs: [`d${8}`, `d${9}`], offset: 0, writeback: savSz });
    else op('save_fregp', { regs: [`d${8 + 2 * i}`, `d${9 + 2 * i}`], offset: intSz + 16 * i });
  }
  if (p.cr === 1 && p.regI % 2 === 0) {
    if (p.regI === 0) op('save_reg_x', { regs: ['lr'], offset: 0, writeback: savSz });
    else op('save_reg', { regs: ['lr'], offset: intSz - 8 });
  }
  for (let i = Math.floor((p.regI + 1) / 2) - 1; i >= 0; i--) {
    const last = i === Math.floor((p.regI + 1) / 2) - 1 && p.regI % 2 === 1;
    if (last) {
      if (p.cr === 1) {
        if (i === 0) return problem('BadUnwindData', 'packed unwind data: CR = 1 with RegI = 1 has no encoding');
        op('save_lrpair', { regs: [xreg(19 + 2 * i), 'lr'], offset: 16 * i });
      } else if (i === 0) op('save_reg_x', { regs: ['x19'], offset: 0, writeback: savSz });
      else op('save_reg', { regs: [xreg(19 + 2 * i)], offset: 16 * i });
    } else if (i === 0) op('save_regp_x', { regs: ['x19', 'x20'], offset: 0, writeback: savSz });
    else op('save_regp', { regs: [xreg(19 + 2 * i), xreg(20 + 2 * i)], offset: 16 * i });
  }
  if (p.cr === 2) op('pac_sign_lr');
  op('end');
  return ops;
}

/** Size in bytes of the .xdata record whose first two words are `w0`, `w1` (Microsoft's ComputeXdataSize). */
export function xdataSizeArm64(w0: number, w1: number): number {
  let size: number;
  let scopes: number;
  let words: number;
  if (w0 >>> 22 !== 0) {
    size = 4;
    scopes = (w0 >>> 22) & 0x1f;
    words = (w0 >>> 27) & 0x1f;
  } else {
    size = 8;
    scopes = w1 & 0xffff;
    words = (w1 >>> 16) & 0xff;
  }
  if (!((w0 >>> 21) & 1)) size += 4 * scopes;
  size += 4 * words;
  if ((w0 >>> 20) & 1) size += 4;
  return size;
}

/** Decode an .xdata record from `b` (at least xdataSizeArm64 bytes). */
export function decodeXdataArm64(b: Uint8Array, rva: number): XdataArm64 | UnwindProblem {
  if (b.length < 4) return problem('BadUnwindData', `.xdata at ${hex(rva)}: truncated`);
  const v = dv(b);
  const w0 = v.getUint32(0, true);
  const ext = w0 >>> 22 === 0;
  if (ext && b.length < 8) return problem('BadUnwindData', `.xdata at ${hex(rva)}: truncated`);
  const w1 = ext ? v.getUint32(4, true) : 0;
  const size = xdataSizeArm64(w0, w1);
  if (b.length < size) return problem('BadUnwindData', `.xdata at ${hex(rva)}: ${b.length} bytes, needs ${size}`);
  const e = ((w0 >>> 21) & 1) === 1;
  const epilogCount = ext ? w1 & 0xffff : (w0 >>> 22) & 0x1f;
  const codeWords = ext ? (w1 >>> 16) & 0xff : (w0 >>> 27) & 0x1f;
  let at = ext ? 8 : 4;
  const x: XdataArm64 = {
    rva,
    functionLength: (w0 & 0x3ffff) * 4,
    version: (w0 >>> 18) & 3,
    exceptionData: ((w0 >>> 20) & 1) === 1,
    epilogInHeader: e,
    epilogScopes: [],
    codeWords,
    codes: new Uint8Array(0),
    size,
  };
  if (e) x.epilogIndex = epilogCount;
  else {
    for (let k = 0; k < epilogCount; k++, at += 4) {
      const s = v.getUint32(at, true);
      x.epilogScopes.push({ startOffset: (s & 0x3ffff) * 4, startIndex: s >>> 22 });
    }
  }
  x.codes = b.slice(at, at + codeWords * 4);
  at += codeWords * 4;
  if (x.exceptionData) x.handlerRva = v.getUint32(at, true);
  return x;
}

/** Read and decode the .xdata record at `rva`: undefined when its bytes are not present. */
export async function readXdataArm64(image: PeImage, rva: number): Promise<XdataArm64 | UnwindProblem | undefined> {
  const head = await image.readRva(rva, 8);
  if (!head) return undefined;
  const v = dv(head);
  const size = xdataSizeArm64(v.getUint32(0, true), v.getUint32(4, true));
  const all = await image.readRva(rva, size);
  if (!all) return undefined;
  return decodeXdataArm64(all, rva);
}

// ------------------------------------------------------------------------------------------------
// .pdata lookup

export function runtimeFunctionCountArm64(image: PeImage): number {
  const dir = image.exceptionDirectory;
  if (!dir) return 0;
  return Math.min(Math.floor(dir.size / 8), ARM64_UNWIND_LIMITS.maxEntries);
}

export async function readRuntimeFunctionArm64(image: PeImage, index: number): Promise<RuntimeFunctionArm64 | undefined> {
  const dir = image.exceptionDirectory;
  if (!dir || index < 0 || index >= runtimeFunctionCountArm64(image)) return undefined;
  const rva = dir.rva + index * 8;
  const b = await image.readRva(rva, 8);
  if (!b) return undefined;
  const v = dv(b);
  const unwindData = v.getUint32(4, true);
  return { beginAddress: v.getUint32(0, true), unwindData, flag: unwindData & 3, entryRva: rva };
}

/** All entries, read in 64 KiB chunks, until the first chunk not present. */
export async function* runtimeFunctionsArm64(image: PeImage): AsyncGenerator<RuntimeFunctionArm64> {
  const dir = image.exceptionDirectory;
  if (!dir) return;
  const n = runtimeFunctionCountArm64(image);
  const per = 8192;
  for (let i = 0; i < n; i += per) {
    const count = Math.min(per, n - i);
    const b = await image.readRva(dir.rva + i * 8, count * 8);
    if (!b) return;
    const v = dv(b);
    for (let k = 0; k < count; k++) {
      const unwindData = v.getUint32(k * 8 + 4, true);
      yield { beginAddress: v.getUint32(k * 8, true), unwindData, flag: unwindData & 3, entryRva: dir.rva + (i + k) * 8 };
    }
  }
}

/** Length in bytes of the function an entry describes; undefined when its .xdata is not present. */
export async function functionLengthArm64(image: PeImage, e: RuntimeFunctionArm64): Promise<number | undefined> {
  // Flag 3 is reserved: its length is read as a packed one so the entry is found and reported.
  if (e.flag !== 0) return ((e.unwindData >>> 2) & 0x7ff) * 4;
  const w = await image.readRva(e.unwindData, 4);
  return w ? (dv(w).getUint32(0, true) & 0x3ffff) * 4 : undefined;
}

export type LookupArm64 =
  | { kind: 'found'; entry: RuntimeFunctionArm64; functionLength: number }
  | { kind: 'none' }
  | { kind: 'unavailable'; reason: string };

/** The entry whose [BeginAddress, BeginAddress + length) holds `rva`, by binary search. */
export async function findRuntimeFunctionArm64(image: PeImage, rva: number): Promise<LookupArm64> {
  const n = runtimeFunctionCountArm64(image);
  if (n === 0) return { kind: 'none' };
  let lo = 0;
  let hi = n - 1;
  let best: RuntimeFunctionArm64 | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const e = await readRuntimeFunctionArm64(image, mid);
    if (!e) return { kind: 'unavailable', reason: `.pdata entry ${mid} not present` };
    if (e.beginAddress <= rva) {
      best = e;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (!best) return { kind: 'none' };
  const len = await functionLengthArm64(image, best);
  if (len === undefined) return { kind: 'unavailable', reason: `.xdata at ${hex(best.unwindData)} not present` };
  if (rva - best.beginAddress >= len) return { kind: 'none' };
  return { kind: 'found', entry: best, functionLength: len };
}

// ------------------------------------------------------------------------------------------------
// Unwinding

/** Instructions an op sequence stands for: every op but end/end_c, up to the first end (or end_c when `stopAtEndC`). */
function sequenceLength(ops: readonly Arm64UnwindOp[], stopAtEndC: boolean): number {
  let n = 0;
  for (const o of ops) {
    if (o.name === 'end' || (stopAtEndC && o.name === 'end_c')) break;
    if (o.name !== 'end_c') n++;
  }
  return n;
}

/** Strip a pointer-authentication code from a return address (bit 55 selects user or kernel half). */
export function stripPac(address: bigint): bigint {
  return address & (1n << 55n) ? address | 0xffff_0000_0000_0000n : address & 0x0000_ffff_ffff_ffffn;
}

/** The registers integer pair `regs[0]`.. continue into after `extra` save_next ops. */
function extendRegs(op: Arm64UnwindOp, extra: number): string[] {
  const regs = op.regs ?? [];
  if (extra === 0 || regs.length !== 2) return regs;
  const seq: string[] = [];
  for (let n = 19; n <= 28; n++) seq.push(`x${n}`);
  for (let n = 8; n <= 15; n++) seq.push(`d${n}`);
  const first = regs[0]!;
  let at = seq.indexOf(first);
  if (at < 0) {
    // q registers or x0..x18 (save_any_reg): continue numerically in their own bank.
    const m = /^([a-z]+)(\d+)$/.exec(first);
    if (!m) return regs;
    return Array.from({ length: 2 + extra }, (_, k) => `${m[1]}${Number(m[2]) + k}`);
  }
  const out: string[] = [];
  for (let k = 0; k < 2 + extra && at < seq.length; k++, at++) out.push(seq[at]!);
  return out;
}

class ArmFrame {
  readonly regs = new Map<string, bigint>();
  pcFromLr = true;
  pc: bigint | undefined;
  constructor(
    public sp: bigint,
    private readonly readMemory: ReadMemory,
  ) {}
  async read64(address: bigint): Promise<bigint | undefined> {
    const b = await this.readMemory(address & MASK64, 8);
    if (!b || b.length < 8) return undefined;
    return dv(b).getBigUint64(0, true);
  }
  readBytes(address: bigint, length: number): Promise<Uint8Array | undefined> {
    return this.readMemory(address & MASK64, length);
  }
  async load(name: string, address: bigint): Promise<void> {
    // Only integer registers are tracked (d/q values are not part of the unwound context here).
    if (!/^(x\d+|fp|lr)$/.test(name)) return;
    const v = await this.read64(address);
    if (v === undefined) this.regs.delete(name);
    else this.regs.set(name, v);
  }
}

const CONTEXT_ARM64 = { size: 0x110, x0: 0x08, fp: 0xf0, lr: 0xf8, sp: 0x100, pc: 0x108 } as const;

/** Run `ops` from the start, skipping the first `skip` instructions, up to `end`. */
async function run(f: ArmFrame, ops: readonly Arm64UnwindOp[], skip: number): Promise<UnwindProblem | undefined> {
  let saveNext = 0;
  let n = 0;
  for (const o of ops) {
    if (o.name === 'end') break;
    if (o.name === 'end_c') continue;
    if (n++ < skip) continue;
    if (o.name === 'save_next') {
      saveNext += 2;
      continue;
    }
    switch (o.name) {
      case 'alloc_s':
      case 'alloc_m':
      case 'alloc_l':
        f.sp = (f.sp + BigInt(o.size!)) & MASK64;
        break;
      case 'set_fp': {
        const fp = f.regs.get('fp');
        if (fp === undefined) return problem('UnwindDataMissing', 'fp (x29) is unknown');
        f.sp = fp;
        break;
      }
      case 'add_fp': {
        const fp = f.regs.get('fp');
        if (fp === undefined) return problem('UnwindDataMissing', 'fp (x29) is unknown');
        f.sp = (fp - BigInt(o.size!)) & MASK64;
        break;
      }
      case 'save_r19r20_x': case 'save_fplr': case 'save_fplr_x': case 'save_regp': case 'save_regp_x':
      case 'save_reg': case 'save_reg_x': case 'save_lrpair': case 'save_fregp': case 'save_fregp_x':
      case 'save_freg': case 'save_freg_x': case 'save_any_reg': {
        const pairOp = o.name === 'save_regp' || o.name === 'save_regp_x' || o.name === 'save_r19r20_x' || o.name === 'save_fregp' || o.name === 'save_fregp_x' || (o.name === 'save_any_reg' && o.regs!.length === 2);
        const regs = pairOp ? extendRegs(o, saveNext) : o.regs!;
        const slot = BigInt(o.slotSize ?? 8);
        for (let k = 0; k < regs.length; k++) await f.load(regs[k]!, f.sp + BigInt(o.offset ?? 0) + slot * BigInt(k));
        if (o.writeback) f.sp = (f.sp + BigInt(o.writeback)) & MASK64;
        break;
      }
      case 'nop':
        if (o.homing && o.size) f.sp = (f.sp + BigInt(o.size)) & MASK64;
        break;
      case 'pac_sign_lr': {
        const lr = f.regs.get('lr');
        if (lr !== undefined) f.regs.set('lr', stripPac(lr));
        break;
      }
      case 'machine_frame': {
        const sp = await f.read64(f.sp);
        const pc = await f.read64(f.sp + 8n);
        if (sp === undefined || pc === undefined) return problem('UnwindDataMissing', `machine frame at ${hex(f.sp)} is not in the dump`);
        f.sp = sp;
        f.pc = pc;
        f.pcFromLr = false;
        break;
      }
      case 'context': {
        const b = await f.readBytes(f.sp, CONTEXT_ARM64.size);
        if (!b) return problem('UnwindDataMissing', `CONTEXT at ${hex(f.sp)} is not in the dump`);
        const v = dv(b);
        for (let r = 19; r <= 28; r++) f.regs.set(`x${r}`, v.getBigUint64(CONTEXT_ARM64.x0 + 8 * r, true));
        f.regs.set('fp', v.getBigUint64(CONTEXT_ARM64.fp, true));
        f.regs.set('lr', v.getBigUint64(CONTEXT_ARM64.lr, true));
        f.pc = v.getBigUint64(CONTEXT_ARM64.pc, true);
        f.sp = v.getBigUint64(CONTEXT_ARM64.sp, true);
        f.pcFromLr = false;
        break;
      }
      case 'clear_unwound_to_call':
        break;
      case 'trap_frame':
      case 'ec_context':
        return problem('BadUnwindData', `ARM64 unwind code ${o.name} is not supported`);
      default:
        return problem('BadUnwindData', `reserved ARM64 unwind code ${o.bytes.map((b) => hex(b)).join(' ')}`);
    }
    saveNext = 0;
  }
  return undefined;
}

function finishArm(f: ArmFrame): UnwindStep | UnwindProblem {
  let pc = f.pc;
  if (f.pcFromLr) {
    pc = f.regs.get('lr');
    if (pc === undefined) return problem('UnwindDataMissing', 'lr (the return address) is unknown');
  }
  const registers: RegisterSet = new Map(f.regs);
  registers.set('pc', pc!);
  registers.set('sp', f.sp);
  return { registers, cfa: f.sp };
}

/** Which ops to run, and how many instructions to skip, for instruction index `off` of a full record. */
function planFull(x: XdataArm64, off: number): { start: number; skip: number } | UnwindProblem {
  const prolog = decodeArm64Sequence(x.codes, 0);
  if (isProblem(prolog)) return prolog;
  const prologLen = sequenceLength(prolog, true);
  if (off < prologLen) return { start: 0, skip: prologLen - off };
  const fnLen = x.functionLength / 4;
  if (x.epilogInHeader) {
    const seq = decodeArm64Sequence(x.codes, x.epilogIndex!);
    if (isProblem(seq)) return seq;
    const len = sequenceLength(seq, false) + 1;
    if (off >= fnLen - len && x.epilogIndex! < x.codes.length) return { start: x.epilogIndex!, skip: off - (fnLen - len) };
  } else {
    for (const s of x.epilogScopes) {
      const start = s.startOffset / 4;
      if (off < start) break;
      if (s.startIndex >= x.codes.length) continue;
      const seq = decodeArm64Sequence(x.codes, s.startIndex);
      if (isProblem(seq)) return seq;
      if (off <= start + sequenceLength(seq, false)) return { start: s.startIndex, skip: off - start };
    }
  }
  return { start: 0, skip: 0 };
}

/**
 * Unwind one ARM64 frame of code in `image`: the caller's pc, sp, fp (x29), lr (x30) and x19-x28
 * (carried over, or restored by the unwind codes; a register whose slot is not in the dump is left
 * out). As Windows' RtlVirtualUnwind does, the caller's lr equals its pc. cfa = the caller's sp.
 * A function without a .pdata entry is a leaf: pc = lr.
 *
 * Undefined when no unwind data is available for the address; an UnwindProblem when it is present
 * but unusable. Never throws for bad data.
 */
export async function unwindArm64Frame(image: PeImage, registers: RegisterSet, readMemory: ReadMemory, options: UnwindOptions = {}): Promise<UnwindStep | UnwindProblem | undefined> {
  try {
    return await unwindArm64Unchecked(image, registers, readMemory, options);
  } catch (e) {
    if (isDumpError(e)) return problem('UnwindDataMissing', e.message);
    throw e;
  }
}

async function unwindArm64Unchecked(image: PeImage, registers: RegisterSet, readMemory: ReadMemory, options: UnwindOptions): Promise<UnwindStep | UnwindProblem | undefined> {
  if (image.machine !== PeMachine.ARM64) return problem('BadUnwindData', `image machine ${hex(image.machine)} is not ARM64`);
  const pc = registers.get('pc');
  const sp = registers.get('sp');
  if (pc === undefined || sp === undefined) return problem('UnwindDataMissing', 'pc or sp is unknown');
  const rva = image.rvaOf(pc);
  if (rva === undefined) return undefined;
  const lookRva = options.callerFrame && rva > 0 ? rva - 1 : rva;
  const look = await findRuntimeFunctionArm64(image, lookRva);
  if (look.kind === 'unavailable') return undefined;
  const f = new ArmFrame(sp, readMemory);
  for (const r of ARM64_NONVOLATILE) {
    const v = registers.get(r) ?? (r === 'fp' ? registers.get('x29') : undefined);
    if (v !== undefined) f.regs.set(r, v);
  }
  const lr = registers.get('lr') ?? registers.get('x30');
  if (lr !== undefined) f.regs.set('lr', lr);
  if (look.kind === 'none') return finishArm(f);

  const e = look.entry;
  // A return address just past the function's end (callerFrame) is in the body, not an epilog.
  const inRange = rva - e.beginAddress < look.functionLength;
  const off = inRange ? Math.floor((rva - e.beginAddress) / 4) : Number.MAX_SAFE_INTEGER;
  if (e.flag === 3) return problem('BadUnwindData', `.pdata entry at ${hex(e.entryRva)}: reserved Flag 3`);
  if (e.flag === 1 || e.flag === 2) {
    const p = decodePackedArm64(e.unwindData)!;
    const ops = synthesizePackedArm64(p);
    if (isProblem(ops)) return ops;
    let plan: { ops: Arm64UnwindOp[]; skip: number } = { ops, skip: 0 };
    if (p.flag === 1 && inRange) {
      const prologLen = sequenceLength(ops, false);
      const epilog = ops.filter((o) => o.name !== 'set_fp' && !(o.homing && !o.size));
      const epilogLen = sequenceLength(epilog, false) + 1;
      const fnLen = p.functionLength / 4;
      if (off < prologLen) plan = { ops, skip: prologLen - off };
      else if (off >= fnLen - epilogLen) plan = { ops: epilog, skip: off - (fnLen - epilogLen) };
    }
    const bad = await run(f, plan.ops, plan.skip);
    return bad ?? finishArm(f);
  }
  const x = await readXdataArm64(image, e.unwindData);
  if (!x) return undefined;
  if (isProblem(x)) return x;
  const plan = inRange ? planFull(x, off) : { start: 0, skip: 0 };
  if (isProblem(plan)) return plan;
  const seq = decodeArm64Sequence(x.codes, plan.start);
  if (isProblem(seq)) return seq;
  const bad = await run(f, seq, plan.skip);
  return bad ?? finishArm(f);
}
