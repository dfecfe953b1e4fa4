// The last resort of every architecture: scan the stack for a word that looks like a return
// address. Breakpad's rule (StackWalker::ScanForReturnAddress): words from `start` up, 40 of them
// (160 right after the context frame); a word counts when `word - 1` lies in a loaded module and,
// where that module has a symbol file, resolves to a function. Ours adds two checks where the dump
// can answer them (breakpad has neither): the address must lie in an executable section when the
// module's section table is known, and the bytes before it must decode as a call when the code is
// in the dump.

import type { ModuleRef, ModuleUnwinder } from './frame.js';
import type { StackMemory } from './stack-memory.js';

export const SCAN_WORDS = 40;
export const SCAN_WORDS_AFTER_CONTEXT = SCAN_WORDS * 4;

export interface ScanEnv {
  pointerSize: 4 | 8;
  arch: 'x86' | 'x64' | 'arm64';
  stack: StackMemory;
  findModule(address: bigint): ModuleRef | undefined;
  unwinder(ref: ModuleRef): Promise<ModuleUnwinder | undefined>;
  /** The module's unwinder when already known: null when it has none, undefined when not yet looked up. */
  unwinderNow(ref: ModuleRef): ModuleUnwinder | null | undefined;
  /** Where modules lie, as plain numbers: the high and low 32 bits of the lowest and highest
   * module addresses, so that most stack words are turned away before a BigInt is made. */
  span: ModuleSpan;
}

export interface ModuleSpan {
  lowHi: number;
  highHi: number;
  lowLo: number;
  highLo: number;
}

/**
 * Whether the stack word at `o` may be a return address into [lowest, highest) (`word - 1` in
 * it), judged on plain numbers: most stack words are data, turned away before a BigInt is made.
 */
export function mayReturnInto(dv: DataView, o: number, pointerSize: 4 | 8, span: ModuleSpan): boolean {
  if (pointerSize === 8) {
    const hi = dv.getUint32(o + 4, true);
    return hi >= span.lowHi && hi <= span.highHi;
  }
  const v = dv.getUint32(o, true);
  return v > span.lowLo && v - 1 <= span.highLo;
}

/** The span of [lowest, highest) as 32-bit halves (highest is exclusive: its last byte is highest - 1). */
export function moduleSpan(lowest: bigint, highest: bigint): ModuleSpan {
  const last = highest > 0n ? highest - 1n : 0n;
  return { lowHi: Number(lowest >> 32n), highHi: Number(last >> 32n), lowLo: Number(lowest & 0xffffffffn), highLo: Number(last & 0xffffffffn) };
}

export interface ScanHit {
  /** Stack slot holding the return address. */
  location: bigint;
  /** The return address. */
  ip: bigint;
}

/** Length of an `FF /2` (call near, indirect) instruction from its ModRM and SIB bytes. */
function indirectCallLength(modrm: number, sib: number | undefined): number {
  const mod = modrm >> 6;
  const rm = modrm & 7;
  if (mod === 3) return 2;
  let len = 2;
  if (rm === 4) {
    len += 1;
    if (mod === 0 && sib !== undefined && (sib & 7) === 5) len += 4;
  } else if (mod === 0 && rm === 5) len += 4;
  if (mod === 1) len += 1;
  if (mod === 2) len += 4;
  return len;
}

/** Whether the `before` bytes (ending right at the return address) end with a call instruction. */
export function endsWithCall(before: Uint8Array, arch: 'x86' | 'x64' | 'arm64'): boolean {
  const n = before.length;
  if (arch === 'arm64') {
    if (n < 4) return false;
    const insn = (before[n - 4]! | (before[n - 3]! << 8) | (before[n - 2]! << 16) | (before[n - 1]! << 24)) >>> 0;
    if ((insn & 0xfc000000) >>> 0 === 0x94000000) return true; // BL
    if ((insn & 0xfffffc1f) >>> 0 === 0xd63f0000) return true; // BLR
    if ((insn & 0xfffff800) >>> 0 === 0xd63f0800) return true; // BLRAA/BLRAB/BLRAAZ/BLRABZ
    return false;
  }
  if (n >= 5 && before[n - 5] === 0xe8) return true;
  for (let len = 2; len <= 7 && len <= n; len++) {
    const at = n - len;
    if (before[at] !== 0xff) continue;
    const modrm = before[at + 1]!;
    if (((modrm >> 3) & 7) !== 2) continue;
    if (indirectCallLength(modrm, before[at + 2]) === len) return true;
  }
  return false;
}

/**
 * Whether `address` (a return address minus one: the call's last byte) is a plausible place to
 * return into. Undefined answers (no symbols, no section table, no code bytes) do not reject.
 */
export async function instructionSeemsValid(env: ScanEnv, returnAddress: bigint): Promise<boolean> {
  const ref = env.findModule(returnAddress - 1n);
  if (!ref) return false;
  const u = await env.unwinder(ref);
  if (!u) return true;
  const rva = Number(ref.offset);
  if (u.functionAt && !(await u.functionAt(rva))) return false;
  if (u.isExecutable && u.isExecutable(rva) === false) return false;
  if (u.codeBytes) {
    const want = env.arch === 'arm64' ? 4 : 7;
    const start = Number(ref.offset + 1n) - want;
    if (start >= 0) {
      const code = await u.codeBytes(start, want);
      if (code && !endsWithCall(code, env.arch)) return false;
    }
  }
  return true;
}

/** Breakpad's window for a caller's scan: 160 words right after the context frame, else 40. */
export function scanFromFrame(env: ScanEnv, start: bigint, afterContext: boolean): Promise<ScanHit | undefined> {
  return scanForReturnAddress(env, start, afterContext ? SCAN_WORDS_AFTER_CONTEXT : SCAN_WORDS);
}

/** Breakpad's scan: `words + 1` slots from `start` (inclusive bound, as breakpad loops). */
export async function scanForReturnAddress(env: ScanEnv, start: bigint, words: number): Promise<ScanHit | undefined> {
  const ps = env.pointerSize;
  // The whole window in one read; the scan stops where the readable stack does.
  const bytes = env.stack.prefixNow(start, (words + 1) * ps) ?? (await env.stack.prefix(start, (words + 1) * ps));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let o = 0; o + ps <= bytes.length; o += ps) {
    if (!mayReturnInto(dv, o, ps, env.span)) continue;
    const ip = ps === 8 ? dv.getBigUint64(o, true) : BigInt(dv.getUint32(o, true));
    // A cheap module test first; the full check may read symbols or code. A module known to
    // offer nothing (no symbols, no image) needs no await.
    const ref = env.findModule(ip - 1n);
    if (!ref) continue;
    if (env.unwinderNow(ref) === null || (await instructionSeemsValid(env, ip))) return { location: start + BigInt(o), ip };
  }
  return undefined;
}
