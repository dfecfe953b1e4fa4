// STATUS_STOWED_EXCEPTION (0xC000027B): the fail-fast a WinRT/UWP app raises through
// RoFailFastWithErrorContext / RoReportUnhandledError. The exception record carries
//   ExceptionInformation[0]  address of an array of pointers to STOWED_EXCEPTION_INFORMATION_V1/V2
//   ExceptionInformation[1]  number of pointers in that array
// and each structure names the original HRESULT and either the stack of the code that stowed it
// (a "binary" / stack-trace form) or an error text.
//
// Layout (Microsoft docs "STOWED_EXCEPTION_INFORMATION_V2 structure" and "..._HEADER structure";
// the SDK ships no header for them). Offsets for 32-bit | 64-bit targets:
//   0x00 | 0x00  Header.Size        u32  size of the whole structure
//   0x04 | 0x04  Header.Signature   u32  'SE01' = 0x53453031 (V1), 'SE02' = 0x53453032 (V2): an MSVC
//                                         multi-character constant, so the bytes in memory are "10ES"
//   0x08 | 0x08  ResultCode         u32  HRESULT
//   0x0C | 0x0C  ExceptionForm:2 ThreadId:30   form 1 = stack trace, 2 = error text; the thread id is
//                                         stored shifted right by 2 (real id = dword & ~3)
//   union, stack form:
//   0x10 | 0x10  ExceptionAddress   ptr
//   0x14 | 0x18  StackTraceWordSize u32  bytes per word (the pointer size)
//   0x18 | 0x1C  StackTraceWords    u32  number of return addresses
//   0x1C | 0x20  StackTrace         ptr  array of return addresses
//   union, text form:
//   0x10 | 0x10  ErrorText          ptr  NUL-terminated UTF-16
//   V2 only:
//   0x20 | 0x28  NestedExceptionType u32 STOWED_EXCEPTION_NESTED_TYPE('W32E') byte-swaps the MSVC
//                                         constant, so the memory bytes read "W32E", "STOW",
//                                         "CLR1", "LEO1", "LMAX"
//   0x24 | 0x30  NestedException    ptr  (64-bit: 4 bytes of padding at 0x2C before it)
//   size  V1 0x20 | 0x28, V2 0x28 | 0x38
//
// Everything here comes from target memory and is hostile: the count is capped, every pointer may
// be absent from the dump (a warning, never a throw), sizes are checked, and every read is bounded.

import type { DumpFacts, MemoryReader } from './facts/types.js';
import { readListLines, type ListFile } from './knowledge.js';
import { readPointer } from './modules.js';
import { decodeUtf16 } from '../reader/text.js';
import { hex } from '../util/hex.js';

export const STATUS_STOWED_EXCEPTION = 0xc000027b;

/** Signatures as the u32 the structure holds ('SE01' / 'SE02' as MSVC multi-character constants). */
export const STOWED_EXCEPTION_INFORMATION_V1_SIGNATURE = 0x53453031;
export const STOWED_EXCEPTION_INFORMATION_V2_SIGNATURE = 0x53453032;

/** Structures decoded from one exception's pointer array (WER itself stows a handful). */
export const MAX_STOWED_EXCEPTIONS = 64;
/** Return addresses kept per stowed stack (RoOriginateError captures at most 64 today). */
export const MAX_STOWED_STACK_WORDS = 256;
/** UTF-16 code units read for an error text. */
export const MAX_ERROR_TEXT_CHARS = 2048;
/** Nested 'STOW' exceptions followed from one structure. */
export const MAX_NESTED_DEPTH = 4;

export interface StowedException {
  /** Address of the STOWED_EXCEPTION_INFORMATION structure. */
  address: bigint;
  version: 1 | 2;
  /** Header.Size as written. */
  size: number;
  /** The HRESULT (unsigned 32-bit). */
  resultCode: number;
  /** Name from lists/hresults.tsv, or HRESULT_FROM_WIN32(n) for other 0x8007xxxx codes. */
  resultName?: string;
  form: 'stack' | 'text' | 'unknown';
  /** Thread that stowed the exception (the stored 30-bit field shifted back left by 2). */
  threadId: number;
  /** Stack form: ExceptionAddress. */
  exceptionAddress?: bigint;
  /** Stack form: the StackTrace pointer and StackTraceWords as written. */
  stackTraceAddress?: bigint;
  stackTraceWords?: number;
  /** Return addresses read from StackTrace (at most MAX_STOWED_STACK_WORDS; empty when absent). */
  stack: bigint[];
  /** Text form: the error text. */
  errorText?: string;
  /** V2: NestedExceptionType as its four ASCII characters ('W32E', 'STOW', 'CLR1', 'LEO1', 'LMAX'), or hex. */
  nestedType?: string;
  nestedAddress?: bigint;
  /** V2 with nestedType 'STOW': the nested stowed exception, decoded the same way. */
  nested?: StowedException;
}

export interface StowedExceptionsResult {
  exceptions: StowedException[];
  warnings: string[];
}

interface Layout {
  exceptionAddress: number;
  wordSize: number;
  words: number;
  stackTrace: number;
  errorText: number;
  nestedType: number;
  nested: number;
  v1Size: number;
  v2Size: number;
}

const LAYOUT: Record<4 | 8, Layout> = {
  4: { exceptionAddress: 0x10, wordSize: 0x14, words: 0x18, stackTrace: 0x1c, errorText: 0x10, nestedType: 0x20, nested: 0x24, v1Size: 0x20, v2Size: 0x28 },
  8: { exceptionAddress: 0x10, wordSize: 0x18, words: 0x1c, stackTrace: 0x20, errorText: 0x10, nestedType: 0x28, nested: 0x30, v1Size: 0x28, v2Size: 0x38 },
};

// ---- HRESULT names ------------------------------------------------------------------------

// 'hresults.tsv' is read through knowledge.ts like every list; the cast stands until LIST_FILES
// (knowledge.ts) names the file.
const HRESULTS_FILE = 'hresults.tsv' as string as ListFile;
let hresults: Map<number, { name: string; description: string }> | undefined;

function hresultTable(): Map<number, { name: string; description: string }> {
  if (hresults) return hresults;
  const table = new Map<number, { name: string; description: string }>();
  for (const line of readListLines(HRESULTS_FILE)) {
    const [code, name, description] = line.split('\t');
    const value = Number.parseInt((code ?? '').replace(/^0x/i, ''), 16);
    if (!Number.isFinite(value) || !name) continue;
    table.set(value >>> 0, { name, description: description ?? '' });
  }
  hresults = table;
  return table;
}

/** Name of an HRESULT: the list's name, `HRESULT_FROM_WIN32(n)` for other 0x8007xxxx, else undefined. */
export function hresultName(code: number): string | undefined {
  const c = code >>> 0;
  const known = hresultTable().get(c);
  if (known) return known.name;
  if ((c & 0xffff0000) >>> 0 === 0x80070000) return `HRESULT_FROM_WIN32(${c & 0xffff})`;
  return undefined;
}

/** The list's one-line meaning of an HRESULT, when it has one. */
export function hresultDescription(code: number): string | undefined {
  return hresultTable().get(code >>> 0)?.description;
}

// ---- decoding -----------------------------------------------------------------------------

class Reader {
  readonly warnings: string[] = [];
  constructor(
    private readonly memory: MemoryReader,
    readonly pointerSize: 4 | 8,
  ) {}

  warn(message: string): void {
    this.warnings.push(message);
  }

  /** Pointers are masked to the target's width (32-bit dumps store them zero- or sign-extended). */
  pointer(value: bigint): bigint {
    return this.pointerSize === 4 ? value & 0xffffffffn : BigInt.asUintN(64, value);
  }

  /** All `length` bytes, undefined when any is absent; a read that throws becomes a warning. */
  async read(address: bigint, length: number, what: string): Promise<Uint8Array | undefined> {
    try {
      return await this.memory.read(address, length);
    } catch (e) {
      this.warn(`${what} at ${hex(address)}: memory read of ${length} bytes failed: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** The present prefix of [address, address+length); a read that throws becomes a warning. */
  async readPrefix(address: bigint, length: number, what: string): Promise<Uint8Array> {
    try {
      return await this.memory.readPrefix(address, length);
    } catch (e) {
      this.warn(`${what} at ${hex(address)}: memory read of ${length} bytes failed: ${(e as Error).message}`);
      return new Uint8Array(0);
    }
  }
}

function u32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
}

/** Four bytes as text when all are printable ASCII ("STOW"), else hex of the u32. */
function fourCc(bytes: Uint8Array, offset: number): string {
  const b = bytes.subarray(offset, offset + 4);
  if (b.length === 4 && b.every((c) => c >= 0x20 && c < 0x7f)) return String.fromCharCode(...b);
  return hex(u32(bytes, offset));
}

function pointerWords(bytes: Uint8Array, wordSize: 4 | 8, count: number): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const v = readPointer(bytes, i * wordSize, wordSize);
    if (v === undefined) break;
    out.push(v);
  }
  return out;
}

async function decodeOne(r: Reader, address: bigint, where: string, depth: number, seen: Set<bigint>): Promise<StowedException | undefined> {
  if (address === 0n) {
    r.warn(`${where}: null pointer`);
    return undefined;
  }
  if (seen.has(address)) {
    r.warn(`${where}: ${hex(address)} was already decoded (a loop in the nested chain?)`);
    return undefined;
  }
  seen.add(address);
  const L = LAYOUT[r.pointerSize];
  const bytes = await r.readPrefix(address, L.v2Size, where);
  if (bytes.length < 8) {
    r.warn(`${where}: the STOWED_EXCEPTION_INFORMATION at ${hex(address)} is not in the dump`);
    return undefined;
  }
  const size = u32(bytes, 0);
  const signature = u32(bytes, 4);
  let version: 1 | 2;
  if (signature === STOWED_EXCEPTION_INFORMATION_V1_SIGNATURE) version = 1;
  else if (signature === STOWED_EXCEPTION_INFORMATION_V2_SIGNATURE) version = 2;
  else {
    r.warn(`${where}: ${hex(address)} has signature ${hex(signature)} ("${fourCc(bytes, 4)}" in memory), not 'SE01' or 'SE02'`);
    return undefined;
  }
  const need = version === 1 ? L.v1Size : L.v2Size;
  const label = `STOWED_EXCEPTION_INFORMATION_V${version} at ${hex(address)}`;
  if (size < need) {
    r.warn(`${where}: ${label} has Size ${hex(size)}, smaller than the ${hex(need)} bytes a ${r.pointerSize * 8}-bit V${version} needs`);
    return undefined;
  }
  if (size !== need) r.warn(`${where}: ${label} has Size ${hex(size)}, expected ${hex(need)} (decoded with the V${version} layout)`);
  if (bytes.length < need) {
    r.warn(`${where}: ${label} is cut short in the dump (${bytes.length} of ${need} bytes present)`);
    return undefined;
  }

  const resultCode = u32(bytes, 0x08);
  const formWord = u32(bytes, 0x0c);
  const formBits = formWord & 3;
  const out: StowedException = {
    address,
    version,
    size,
    resultCode,
    form: formBits === 1 ? 'stack' : formBits === 2 ? 'text' : 'unknown',
    threadId: (formWord & ~3) >>> 0,
    stack: [],
  };
  const name = hresultName(resultCode);
  if (name) out.resultName = name;

  if (out.form === 'stack') {
    out.exceptionAddress = readPointer(bytes, L.exceptionAddress, r.pointerSize)!;
    const wordSize = u32(bytes, L.wordSize);
    const words = u32(bytes, L.words);
    const stackAddress = readPointer(bytes, L.stackTrace, r.pointerSize)!;
    out.stackTraceAddress = stackAddress;
    out.stackTraceWords = words;
    if (wordSize !== 4 && wordSize !== 8) {
      r.warn(`${label}: StackTraceWordSize ${wordSize} is neither 4 nor 8: stack not read`);
    } else if (words > 0) {
      if (wordSize !== r.pointerSize) r.warn(`${label}: StackTraceWordSize ${wordSize} differs from the dump's pointer size ${r.pointerSize}`);
      const take = Math.min(words, MAX_STOWED_STACK_WORDS);
      if (words > take) r.warn(`${label}: StackTraceWords ${words} is over the ${MAX_STOWED_STACK_WORDS}-word limit: the first ${take} are read`);
      if (stackAddress === 0n) r.warn(`${label}: StackTrace is a null pointer with ${words} words`);
      else {
        const length = take * wordSize;
        const got = await r.readPrefix(stackAddress, length, `${label} StackTrace`);
        out.stack = pointerWords(got, wordSize, Math.floor(got.length / wordSize));
        if (got.length < length) {
          r.warn(
            got.length === 0
              ? `${label}: its stack trace (${take} words at ${hex(stackAddress)}) is not in the dump`
              : `${label}: its stack trace at ${hex(stackAddress)} is cut short in the dump (${out.stack.length} of ${take} words present)`,
          );
        }
      }
    }
  } else if (out.form === 'text') {
    const textAddress = readPointer(bytes, L.errorText, r.pointerSize)!;
    if (textAddress === 0n) r.warn(`${label}: ErrorText is a null pointer`);
    else {
      const got = await r.readPrefix(textAddress, MAX_ERROR_TEXT_CHARS * 2, `${label} ErrorText`);
      if (got.length < 2) r.warn(`${label}: its error text at ${hex(textAddress)} is not in the dump`);
      else out.errorText = decodeUtf16(got);
    }
  } else {
    r.warn(`${label}: ExceptionForm ${formBits} is neither 1 (stack trace) nor 2 (error text)`);
  }

  if (version === 2) {
    const nestedType = u32(bytes, L.nestedType);
    if (nestedType !== 0) {
      out.nestedType = fourCc(bytes, L.nestedType);
      out.nestedAddress = readPointer(bytes, L.nested, r.pointerSize)!;
      if (out.nestedType === 'STOW' && out.nestedAddress !== 0n) {
        if (depth >= MAX_NESTED_DEPTH) r.warn(`${label}: nested stowed exceptions deeper than ${MAX_NESTED_DEPTH} are not followed`);
        else {
          const nested = await decodeOne(r, out.nestedAddress, `${label} NestedException`, depth + 1, seen);
          if (nested) out.nested = nested;
        }
      }
    }
  }
  return out;
}

/**
 * Decode the stowed exceptions of a 0xC000027B exception. Dumps with another exception (or none)
 * give an empty result without warnings. Never throws for what the dump holds: anything missing
 * or malformed becomes a warning and the structures that could be read are returned.
 */
export async function decodeStowedExceptions(facts: DumpFacts): Promise<StowedExceptionsResult> {
  const e = facts.exception;
  if (!e || e.code >>> 0 !== STATUS_STOWED_EXCEPTION) return { exceptions: [], warnings: [] };
  const r = new Reader(facts.memory, facts.pointerSize);
  const exceptions: StowedException[] = [];
  if (e.parameters.length < 2) {
    r.warn(`STATUS_STOWED_EXCEPTION has ${e.parameters.length} parameters; 2 are needed (array address, count)`);
    return { exceptions, warnings: r.warnings };
  }
  const arrayAddress = r.pointer(e.parameters[0]!);
  const declared = r.pointer(e.parameters[1]!);
  if (declared === 0n) {
    r.warn('STATUS_STOWED_EXCEPTION: ExceptionInformation[1] (count) is 0');
    return { exceptions, warnings: r.warnings };
  }
  if (arrayAddress === 0n) {
    r.warn('STATUS_STOWED_EXCEPTION: ExceptionInformation[0] (array address) is a null pointer');
    return { exceptions, warnings: r.warnings };
  }
  let count = Number(declared > BigInt(MAX_STOWED_EXCEPTIONS) ? BigInt(MAX_STOWED_EXCEPTIONS) : declared);
  if (declared > BigInt(count)) r.warn(`STATUS_STOWED_EXCEPTION: count ${declared} is over the ${MAX_STOWED_EXCEPTIONS} limit: the first ${count} are read`);

  const arrayBytes = await r.readPrefix(arrayAddress, count * r.pointerSize, 'stowed exception pointer array');
  const present = Math.floor(arrayBytes.length / r.pointerSize);
  if (present < count) {
    r.warn(
      present === 0
        ? `STATUS_STOWED_EXCEPTION: the array of ${count} pointers at ${hex(arrayAddress)} is not in the dump`
        : `STATUS_STOWED_EXCEPTION: the array of ${count} pointers at ${hex(arrayAddress)} is cut short in the dump (${present} present)`,
    );
    count = present;
  }
  const pointers = pointerWords(arrayBytes, r.pointerSize, count);
  const seen = new Set<bigint>();
  for (let i = 0; i < pointers.length; i++) {
    const one = await decodeOne(r, pointers[i]!, `stowed exception [${i}]`, 0, seen);
    if (one) exceptions.push(one);
  }
  return { exceptions, warnings: r.warnings };
}
