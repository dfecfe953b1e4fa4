// Type records (the TPI stream, 2, and the IPI stream of ids, 4) and the one thing we format from
// them: a function signature as DIA writes it for a function that has no public symbol
// (internal linkage), e.g. `static int x_ismbbtype_l(struct localeinfo_struct *, unsigned int,
// int, int)`. Breakpad's dump_syms prints that text as the FUNC name.
//
//   header (56 bytes): version, headerSize, typeIndexBegin, typeIndexEnd, typeRecordBytes,
//     u16 hashStream, u16 hashAuxStream, hashKeySize, numHashBuckets, then (offset, length) of
//     the hash values, the index offsets and the hash adjusters in the hash stream
//   records from headerSize: u16 length, u16 leaf kind, data
//
// A type index is found through the hash stream's index offsets: (type index, record offset)
// pairs every ~8 KiB, so a lookup reads one such chunk and walks it. Without a usable table
// (absent, unsorted, or chunks over MAX_INDEX_GAP) one pass over the records builds the same kind
// of sparse table. Chunks are cached (LRU, MAX_TYPE_CHUNKS). Formatting carries the path of the
// types being printed: a type met again on it (a pointer to itself, a modifier and a pointer
// naming each other) prints as nothing, and the walk stops at MAX_TYPE_DEPTH, never recursing far.
//
// DIA's rendering, as dump_syms shows it: simple types by their C names (`unsigned __int64`,
// `wchar_t`), UDTs with their keyword (`struct localeinfo_struct`), a pointer as its pointee and
// ` *` (`char * *`), const as a prefix (`const char *`), and procedure types, as pointees, as
// nothing at all (`static void _initterm( * *,  * *)` for two `void (**)(void)` arguments).

import type { MsfStream } from './msf.js';
import { cstring, formatError, GrowU32, view } from './bytes.js';
import { MAX_NAME_BYTES, MAX_SIGNATURE_ARGS, MAX_SIGNATURE_CHARS, MAX_TYPE_CHUNKS, MAX_TYPE_DEPTH } from './limits.js';
import { walkRecords } from './records.js';

const HEADER_MIN = 56;
/** Bytes between two index-offset entries past which we build our own table. */
const MAX_INDEX_GAP = 256 * 1024;
/** Our own sparse table: one entry per this many bytes of records. */
const OWN_INDEX_STEP = 16 * 1024;

export const LF_MODIFIER = 0x1001;
export const LF_POINTER = 0x1002;
export const LF_PROCEDURE = 0x1008;
export const LF_MFUNCTION = 0x1009;
export const LF_ARGLIST = 0x1201;
export const LF_BITFIELD = 0x1205;
export const LF_ARRAY = 0x1503;
export const LF_CLASS = 0x1504;
export const LF_STRUCTURE = 0x1505;
export const LF_UNION = 0x1506;
export const LF_ENUM = 0x1507;
export const LF_INTERFACE = 0x1519;
export const LF_CLASS2 = 0x1608;
export const LF_STRUCTURE2 = 0x1609;
export const LF_UNION2 = 0x160a;
export const LF_INTERFACE2 = 0x160b;
export const LF_FUNC_ID = 0x1601;
export const LF_MFUNC_ID = 0x1602;

interface Chunk {
  /** Record offsets relative to `bytes`, one per type from the chunk's first index. */
  starts: Uint32Array;
  bytes: Uint8Array;
}

export class TypeTable {
  private readonly chunks = new Map<number, Chunk>();
  /** Sparse index: type index and record offset (from the first record) of each chunk start. */
  private indexTi: Uint32Array = new Uint32Array(0);
  private indexOff: Uint32Array = new Uint32Array(0);
  private indexed: Promise<void> | undefined;

  private constructor(
    readonly stream: MsfStream,
    readonly struct: string,
    readonly begin: number,
    readonly end: number,
    private readonly recordsAt: number,
    private readonly recordBytes: number,
    private readonly hashStream: MsfStream | undefined,
    private readonly indexOffsetsAt: number,
    private readonly indexOffsetsBytes: number,
  ) {}

  static async open(stream: MsfStream, struct: string, hashStreamOf: (index: number) => MsfStream | undefined): Promise<TypeTable> {
    const src = stream.msf.source;
    if (stream.size < HEADER_MIN) throw formatError(src, 'OutOfBounds', struct, stream.fileOffset(0), `type stream of ${stream.size} bytes is shorter than its ${HEADER_MIN}-byte header`);
    const dv = view(await stream.read(0, HEADER_MIN, struct));
    const headerSize = dv.getUint32(4, true);
    const begin = dv.getUint32(8, true);
    const end = dv.getUint32(12, true);
    const recordBytes = dv.getUint32(16, true);
    if (headerSize < HEADER_MIN || headerSize > stream.size) throw formatError(src, 'BadValue', struct, stream.fileOffset(4), `type stream header size ${headerSize} is not within the stream of ${stream.size} bytes`);
    if (recordBytes > stream.size - headerSize) throw formatError(src, 'OutOfBounds', struct, stream.fileOffset(16), `type records of ${recordBytes} bytes do not fit the stream of ${stream.size}`);
    if (begin !== 0x1000 || end < begin) throw formatError(src, 'BadValue', struct, stream.fileOffset(8), `type index range ${begin.toString(16)}..${end.toString(16)} does not start at 0x1000`);
    const hash = hashStreamOf(dv.getUint16(20, true));
    return new TypeTable(stream, struct, begin, end, headerSize, recordBytes, hash, dv.getInt32(40, true), dv.getUint32(44, true));
  }

  get indexBytes(): number {
    let n = this.indexTi.byteLength + this.indexOff.byteLength;
    for (const c of this.chunks.values()) n += c.bytes.byteLength + c.starts.byteLength;
    return n;
  }

  /** Loads the index offsets from the hash stream, or builds them with one pass. */
  private async loadIndex(): Promise<void> {
    const h = this.hashStream;
    if (h && this.indexOffsetsBytes >= 8 && this.indexOffsetsAt >= 0 && this.indexOffsetsAt + this.indexOffsetsBytes <= h.size) {
      const n = Math.floor(this.indexOffsetsBytes / 8);
      const dv = view(await h.read(this.indexOffsetsAt, n * 8, this.struct));
      const ti = new Uint32Array(n);
      const off = new Uint32Array(n);
      let ok = true;
      for (let i = 0; i < n && ok; i++) {
        ti[i] = dv.getUint32(i * 8, true);
        off[i] = dv.getUint32(i * 8 + 4, true);
        const prevOff = i === 0 ? 0 : off[i - 1]!;
        ok = ti[i]! >= this.begin && ti[i]! < this.end && off[i]! < this.recordBytes && (i === 0 ? ti[0] === this.begin && off[0] === 0 : ti[i]! > ti[i - 1]! && off[i]! > prevOff && off[i]! - prevOff <= MAX_INDEX_GAP);
      }
      if (ok && this.recordBytes - off[n - 1]! <= MAX_INDEX_GAP) {
        this.indexTi = ti;
        this.indexOff = off;
        return;
      }
    }
    // One pass: an entry every OWN_INDEX_STEP bytes of records.
    const tis = new GrowU32();
    const offs = new GrowU32();
    let t = this.begin;
    let last = -Infinity;
    await walkRecords(this.stream, this.recordsAt, this.recordsAt + this.recordBytes, this.struct, (_k, _b, at) => {
      if (t >= this.end) return false;
      const rel = at - this.recordsAt;
      if (rel - last >= OWN_INDEX_STEP) {
        tis.push(t);
        offs.push(rel);
        last = rel;
      }
      t++;
    });
    this.indexTi = tis.done();
    this.indexOff = offs.done();
  }

  /** The record of type index `ti` (kind and the whole record), or undefined if absent. */
  async record(ti: number): Promise<{ kind: number; bytes: Uint8Array } | undefined> {
    if (ti < this.begin || ti >= this.end) return undefined;
    this.indexed ??= this.loadIndex();
    await this.indexed;
    // The last chunk starting at or below ti.
    let lo = 0;
    let hi = this.indexTi.length - 1;
    let c = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.indexTi[mid]! <= ti) {
        c = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (c < 0) return undefined;
    const chunk = await this.chunk(c);
    const k = ti - this.indexTi[c]!;
    if (k >= chunk.starts.length) return undefined;
    const s = chunk.starts[k]!;
    const dv = view(chunk.bytes);
    const len = dv.getUint16(s, true) + 2;
    return { kind: dv.getUint16(s + 2, true), bytes: chunk.bytes.subarray(s, s + len) };
  }

  private async chunk(c: number): Promise<Chunk> {
    const hit = this.chunks.get(c);
    if (hit) {
      this.chunks.delete(c);
      this.chunks.set(c, hit);
      return hit;
    }
    const start = this.indexOff[c]!;
    const endOff = c + 1 < this.indexOff.length ? this.indexOff[c + 1]! : this.recordBytes;
    // Index entries point at record starts, so a chunk ends where the next one begins.
    const want = endOff - start;
    const bytes = (await this.stream.read(this.recordsAt + start, want, this.struct)).slice();
    const dv = view(bytes);
    const starts = new GrowU32();
    const types = c + 1 < this.indexTi.length ? this.indexTi[c + 1]! - this.indexTi[c]! : this.end - this.indexTi[c]!;
    for (let p = 0; p + 4 <= bytes.length && starts.n < types; ) {
      const len = dv.getUint16(p, true);
      if (len < 2 || p + len + 2 > bytes.length) break;
      starts.push(p);
      p += len + 2;
    }
    const chunk = { starts: starts.done(), bytes };
    this.chunks.set(c, chunk);
    if (this.chunks.size > MAX_TYPE_CHUNKS) this.chunks.delete(this.chunks.keys().next().value!);
    return chunk;
  }
}

/** A numeric leaf (LF_CHAR ... LF_UQUADWORD) at `at`: its value and its size in bytes. */
export function numericLeaf(b: Uint8Array, at: number): { value: number; size: number } | undefined {
  if (at + 2 > b.length) return undefined;
  const dv = view(b);
  const v = dv.getUint16(at, true);
  if (v < 0x8000) return { value: v, size: 2 };
  const need = (n: number): boolean => at + 2 + n <= b.length;
  switch (v) {
    case 0x8000: return need(1) ? { value: dv.getInt8(at + 2), size: 3 } : undefined;
    case 0x8001: return need(2) ? { value: dv.getInt16(at + 2, true), size: 4 } : undefined;
    case 0x8002: return need(2) ? { value: dv.getUint16(at + 2, true), size: 4 } : undefined;
    case 0x8003: return need(4) ? { value: dv.getInt32(at + 2, true), size: 6 } : undefined;
    case 0x8004: return need(4) ? { value: dv.getUint32(at + 2, true), size: 6 } : undefined;
    case 0x8009: return need(8) ? { value: Number(dv.getBigInt64(at + 2, true)), size: 10 } : undefined;
    case 0x800a: return need(8) ? { value: Number(dv.getBigUint64(at + 2, true)), size: 10 } : undefined;
    default: return undefined;
  }
}

/** DIA's names of the simple (built-in) types, by the low byte of the type index. */
const SIMPLE: Record<number, string> = {
  0x00: '',
  0x03: 'void',
  0x08: 'HRESULT',
  0x10: 'signed char',
  0x20: 'unsigned char',
  0x70: 'char',
  0x71: 'wchar_t',
  0x7a: 'char16_t',
  0x7b: 'char32_t',
  0x7c: 'char8_t',
  0x68: '__int8',
  0x69: 'unsigned __int8',
  0x11: 'short',
  0x21: 'unsigned short',
  0x72: 'short',
  0x73: 'unsigned short',
  0x12: 'long',
  0x22: 'unsigned long',
  0x74: 'int',
  0x75: 'unsigned int',
  0x13: '__int64',
  0x23: 'unsigned __int64',
  0x76: '__int64',
  0x77: 'unsigned __int64',
  0x14: '__int128',
  0x24: 'unsigned __int128',
  0x78: '__int128',
  0x79: 'unsigned __int128',
  0x40: 'float',
  0x41: 'double',
  0x42: 'long double',
  0x43: '__float128',
  0x46: '__half',
  0x30: 'bool',
  0x31: 'bool',
  0x32: 'bool',
  0x33: 'bool',
};

export function simpleTypeName(ti: number): string {
  const mode = (ti >> 8) & 0xf;
  const base = SIMPLE[ti & 0xff] ?? '';
  return mode === 0 ? base : `${base} *`;
}

export class SignatureFormatter {
  constructor(
    private readonly tpi: TypeTable | undefined,
    private readonly ipi: TypeTable | undefined,
  ) {}

  /** Bytes held by the type tables' indexes and cached chunks. */
  get indexBytes(): number {
    return (this.tpi?.indexBytes ?? 0) + (this.ipi?.indexBytes ?? 0);
  }

  /** The TPI type of a procedure: `ti` itself, or for the _ID kinds the type its IPI id names. */
  async functionType(ti: number, isId: boolean): Promise<number> {
    if (!isId) return ti;
    const r = await this.ipi?.record(ti);
    if (!r || (r.kind !== LF_FUNC_ID && r.kind !== LF_MFUNC_ID) || r.bytes.length < 12) return 0;
    return view(r.bytes).getUint32(8, true);
  }

  /**
   * DIA's undecorated form of a function with internal linkage: `static <return> <name>(<args>)`;
   * with no type, `static  <name>()`. (Breakpad turns a trailing `(void)` into `()`.)
   */
  async staticSignature(name: string, typeIndex: number): Promise<string> {
    const prefix = 'static ';
    const r = typeIndex >= 0x1000 ? await this.tpi?.record(typeIndex) : undefined;
    let ret = '';
    let args = '';
    if (r && (r.kind === LF_PROCEDURE || r.kind === LF_MFUNCTION)) {
      const dv = view(r.bytes);
      const proc = r.kind === LF_PROCEDURE;
      const need = proc ? 16 : 28;
      if (r.bytes.length >= need) {
        ret = await this.typeName(dv.getUint32(4, true), 0);
        args = await this.argList(dv.getUint32(proc ? 12 : 20, true));
      }
    }
    return clip(`${prefix}${ret} ${name}(${args})`);
  }

  private async argList(ti: number): Promise<string> {
    const r = await this.tpi?.record(ti);
    if (!r || r.kind !== LF_ARGLIST || r.bytes.length < 8) return 'void';
    const dv = view(r.bytes);
    const n = Math.min(dv.getUint32(4, true), Math.floor((r.bytes.length - 8) / 4), MAX_SIGNATURE_ARGS);
    if (n === 0) return 'void';
    const out: string[] = [];
    let chars = 0;
    for (let i = 0; i < n && chars < MAX_SIGNATURE_CHARS; i++) {
      const a = dv.getUint32(8 + i * 4, true);
      const s = a === 0 ? '...' : await this.typeName(a, 0);
      out.push(s);
      chars += s.length + 2;
    }
    return out.join(', ');
  }

  /**
   * A type's name as DIA prints it in a signature ('' for what it prints as nothing). `path` holds
   * the types being printed around this one: a type met again is a cycle (a hostile record
   * pointing at itself) and prints as nothing, as does anything deeper than MAX_TYPE_DEPTH.
   */
  async typeName(ti: number, depth: number, path: number[] = []): Promise<string> {
    if (ti < 0x1000) return simpleTypeName(ti);
    if (depth >= MAX_TYPE_DEPTH || path.includes(ti)) return '';
    path.push(ti);
    try {
      return await this.composite(ti, depth, path);
    } finally {
      path.pop();
    }
  }

  private async composite(ti: number, depth: number, path: number[]): Promise<string> {
    const r = await this.tpi?.record(ti);
    if (!r) return '';
    const b = r.bytes;
    const dv = view(b);
    switch (r.kind) {
      case LF_MODIFIER: {
        if (b.length < 10) return '';
        const inner = dv.getUint32(4, true);
        const mods = dv.getUint16(8, true);
        const q = `${mods & 1 ? 'const ' : ''}${mods & 2 ? 'volatile ' : ''}${mods & 4 ? '__unaligned ' : ''}`;
        const s = await this.typeName(inner, depth + 1, path);
        // On a pointer the qualifier follows it (`char * const`); on anything else it leads.
        return (await this.isPointer(inner)) ? `${s} ${q.trim()}` : clip(q + s);
      }
      case LF_POINTER: {
        if (b.length < 12) return '';
        const attrs = dv.getUint32(8, true);
        const mode = (attrs >> 5) & 7;
        const s = await this.typeName(dv.getUint32(4, true), depth + 1, path);
        const mark = mode === 1 ? '&' : mode === 4 ? '&&' : '*';
        const cv = `${attrs & (1 << 10) ? ' const' : ''}${attrs & (1 << 9) ? ' volatile' : ''}`;
        return clip(`${s} ${mark}${cv}`);
      }
      case LF_CLASS:
      case LF_STRUCTURE:
      case LF_INTERFACE:
        return b.length > 20 ? udtName(r.kind, b, 20) : '';
      case LF_CLASS2:
      case LF_STRUCTURE2:
      case LF_INTERFACE2:
        return b.length > 24 ? udtName(r.kind, b, 24) : '';
      case LF_UNION:
        return b.length > 12 ? udtName(r.kind, b, 12) : '';
      case LF_UNION2:
        return b.length > 16 ? udtName(r.kind, b, 16) : '';
      case LF_ENUM:
        return b.length > 16 ? `enum ${cstring(b, 16, b.length, MAX_NAME_BYTES)}` : '';
      case LF_BITFIELD:
        return b.length >= 8 ? this.typeName(dv.getUint32(4, true), depth + 1, path) : '';
      case LF_ARRAY: {
        if (b.length < 14) return '';
        const elem = await this.typeName(dv.getUint32(4, true), depth + 1, path);
        const size = numericLeaf(b, 12);
        return clip(`${elem} [${size?.value ?? ''}]`);
      }
      default:
        // Procedures (as pointees), field lists, vtable shapes...: DIA prints nothing.
        return '';
    }
  }

  private async isPointer(ti: number): Promise<boolean> {
    if (ti < 0x1000) return ((ti >> 8) & 0xf) !== 0;
    const r = await this.tpi?.record(ti);
    return r?.kind === LF_POINTER;
  }
}

/** `struct name`, `class name`, `union name` from the name after the size leaf at `at`. */
function udtName(kind: number, b: Uint8Array, sizeAt: number): string {
  const size = numericLeaf(b, sizeAt);
  if (!size) return '';
  const keyword = kind === LF_CLASS || kind === LF_CLASS2 ? 'class' : kind === LF_UNION || kind === LF_UNION2 ? 'union' : kind === LF_INTERFACE || kind === LF_INTERFACE2 ? 'interface' : 'struct';
  return `${keyword} ${cstring(b, sizeAt + size.size, b.length, MAX_NAME_BYTES)}`;
}

function clip(s: string): string {
  return s.length > MAX_SIGNATURE_CHARS ? s.slice(0, MAX_SIGNATURE_CHARS) : s;
}
