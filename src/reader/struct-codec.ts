// Compiles native-structs declarations into binary-parser chains, once, on first use, and
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

/**
 * The structs a module decodes (called at module load). Each is compiled on its first decode, not
 * here: compiling them all at load took 10-15 ms of every start-up (issue 19: `dumptriage FILE`
 * on a kernel dump or a minidump of 60,000 ranges) for structs most runs never decode (the five
 * CONTEXT layouts a dump does not use, the kernel structs in a minidump run and the reverse).
 * The layout tests (test/native-structs/*-layout.test.ts) still compile every one against its declared size.
 */
export function compileStructs(...defs: StructDef[]): void {
  void defs;
}

/** True when `def` is read by the DataView field plan rather than binary-parser (tests). */
export function decodedByPlan(def: StructDef): boolean {
  return flatPlan(def) !== undefined;
}

/** Size of the compiled parser, for the layout test. */
export function compiledSizeOf(def: StructDef): number {
  return parserFor(def).one.sizeOf();
}

/**
 * Structs of more than this many fields, all scalars and padding, are read by a loop over a
 * field plan with DataView instead of binary-parser's generated function. The generated function
 * for KDDEBUGGER_DATA64 (168 fields, 12.5 KB of code) is fine cold, but once hot V8's optimizing
 * compiler spent ~41.6 s on it (escape analysis): a scan of 2,200 kernel dumps waited for it
 * and the process exited 35-48 s after the scan ended. The plan gives the same objects (same
 * keys in the same order, bigint for 64-bit fields) at 0.40x the CPU warm. Nested structs count
 * with their fields: binary-parser inlines them (MINIDUMP_SYSTEM_MEMORY_INFO_1: 6 fields, 113
 * scalars, 1.9 s to optimize).
 */
const WIDE_FIELDS = 64;

type ScalarKind = 'u8' | 'u16' | 'u32' | 'u64' | 'i32' | 'i64';
const WIDTH: Record<ScalarKind, number> = { u8: 1, u16: 2, u32: 4, u64: 8, i32: 4, i64: 8 };
type Step = { name: string; at: number; kind: ScalarKind } | { name: string; at: number; kind: 'struct'; plan: Step[] };
interface Plan {
  steps: Step[];
  /** Scalar fields, nested structs' included. */
  leaves: number;
}
const flatPlans = new WeakMap<StructDef, Plan | null>();

/** Scalars, padding and nested structs of the same: the field plan; anything else: null. */
function planOf(def: StructDef): Plan | null {
  let plan = flatPlans.get(def);
  if (plan !== undefined) return plan;
  const steps: Step[] = [];
  let leaves = 0;
  let at = 0;
  plan = null;
  let flat = true;
  for (const f of def.fields) {
    const t = f.type;
    if (t.kind === 'pad') at += t.size;
    else if (t.kind in WIDTH) {
      steps.push({ name: f.name, kind: t.kind as ScalarKind, at });
      at += WIDTH[t.kind as ScalarKind];
      leaves++;
    } else if (t.kind === 'struct') {
      const sub = planOf(t.struct);
      if (!sub) flat = false;
      else {
        steps.push({ name: f.name, kind: 'struct', at, plan: sub.steps });
        at += t.struct.size;
        leaves += sub.leaves;
      }
    } else flat = false;
  }
  if (flat && at === def.size) plan = { steps, leaves };
  flatPlans.set(def, plan);
  return plan;
}

/** The field plan of a wide struct (more than WIDE_FIELDS scalars in all), or undefined. */
function flatPlan(def: StructDef): Step[] | undefined {
  const plan = planOf(def);
  return plan && plan.leaves > WIDE_FIELDS ? plan.steps : undefined;
}

function readPlan(steps: Step[], dv: DataView, base: number): Decoded {
  const out: Decoded = {};
  for (const s of steps) {
    const at = base + s.at;
    switch (s.kind) {
      case 'u8': out[s.name] = dv.getUint8(at); break;
      case 'u16': out[s.name] = dv.getUint16(at, true); break;
      case 'u32': out[s.name] = dv.getUint32(at, true); break;
      case 'u64': out[s.name] = dv.getBigUint64(at, true); break;
      case 'i32': out[s.name] = dv.getInt32(at, true); break;
      case 'i64': out[s.name] = dv.getBigInt64(at, true); break;
      case 'struct': out[s.name] = readPlan(s.plan, dv, at); break;
    }
  }
  return out;
}

function decodeFlat(steps: Step[], bytes: Uint8Array, at: number): Decoded {
  return readPlan(steps, new DataView(bytes.buffer, bytes.byteOffset), at);
}

/** Node's Buffer where there is one (dumptriage/core also runs without it, in a browser). */
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

/** The bytes as a Buffer view in Node (decoded `bytes(n)` fields are then Buffer views, as they always were there); elsewhere as they are. */
function toBuffer(bytes: Uint8Array): Uint8Array {
  if (!NodeBuffer) return bytes;
  return NodeBuffer.isBuffer(bytes) ? bytes : NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decode one struct from `bytes` starting at `at` (default 0). `fileOffset` is the absolute
 * position of bytes[0], used only in error messages.
 */
export function decodeStruct<T = Decoded>(def: StructDef, bytes: Uint8Array, fileOffset = 0, at = 0): T {
  if (at < 0 || bytes.length - at < def.size) {
    throw new TruncatedDumpError({ struct: def.name, offset: fileOffset + at, wanted: def.size, available: bytes.length - at });
  }
  const plan = flatPlan(def);
  if (plan) return decodeFlat(plan, bytes, at) as T;
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
  const plan = flatPlan(def);
  if (plan) return Array.from({ length: count }, (_, i) => decodeFlat(plan, bytes, at + i * def.size) as T);
  try {
    return (parserFor(def).many.parse(toBuffer(bytes.subarray(at, at + need))) as { items: T[] }).items;
  } catch (e) {
    if (isDumpError(e)) throw e;
    throw new DumpFormatError('BadValue', `cannot decode: ${(e as Error).message}`, { struct: def.name, offset: fileOffset + at, cause: e });
  }
}

/** binary-parser's decoding of one struct, whatever its width (tests compare the field plan to it). */
export function decodeWithParser(def: StructDef, bytes: Uint8Array): Decoded {
  return parserFor(def).one.parse(toBuffer(bytes.subarray(0, def.size))) as Decoded;
}
