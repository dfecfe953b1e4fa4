// A small PE image builder for the unwind tests: headers, sections, data directories, a CodeView
// record, and encoders for x64 UNWIND_INFO / RUNTIME_FUNCTION and ARM64 .pdata / .xdata. The file
// layout equals the memory layout (FileAlignment = SectionAlignment = 0x1000, PointerToRawData =
// VirtualAddress), so the same bytes serve as a file and as a mapped image.
//
// Layout numbers come from ../shared/spec/pe-unwind.md and Microsoft's PE format page; the
// encoders are written from the unwind formats, not from the decoder under test.

import type { ReadMemory } from '../../../src/unwind/types.js';

export const PAGE = 0x1000;

export interface SynthSection {
  name: string;
  rva: number;
  bytes: Uint8Array;
  /** Defaults: code = 0x60000020 (CNT_CODE | MEM_EXECUTE | MEM_READ), data = 0x40000040. */
  characteristics?: number;
  /** Bytes mapped (defaults to bytes.length rounded up to a page). */
  virtualSize?: number;
}

export interface SynthPeOptions {
  machine?: number;
  imageBase?: bigint;
  timestamp?: number;
  /** Fixed e_lfanew (default 0x80). */
  lfanew?: number;
}

function le16(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
}
function le32(b: Uint8Array, at: number, v: number): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v >>> 0, true);
}
function le64(b: Uint8Array, at: number, v: bigint): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setBigUint64(at, v, true);
}

/** Builds a PE32+ image. */
export class SynthPe {
  readonly sections: SynthSection[] = [];
  readonly directories = new Map<number, { rva: number; size: number }>();
  constructor(readonly options: SynthPeOptions = {}) {}

  addSection(s: SynthSection): this {
    this.sections.push(s);
    return this;
  }

  setDirectory(index: number, rva: number, size: number): this {
    this.directories.set(index, { rva, size });
    return this;
  }

  get sizeOfImage(): number {
    let end = PAGE;
    for (const s of this.sections) end = Math.max(end, s.rva + roundUp(s.virtualSize ?? s.bytes.length, PAGE));
    return end;
  }

  build(): Uint8Array {
    const size = this.sizeOfImage;
    const out = new Uint8Array(size);
    const lfanew = this.options.lfanew ?? 0x80;
    le16(out, 0, 0x5a4d);
    le32(out, 0x3c, lfanew);
    le32(out, lfanew, 0x00004550);
    const fh = lfanew + 4;
    le16(out, fh + 0, this.options.machine ?? 0x8664);
    le16(out, fh + 2, this.sections.length);
    le32(out, fh + 4, this.options.timestamp ?? 0x5a5a1234);
    le16(out, fh + 16, 0xf0); // SizeOfOptionalHeader
    le16(out, fh + 18, 0x22); // EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE
    const oh = fh + 20;
    le16(out, oh + 0, 0x20b);
    le64(out, oh + 0x18, this.options.imageBase ?? 0x140000000n);
    le32(out, oh + 0x20, PAGE); // SectionAlignment
    le32(out, oh + 0x24, PAGE); // FileAlignment
    le32(out, oh + 0x38, size); // SizeOfImage
    le32(out, oh + 0x3c, PAGE); // SizeOfHeaders
    le16(out, oh + 0x44, 3); // console
    le32(out, oh + 0x6c, 16); // NumberOfRvaAndSizes
    for (const [i, d] of this.directories) {
      le32(out, oh + 0x70 + 8 * i, d.rva);
      le32(out, oh + 0x74 + 8 * i, d.size);
    }
    let sh = oh + 0xf0;
    for (const s of this.sections) {
      const name = new TextEncoder().encode(s.name).subarray(0, 8);
      out.set(name, sh);
      const vsize = s.virtualSize ?? roundUp(s.bytes.length, PAGE);
      le32(out, sh + 8, vsize);
      le32(out, sh + 12, s.rva);
      le32(out, sh + 16, roundUp(s.bytes.length, PAGE));
      le32(out, sh + 20, s.rva);
      le32(out, sh + 36, s.characteristics ?? (s.name === '.text' ? 0x60000020 : 0x40000040));
      out.set(s.bytes, s.rva);
      sh += 40;
    }
    return out;
  }
}

export function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** A growable little-endian byte buffer with labels resolved by the caller. */
export class Bytes {
  private buf = new Uint8Array(256);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  u8(...v: number[]): this {
    this.ensure(v.length);
    for (const x of v) this.buf[this.length++] = x & 0xff;
    return this;
  }
  u16(v: number): this {
    return this.u8(v, v >>> 8);
  }
  u32(v: number): this {
    return this.u8(v, v >>> 8, v >>> 16, v >>> 24);
  }
  raw(b: Uint8Array | number[]): this {
    return this.u8(...b);
  }
  align(n: number): this {
    while (this.length % n) this.u8(0);
    return this;
  }
  at(offset: number): this {
    this.ensure(Math.max(0, offset - this.length));
    if (offset > this.length) this.length = offset;
    return this;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

// ------------------------------------------------------------------------------------------------
// x64

/** x64 register numbers. */
export const R = { rax: 0, rcx: 1, rdx: 2, rbx: 3, rsp: 4, rbp: 5, rsi: 6, rdi: 7, r8: 8, r9: 9, r10: 10, r11: 11, r12: 12, r13: 13, r14: 14, r15: 15 } as const;

/** One unwind code as the tests write it (array order, i.e. reverse prolog order). */
export type X64Code =
  | { op: 'push'; at: number; reg: number }
  | { op: 'allocSmall'; at: number; size: number }
  | { op: 'allocLarge'; at: number; size: number; form: 0 | 1 }
  | { op: 'setFp'; at: number }
  | { op: 'save'; at: number; reg: number; offset: number; far?: boolean }
  | { op: 'saveXmm'; at: number; reg: number; offset: number; far?: boolean }
  | { op: 'epilog'; at: number; info: number }
  | { op: 'spare'; at: number }
  | { op: 'machframe'; at: number; errorCode: boolean }
  | { op: 'raw'; slots: number[] };

function slot(codeOffset: number, op: number, info: number): number {
  return (codeOffset & 0xff) | ((op & 0xf) << 8) | ((info & 0xf) << 12);
}

/** The 2-byte slots of the codes. */
export function encodeX64Codes(codes: readonly X64Code[]): number[] {
  const s: number[] = [];
  for (const c of codes) {
    switch (c.op) {
      case 'push':
        s.push(slot(c.at, 0, c.reg));
        break;
      case 'allocSmall':
        if (c.size < 8 || c.size > 128 || c.size % 8) throw new Error('bad small alloc');
        s.push(slot(c.at, 2, c.size / 8 - 1));
        break;
      case 'allocLarge':
        if (c.form === 0) s.push(slot(c.at, 1, 0), c.size / 8);
        else s.push(slot(c.at, 1, 1), c.size & 0xffff, c.size >>> 16);
        break;
      case 'setFp':
        s.push(slot(c.at, 3, 0));
        break;
      case 'save':
        if (c.far) s.push(slot(c.at, 5, c.reg), c.offset & 0xffff, c.offset >>> 16);
        else s.push(slot(c.at, 4, c.reg), c.offset / 8);
        break;
      case 'saveXmm':
        if (c.far) s.push(slot(c.at, 9, c.reg), c.offset & 0xffff, c.offset >>> 16);
        else s.push(slot(c.at, 8, c.reg), c.offset / 16);
        break;
      case 'epilog':
        s.push(slot(c.at, 6, c.info));
        break;
      case 'spare':
        s.push(slot(c.at, 7, 0), 0, 0);
        break;
      case 'machframe':
        s.push(slot(c.at, 10, c.errorCode ? 1 : 0));
        break;
      case 'raw':
        s.push(...c.slots);
        break;
    }
  }
  return s;
}

export interface X64UnwindInfoSpec {
  version?: number;
  flags?: number;
  prolog: number;
  frameReg?: number;
  /** Scaled (a multiple of 16). */
  frameOffset?: number;
  codes: readonly X64Code[];
  /** Override CountOfCodes (hostile data). */
  countOverride?: number;
  /** CHAININFO target: the RUNTIME_FUNCTION stored after the codes. */
  chain?: { begin: number; end: number; unwind: number };
  handler?: number;
}

export function encodeX64UnwindInfo(u: X64UnwindInfoSpec): Uint8Array {
  const slots = encodeX64Codes(u.codes);
  const count = u.countOverride ?? slots.length;
  let flags = u.flags ?? 0;
  if (u.chain) flags |= 4;
  const b = new Bytes();
  b.u8(((u.version ?? 1) & 7) | (flags << 3), u.prolog, count, (u.frameReg ?? 0) | (((u.frameOffset ?? 0) / 16) << 4));
  for (const s of slots) b.u16(s);
  // pad the array to an even count (as stored: (count + 1) & ~1 slots)
  for (let i = slots.length; i < ((count + 1) & ~1); i++) b.u16(0);
  if (u.chain) b.u32(u.chain.begin).u32(u.chain.end).u32(u.chain.unwind);
  else if (flags & 3) b.u32(u.handler ?? 0);
  return b.bytes();
}

export function encodeRuntimeFunction(begin: number, end: number, unwind: number): Uint8Array {
  return new Bytes().u32(begin).u32(end).u32(unwind).bytes();
}

// ------------------------------------------------------------------------------------------------
// ARM64

/** A packed .pdata UnwindData word. */
export function packArm64(p: { flag?: 1 | 2; functionLength: number; regF?: number; regI?: number; h?: boolean; cr?: number; frameSize: number }): number {
  return (
    ((p.flag ?? 1) |
      (((p.functionLength / 4) & 0x7ff) << 2) |
      (((p.regF ?? 0) & 7) << 13) |
      (((p.regI ?? 0) & 0xf) << 16) |
      ((p.h ? 1 : 0) << 20) |
      (((p.cr ?? 0) & 3) << 21) |
      (((p.frameSize / 16) & 0x1ff) << 23)) >>>
    0
  );
}

export interface Arm64XdataSpec {
  functionLength: number;
  /** Unwind code bytes (padded to a word by the encoder). */
  codes: number[];
  /** Epilog scopes: byte offset from the function start and code index. */
  epilogs?: { offset: number; index: number }[];
  /** E bit: a single epilog at the function's end, its codes at `epilogIndex`. */
  epilogIndex?: number;
  handler?: number;
  /** Force the extended header. */
  extended?: boolean;
}

export function encodeArm64Xdata(x: Arm64XdataSpec): Uint8Array {
  const words = Math.ceil(x.codes.length / 4);
  const e = x.epilogIndex !== undefined;
  const count = e ? x.epilogIndex! : (x.epilogs?.length ?? 0);
  const ext = x.extended || count > 31 || words > 31;
  const b = new Bytes();
  let w0 = ((x.functionLength / 4) & 0x3ffff) | ((x.handler !== undefined ? 1 : 0) << 20) | ((e ? 1 : 0) << 21);
  if (!ext) w0 |= (count << 22) | (words << 27);
  b.u32(w0 >>> 0);
  if (ext) b.u32((count & 0xffff) | (words << 16));
  if (!e) for (const s of x.epilogs ?? []) b.u32(((s.offset / 4) & 0x3ffff) | (s.index << 22));
  b.raw(x.codes);
  while (b.length % 4) b.u8(0xe3); // pad with nop
  if (x.handler !== undefined) b.u32(x.handler);
  return b.bytes();
}

// ------------------------------------------------------------------------------------------------
// Memory

/**
 * A sparse little-endian address space: 8-byte words and byte regions. ReadMemory returns all
 * bytes or undefined; `missingPages` makes whole pages absent.
 */
export class SparseMemory {
  private readonly regions: { at: bigint; bytes: Uint8Array }[] = [];
  private readonly words = new Map<bigint, bigint>();
  readonly missingPages = new Set<bigint>();
  readonly reads: { address: bigint; length: number }[] = [];

  map(at: bigint, bytes: Uint8Array): this {
    this.regions.push({ at, bytes });
    return this;
  }
  set64(address: bigint, value: bigint): this {
    this.words.set(address, value & ((1n << 64n) - 1n));
    return this;
  }
  readonly read: ReadMemory = async (address, length) => {
    this.reads.push({ address, length });
    for (let p = address >> 12n; p <= (address + BigInt(Math.max(length, 1)) - 1n) >> 12n; p++) if (this.missingPages.has(p)) return undefined;
    if (length === 8 && this.words.has(address)) {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setBigUint64(0, this.words.get(address)!, true);
      return out;
    }
    for (const r of this.regions) {
      if (address >= r.at && address + BigInt(length) <= r.at + BigInt(r.bytes.length)) {
        const off = Number(address - r.at);
        return r.bytes.subarray(off, off + length);
      }
    }
    // words laid out contiguously also serve longer aligned reads
    if (length % 8 === 0 && length > 8) {
      const out = new Uint8Array(length);
      const v = new DataView(out.buffer);
      for (let i = 0; i < length; i += 8) {
        const w = this.words.get(address + BigInt(i));
        if (w === undefined) return undefined;
        v.setBigUint64(i, w, true);
      }
      return out;
    }
    return undefined;
  };
}
