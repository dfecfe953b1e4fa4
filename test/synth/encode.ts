// Encoders built from the same native-structs declarations the parsers are compiled from
// (binary-parser has no encoder). Missing fields encode as zero.

import type { FieldType, StructDef } from '../../native-structs/define.js';

export type Values = Record<string, unknown>;

function putField(dv: DataView, bytes: Uint8Array, at: number, t: FieldType, v: unknown, where: string): void {
  switch (t.kind) {
    case 'pad':
      return;
    case 'u8':
      dv.setUint8(at, Number(v ?? 0));
      return;
    case 'u16':
      dv.setUint16(at, Number(v ?? 0), true);
      return;
    case 'u32':
      dv.setUint32(at, Number(v ?? 0) >>> 0, true);
      return;
    case 'i32':
      dv.setInt32(at, Number(v ?? 0), true);
      return;
    case 'u64':
      dv.setBigUint64(at, BigInt.asUintN(64, BigInt((v as bigint | number | undefined) ?? 0)), true);
      return;
    case 'i64':
      dv.setBigInt64(at, BigInt.asIntN(64, BigInt((v as bigint | number | undefined) ?? 0)), true);
      return;
    case 'bytes': {
      if (v === undefined) return;
      const src = v as Uint8Array;
      if (src.length > t.size) throw new Error(`${where}: ${src.length} bytes do not fit ${t.size}`);
      bytes.set(src, at);
      return;
    }
    case 'struct':
      if (v !== undefined) encodeInto(t.struct, v as Values, bytes, at);
      return;
    case 'array': {
      const items = (v as unknown[] | undefined) ?? [];
      if (items.length > t.count) throw new Error(`${where}: ${items.length} items do not fit ${t.count}`);
      items.forEach((item, i) => putField(dv, bytes, at + i * t.of.size, t.of, item, `${where}[${i}]`));
      return;
    }
  }
}

/** Encode `values` into `bytes` at `at`. Unknown keys are an error (a typo in a test). */
export function encodeInto(def: StructDef, values: Values, bytes: Uint8Array, at = 0): void {
  const known = new Set(def.fields.map((f) => f.name));
  for (const k of Object.keys(values)) if (!known.has(k)) throw new Error(`${def.name} has no field ${k}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const f of def.fields) putField(dv, bytes, at + f.offset, f.type, values[f.name], `${def.name}.${f.name}`);
}

export function encodeStruct(def: StructDef, values: Values = {}): Uint8Array {
  const out = new Uint8Array(def.size);
  encodeInto(def, values, out, 0);
  return out;
}

export function encodeArray(def: StructDef, items: Values[]): Uint8Array {
  const out = new Uint8Array(def.size * items.length);
  items.forEach((v, i) => encodeInto(def, v, out, i * def.size));
  return out;
}

/** UTF-16LE bytes of `text` (no terminator). */
export function utf16(text: string): Uint8Array {
  const b = Buffer.from(text, 'utf16le');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Concatenate byte arrays. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
