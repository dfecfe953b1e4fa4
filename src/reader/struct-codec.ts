// Compiles native-structs declarations into binary-parser chains, once, at module load, and
// decodes exact-size slices with them. binary-parser rules we keep (see STYLE.md §3): every chain
// is little-endian, fixed layouts only, no pointer/seek with file offsets, no bit fields, no
// assert. Whatever the library throws anyway is wrapped as a typed error with struct and offset.

import { Parser } from 'binary-parser';
import type { FieldType, StructDef } from '../../native-structs/define.js';
import { DumpFormatError, TruncatedDumpError, isDumpError } from '../errors.js';

/** Decoded value of a field: numbers for ≤ 32-bit, bigint for 64-bit, Uint8Array for bytes. */
export type Decoded = Record<string, unknown>;

const compiled = new WeakMap<StructDef, { one: Parser; many: Parser }>();

function scalarParser(p: Parser, name: string, t: FieldType): Parser {
  switch (t.kind) {
    case 'u8': return p.uint8(name);
    case 'u16': return p.uint16le(name);
    case 'u32': return p.uint32le(name);
    case 'u64': return p.uint64le(name);
    case 'i32': return p.int32le(name);
    case 'i64': return p.int64le(name);
    default: throw new Error(`not a scalar: ${t.kind}`);
  }
}

const arrayTypeName: Record<string, string> = {
  u8: 'uint8', u16: 'uint16le', u32: 'uint32le', u64: 'uint64le', i32: 'int32le', i64: 'int64le',
};

function build(def: StructDef): Parser {
  let p = new Parser().endianness('little');
  for (const f of def.fields) {
    const t = f.type;
    switch (t.kind) {
      case 'pad':
        p = p.seek(t.size);
        break;
      case 'bytes':
        p = p.buffer(f.name, { length: t.size, clone: true });
        break;
      case 'struct':
        p = p.nest(f.name, { type: parserFor(t.struct).one });
        break;
      case 'array': {
        const of = t.of;
        if (of.kind === 'struct') p = p.array(f.name, { type: parserFor(of.struct).one, length: t.count });
        else if (of.kind === 'bytes') p = p.array(f.name, { type: new Parser().buffer('v', { length: of.size, clone: true }), length: t.count });
        else p = p.array(f.name, { type: arrayTypeName[of.kind] as 'uint32le', length: t.count });
        break;
      }
      default:
        p = scalarParser(p, f.name, t);
    }
  }
  return p;
}

function parserFor(def: StructDef): { one: Parser; many: Parser } {
  let entry = compiled.get(def);
  if (!entry) {
    const one = build(def);
    const many = new Parser().endianness('little').array('items', { type: one, readUntil: 'eof' });
    one.compile();
    many.compile();
    if (one.sizeOf() !== def.size) throw new Error(`${def.name}: parser size ${one.sizeOf()} != declared ${def.size}`);
    entry = { one, many };
    compiled.set(def, entry);
  }
  return entry;
}

/** Compile eagerly (call at module load for the structs a module uses). */
export function compileStructs(...defs: StructDef[]): void {
  for (const d of defs) parserFor(d);
}

/** Size of the compiled parser, for the layout test. */
export function compiledSizeOf(def: StructDef): number {
  return parserFor(def).one.sizeOf();
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decode one struct from `bytes` starting at `at` (default 0). `fileOffset` is the absolute
 * position of bytes[0], used only in error messages.
 */
export function decodeStruct<T = Decoded>(def: StructDef, bytes: Uint8Array, fileOffset = 0, at = 0): T {
  if (at < 0 || bytes.length - at < def.size) {
    throw new TruncatedDumpError({ struct: def.name, offset: fileOffset + at, wanted: def.size, available: bytes.length - at });
  }
  try {
    return parserFor(def).one.parse(toBuffer(bytes.subarray(at, at + def.size))) as T;
  } catch (e) {
    if (isDumpError(e)) throw e;
    throw new DumpFormatError('BadValue', `cannot decode: ${(e as Error).message}`, { struct: def.name, offset: fileOffset + at, cause: e });
  }
}

/** Decode `count` consecutive structs from `bytes` starting at `at`, in one pass. */
export function decodeArray<T = Decoded>(def: StructDef, bytes: Uint8Array, count: number, fileOffset = 0, at = 0): T[] {
  if (count === 0) return [];
  const need = def.size * count;
  if (!Number.isSafeInteger(need) || at < 0 || bytes.length - at < need) {
    throw new TruncatedDumpError({ struct: `${def.name}[${count}]`, offset: fileOffset + at, wanted: need, available: bytes.length - at });
  }
  try {
    return (parserFor(def).many.parse(toBuffer(bytes.subarray(at, at + need))) as { items: T[] }).items;
  } catch (e) {
    if (isDumpError(e)) throw e;
    throw new DumpFormatError('BadValue', `cannot decode: ${(e as Error).message}`, { struct: def.name, offset: fileOffset + at, cause: e });
  }
}
