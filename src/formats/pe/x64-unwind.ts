// x64 unwind data (.pdata RUNTIME_FUNCTION + .xdata UNWIND_INFO) and one-frame unwinding with it.
// Spec: ../shared/spec/pe-unwind.md §4-§5. Where the spec and Microsoft's unwinder differ the
// unwinder's behaviour is followed and the difference is noted at the spot (see `unwindBody`).
//
// Reads are lazy: the RUNTIME_FUNCTION table is binary-searched entry by entry through the image's
// page cache (a lookup touches log2(n) entries, mostly on one or two pages), and an UNWIND_INFO is
// read with two reads (its 4-byte head, then its exact size). Everything read from the image is
// bounded: 255 codes at most by format, chains and indirections capped at 32 with loop detection,
// an epilog scan of at most 64 bytes and 16 pops.

import type { ReadMemory, RegisterSet, UnwindProblem, UnwindStep } from '../../unwind/types.js';
import { isDumpError } from '../../errors.js';
import { hex } from '../../util/hex.js';
import { PeMachine, type PeImage } from './image.js';

/** UNWIND_CODE operations: declared in native-structs (values as in LLVM Win64EH.h). */
import { UnwindOpX64, type UnwindOpX64Name } from '../../../native-structs/constants/pe-unwind.js';
export { UnwindOpX64, type UnwindOpX64Name };
const OP_NAMES = Object.keys(UnwindOpX64) as UnwindOpX64Name[];

/** UNWIND_INFO.Flags. */
export const UnwindFlagX64 = { EHANDLER: 1, UHANDLER: 2, CHAININFO: 4 } as const;

/** Integer register numbers of UNWIND_CODE.OpInfo / UNWIND_INFO.FrameRegister, as RegisterSet names. */
export const X64_REGISTER_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;

/** Registers a callee preserves (Microsoft x64 ABI), carried from callee to caller when no code restores them. */
export const X64_NONVOLATILE = ['rbx', 'rbp', 'rsi', 'rdi', 'r12', 'r13', 'r14', 'r15'] as const;

/** Caps on hostile data. */
export const X64_UNWIND_LIMITS = {
  /** Chained UNWIND_INFO followed (vmi-os-windows uses 32). */
  maxChainDepth: 32,
  /** `UnwindData & 1` indirections followed. */
  maxIndirections: 32,
  /** RUNTIME_FUNCTION entries considered in one table (48 MiB of .pdata; ntoskrnl has ~40k). */
  maxEntries: 1 << 22,
  /** Code bytes read at RIP for the epilog check, and pops accepted in one epilog. */
  epilogScanBytes: 64,
  maxEpilogPops: 16,
} as const;

/** One RUNTIME_FUNCTION (12 bytes). */
export interface RuntimeFunctionX64 {
  beginAddress: number;
  endAddress: number;
  /** RVA of the UNWIND_INFO, or (bit 0 set) of another RUNTIME_FUNCTION. */
  unwindData: number;
  /** RVA of this entry. */
  entryRva: number;
}

/** One decoded unwind code (one to three 2-byte slots). */
export interface UnwindCodeX64 {
  op: UnwindOpX64Name;
  /** Offset from the function start of the end of the prolog instruction (UNWIND_CODE.CodeOffset). */
  codeOffset: number;
  opInfo: number;
  /** Slots the code occupies. */
  slots: number;
  /** Index of its first slot in the UnwindCode array. */
  slot: number;
  /** PUSH_NONVOL, SAVE_NONVOL(_FAR): integer register number; SAVE_XMM128(_FAR): XMM number. */
  register?: number;
  /** ALLOC_*: bytes allocated. */
  size?: number;
  /** SAVE_*: byte offset from the frame base. */
  offset?: number;
  /** PUSH_MACHFRAME: an error code was pushed first (OpInfo 1). */
  errorCode?: boolean;
}

/** Version-2 epilog descriptors (UWOP_EPILOG codes). */
export interface EpilogInfoX64 {
  /** Size in bytes of each epilog. */
  size: number;
  /** The first epilog ends the function. */
  atEnd: boolean;
  /** Offsets, from the function's end, of the other epilogs' starts (padding entries dropped). */
  offsetsFromEnd: number[];
}

/** A decoded UNWIND_INFO. */
export interface UnwindInfoX64 {
  /** RVA it was read from. */
  rva: number;
  version: number;
  flags: number;
  sizeOfProlog: number;
  countOfCodes: number;
  /** 0 = none, else the register number (X64_REGISTER_NAMES). */
  frameRegister: number;
  /** Scaled offset: FrameOffset × 16. */
  frameOffset: number;
  codes: UnwindCodeX64[];
  /** Version 2 only. */
  epilog?: EpilogInfoX64;
  /** With CHAININFO: the RUNTIME_FUNCTION whose unwind info continues this one. */
  chained?: RuntimeFunctionX64;
  /** With EHANDLER/UHANDLER: the language handler's RVA. */
  handlerRva?: number;
}

/** Outcome of a .pdata lookup. */
export type LookupX64 =
  | { kind: 'found'; entry: RuntimeFunctionX64; /** The entry the table held before indirections were followed. */ direct: RuntimeFunctionX64 }
  | { kind: 'none' }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'problem'; problem: UnwindProblem };

const MASK64 = (1n << 64n) - 1n;
const problem = (code: UnwindProblem['code'], message: string): UnwindProblem => ({ code, message });
const isProblem = (x: unknown): x is UnwindProblem => typeof x === 'object' && x !== null && 'code' in x && 'message' in x && !('registers' in x);

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Decode one 12-byte RUNTIME_FUNCTION. */
export function decodeRuntimeFunctionX64(b: Uint8Array, entryRva: number, at = 0): RuntimeFunctionX64 {
  const v = dv(b);
  return { beginAddress: v.getUint32(at, true), endAddress: v.getUint32(at + 4, true), unwindData: v.getUint32(at + 8, true), entryRva };
}

/** Number of entries in the exception directory (bounded). */
export function runtimeFunctionCountX64(image: PeImage): number {
  const dir = image.exceptionDirectory;
  if (!dir) return 0;
  return Math.min(Math.floor(dir.size / 12), X64_UNWIND_LIMITS.maxEntries);
}

/** Entry `index` of the table; undefined when its bytes are not present. */
export async function readRuntimeFunctionX64(image: PeImage, index: number): Promise<RuntimeFunctionX64 | undefined> {
  const dir = image.exceptionDirectory;
  if (!dir || index < 0 || index >= runtimeFunctionCountX64(image)) return undefined;
  const rva = dir.rva + index * 12;
  const b = await image.readRva(rva, 12);
  return b ? decodeRuntimeFunctionX64(b, rva) : undefined;
}

/**
 * All entries of the table, in bounded chunks (64 KiB per read). Yields until the first chunk that
 * is not present, then stops. For tests and tools; the unwinder uses findRuntimeFunctionX64.
 */
export async function* runtimeFunctionsX64(image: PeImage): AsyncGenerator<RuntimeFunctionX64> {
  const dir = image.exceptionDirectory;
  if (!dir) return;
  const n = runtimeFunctionCountX64(image);
  const per = 5461; // 65 532 bytes
  for (let i = 0; i < n; i += per) {
    const count = Math.min(per, n - i);
    const b = await image.readRva(dir.rva + i * 12, count * 12);
    if (!b) return;
    for (let k = 0; k < count; k++) yield decodeRuntimeFunctionX64(b, dir.rva + (i + k) * 12, k * 12);
  }
}

/**
 * The RUNTIME_FUNCTION covering `rva` (Begin ≤ rva < End), by binary search, with `UnwindData & 1`
 * indirections followed (at most 32, loops refused). 'none': no entry covers it (a leaf function);
 * 'unavailable': the table's bytes are not present.
 */
export async function findRuntimeFunctionX64(image: PeImage, rva: number): Promise<LookupX64> {
  const n = runtimeFunctionCountX64(image);
  if (n === 0) return { kind: 'none' };
  let lo = 0;
  let hi = n - 1;
  let found: RuntimeFunctionX64 | undefined;
  // At most ~23 probes for the largest table allowed.
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const e = await readRuntimeFunctionX64(image, mid);
    if (!e) return { kind: 'unavailable', reason: `.pdata entry ${mid} not present` };
    if (rva < e.beginAddress) hi = mid - 1;
    else if (rva >= e.endAddress) lo = mid + 1;
    else {
      found = e;
      break;
    }
  }
  if (!found) return { kind: 'none' };
  const direct = found;
  const seen = new Set<number>([found.entryRva]);
  for (let hops = 0; found.unwindData & 1; hops++) {
    if (hops >= X64_UNWIND_LIMITS.maxIndirections) return { kind: 'problem', problem: problem('ChainTooDeep', `more than ${X64_UNWIND_LIMITS.maxIndirections} .pdata indirections from ${hex(direct.entryRva)}`) };
    const target = (found.unwindData & ~1) >>> 0;
    if (seen.has(target)) return { kind: 'problem', problem: problem('UnwindLoop', `.pdata indirection loop at ${hex(target)}`) };
    seen.add(target);
    const b = await image.readRva(target, 12);
    if (!b) return { kind: 'unavailable', reason: `indirect RUNTIME_FUNCTION at ${hex(target)} not present` };
    found = decodeRuntimeFunctionX64(b, target);
  }
  return { kind: 'found', entry: found, direct };
}

/** Size in bytes of an UNWIND_INFO whose first 4 bytes are `head` (codes, padding, chain or handler RVA). */
export function unwindInfoSizeX64(head: Uint8Array): number {
  const flags = head[0]! >> 3;
  const count = head[2]!;
  let size = 4 + 2 * ((count + 1) & ~1);
  if (flags & UnwindFlagX64.CHAININFO) size += 12;
  else if (flags & (UnwindFlagX64.EHANDLER | UnwindFlagX64.UHANDLER)) size += 4;
  return size;
}

/**
 * Decode an UNWIND_INFO from `b` (at least unwindInfoSizeX64 bytes). Returns a problem for an
 * unknown version, an unknown op, or a code whose slots run past CountOfCodes.
 */
export function decodeUnwindInfoX64(b: Uint8Array, rva: number): UnwindInfoX64 | UnwindProblem {
  if (b.length < 4) return problem('BadUnwindData', `UNWIND_INFO at ${hex(rva)}: truncated`);
  const version = b[0]! & 7;
  const flags = b[0]! >> 3;
  if (version !== 1 && version !== 2) return problem('BadUnwindData', `UNWIND_INFO at ${hex(rva)}: version ${version}`);
  const countOfCodes = b[2]!;
  const need = unwindInfoSizeX64(b);
  if (b.length < need) return problem('BadUnwindData', `UNWIND_INFO at ${hex(rva)}: ${b.length} bytes, needs ${need}`);
  const info: UnwindInfoX64 = {
    rva,
    version,
    flags,
    sizeOfProlog: b[1]!,
    countOfCodes,
    frameRegister: b[3]! & 0xf,
    frameOffset: (b[3]! >> 4) * 16,
    codes: [],
  };
  const v = dv(b);
  const slot = (i: number): number => v.getUint16(4 + 2 * i, true);
  let seenEpilog = false;
  for (let i = 0; i < countOfCodes; ) {
    const codeOffset = b[4 + 2 * i]!;
    const opByte = b[5 + 2 * i]!;
    const opCode = opByte & 0xf;
    const opInfo = opByte >> 4;
    const name = OP_NAMES[opCode];
    if (name === undefined) return problem('BadUnwindData', `UNWIND_INFO at ${hex(rva)}: unknown unwind op ${opCode} in slot ${i}`);
    let slots = 1;
    if (name === 'ALLOC_LARGE') slots = opInfo === 0 ? 2 : 3;
    else if (name === 'SAVE_NONVOL' || name === 'SAVE_XMM128') slots = 2;
    else if (name === 'SAVE_NONVOL_FAR' || name === 'SAVE_XMM128_FAR' || name === 'SPARE_CODE') slots = 3;
    // UWOP_EPILOG takes ONE slot: the layout MSVC writes and current LLVM (Win64EHDumper, MCWin64EH)
    // reads; the spec, older LLVM, ReactOS and wine say two. MSVC pads the epilog codes to an even
    // count with an offset-0 entry, so both readings land on the same next code in real images.
    if (i + slots > countOfCodes) return problem('BadUnwindData', `UNWIND_INFO at ${hex(rva)}: ${name} in slot ${i} needs ${slots} slots, ${countOfCodes - i} left`);
    const c: UnwindCodeX64 = { op: name, codeOffset, opInfo, slots, slot: i };
    switch (name) {
      case 'PUSH_NONVOL':
        c.register = opInfo;
        break;
      case 'ALLOC_LARGE':
        c.size = opInfo === 0 ? slot(i + 1) * 8 : (slot(i + 1) | (slot(i + 2) << 16)) >>> 0;
        break;
      case 'ALLOC_SMALL':
        c.size = opInfo * 8 + 8;
        break;
      case 'SAVE_NONVOL':
        c.register = opInfo;
        c.offset = slot(i + 1) * 8;
        break;
      case 'SAVE_NONVOL_FAR':
        c.register = opInfo;
        c.offset = (slot(i + 1) | (slot(i + 2) << 16)) >>> 0;
        break;
      case 'SAVE_XMM128':
        c.register = opInfo;
        c.offset = slot(i + 1) * 16;
        break;
      case 'SAVE_XMM128_FAR':
        c.register = opInfo;
        c.offset = (slot(i + 1) | (slot(i + 2) << 16)) >>> 0;
        break;
      case 'PUSH_MACHFRAME':
        c.errorCode = opInfo !== 0;
        break;
      case 'EPILOG':
        if (version === 2) {
          if (!seenEpilog) {
            info.epilog = { size: codeOffset, atEnd: (opInfo & 1) !== 0, offsetsFromEnd: [] };
            seenEpilog = true;
          } else {
            const off = codeOffset | (opInfo << 8);
            if (off !== 0) info.epilog!.offsetsFromEnd.push(off);
          }
        }
        break;
      default:
        break;
    }
    info.codes.push(c);
    i += slots;
  }
  const tail = 4 + 2 * ((countOfCodes + 1) & ~1);
  if (flags & UnwindFlagX64.CHAININFO) info.chained = decodeRuntimeFunctionX64(b, rva + tail, tail);
  else if (flags & (UnwindFlagX64.EHANDLER | UnwindFlagX64.UHANDLER)) info.handlerRva = v.getUint32(tail, true);
  return info;
}

/** Read and decode the UNWIND_INFO at `rva`: undefined when its bytes are not present. */
export async function readUnwindInfoX64(image: PeImage, rva: number): Promise<UnwindInfoX64 | UnwindProblem | undefined> {
  const head = await image.readRva(rva, 4);
  if (!head) return undefined;
  const all = await image.readRva(rva, unwindInfoSizeX64(head));
  if (!all) return undefined;
  return decodeUnwindInfoX64(all, rva);
}

/**
 * The UNWIND_INFO of `entry` followed by every chained one (CHAININFO), at most 32, loops refused.
 * Undefined when one of them is not present.
 */
export async function readUnwindChainX64(image: PeImage, entry: RuntimeFunctionX64): Promise<UnwindInfoX64[] | UnwindProblem | undefined> {
  const chain: UnwindInfoX64[] = [];
  const seen = new Set<number>();
  let rva = (entry.unwindData & ~1) >>> 0;
  for (;;) {
    if (chain.length >= X64_UNWIND_LIMITS.maxChainDepth) return problem('ChainTooDeep', `more than ${X64_UNWIND_LIMITS.maxChainDepth} chained UNWIND_INFO from ${hex(entry.beginAddress)}`);
    if (seen.has(rva)) return problem('UnwindLoop', `chained UNWIND_INFO loop at ${hex(rva)} (function ${hex(entry.beginAddress)})`);
    seen.add(rva);
    const info = await readUnwindInfoX64(image, rva);
    if (!info || isProblem(info)) return info;
    chain.push(info);
    if (!info.chained) return chain;
    // A chained entry may itself be an indirection (wine follows it the same way).
    let next = info.chained;
    for (let hops = 0; next.unwindData & 1; hops++) {
      if (hops >= X64_UNWIND_LIMITS.maxIndirections) return problem('ChainTooDeep', `indirections in the chain of ${hex(entry.beginAddress)}`);
      const b = await image.readRva((next.unwindData & ~1) >>> 0, 12);
      if (!b) return undefined;
      next = decodeRuntimeFunctionX64(b, (next.unwindData & ~1) >>> 0);
    }
    rva = next.unwindData;
  }
}

// ------------------------------------------------------------------------------------------------
// Breakpad-style CFI from unwind info

/** CFA and register rules for a function body (after the prolog), in Breakpad STACK CFI syntax. */
export interface X64CfiRules {
  /** e.g. "$rsp 80 +" */
  cfa: string;
  /** e.g. ".cfa 8 - ^" */
  ra: string;
  /** Saved registers and, after a machine frame, $rsp: e.g. { $rbx: ".cfa 16 - ^" }. */
  registers: Record<string, string>;
}

export interface X64CfiOptions {
  /**
   * Reproduce Google Breakpad dump_syms (PDBSourceLineWriter::PrintFrameDataUsingEXE) exactly:
   * CFA = $rsp + 8 + Σ(8 per PUSH_NONVOL, every ALLOC size, 80 per PUSH_MACHFRAME or 88 with an
   * error code) over the whole chain, RA at .cfa 8 - (88 after a machine frame), frame register
   * and SAVE_* codes ignored, no register rules.
   */
  dumpSymsCompatible?: boolean;
}

/**
 * The CFI rules of one function's UNWIND_INFO chain (as readUnwindChainX64 returns it) for the
 * body: every code has executed. Pure. Without `dumpSymsCompatible` the rules are the ones the
 * Microsoft unwinder implies: CFA from the frame register when one is set, saved registers
 * relative to the CFA, and a machine frame's interrupted RIP/RSP.
 */
export function x64UnwindInfoToCfi(chain: readonly UnwindInfoX64[], options: X64CfiOptions = {}): X64CfiRules {
  if (options.dumpSymsCompatible) {
    let stack = 8;
    let ripOffset = 8;
    for (const info of chain) {
      for (const c of info.codes) {
        if (c.op === 'PUSH_NONVOL') stack += 8;
        else if (c.op === 'ALLOC_SMALL' || c.op === 'ALLOC_LARGE') stack += c.size!;
        else if (c.op === 'PUSH_MACHFRAME') {
          stack += c.errorCode ? 88 : 80;
          ripOffset += 80;
        }
      }
    }
    return { cfa: `$rsp ${stack} +`, ra: `.cfa ${ripOffset} - ^`, registers: {} };
  }
  const primary = chain[0];
  type Loc = { base: string; off: number };
  const fr = primary && primary.frameRegister ? `$${X64_REGISTER_NAMES[primary.frameRegister]}` : undefined;
  const frameBase: Loc = fr ? { base: fr, off: -primary!.frameOffset } : { base: '$rsp', off: 0 };
  let cur: Loc = { base: '$rsp', off: 0 };
  const saved = new Map<string, Loc>();
  let mach: { rip: Loc; rsp: Loc } | undefined;
  for (const info of chain) {
    for (const c of info.codes) {
      switch (c.op) {
        case 'PUSH_NONVOL': {
          const r = `$${X64_REGISTER_NAMES[c.register!]}`;
          if (!saved.has(r)) saved.set(r, { ...cur });
          cur = { base: cur.base, off: cur.off + 8 };
          break;
        }
        case 'ALLOC_SMALL':
        case 'ALLOC_LARGE':
          cur = { base: cur.base, off: cur.off + c.size! };
          break;
        case 'SET_FPREG':
          if (info.frameRegister) cur = { base: `$${X64_REGISTER_NAMES[info.frameRegister]}`, off: -info.frameOffset };
          break;
        case 'SAVE_NONVOL':
        case 'SAVE_NONVOL_FAR': {
          const r = `$${X64_REGISTER_NAMES[c.register!]}`;
          if (!saved.has(r)) saved.set(r, { base: frameBase.base, off: frameBase.off + c.offset! });
          break;
        }
        case 'PUSH_MACHFRAME': {
          const e = c.errorCode ? 8 : 0;
          mach = { rip: { base: cur.base, off: cur.off + e }, rsp: { base: cur.base, off: cur.off + e + 24 } };
          cur = { base: cur.base, off: cur.off + e + 40 };
          break;
        }
        default:
          break;
      }
    }
  }
  const cfaOff = mach ? cur.off : cur.off + 8;
  // A slot above the CFA (a register saved into the caller's home area) reads ".cfa 16 + ^".
  const rel = (l: Loc): string => {
    if (l.base !== cur.base) return `${l.base} ${l.off} + ^`;
    const d = cfaOff - l.off;
    return d >= 0 ? `.cfa ${d} - ^` : `.cfa ${-d} + ^`;
  };
  const registers: Record<string, string> = {};
  for (const [r, l] of saved) registers[r] = rel(l);
  if (mach) registers.$rsp = rel(mach.rsp);
  return { cfa: `${cur.base} ${cfaOff} +`, ra: mach ? rel(mach.rip) : '.cfa 8 - ^', registers };
}

// ------------------------------------------------------------------------------------------------
// Unwinding one frame

class Frame {
  readonly regs = new Map<string, bigint>();
  constructor(
    public rsp: bigint,
    private readonly readMemory: ReadMemory,
  ) {}
  async read64(address: bigint): Promise<bigint | undefined> {
    const b = await this.readMemory(address & MASK64, 8);
    if (!b || b.length < 8) return undefined;
    return dv(b).getBigUint64(0, true);
  }
  get(reg: number): bigint | undefined {
    if (reg === 4) return this.rsp;
    return this.regs.get(X64_REGISTER_NAMES[reg]!);
  }
  /** Restore register `reg` from memory at `address`; an unreadable slot makes the register unknown. */
  async restore(reg: number, address: bigint): Promise<void> {
    const v = await this.read64(address);
    if (reg === 4) {
      if (v !== undefined) this.rsp = v;
      return;
    }
    const name = X64_REGISTER_NAMES[reg]!;
    if (v === undefined) this.regs.delete(name);
    else this.regs.set(name, v);
  }
}

function stackMissing(address: bigint): UnwindProblem {
  return problem('UnwindDataMissing', `stack memory at ${hex(address & MASK64)} is not in the dump`);
}

/** Finish a frame: pop the return address unless a machine frame already set RIP. */
async function finish(f: Frame, rip: bigint | undefined): Promise<UnwindStep | UnwindProblem> {
  let newRip = rip;
  if (newRip === undefined) {
    newRip = await f.read64(f.rsp);
    if (newRip === undefined) return stackMissing(f.rsp);
    f.rsp = (f.rsp + 8n) & MASK64;
  }
  const registers: RegisterSet = new Map(f.regs);
  registers.set('rip', newRip);
  registers.set('rsp', f.rsp);
  return { registers, cfa: f.rsp };
}

function startFrame(registers: RegisterSet, readMemory: ReadMemory, rsp: bigint): Frame {
  const f = new Frame(rsp, readMemory);
  for (const r of X64_NONVOLATILE) {
    const v = registers.get(r);
    if (v !== undefined) f.regs.set(r, v);
  }
  return f;
}

type EpilogInsn =
  | { kind: 'add'; imm: bigint }
  | { kind: 'lea'; base: number; disp: bigint }
  | { kind: 'pop'; reg: number }
  | { kind: 'ret'; imm: bigint }
  | { kind: 'jmp'; target?: number };

/**
 * Decode `code` (bytes at RIP) as an epilog in Microsoft's shape: optionally `add rsp, imm`
 * (48 83 C4 ib / 48 81 C4 id) or `lea rsp, [FP + disp]` (REX.W 8D, disp8/disp32, base = the frame
 * register), then `pop r64`s, then `ret`, `ret imm16`, `rep ret`, or a tail jump (`jmp rel`,
 * `jmp [rip+disp]`, REX.W `jmp reg`). Undefined when the bytes are not an epilog.
 */
export function decodeEpilogX64(code: Uint8Array, rva: number, frameRegister: number): EpilogInsn[] | undefined {
  const out: EpilogInsn[] = [];
  let p = 0;
  const at = (i: number): number | undefined => code[i];
  const s8 = (i: number): bigint => BigInt((code[i]! << 24) >> 24);
  const s32 = (i: number): bigint => BigInt(dv(code).getInt32(i, true));
  const b0 = at(0);
  if (b0 === undefined) return undefined;
  if ((b0 & 0xf8) === 0x48) {
    const b1 = at(1);
    const b2 = at(2);
    if (b0 === 0x48 && b1 === 0x83 && b2 === 0xc4 && code.length >= 4) {
      out.push({ kind: 'add', imm: s8(3) });
      p = 4;
    } else if (b0 === 0x48 && b1 === 0x81 && b2 === 0xc4 && code.length >= 7) {
      out.push({ kind: 'add', imm: s32(3) });
      p = 7;
    } else if (b1 === 0x8d && b2 !== undefined) {
      // REX.R and REX.X must be clear; the destination is rsp; no SIB; disp8 or disp32.
      if (b0 & 0x06) return undefined;
      if (((b2 >> 3) & 7) !== 4 || (b2 & 7) === 4) return undefined;
      const base = (b2 & 7) + (b0 & 1 ? 8 : 0);
      if (frameRegister === 0 || base !== frameRegister) return undefined;
      const mod = b2 >> 6;
      if (mod === 1 && code.length >= 4) {
        out.push({ kind: 'lea', base, disp: s8(3) });
        p = 4;
      } else if (mod === 2 && code.length >= 7) {
        out.push({ kind: 'lea', base, disp: s32(3) });
        p = 7;
      } else return undefined;
    }
  }
  for (let pops = 0; ; pops++) {
    let b = at(p);
    if (b === undefined) return undefined;
    let rexB = 0;
    let rexW = false;
    let q = p;
    if ((b & 0xf0) === 0x40) {
      rexB = b & 1;
      rexW = (b & 8) !== 0;
      q = p + 1;
      b = at(q);
      if (b === undefined) return undefined;
    }
    if (b >= 0x58 && b <= 0x5f) {
      if (pops >= X64_UNWIND_LIMITS.maxEpilogPops) return undefined;
      out.push({ kind: 'pop', reg: (b - 0x58) + rexB * 8 });
      p = q + 1;
      continue;
    }
    if (q !== p && !(b === 0xff)) return undefined; // a REX prefix on anything but pop / jmp reg
    switch (b) {
      case 0xc3:
        out.push({ kind: 'ret', imm: 0n });
        return out;
      case 0xc2:
        if (code.length < q + 3) return undefined;
        out.push({ kind: 'ret', imm: BigInt(dv(code).getUint16(q + 1, true)) });
        return out;
      case 0xf3:
        if (at(q + 1) !== 0xc3) return undefined;
        out.push({ kind: 'ret', imm: 0n });
        return out;
      case 0xe9:
        if (code.length < q + 5) return undefined;
        out.push({ kind: 'jmp', target: rva + q + 5 + Number(s32(q + 1)) });
        return out;
      case 0xeb:
        if (code.length < q + 2) return undefined;
        out.push({ kind: 'jmp', target: rva + q + 2 + Number(s8(q + 1)) });
        return out;
      case 0xff: {
        const m = at(q + 1);
        if (m === undefined) return undefined;
        // jmp [rip+disp32] (optionally REX.W), or REX.W jmp reg
        if (m === 0x25 && (q === p || rexW)) {
          out.push({ kind: 'jmp' });
          return out;
        }
        if (q !== p && rexW && (m & 0xf8) === 0xe0) {
          out.push({ kind: 'jmp' });
          return out;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }
}

/** The primary (root) entry of `entry`'s chain: the last chained RUNTIME_FUNCTION. */
async function primaryOf(image: PeImage, entry: RuntimeFunctionX64): Promise<RuntimeFunctionX64 | undefined> {
  let cur = entry;
  const seen = new Set<number>();
  for (let depth = 0; depth < X64_UNWIND_LIMITS.maxChainDepth; depth++) {
    if (seen.has(cur.unwindData)) return undefined;
    seen.add(cur.unwindData);
    const info = await readUnwindInfoX64(image, (cur.unwindData & ~1) >>> 0);
    if (!info || isProblem(info) || !info.chained) return cur;
    cur = info.chained;
  }
  return undefined;
}

/** Is a jump from `entry`'s function to `target` a tail call (leaving the function)? Microsoft's RtlpSameFunction test. */
async function jumpLeavesFunction(image: PeImage, entry: RuntimeFunctionX64, primaryInfo: UnwindInfoX64, target: number): Promise<boolean> {
  if (target >= entry.beginAddress && target < entry.endAddress) {
    // Back to our own start (and not a fragment): a recursive tail call.
    return target === entry.beginAddress && !(primaryInfo.flags & UnwindFlagX64.CHAININFO);
  }
  const other = await findRuntimeFunctionX64(image, target);
  if (other.kind !== 'found') return true;
  const a = await primaryOf(image, entry);
  const b = await primaryOf(image, other.entry);
  if (!a || !b || a.beginAddress !== b.beginAddress) return true;
  // Same function: only a jump to the function's very start is a (recursive) call.
  return target === b.beginAddress;
}

async function emulateEpilog(f: Frame, insns: EpilogInsn[]): Promise<UnwindStep | UnwindProblem> {
  for (const ins of insns) {
    switch (ins.kind) {
      case 'add':
        f.rsp = (f.rsp + ins.imm) & MASK64;
        break;
      case 'lea': {
        const base = f.get(ins.base);
        if (base === undefined) return problem('UnwindDataMissing', `epilog: ${X64_REGISTER_NAMES[ins.base]} is unknown`);
        f.rsp = (base + ins.disp) & MASK64;
        break;
      }
      case 'pop':
        await f.restore(ins.reg, f.rsp);
        if (ins.reg !== 4) f.rsp = (f.rsp + 8n) & MASK64;
        break;
      case 'ret':
      case 'jmp': {
        const rip = await f.read64(f.rsp);
        if (rip === undefined) return stackMissing(f.rsp);
        f.rsp = (f.rsp + 8n + (ins.kind === 'ret' ? ins.imm : 0n)) & MASK64;
        return finish(f, rip);
      }
    }
  }
  return problem('BadUnwindData', 'epilog without a return');
}

/**
 * Undo the prolog (Microsoft's RtlpUnwindPrologue): codes in array order; codes of the first
 * UNWIND_INFO whose CodeOffset lies beyond the current prolog offset are skipped; chained infos
 * apply in full. SAVE_* offsets are relative to the establisher frame computed once, before any
 * code (RSP, or FrameRegister − 16 × FrameOffset once the frame register is set), and SET_FPREG
 * sets RSP when it is reached in order.
 *
 * The spec (§4.2) instead sets RSP from the frame register up front and skips SET_FPREG. That is
 * the same for the usual `sub rsp; lea rbp, [rsp+x]` order but counts an allocation twice when
 * the prolog allocates after setting the frame pointer (`push rbp; mov rbp, rsp; sub rsp, n`):
 * the synthetic test "SET_FPREG before ALLOC" pins the difference.
 */
async function unwindBody(f: Frame, chain: UnwindInfoX64[], off: number): Promise<UnwindStep | UnwindProblem> {
  const primary = chain[0]!;
  const inProlog = off < primary.sizeOfProlog;
  let frameBase = f.rsp;
  if (primary.frameRegister !== 0) {
    const setFp = primary.codes.find((c) => c.op === 'SET_FPREG');
    const established = !inProlog || (primary.flags & UnwindFlagX64.CHAININFO) !== 0 || (setFp !== undefined && setFp.codeOffset <= off);
    if (established) {
      const fp = f.get(primary.frameRegister);
      if (fp === undefined) return problem('UnwindDataMissing', `frame register ${X64_REGISTER_NAMES[primary.frameRegister]} is unknown`);
      frameBase = (fp - BigInt(primary.frameOffset)) & MASK64;
    }
  }
  let machineRip: bigint | undefined;
  for (let k = 0; k < chain.length; k++) {
    const info = chain[k]!;
    for (const c of info.codes) {
      if (k === 0 && inProlog && c.codeOffset > off) continue;
      switch (c.op) {
        case 'PUSH_NONVOL':
          await f.restore(c.register!, f.rsp);
          f.rsp = (f.rsp + 8n) & MASK64;
          break;
        case 'ALLOC_SMALL':
        case 'ALLOC_LARGE':
          f.rsp = (f.rsp + BigInt(c.size!)) & MASK64;
          break;
        case 'SET_FPREG': {
          if (info.frameRegister === 0) return problem('BadUnwindData', `UNWIND_INFO at ${hex(info.rva)}: SET_FPREG without a frame register`);
          const fp = f.get(info.frameRegister);
          if (fp === undefined) return problem('UnwindDataMissing', `frame register ${X64_REGISTER_NAMES[info.frameRegister]} is unknown`);
          f.rsp = (fp - BigInt(info.frameOffset)) & MASK64;
          break;
        }
        case 'SAVE_NONVOL':
        case 'SAVE_NONVOL_FAR':
          await f.restore(c.register!, frameBase + BigInt(c.offset!));
          break;
        case 'PUSH_MACHFRAME': {
          const e = c.errorCode ? 8n : 0n;
          const rip = await f.read64(f.rsp + e);
          const rsp = await f.read64(f.rsp + e + 24n);
          if (rip === undefined) return stackMissing(f.rsp + e);
          if (rsp === undefined) return stackMissing(f.rsp + e + 24n);
          machineRip = rip;
          f.rsp = rsp;
          break;
        }
        // SAVE_XMM128(_FAR): XMM registers are not tracked. EPILOG, SPARE_CODE: no prolog effect.
        default:
          break;
      }
    }
  }
  return finish(f, machineRip);
}

export interface UnwindOptions {
  /**
   * The instruction pointer is a return address (every frame but the innermost): the entry is
   * looked up at ip − 1, so a call that ends a function (a call to a no-return function) finds
   * that function and not the next one.
   */
  callerFrame?: boolean;
}

/**
 * Unwind one x64 frame of code in `image`: the caller's rip, rsp and non-volatile registers
 * (rbx rbp rsi rdi r12-r15: carried over, or restored by the unwind codes; a register whose save
 * slot is not in the dump is left out), and cfa = the caller's rsp (just above the return
 * address). A function without a RUNTIME_FUNCTION is a leaf: rip = [rsp], rsp += 8.
 *
 * Undefined when no unwind data is available for the address (not in the image, .pdata or .xdata
 * not present); an UnwindProblem when the data is present but unusable (bad op, chain loop, stack
 * memory missing). Never throws for bad data.
 */
export async function unwindX64Frame(image: PeImage, registers: RegisterSet, readMemory: ReadMemory, options: UnwindOptions = {}): Promise<UnwindStep | UnwindProblem | undefined> {
  try {
    return await unwindX64FrameUnchecked(image, registers, readMemory, options);
  } catch (e) {
    // A dump-level read error (truncated file under the memory reader) is recorded, not thrown.
    if (isDumpError(e)) return problem('UnwindDataMissing', e.message);
    throw e;
  }
}

async function unwindX64FrameUnchecked(image: PeImage, registers: RegisterSet, readMemory: ReadMemory, options: UnwindOptions): Promise<UnwindStep | UnwindProblem | undefined> {
  if (image.machine !== PeMachine.AMD64) return problem('BadUnwindData', `image machine ${hex(image.machine)} is not x64`);
  const rip = registers.get('rip');
  const rsp = registers.get('rsp');
  if (rip === undefined || rsp === undefined) return problem('UnwindDataMissing', 'rip or rsp is unknown');
  const rva = image.rvaOf(rip);
  if (rva === undefined) return undefined;
  const look = await findRuntimeFunctionX64(image, options.callerFrame && rva > 0 ? rva - 1 : rva);
  if (look.kind === 'unavailable') return undefined;
  if (look.kind === 'problem') return look.problem;
  const f = startFrame(registers, readMemory, rsp);
  if (look.kind === 'none') return finish(f, undefined);

  const entry = look.entry;
  const chain = await readUnwindChainX64(image, entry);
  if (!chain) return undefined;
  if (isProblem(chain)) return chain;
  const primary = chain[0]!;
  // Through an indirection the entry describes another range: its prolog is complete.
  const inRange = rva >= entry.beginAddress && rva < entry.endAddress;
  const off = inRange ? rva - entry.beginAddress : Number.POSITIVE_INFINITY;

  // Epilog check: only outside the prolog (or in a chained fragment), and only when the bytes
  // at RIP are readable (from the image, or from the dump's memory window around RIP).
  if (inRange && (off >= primary.sizeOfProlog || (primary.flags & UnwindFlagX64.CHAININFO))) {
    const limit = Math.min(X64_UNWIND_LIMITS.epilogScanBytes, entry.endAddress - rva);
    const code = (await image.readRva(rva, limit)) ?? (await readCodeWindow(readMemory, rip, limit));
    if (code) {
      const insns = decodeEpilogX64(code, rva, primary.frameRegister);
      if (insns) {
        const last = insns[insns.length - 1]!;
        const isEpilog = last.kind !== 'jmp' || last.target === undefined || (await jumpLeavesFunction(image, entry, primary, last.target));
        if (isEpilog) return emulateEpilog(f, insns);
      }
    }
  }
  return unwindBody(f, chain, off);
}

/** Code bytes at `address` from the dump, shrinking to the page end when the full window is absent. */
async function readCodeWindow(readMemory: ReadMemory, address: bigint, limit: number): Promise<Uint8Array | undefined> {
  const full = await readMemory(address, limit);
  if (full) return full;
  const toPage = 0x1000 - Number(address & 0xfffn);
  if (toPage < limit) return readMemory(address, toPage);
  return undefined;
}
