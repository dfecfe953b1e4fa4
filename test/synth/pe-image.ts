// A PE image as the loader maps it, for synthetic dumps whose module pages are in memory: DOS
// header, NT headers (PE32 or PE32+), the section table, and section bytes at base + rva. Plus
// encoders for what unwinders read from such an image: x64 RUNTIME_FUNCTION / UNWIND_INFO
// (.pdata / .xdata), ARM64 .pdata (packed or .xdata RVA) and .xdata records, and the call
// instructions placed before return addresses (x86/x64 `E8 rel32`, ARM64 `BL`).
//
// Layouts: ../shared/spec/pe-unwind.md §1 (headers), §4 (x64 unwind data); ARM64 records: the
// Microsoft "ARM64 exception handling" page (.pdata, .xdata header, unwind codes, packed form).
//
//   const img = buildPeImage({ machine: 'x64', base, sizeOfImage: 0x4000, sections: [
//     { name: '.text', rva: 0x1000, bytes: code, characteristics: SCN_TEXT },
//     { name: '.pdata', rva: 0x3000, bytes: pdata, characteristics: SCN_RDATA } ],
//     exception: { rva: 0x3000, size: pdata.length } });
//   for (const p of img.pages) dump.addMemory(p.address, p.bytes);

import { IMAGE_DOS_HEADER, IMAGE_NT_HEADERS_COMMON, IMAGE_OPTIONAL_HEADER32, IMAGE_OPTIONAL_HEADER64 } from '../../native-structs/pe/pe.js';
import { concat, encodeStruct } from './encode.js';
import { UnwindOpX64 } from '../../native-structs/constants/pe-unwind.js';

export type PeMachine = 'x86' | 'x64' | 'arm64';

/** IMAGE_SCN_* section characteristics. */
export const SCN_CNT_CODE = 0x20;
export const SCN_CNT_INITIALIZED_DATA = 0x40;
export const SCN_MEM_EXECUTE = 0x20000000;
export const SCN_MEM_READ = 0x40000000;
export const SCN_MEM_WRITE = 0x80000000;
/** .text: code, execute, read. */
export const SCN_TEXT = (SCN_CNT_CODE | SCN_MEM_EXECUTE | SCN_MEM_READ) >>> 0;
/** .rdata / .pdata / .xdata: initialized data, read. */
export const SCN_RDATA = (SCN_CNT_INITIALIZED_DATA | SCN_MEM_READ) >>> 0;

export interface PeSection {
  /** Up to 8 ASCII characters. */
  name: string;
  rva: number;
  bytes: Uint8Array;
  /** VirtualSize (default: bytes.length). The mapped pages hold `bytes`, zero-padded to this. */
  virtualSize?: number;
  characteristics: number;
  /** Leave this section's pages out of `pages` (as if paged out of the dump). */
  absent?: boolean;
}

export interface PeImageSpec {
  machine: PeMachine;
  base: bigint;
  /** SizeOfImage (default: end of the last section, page-aligned). */
  sizeOfImage?: number;
  timestamp?: number;
  sections: PeSection[];
  /** Data directory 3 (exception / .pdata). */
  exception?: { rva: number; size: number };
  /** Data directory 6 (debug directory: see debugDirectoryWithCodeView). */
  debug?: { rva: number; size: number };
  entryPoint?: number;
}

export interface PeImage {
  base: bigint;
  sizeOfImage: number;
  /** The header page (0x1000 bytes: headers, zero-padded). */
  headers: Uint8Array;
  /** Ranges to put in the dump's memory: the header page, then each section not marked absent. */
  pages: Array<{ address: bigint; bytes: Uint8Array }>;
}

const MACHINE: Record<PeMachine, number> = { x86: 0x14c, x64: 0x8664, arm64: 0xaa64 };
const E_LFANEW = 0x80;
const SECTION_HEADER_SIZE = 40;
const PAGE = 0x1000;

function sectionHeader(s: PeSection): Uint8Array {
  // IMAGE_SECTION_HEADER: Name[8] 0x00, VirtualSize 0x08, VirtualAddress 0x0C, SizeOfRawData 0x10,
  // PointerToRawData 0x14, relocations/line numbers 0x18..0x23 (zero), Characteristics 0x24.
  const b = new Uint8Array(SECTION_HEADER_SIZE);
  const dv = new DataView(b.buffer);
  const name = new TextEncoder().encode(s.name);
  if (name.length > 8) throw new Error(`section name ${s.name} is longer than 8 bytes`);
  b.set(name, 0);
  const vsize = s.virtualSize ?? s.bytes.length;
  dv.setUint32(0x08, vsize, true);
  dv.setUint32(0x0c, s.rva, true);
  dv.setUint32(0x10, alignUp(s.bytes.length, 0x200), true);
  dv.setUint32(0x14, s.rva, true); // file layout mirrors the mapping; irrelevant in memory
  dv.setUint32(0x24, s.characteristics >>> 0, true);
  return b;
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Build the mapped image: headers page + section pages. */
export function buildPeImage(spec: PeImageSpec): PeImage {
  const is64 = spec.machine !== 'x86';
  const optional = is64 ? IMAGE_OPTIONAL_HEADER64 : IMAGE_OPTIONAL_HEADER32;
  const lastEnd = spec.sections.reduce((m, s) => Math.max(m, s.rva + (s.virtualSize ?? s.bytes.length)), PAGE);
  const sizeOfImage = spec.sizeOfImage ?? alignUp(lastEnd, PAGE);
  const sizeOfHeaders = alignUp(E_LFANEW + IMAGE_NT_HEADERS_COMMON.size + optional.size + spec.sections.length * SECTION_HEADER_SIZE, 0x200);
  if (sizeOfHeaders > PAGE) throw new Error('too many sections for one header page');
  for (const s of spec.sections) {
    if (s.rva < PAGE || s.rva % PAGE !== 0) throw new Error(`section ${s.name}: rva ${s.rva.toString(16)} must be page-aligned and past the headers`);
  }

  const dataDirectory = Array.from({ length: 16 }, () => ({ virtualAddress: 0, size: 0 }));
  if (spec.exception) dataDirectory[3] = { virtualAddress: spec.exception.rva, size: spec.exception.size };
  if (spec.debug) dataDirectory[6] = { virtualAddress: spec.debug.rva, size: spec.debug.size };
  const code = spec.sections.filter((s) => (s.characteristics & SCN_CNT_CODE) !== 0);
  // dynamic base, NX compatible, terminal-server aware; high-entropy VA on 64-bit only
  const dllCharacteristics = is64 ? 0x8160 : 0x8140;
  const common = {
    magic: is64 ? 0x20b : 0x10b,
    majorLinkerVersion: 14,
    minorLinkerVersion: 36,
    sizeOfCode: code.reduce((n, s) => n + alignUp(s.bytes.length, 0x200), 0),
    addressOfEntryPoint: spec.entryPoint ?? code[0]?.rva ?? 0,
    baseOfCode: code[0]?.rva ?? 0,
    sectionAlignment: PAGE,
    fileAlignment: 0x200,
    majorOperatingSystemVersion: 10,
    majorSubsystemVersion: 10,
    sizeOfImage,
    sizeOfHeaders,
    subsystem: 2, // GUI
    dllCharacteristics,
    numberOfRvaAndSizes: 16,
    dataDirectory,
  };
  const opt = is64
    ? encodeStruct(IMAGE_OPTIONAL_HEADER64, { ...common, imageBase: spec.base, sizeOfStackReserve: 0x100000n, sizeOfStackCommit: 0x1000n, sizeOfHeapReserve: 0x100000n, sizeOfHeapCommit: 0x1000n })
    : encodeStruct(IMAGE_OPTIONAL_HEADER32, { ...common, imageBase: Number(spec.base & 0xffffffffn), baseOfData: 0, sizeOfStackReserve: 0x100000, sizeOfStackCommit: 0x1000, sizeOfHeapReserve: 0x100000, sizeOfHeapCommit: 0x1000 });
  const nt = encodeStruct(IMAGE_NT_HEADERS_COMMON, {
    signature: 0x00004550,
    fileHeader: {
      machine: MACHINE[spec.machine],
      numberOfSections: spec.sections.length,
      timeDateStamp: spec.timestamp ?? 0x5f000000,
      sizeOfOptionalHeader: optional.size,
      // EXECUTABLE_IMAGE | DLL, plus LARGE_ADDRESS_AWARE (64-bit) or 32BIT_MACHINE (x86)
      characteristics: is64 ? 0x2022 : 0x2102,
    },
  });
  const dos = encodeStruct(IMAGE_DOS_HEADER, { eMagic: 0x5a4d, eLfanew: E_LFANEW });
  const headers = new Uint8Array(PAGE);
  headers.set(dos, 0);
  headers.set(concat([nt, opt, ...spec.sections.map(sectionHeader)]), E_LFANEW);

  const pages: PeImage['pages'] = [{ address: spec.base, bytes: headers }];
  for (const s of spec.sections) {
    if (s.absent) continue;
    const size = Math.max(s.bytes.length, s.virtualSize ?? 0);
    const bytes = size === s.bytes.length ? s.bytes : concat([s.bytes, new Uint8Array(size - s.bytes.length)]);
    pages.push({ address: spec.base + BigInt(s.rva), bytes });
  }
  return { base: spec.base, sizeOfImage, headers, pages };
}

// ---- code -----------------------------------------------------------------------------------

/** Write `E8 rel32` (call target) so that the call ends at `returnOffset`; offsets are within `code`, whose first byte is at `codeRva`. */
export function putCallX86(code: Uint8Array, returnOffset: number, targetOffset: number): void {
  const at = returnOffset - 5;
  if (at < 0) throw new Error('call does not fit before the return address');
  code[at] = 0xe8;
  new DataView(code.buffer, code.byteOffset, code.byteLength).setInt32(at + 1, targetOffset - returnOffset, true);
}

/** Write ARM64 `BL target` as the instruction before `returnOffset` (both 4-aligned offsets in `code`). */
export function putBlArm64(code: Uint8Array, returnOffset: number, targetOffset: number): void {
  const at = returnOffset - 4;
  if (at < 0 || at % 4 !== 0 || targetOffset % 4 !== 0) throw new Error('BL needs 4-aligned offsets');
  const imm26 = ((targetOffset - at) / 4) & 0x3ffffff;
  new DataView(code.buffer, code.byteOffset, code.byteLength).setUint32(at, (0x94000000 | imm26) >>> 0, true);
}

/** Little-endian ARM64 instruction words into `code` at `offset`. */
export function putArm64(code: Uint8Array, offset: number, words: number[]): void {
  const dv = new DataView(code.buffer, code.byteOffset, code.byteLength);
  words.forEach((w, i) => dv.setUint32(offset + i * 4, w >>> 0, true));
}

/** An ARM64 code buffer filled with NOP (D503201F). */
export function arm64Nops(size: number): Uint8Array {
  const b = new Uint8Array(size);
  putArm64(b, 0, new Array<number>(size / 4).fill(0xd503201f));
  return b;
}

// ---- x64 unwind data ------------------------------------------------------------------------

/** UNWIND_CODE operations (native-structs/constants/pe-unwind.ts). */
export const UWOP = UnwindOpX64;

/** x64 register numbers used by unwind codes. */
export const X64_REG = { rax: 0, rcx: 1, rdx: 2, rbx: 3, rsp: 4, rbp: 5, rsi: 6, rdi: 7, r8: 8, r9: 9, r10: 10, r11: 11, r12: 12, r13: 13, r14: 14, r15: 15 } as const;

/** One unwind operation as the prolog instruction it describes; encoded into 1–3 slots. */
export type X64UnwindOp =
  | { op: 'push'; offset: number; reg: number }
  | { op: 'alloc'; offset: number; size: number; /** force ALLOC_LARGE with OpInfo 1 (u32, unscaled) */ large32?: boolean }
  | { op: 'setfp'; offset: number }
  | { op: 'save'; offset: number; reg: number; /** from the frame base, multiple of 8 */ at: number }
  | { op: 'savexmm'; offset: number; xmm: number; /** from the frame base, multiple of 16 */ at: number }
  | { op: 'machframe'; offset: number; errorCode?: boolean };

function slot(offset: number, op: number, info: number): number[] {
  return [offset & 0xff, (op & 0xf) | ((info & 0xf) << 4)];
}

/** The 2-byte slots of one operation. */
export function encodeX64UnwindOp(u: X64UnwindOp): number[] {
  const u16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];
  switch (u.op) {
    case 'push':
      return slot(u.offset, UWOP.PUSH_NONVOL, u.reg);
    case 'alloc':
      if (u.size % 8 !== 0 || u.size <= 0) throw new Error(`alloc size ${u.size} must be a positive multiple of 8`);
      if (!u.large32 && u.size <= 128) return slot(u.offset, UWOP.ALLOC_SMALL, u.size / 8 - 1);
      if (!u.large32 && u.size <= 0x7fff8) return [...slot(u.offset, UWOP.ALLOC_LARGE, 0), ...u16(u.size / 8)];
      return [...slot(u.offset, UWOP.ALLOC_LARGE, 1), ...u16(u.size & 0xffff), ...u16(u.size >>> 16)];
    case 'setfp':
      return slot(u.offset, UWOP.SET_FPREG, 0);
    case 'save':
      if (u.at % 8 !== 0) throw new Error('SAVE_NONVOL offset must be a multiple of 8');
      return [...slot(u.offset, UWOP.SAVE_NONVOL, u.reg), ...u16(u.at / 8)];
    case 'savexmm':
      if (u.at % 16 !== 0) throw new Error('SAVE_XMM128 offset must be a multiple of 16');
      return [...slot(u.offset, UWOP.SAVE_XMM128, u.xmm), ...u16(u.at / 16)];
    case 'machframe':
      return slot(u.offset, UWOP.PUSH_MACHFRAME, u.errorCode ? 1 : 0);
  }
}

export interface RuntimeFunctionX64 {
  begin: number;
  end: number;
  /** RVA of the UNWIND_INFO (or, with bit 0 set, of another RUNTIME_FUNCTION). */
  unwind: number;
}

export interface X64UnwindInfoSpec {
  sizeOfProlog: number;
  /** Operations in the order they are stored: reverse prolog order (last prolog instruction first). */
  ops: X64UnwindOp[];
  /** Register number (X64_REG) when a frame pointer is established. */
  frameRegister?: number;
  /** Scaled offset: frame register = RSP + 16 × frameOffset. */
  frameOffset?: number;
  /** CHAININFO: the RUNTIME_FUNCTION this one continues (placed after the codes). */
  chained?: RuntimeFunctionX64;
  /** UNW_FLAG_EHANDLER / UHANDLER with this handler RVA (ignored when chained). */
  handler?: { rva: number; flags: 1 | 2 | 3 };
  version?: 1 | 2;
}

/** UNWIND_INFO bytes (4-aligned length). */
export function x64UnwindInfo(s: X64UnwindInfoSpec): Uint8Array {
  const slots = s.ops.flatMap(encodeX64UnwindOp);
  const count = slots.length / 2;
  if (count > 255) throw new Error('too many unwind codes');
  const flags = s.chained ? 4 : (s.handler?.flags ?? 0);
  const padded = count % 2 === 1 ? [...slots, 0, 0] : slots;
  const head = [((s.version ?? 1) & 7) | (flags << 3), s.sizeOfProlog, count, ((s.frameRegister ?? 0) & 0xf) | (((s.frameOffset ?? 0) & 0xf) << 4)];
  const tail = s.chained ? runtimeFunctionsX64([s.chained]) : s.handler ? u32le(s.handler.rva) : new Uint8Array(0);
  return concat([Uint8Array.from([...head, ...padded]), tail]);
}

/** .pdata: RUNTIME_FUNCTION[] (12 bytes each). */
export function runtimeFunctionsX64(entries: RuntimeFunctionX64[]): Uint8Array {
  const b = new Uint8Array(entries.length * 12);
  const dv = new DataView(b.buffer);
  entries.forEach((e, i) => {
    dv.setUint32(i * 12, e.begin, true);
    dv.setUint32(i * 12 + 4, e.end, true);
    dv.setUint32(i * 12 + 8, e.unwind, true);
  });
  return b;
}

function u32le(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

// ---- ARM64 unwind data ----------------------------------------------------------------------

export interface Arm64Packed {
  /** 1 = single prolog/epilog, 2 = fragment without prolog/epilog. */
  flag?: 1 | 2;
  /** Function length in bytes (multiple of 4, < 8 KiB). */
  functionLength: number;
  /** 0 = none, m > 0: m + 1 FP registers d8.. saved. */
  regF: number;
  /** Integer registers x19.. saved (0..10). */
  regI: number;
  /** Homes x0..x7. */
  h: 0 | 1;
  /** 0 unchained, 1 unchained with lr saved, 3 chained (<x29,lr> pair saved, x29 = frame record). */
  cr: 0 | 1 | 3;
  /** Whole frame in bytes (multiple of 16, < 8 KiB). */
  frameSize: number;
}

/** The packed .pdata second word. */
export function arm64PackedUnwindData(p: Arm64Packed): number {
  if (p.functionLength % 4 !== 0 || p.functionLength / 4 > 0x7ff) throw new Error('packed FunctionLength out of range');
  if (p.frameSize % 16 !== 0 || p.frameSize / 16 > 0x1ff) throw new Error('packed FrameSize out of range');
  return (
    ((p.flag ?? 1) |
      ((p.functionLength / 4) << 2) |
      ((p.regF & 7) << 13) |
      ((p.regI & 0xf) << 16) |
      ((p.h & 1) << 20) |
      ((p.cr & 3) << 21) |
      ((p.frameSize / 16) << 23)) >>>
    0
  );
}

/** ARM64 .pdata: { BeginAddress, UnwindData } (8 bytes each); `unwindData` is an .xdata RVA (4-aligned) or a packed word. */
export function runtimeFunctionsArm64(entries: Array<{ begin: number; unwindData: number }>): Uint8Array {
  const b = new Uint8Array(entries.length * 8);
  const dv = new DataView(b.buffer);
  entries.forEach((e, i) => {
    dv.setUint32(i * 8, e.begin, true);
    dv.setUint32(i * 8 + 4, e.unwindData >>> 0, true);
  });
  return b;
}

/** ARM64 unwind code bytes (the subset the synthetic images use). */
export const A64_UWC = {
  /** alloc_s: sub sp, sp, #size (size < 512, multiple of 16). */
  allocS: (size: number): number[] => [(size / 16) & 0x1f],
  /** save_r19r20_x: stp x19, x20, [sp, #-size]! (size ≤ 248, multiple of 8). */
  saveR19R20X: (size: number): number[] => [0x20 | ((size / 8) & 0x1f)],
  /** save_fplr: stp x29, lr, [sp, #offset]. */
  saveFplr: (offset: number): number[] => [0x40 | ((offset / 8) & 0x3f)],
  /** save_fplr_x: stp x29, lr, [sp, #-size]! (size ≤ 512). */
  saveFplrX: (size: number): number[] => [0x80 | ((size / 8 - 1) & 0x3f)],
  /** save_reg: str x(19+n), [sp, #offset]. */
  saveReg: (n: number, offset: number): number[] => [0xd0 | ((n >> 2) & 3), ((n & 3) << 6) | ((offset / 8) & 0x3f)],
  setFp: [0xe1],
  nop: [0xe3],
  end: [0xe4],
} as const;

export interface Arm64XdataSpec {
  functionLength: number;
  /** Unwind code bytes (prolog codes first, ending with `end`), padded here to whole words with `nop`. */
  codes: number[];
  /** E = 1: one epilog at the end of the function, described from this code index. */
  singleEpilogIndex?: number;
  /** E = 0: epilog scopes { start offset in bytes, code index }. */
  epilogScopes?: Array<{ offset: number; index: number }>;
}

/** An ARM64 .xdata record (no exception handler). */
export function arm64Xdata(s: Arm64XdataSpec): Uint8Array {
  const codes = [...s.codes];
  while (codes.length % 4 !== 0) codes.push(A64_UWC.nop[0]);
  const codeWords = codes.length / 4;
  if (codeWords > 31) throw new Error('too many ARM64 unwind code words for the one-word header');
  const scopes = s.singleEpilogIndex === undefined ? (s.epilogScopes ?? []) : [];
  const e = s.singleEpilogIndex === undefined ? 0 : 1;
  const epilogField = e ? s.singleEpilogIndex! : scopes.length;
  const header = ((s.functionLength / 4) & 0x3ffff) | (e << 21) | ((epilogField & 0x1f) << 22) | (codeWords << 27);
  return concat([u32le(header >>> 0), ...scopes.map((x) => u32le(((x.offset / 4) & 0x3ffff) | ((x.index & 0x3ff) << 22))), Uint8Array.from(codes)]);
}

/**
 * A debug directory of one IMAGE_DEBUG_DIRECTORY (type CODEVIEW) followed by its RSDS record,
 * to be placed at `rva` in a section: `{ bytes, directory }` for PeImageSpec.debug.
 */
export function debugDirectoryWithCodeView(rva: number, pdb: { name: string; guidBytes: Uint8Array; age: number }): { bytes: Uint8Array; directory: { rva: number; size: number } } {
  const name = new TextEncoder().encode(`${pdb.name}\0`);
  const cv = new Uint8Array(24 + name.length);
  const cdv = new DataView(cv.buffer);
  cdv.setUint32(0, 0x53445352, true); // 'RSDS'
  cv.set(pdb.guidBytes, 4);
  cdv.setUint32(20, pdb.age, true);
  cv.set(name, 24);
  const dir = new Uint8Array(28);
  const ddv = new DataView(dir.buffer);
  ddv.setUint32(12, 2, true); // IMAGE_DEBUG_TYPE_CODEVIEW
  ddv.setUint32(16, cv.length, true);
  ddv.setUint32(20, rva + 28, true); // AddressOfRawData
  ddv.setUint32(24, rva + 28, true); // PointerToRawData (the file layout mirrors the mapping)
  const bytes = new Uint8Array(28 + cv.length);
  bytes.set(dir, 0);
  bytes.set(cv, 28);
  return { bytes, directory: { rva, size: 28 } };
}
