// A small writer of valid MSF 7.00 PDBs: given a GUID, an age, sections, public symbols,
// modules of procedures with line records, type records and optionally OMAP tables, it lays out
// the streams a linker writes (info, TPI + hash, DBI with module info, section contributions,
// section map, file info and the optional debug header, module streams with C13 lines, the global
// symbol stream with its GSI and PSI, /names, section headers, OMAP). Tests build their inputs
// with it instead of committing binary PDBs; `writeLargePdb` streams a big one (a gigabyte) to a
// file block by block for the memory test.
//
// It follows the layouts in LLVM's docs/PDB/*.rst (MsfFile, PdbStream, DbiStream, ModiStream,
// PublicStream, GlobalStream, TpiStream, HashTable, StringTable) closely enough that
// llvm-pdbutil reads what it writes. Standalone: it imports nothing from src/ (test/synth is
// below the code it tests).

import { closeSync, openSync, writeSync } from 'node:fs';

// ---------------------------------------------------------------------------------------------
// Bytes.

/** A growing little-endian byte buffer. */
export class Bytes {
  private buf = new Uint8Array(256);
  private dv = new DataView(this.buf.buffer);
  length = 0;
  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.length));
    this.buf = b;
    this.dv = new DataView(b.buffer);
  }
  u8(v: number): this {
    this.room(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.room(2);
    this.dv.setUint16(this.length, v & 0xffff, true);
    this.length += 2;
    return this;
  }
  u32(v: number): this {
    this.room(4);
    this.dv.setUint32(this.length, v >>> 0, true);
    this.length += 4;
    return this;
  }
  i32(v: number): this {
    this.room(4);
    this.dv.setInt32(this.length, v | 0, true);
    this.length += 4;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }
  /** NUL-terminated UTF-8. */
  cstr(s: string): this {
    return this.bytes(new TextEncoder().encode(s)).u8(0);
  }
  zeros(n: number): this {
    this.room(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
    return this;
  }
  align(n: number, fill = 0): this {
    while (this.length % n !== 0) this.u8(fill);
    return this;
  }
  setU16(at: number, v: number): this {
    this.dv.setUint16(at, v, true);
    return this;
  }
  setU32(at: number, v: number): this {
    this.dv.setUint32(at, v >>> 0, true);
    return this;
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** The PDB hash of a name (LLVM's hashStringV1, microsoft-pdb's LHashPbCb). */
export function hashV1(name: string): number {
  const b = new TextEncoder().encode(name);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let r = 0;
  const longs = Math.floor(b.length / 4);
  for (let i = 0; i < longs; i++) r = (r ^ dv.getUint32(i * 4, true)) >>> 0;
  let at = longs * 4;
  let rest = b.length % 4;
  if (rest >= 2) {
    r = (r ^ dv.getUint16(at, true)) >>> 0;
    at += 2;
    rest -= 2;
  }
  if (rest === 1) r = (r ^ b[at]!) >>> 0;
  r = (r | 0x20202020) >>> 0;
  r = (r ^ (r >>> 11)) >>> 0;
  return (r ^ (r >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// CodeView records.

/** A symbol or type record: u16 length, u16 kind, data padded to 4 (types pad with LF_PAD bytes). */
export function record(kind: number, data: Uint8Array, typePad = false): Uint8Array {
  const body = new Bytes().u16(0).u16(kind).bytes(data);
  while ((body.length) % 4 !== 0) body.u8(typePad ? 0xf0 + (4 - (body.length % 4)) : 0);
  body.setU16(0, body.length - 2);
  return body.done();
}

/** Type record builders (TPI). Indexes start at 0x1000 in the order records are given. */
export const types = {
  pointer(referent: number, opts: { ref?: boolean; const?: boolean; size?: number } = {}): Uint8Array {
    // kind 0x0c (64-bit) or 0x0a (32-bit), mode 0 pointer / 1 lvalue reference, size in bits 13-18
    const size = opts.size ?? 8;
    const attrs = (size === 8 ? 0x0c : 0x0a) | ((opts.ref ? 1 : 0) << 5) | ((opts.const ? 1 : 0) << 10) | (size << 13);
    return record(0x1002, new Bytes().u32(referent).u32(attrs).done(), true);
  },
  modifier(type: number, mods: { const?: boolean; volatile?: boolean }): Uint8Array {
    return record(0x1001, new Bytes().u32(type).u16((mods.const ? 1 : 0) | (mods.volatile ? 2 : 0)).done(), true);
  },
  argList(args: number[]): Uint8Array {
    const b = new Bytes().u32(args.length);
    for (const a of args) b.u32(a);
    return record(0x1201, b.done(), true);
  },
  procedure(ret: number, argList: number, count: number): Uint8Array {
    return record(0x1008, new Bytes().u32(ret).u8(0).u8(0).u16(count).u32(argList).done(), true);
  },
  /** LF_STRUCTURE / LF_CLASS forward reference (no fields), as a UDT name. */
  udt(kind: 'struct' | 'class' | 'union', name: string): Uint8Array {
    if (kind === 'union') return record(0x1506, new Bytes().u16(0).u16(0x80).u32(0).u16(0).cstr(name).done(), true);
    return record(kind === 'class' ? 0x1504 : 0x1505, new Bytes().u16(0).u16(0x80).u32(0).u32(0).u32(0).u16(0).cstr(name).done(), true);
  },
  enumeration(name: string, underlying = 0x74): Uint8Array {
    return record(0x1507, new Bytes().u16(0).u16(0x80).u32(underlying).u32(0).cstr(name).done(), true);
  },
  /** LF_FUNC_ID (IPI): a function id naming its type. */
  funcId(type: number, name: string): Uint8Array {
    return record(0x1601, new Bytes().u32(0).u32(type).cstr(name).done(), true);
  },
  /** A raw record of any kind (hostile tests). */
  raw(kind: number, data: Uint8Array): Uint8Array {
    return record(kind, data, true);
  },
};

// ---------------------------------------------------------------------------------------------
// The input.

export interface SynthSection {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  characteristics: number;
}

export interface SynthLine {
  /** From the procedure's start. */
  offset: number;
  line: number;
  /** The line's source file, when not the procedure's (a header inlined into it). */
  file?: string;
}

export interface SynthProc {
  name: string;
  /** 1-based section and offset in it. */
  section: number;
  offset: number;
  size: number;
  /** S_LPROC32 (internal linkage) instead of S_GPROC32. */
  local?: boolean;
  /** The record kind, overriding `local` (S_GPROC32_ID 0x1147 / S_LPROC32_ID 0x1146: typeIndex is an IPI id). */
  kind?: number;
  typeIndex?: number;
  lines?: SynthLine[];
  /** Source file of the lines (default: the module's `${name}.cpp`). */
  file?: string;
}

export interface SynthModule {
  name: string;
  procs: SynthProc[];
  /** Write no module stream (a module with no debug info). */
  noStream?: boolean;
}

export interface SynthPublic {
  name: string;
  section: number;
  offset: number;
  /** CVPSF flags (2 = function). */
  flags?: number;
}

export interface SynthPdb {
  /** 32 hex digits in display order (the debug id without the age). */
  guid?: string;
  age?: number;
  /** The info stream's age when it differs from the DBI's. */
  infoAge?: number;
  signature?: number;
  machine?: number;
  blockSize?: number;
  sections?: SynthSection[];
  publics?: SynthPublic[];
  modules?: SynthModule[];
  /** TPI records in index order from 0x1000 (see `types`). */
  types?: Uint8Array[];
  /** IPI records (LF_FUNC_ID ...) in index order from 0x1000. */
  ids?: Uint8Array[];
  /** Write the TPI hash stream's index offsets (default true). */
  typeIndexOffsets?: boolean;
  /** OMAP tables as [from, to] pairs: `to` = transformed → original, `from` = original → transformed. */
  omap?: { to: Array<[number, number]>; from: Array<[number, number]> };
  /** Lay blocks out in swapped pairs, so that every stream of more than one block is scattered. */
  interleave?: boolean;
  /** Leave the DBI stream nil (a PDB of types only, as vc140.pdb). */
  noDbi?: boolean;
}

export const SCN_CODE = 0x6000_0020;
export const SCN_DATA = 0xc000_0040;

export const DEFAULT_SECTIONS: SynthSection[] = [
  { name: '.text', virtualAddress: 0x1000, virtualSize: 0x10_0000, characteristics: SCN_CODE },
  { name: '.data', virtualAddress: 0x20_0000, virtualSize: 0x1000, characteristics: SCN_DATA },
];

// ---------------------------------------------------------------------------------------------
// The MSF container.

interface Sink {
  /** Writes `b` at byte `offset` of the file. */
  put(offset: number, b: Uint8Array): void;
}

class MemorySink implements Sink {
  buf = new Uint8Array(1 << 16);
  size = 0;
  put(offset: number, b: Uint8Array): void {
    const end = offset + b.length;
    if (end > this.buf.length) {
      let cap = this.buf.length;
      while (cap < end) cap *= 2;
      const n = new Uint8Array(cap);
      n.set(this.buf.subarray(0, this.size));
      this.buf = n;
    }
    this.buf.set(b, offset);
    this.size = Math.max(this.size, end);
  }
}

class FileSink implements Sink {
  constructor(private readonly fd: number) {}
  put(offset: number, b: Uint8Array): void {
    let done = 0;
    while (done < b.length) done += writeSync(this.fd, b, done, b.length - done, offset + done);
  }
}

/** Lays streams out in blocks: block 0 superblock, 1-2 free page maps (again every blockSize blocks). */
export class MsfWriter {
  private next = 3;
  private readonly streams: Array<{ size: number; blocks: number[] } | undefined> = [];
  private spare: number | undefined;
  constructor(
    private readonly sink: Sink,
    readonly blockSize = 4096,
    private readonly interleave = false,
  ) {}

  private freshBlock(): number {
    // Skip the free page map blocks of every interval (blocks k*bs+1 and k*bs+2).
    while (this.next % this.blockSize === 1 || this.next % this.blockSize === 2) this.next++;
    return this.next++;
  }

  private allocBlock(): number {
    if (!this.interleave) return this.freshBlock();
    if (this.spare !== undefined) {
      const b = this.spare;
      this.spare = undefined;
      return b;
    }
    const a = this.freshBlock();
    this.spare = a;
    return this.freshBlock();
  }

  /** Writes stream `index` from chunks, block by block. */
  setStream(index: number, chunks: Iterable<Uint8Array>): void {
    const bs = this.blockSize;
    const blocks: number[] = [];
    let size = 0;
    const pending = new Uint8Array(bs);
    let fill = 0;
    const flush = (): void => {
      const b = this.allocBlock();
      blocks.push(b);
      this.sink.put(b * bs, fill === bs ? pending : pending.subarray(0, fill));
      fill = 0;
    };
    for (const c of chunks) {
      let at = 0;
      while (at < c.length) {
        const take = Math.min(bs - fill, c.length - at);
        pending.set(c.subarray(at, at + take), fill);
        fill += take;
        at += take;
        size += take;
        if (fill === bs) flush();
      }
    }
    if (fill > 0) flush();
    while (this.streams.length <= index) this.streams.push(undefined);
    this.streams[index] = { size, blocks };
  }

  /** Makes the directory list at least `n` streams (unwritten ones are nil). */
  reserve(n: number): void {
    while (this.streams.length < n) this.streams.push(undefined);
  }

  /** Writes the directory, its block map, the free page maps and the superblock. */
  finish(): number {
    const bs = this.blockSize;
    const dir = new Bytes().u32(this.streams.length);
    for (const s of this.streams) dir.u32(s ? s.size : 0xffff_ffff);
    for (const s of this.streams) for (const b of s?.blocks ?? []) dir.u32(b);
    const dirBytes = dir.done();
    const dirBlocks: number[] = [];
    for (let at = 0; at < dirBytes.length; at += bs) {
      const b = this.allocBlock();
      dirBlocks.push(b);
      this.sink.put(b * bs, dirBytes.subarray(at, Math.min(at + bs, dirBytes.length)));
    }
    const mapBlock = this.allocBlock();
    // An interleaved layout may hold one block back: write it, so the file has no hole.
    if (this.spare !== undefined) {
      this.sink.put(this.spare * bs, new Uint8Array(bs));
      this.spare = undefined;
    }
    const map = new Bytes();
    for (const b of dirBlocks) map.u32(b);
    // A whole block, so that the file ends on a block boundary.
    this.sink.put(mapBlock * bs, map.zeros(bs - map.length).done());
    const numBlocks = Math.max(this.next, mapBlock + 1);
    // Free page maps: every block in use (bit clear), at blocks 1 and 2 of each interval.
    for (let k = 0; k * bs + 1 < numBlocks; k++) this.sink.put((k * bs + 1) * bs, new Uint8Array(bs));
    for (let k = 0; k * bs + 2 < numBlocks; k++) this.sink.put((k * bs + 2) * bs, new Uint8Array(bs));
    const sb = new Bytes().bytes(Uint8Array.from('Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0', (c) => c.charCodeAt(0)));
    sb.u32(bs).u32(1).u32(numBlocks).u32(dirBytes.length).u32(0).u32(mapBlock);
    this.sink.put(0, sb.done());
    return numBlocks * bs;
  }
}

// ---------------------------------------------------------------------------------------------
// Streams.

const S_PUB32 = 0x110e;
const S_GPROC32 = 0x1110;
const S_LPROC32 = 0x110f;
const S_END = 0x0006;
const S_OBJNAME = 0x1101;

function guidBytes(hex: string): Uint8Array {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`guid ${hex} is not 32 hex digits`);
  const b = new Bytes();
  b.u32(parseInt(hex.slice(0, 8), 16)).u16(parseInt(hex.slice(8, 12), 16)).u16(parseInt(hex.slice(12, 16), 16));
  for (let i = 16; i < 32; i += 2) b.u8(parseInt(hex.slice(i, i + 2), 16));
  return b.done();
}

/** A hash table of (name offset → value) as the info stream's named stream map stores it. */
function namedStreamMap(entries: Array<[string, number]>): Uint8Array {
  const strings = new Bytes();
  const offsets: number[] = [];
  for (const [name] of entries) {
    offsets.push(strings.length);
    strings.cstr(name);
  }
  const capacity = Math.max(1, entries.length * 2);
  const buckets: Array<number | undefined> = new Array(capacity).fill(undefined);
  entries.forEach(([name], i) => {
    let b = (hashV1(name) & 0xffff) % capacity;
    while (buckets[b] !== undefined) b = (b + 1) % capacity;
    buckets[b] = i;
  });
  const out = new Bytes().u32(strings.length).bytes(strings.done()).u32(entries.length).u32(capacity);
  const words = Math.ceil(capacity / 32);
  out.u32(words);
  for (let w = 0; w < words; w++) {
    let v = 0;
    for (let bit = 0; bit < 32; bit++) if (buckets[w * 32 + bit] !== undefined) v |= 1 << bit;
    out.u32(v);
  }
  out.u32(0); // deleted: none
  for (const i of buckets) if (i !== undefined) out.u32(offsets[i]!).u32(entries[i]![1]);
  return out.done();
}

/** The /names string table; returns the bytes and each string's offset. */
function stringTable(names: string[]): { bytes: Uint8Array; offset: Map<string, number> } {
  const buf = new Bytes().u8(0); // offset 0 is the empty string
  const offset = new Map<string, number>([['', 0]]);
  for (const n of names) {
    if (offset.has(n)) continue;
    offset.set(n, buf.length);
    buf.cstr(n);
  }
  const strings = buf.done();
  const ids = [...offset.entries()].filter(([n]) => n !== '');
  const count = Math.max(1, ids.length * 2);
  const buckets = new Array<number>(count).fill(0);
  for (const [n, o] of ids) {
    let b = hashV1(n) % count;
    while (buckets[b] !== 0) b = (b + 1) % count;
    buckets[b] = o;
  }
  const out = new Bytes().u32(0xeffeeffe).u32(1).u32(strings.length).bytes(strings).u32(count);
  for (const b of buckets) out.u32(b);
  out.u32(ids.length);
  return { bytes: out.done(), offset };
}

/** A GSI/PSI name table over symbol records (offset in the global symbol stream, name). */
function nameTable(syms: Array<{ offset: number; name: string }>): Uint8Array {
  const IPHR_HASH = 4096;
  const sorted = syms.map((s) => ({ ...s, bucket: hashV1(s.name) % IPHR_HASH })).sort((a, b) => a.bucket - b.bucket || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const records = new Bytes();
  for (const s of sorted) records.u32(s.offset + 1).u32(1);
  const bitmapWords = (IPHR_HASH + 32) / 32;
  const bitmap = new Uint32Array(bitmapWords);
  const starts: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i - 1]!.bucket === sorted[i]!.bucket) continue;
    bitmap[sorted[i]!.bucket >> 5]! |= 1 << (sorted[i]!.bucket & 31);
    starts.push(i * 12);
  }
  const buckets = new Bytes();
  for (const w of bitmap) buckets.u32(w);
  for (const s of starts) buckets.u32(s);
  return new Bytes().u32(0xffff_ffff).u32(0xeffe0000 + 19990810).u32(records.length).u32(buckets.length).bytes(records.done()).bytes(buckets.done()).done();
}

function* once(b: Uint8Array): Iterable<Uint8Array> {
  yield b;
}

/** Stream numbers of the fixed and generated streams. */
interface Layout {
  names: number;
  gsi: number;
  psi: number;
  gss: number;
  sectionHeaders: number;
  omapTo: number;
  omapFrom: number;
  tpiHash: number;
  firstModule: number;
  count: number;
}

function layoutFor(p: SynthPdb): Layout {
  const mods = p.modules ?? [];
  let next = 5;
  const l: Partial<Layout> = {};
  l.tpiHash = next++;
  l.names = next++;
  l.gsi = next++;
  l.psi = next++;
  l.gss = next++;
  l.sectionHeaders = next++;
  l.omapTo = p.omap ? next++ : 0xffff;
  l.omapFrom = p.omap ? next++ : 0xffff;
  l.firstModule = next;
  next += mods.length;
  l.count = next;
  return l as Layout;
}

function infoStream(p: SynthPdb, l: Layout): Uint8Array {
  const b = new Bytes().u32(20000404).u32(p.signature ?? 0x5c8ad05f).u32(p.infoAge ?? p.age ?? 1).bytes(guidBytes(p.guid ?? '0123456789ABCDEF0123456789ABCDEF'));
  b.bytes(namedStreamMap([['/names', l.names]]));
  b.u32(20140508); // VC140 feature
  return b.done();
}

function tpiStreams(p: SynthPdb, l: Layout): { tpi: Uint8Array[]; hash: Uint8Array } {
  const recs = p.types ?? [];
  const body = new Bytes();
  const index: Array<[number, number]> = [];
  let lastIndexed = -Infinity;
  recs.forEach((r, i) => {
    if (body.length - lastIndexed >= 8192) {
      index.push([0x1000 + i, body.length]);
      lastIndexed = body.length;
    }
    body.bytes(r);
  });
  const hash = new Bytes();
  for (let i = 0; i < recs.length; i++) hash.u32(0);
  const idxAt = hash.length;
  if (p.typeIndexOffsets !== false) for (const [t, o] of index) hash.u32(t).u32(o);
  const header = new Bytes().u32(20040203).u32(56).u32(0x1000).u32(0x1000 + recs.length).u32(body.length);
  header.u16(l.tpiHash).u16(0xffff).u32(4).u32(0x3ffff);
  header.i32(0).u32(recs.length * 4).i32(idxAt).u32(hash.length - idxAt).i32(hash.length).u32(0);
  return { tpi: [header.done(), body.done()], hash: hash.done() };
}

function emptyIpi(): Uint8Array {
  return new Bytes().u32(20040203).u32(56).u32(0x1000).u32(0x1000).u32(0).u16(0xffff).u16(0xffff).u32(4).u32(0x3ffff).i32(0).u32(0).i32(0).u32(0).i32(0).u32(0).done();
}

/** The IPI stream with these records and no hash stream (readers walk it). */
function ipiStream(ids: Uint8Array[]): Uint8Array {
  const body = new Bytes();
  for (const r of ids) body.bytes(r);
  const h = new Bytes().u32(20040203).u32(56).u32(0x1000).u32(0x1000 + ids.length).u32(body.length).u16(0xffff).u16(0xffff).u32(4).u32(0x3ffff);
  h.i32(0).u32(0).i32(0).u32(0).i32(0).u32(0);
  return h.bytes(body.done()).done();
}

/** The files a procedure's lines name, the procedure's own first. */
function procFiles(m: SynthModule, p: SynthProc): string[] {
  if (!p.lines?.length) return [];
  const own = p.file ?? `${m.name}.cpp`;
  return [...new Set([own, ...p.lines.map((l) => l.file ?? own)])];
}

/** A module's stream: symbols (S_OBJNAME, procedures with S_END), C13 checksums and lines. */
function moduleStream(m: SynthModule, nameOffset: Map<string, number>): { bytes: Uint8Array; symBytes: number; c13Bytes: number } {
  const syms = new Bytes().u32(4);
  syms.bytes(record(S_OBJNAME, new Bytes().u32(0).cstr(m.name).done()));
  for (const p of m.procs) {
    const start = syms.length;
    const kind = p.kind ?? (p.local ? S_LPROC32 : S_GPROC32);
    const rec = record(kind, new Bytes().u32(0).u32(0).u32(0).u32(p.size).u32(0).u32(p.size).u32(p.typeIndex ?? 0).u32(p.offset).u16(p.section).u8(0).cstr(p.name).done());
    syms.bytes(rec);
    syms.setU32(start + 8, syms.length); // end: the S_END that follows
    syms.bytes(record(S_END, new Uint8Array(0)));
  }
  const symBytes = syms.length;
  // File checksums: one entry per file, no checksum.
  const uniq = [...new Set(m.procs.flatMap((p) => procFiles(m, p)))];
  const chk = new Bytes();
  const chkOffset = new Map<string, number>();
  for (const f of uniq) {
    chkOffset.set(f, chk.length);
    chk.u32(nameOffset.get(f) ?? 0).u8(0).u8(0).align(4);
  }
  const c13 = new Bytes();
  if (uniq.length > 0) c13.u32(0xf4).u32(chk.length).bytes(chk.done()).align(4);
  for (const p of m.procs) {
    if (!p.lines?.length) continue;
    const own = p.file ?? `${m.name}.cpp`;
    const sub = new Bytes().u32(p.offset).u16(p.section).u16(0).u32(p.size);
    // One block per file, in the order files first appear.
    for (const f of procFiles(m, p)) {
      const lines = p.lines.filter((l) => (l.file ?? own) === f);
      sub.u32(chkOffset.get(f)!).u32(lines.length).u32(12 + 8 * lines.length);
      for (const ln of lines) sub.u32(ln.offset).u32((ln.line & 0xff_ffff) | 0x8000_0000);
    }
    const data = sub.done();
    c13.u32(0xf2).u32(data.length).bytes(data).align(4);
  }
  const c13Bytes = c13.length;
  syms.bytes(c13.done()).u32(0); // global refs: none
  return { bytes: syms.done(), symBytes, c13Bytes };
}

function sectionHeaders(sections: SynthSection[]): Uint8Array {
  const b = new Bytes();
  for (const s of sections) {
    const name = new Uint8Array(8);
    name.set(Uint8Array.from(s.name.slice(0, 8), (c) => c.charCodeAt(0)));
    b.bytes(name).u32(s.virtualSize).u32(s.virtualAddress).u32(s.virtualSize).u32(0).u32(0).u32(0).u16(0).u16(0).u32(s.characteristics);
  }
  return b.done();
}

function dbiStream(p: SynthPdb, l: Layout, mods: Array<{ symBytes: number; c13Bytes: number; hasStream: boolean }>, fileNames: string[][]): Uint8Array {
  const sections = p.sections ?? DEFAULT_SECTIONS;
  const modules = p.modules ?? [];
  // Module info.
  const mi = new Bytes();
  modules.forEach((m, i) => {
    const first = m.procs[0];
    mi.u32(0);
    // The module's first contribution.
    mi.u16(first?.section ?? 0).u16(0).i32(first?.offset ?? 0).i32(first?.size ?? 0).u32(0x6000_0020).u16(i).u16(0).u32(0).u32(0);
    mi.u16(0).u16(mods[i]!.hasStream ? l.firstModule + i : 0xffff).u32(mods[i]!.symBytes).u32(0).u32(mods[i]!.c13Bytes);
    mi.u16(fileNames[i]!.length).u16(0).u32(0).u32(0).u32(0);
    mi.cstr(m.name).cstr(m.name).align(4);
  });
  // Section contributions (V60), one per procedure, sorted by section and offset.
  const contribs = modules.flatMap((m, i) => m.procs.map((pr) => ({ section: pr.section, offset: pr.offset, size: pr.size, module: i })));
  contribs.sort((a, b) => a.section - b.section || a.offset - b.offset);
  const sc = new Bytes().u32(0xeffe0000 + 19970605);
  for (const c of contribs) sc.u16(c.section).u16(0).i32(c.offset).i32(c.size).u32(0x6000_0020).u16(c.module).u16(0).u32(0).u32(0);
  // Section map: one entry per section, then the absolute one.
  const sm = new Bytes().u16(sections.length + 1).u16(sections.length + 1);
  sections.forEach((s, i) => sm.u16(s.characteristics & 0x20 ? 0x10d : 0x10b).u16(0).u16(0).u16(i + 1).u16(0xffff).u16(0xffff).u32(0).u32(s.virtualSize));
  sm.u16(0x208).u16(0).u16(0).u16(sections.length + 1).u16(0xffff).u16(0xffff).u32(0).u32(0xffff_ffff);
  // File info: per module its first file and count, then name offsets into the buffer that follows.
  const fi = new Bytes().u16(modules.length);
  const total = fileNames.reduce((n, f) => n + f.length, 0);
  fi.u16(total & 0xffff);
  let start = 0;
  for (const f of fileNames) {
    fi.u16(start & 0xffff);
    start += f.length;
  }
  for (const f of fileNames) fi.u16(f.length);
  const names = new Bytes();
  const nameAt = new Map<string, number>();
  for (const f of fileNames) {
    for (const n of f) {
      if (!nameAt.has(n)) {
        nameAt.set(n, names.length);
        names.cstr(n);
      }
      fi.u32(nameAt.get(n)!);
    }
  }
  const fileInfo = fi.bytes(names.done()).align(4).done();
  // Optional debug header: FPO, exception, fixup, OMAP to, OMAP from, section headers, ... orig.
  const dbg = new Bytes().u16(0xffff).u16(0xffff).u16(0xffff).u16(l.omapTo).u16(l.omapFrom).u16(l.sectionHeaders);
  for (let i = 6; i < 11; i++) dbg.u16(0xffff);
  const miB = mi.done();
  const scB = sc.done();
  const smB = sm.done();
  const dbgB = dbg.done();
  const ecB = EMPTY_EC;
  const h = new Bytes().i32(-1).u32(19990903).u32(p.age ?? 1).u16(l.gsi).u16(0x8e1d).u16(l.psi).u16(0).u16(l.gss).u16(0);
  h.i32(miB.length).i32(scB.length).i32(smB.length).i32(fileInfo.length).i32(0).u32(0).i32(dbgB.length).i32(ecB.length).u16(0).u16(p.machine ?? 0x8664).u32(0);
  return new Bytes().bytes(h.done()).bytes(miB).bytes(scB).bytes(smB).bytes(fileInfo).bytes(ecB).bytes(dbgB).done();
}

/** The DBI's edit-and-continue substream: a string table holding only the empty string. */
const EMPTY_EC = new Bytes().u32(0xeffeeffe).u32(1).u32(4).u32(0).u32(1).u32(0).u32(0).done();

function globalStreams(publics: SynthPublic[]): { gss: Uint8Array; psi: Uint8Array; gsi: Uint8Array } {
  const gss = new Bytes();
  const offs: Array<{ offset: number; name: string; section: number; off: number }> = [];
  for (const pub of publics) {
    offs.push({ offset: gss.length, name: pub.name, section: pub.section, off: pub.offset });
    gss.bytes(record(S_PUB32, new Bytes().u32(pub.flags ?? 2).u32(pub.offset).u16(pub.section).cstr(pub.name).done()));
  }
  const table = nameTable(offs);
  const addr = new Bytes();
  for (const o of [...offs].sort((a, b) => a.section - b.section || a.off - b.off || (a.name < b.name ? -1 : 1))) addr.u32(o.offset);
  const psi = new Bytes().u32(table.length).u32(addr.length).u32(0).u32(0).u16(0).u16(0).u32(0).u32(0).bytes(table).bytes(addr.done());
  return { gss: gss.done(), psi: psi.done(), gsi: nameTable([]) };
}

function omapStream(pairs: Array<[number, number]>): Uint8Array {
  const b = new Bytes();
  for (const [a, c] of pairs) b.u32(a).u32(c);
  return b.done();
}

function writeAll(p: SynthPdb, w: MsfWriter): void {
  const l = layoutFor(p);
  const modules = p.modules ?? [];
  const files = new Set<string>();
  for (const m of modules) for (const pr of m.procs) for (const f of procFiles(m, pr)) files.add(f);
  const names = stringTable([...files]);
  w.setStream(0, []);
  w.setStream(1, once(infoStream(p, l)));
  const { tpi, hash } = tpiStreams(p, l);
  w.setStream(2, tpi);
  w.setStream(4, once(p.ids ? ipiStream(p.ids) : emptyIpi()));
  w.setStream(l.tpiHash, once(hash));
  w.setStream(l.names, once(names.bytes));
  const g = globalStreams(p.publics ?? []);
  w.setStream(l.gss, once(g.gss));
  w.setStream(l.psi, once(g.psi));
  w.setStream(l.gsi, once(g.gsi));
  w.setStream(l.sectionHeaders, once(sectionHeaders(p.sections ?? DEFAULT_SECTIONS)));
  if (p.omap) {
    w.setStream(l.omapTo, once(omapStream(p.omap.to)));
    w.setStream(l.omapFrom, once(omapStream(p.omap.from)));
  }
  const info: Array<{ symBytes: number; c13Bytes: number; hasStream: boolean }> = [];
  const fileNames: string[][] = [];
  modules.forEach((m, i) => {
    const ms = moduleStream(m, names.offset);
    info.push({ symBytes: ms.symBytes, c13Bytes: ms.c13Bytes, hasStream: !m.noStream });
    if (!m.noStream) w.setStream(l.firstModule + i, once(ms.bytes));
    fileNames.push([...new Set(m.procs.flatMap((pr) => procFiles(m, pr)))]);
  });
  if (!p.noDbi) w.setStream(3, once(dbiStream(p, l, info, fileNames)));
  w.reserve(l.count);
}

/** The PDB described by `p`, in memory. */
export function buildPdb(p: SynthPdb): Uint8Array {
  const sink = new MemorySink();
  const w = new MsfWriter(sink, p.blockSize ?? 4096, p.interleave);
  writeAll(p, w);
  const size = w.finish();
  return sink.buf.slice(0, size);
}

/** Writes the PDB described by `p` to `path` block by block. */
export function writePdb(path: string, p: SynthPdb): number {
  const fd = openSync(path, 'w');
  try {
    const w = new MsfWriter(new FileSink(fd), p.blockSize ?? 4096, p.interleave);
    writeAll(p, w);
    return w.finish();
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// A big PDB, streamed.

export interface LargePdbShape {
  modules: number;
  procsPerModule: number;
  linesPerProc: number;
  /** Bytes of filler type records appended to the TPI (reaching a target file size). */
  typeFillerBytes: number;
  guid?: string;
  age?: number;
}

/** Procedure `k` of the large PDB: section 1 offset, name, public name. */
export function largeProc(k: number): { offset: number; size: number; name: string; publicName: string } {
  return { offset: k * 0x40, size: 0x30, name: `big::Namespace::Class${k % 997}::Method${k}`, publicName: `?Method${k}@Class${k % 997}@Namespace@big@@QEAAHH@Z` };
}

/**
 * Streams a large PDB to `path`: `modules` × `procsPerModule` procedures 0x40 bytes apart in
 * .text, each with a public and `linesPerProc` lines, and filler type records. Memory stays at a
 * block and a module's worth of records.
 */
export function writeLargePdb(path: string, shape: LargePdbShape): number {
  const fd = openSync(path, 'w');
  try {
    const w = new MsfWriter(new FileSink(fd), 4096);
    const nProcs = shape.modules * shape.procsPerModule;
    const sections: SynthSection[] = [
      { name: '.text', virtualAddress: 0x1000, virtualSize: nProcs * 0x40, characteristics: SCN_CODE },
      { name: '.data', virtualAddress: 0x1000 + nProcs * 0x40 + 0x1000, virtualSize: 0x1000, characteristics: SCN_DATA },
    ];
    const spec: SynthPdb = { guid: shape.guid, age: shape.age, sections, modules: [] };
    const l: Layout = { tpiHash: 5, names: 6, gsi: 7, psi: 8, gss: 9, sectionHeaders: 10, omapTo: 0xffff, omapFrom: 0xffff, firstModule: 11, count: 11 + shape.modules };
    const file = 'c:\\src\\big\\generated.cpp';
    const names = stringTable([file]);
    w.setStream(0, []);
    w.setStream(1, once(infoStream(spec, l)));
    // TPI: filler LF_ARGLIST records of ~4 KiB, index offsets every 8 KiB.
    const filler = types.argList(new Array(1000).fill(0x74));
    const nTypes = Math.ceil(shape.typeFillerBytes / filler.length);
    const hash = new Bytes();
    for (let i = 0; i < nTypes; i++) hash.u32(0);
    const idxAt = hash.length;
    for (let i = 0; i < nTypes; i += 2) hash.u32(0x1000 + i).u32(i * filler.length);
    const tpiHeader = new Bytes().u32(20040203).u32(56).u32(0x1000).u32(0x1000 + nTypes).u32(nTypes * filler.length).u16(l.tpiHash).u16(0xffff).u32(4).u32(0x3ffff);
    tpiHeader.i32(0).u32(nTypes * 4).i32(idxAt).u32(hash.length - idxAt).i32(hash.length).u32(0);
    w.setStream(2, (function* () {
      yield tpiHeader.done();
      const batch = 256;
      const block = new Uint8Array(filler.length * batch);
      for (let i = 0; i < batch; i++) block.set(filler, i * filler.length);
      for (let i = 0; i < nTypes; i += batch) yield block.subarray(0, Math.min(batch, nTypes - i) * filler.length);
    })());
    w.setStream(4, once(emptyIpi()));
    w.setStream(l.tpiHash, once(hash.done()));
    w.setStream(l.names, once(names.bytes));
    // Global symbols: one public per procedure, streamed; the PSI's address table alongside.
    const pubOffsets = new Uint32Array(nProcs);
    w.setStream(l.gss, (function* () {
      let at = 0;
      for (let k0 = 0; k0 < nProcs; k0 += 4096) {
        const b = new Bytes();
        for (let k = k0; k < Math.min(nProcs, k0 + 4096); k++) {
          const pr = largeProc(k);
          pubOffsets[k] = at + b.length;
          b.bytes(record(S_PUB32, new Bytes().u32(2).u32(pr.offset).u16(1).cstr(pr.publicName).done()));
        }
        at += b.length;
        yield b.done();
      }
    })());
    // The PSI without a name hash (lookups by address only), then an empty GSI.
    const addr = new Uint8Array(pubOffsets.buffer.slice(0));
    const emptyTable = nameTable([]);
    w.setStream(l.psi, [new Bytes().u32(emptyTable.length).u32(addr.length).u32(0).u32(0).u16(0).u16(0).u32(0).u32(0).bytes(emptyTable).done(), addr]);
    w.setStream(l.gsi, once(nameTable([])));
    w.setStream(l.sectionHeaders, once(sectionHeaders(sections)));
    const symBytes: number[] = [];
    const c13Bytes: number[] = [];
    for (let m = 0; m < shape.modules; m++) {
      const procs: SynthProc[] = [];
      for (let j = 0; j < shape.procsPerModule; j++) {
        const k = m * shape.procsPerModule + j;
        const pr = largeProc(k);
        const lines: SynthLine[] = [];
        for (let q = 0; q < shape.linesPerProc; q++) lines.push({ offset: Math.floor((q * pr.size) / shape.linesPerProc), line: 100 + q });
        procs.push({ name: pr.name, section: 1, offset: pr.offset, size: pr.size, lines, file });
      }
      const ms = moduleStream({ name: `c:\\obj\\big${m}.obj`, procs }, names.offset);
      symBytes.push(ms.symBytes);
      c13Bytes.push(ms.c13Bytes);
      w.setStream(l.firstModule + m, once(ms.bytes));
    }
    // DBI: module info, contributions (one per procedure, streamed), section map, debug header.
    const mi = new Bytes();
    for (let m = 0; m < shape.modules; m++) {
      const first = largeProc(m * shape.procsPerModule);
      mi.u32(0).u16(1).u16(0).i32(first.offset).i32(first.size).u32(0x6000_0020).u16(m).u16(0).u32(0).u32(0);
      mi.u16(0).u16(l.firstModule + m).u32(symBytes[m]!).u32(0).u32(c13Bytes[m]!).u16(1).u16(0).u32(0).u32(0).u32(0);
      mi.cstr(`c:\\obj\\big${m}.obj`).cstr(`c:\\lib\\big.lib`).align(4);
    }
    const miB = mi.done();
    const scLength = 4 + nProcs * 28;
    const sm = new Bytes().u16(3).u16(3);
    sections.forEach((s, i) => sm.u16(0x10d).u16(0).u16(0).u16(i + 1).u16(0xffff).u16(0xffff).u32(0).u32(s.virtualSize));
    sm.u16(0x208).u16(0).u16(0).u16(3).u16(0xffff).u16(0xffff).u32(0).u32(0xffff_ffff);
    const smB = sm.done();
    const fi = new Bytes().u16(shape.modules).u16(shape.modules & 0xffff);
    for (let m = 0; m < shape.modules; m++) fi.u16(m & 0xffff);
    for (let m = 0; m < shape.modules; m++) fi.u16(1);
    for (let m = 0; m < shape.modules; m++) fi.u32(0);
    fi.cstr(file).align(4);
    const fiB = fi.done();
    const dbg = new Bytes().u16(0xffff).u16(0xffff).u16(0xffff).u16(0xffff).u16(0xffff).u16(l.sectionHeaders);
    for (let i = 6; i < 11; i++) dbg.u16(0xffff);
    const dbgB = dbg.done();
    const h = new Bytes().i32(-1).u32(19990903).u32(shape.age ?? 1).u16(l.gsi).u16(0x8e1d).u16(l.psi).u16(0).u16(l.gss).u16(0);
    h.i32(miB.length).i32(scLength).i32(smB.length).i32(fiB.length).i32(0).u32(0).i32(dbgB.length).i32(EMPTY_EC.length).u16(0).u16(0x8664).u32(0);
    w.setStream(3, (function* () {
      yield h.done();
      yield miB;
      yield new Bytes().u32(0xeffe0000 + 19970605).done();
      for (let k0 = 0; k0 < nProcs; k0 += 4096) {
        const b = new Bytes();
        for (let k = k0; k < Math.min(nProcs, k0 + 4096); k++) {
          const pr = largeProc(k);
          b.u16(1).u16(0).i32(pr.offset).i32(pr.size).u32(0x6000_0020).u16(Math.floor(k / shape.procsPerModule)).u16(0).u32(0).u32(0);
        }
        yield b.done();
      }
      yield smB;
      yield fiB;
      yield EMPTY_EC;
      yield dbgB;
    })());
    return w.finish();
  } finally {
    closeSync(fd);
  }
}

/** Bytes per procedure of `writeLargePdb` before type filler (symbols, lines, public, contribution). */
const BIG_PROC_BYTES = 240;

/**
 * A PDB of about `mb` MiB with 1,000,000 procedures at 0x1000 + k * 0x40 (20,000 modules of 50,
 * two lines each, a public each), the rest filler type records: the big PDB of the memory test
 * and bench/symbols.bench.ts.
 */
export function writeBigPdb(path: string, mb: number): number {
  const modules = 20_000;
  const procsPerModule = 50;
  const fixed = modules * procsPerModule * BIG_PROC_BYTES;
  return writeLargePdb(path, { modules, procsPerModule, linesPerProc: 2, typeFillerBytes: Math.max(0, mb * 1024 * 1024 - fixed) });
}
