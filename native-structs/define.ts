// Declarations of on-disk layouts. Pure data: this folder imports nothing from src/ or test/.
//
// A struct is a name, an explicit byte size and an ordered field list. `defineStruct` checks at
// load time that the fields add up to the declared size, so a typo in a layout fails on import,
// not in a customer's dump. src/reader/struct-codec.ts compiles each declaration into a
// binary-parser chain; test/synth/encode.ts builds the matching encoder from the same data.

/** Scalar field kinds, all little-endian. */
export type ScalarKind = 'u8' | 'u16' | 'u32' | 'u64' | 'i32' | 'i64';

export type FieldType =
  | { readonly kind: ScalarKind; readonly size: number }
  | { readonly kind: 'bytes'; readonly size: number }
  | { readonly kind: 'pad'; readonly size: number }
  | { readonly kind: 'array'; readonly size: number; readonly of: FieldType; readonly count: number }
  | { readonly kind: 'struct'; readonly size: number; readonly struct: StructDef };

export type FieldDecl = readonly [name: string, type: FieldType];

export interface FieldLayout {
  readonly name: string;
  readonly type: FieldType;
  readonly offset: number;
}

export interface StructDef {
  readonly name: string;
  readonly size: number;
  readonly fields: readonly FieldLayout[];
  /** Field offset by name; undefined for unknown names. */
  offsetOf(field: string): number;
}

export const u8: FieldType = { kind: 'u8', size: 1 };
export const u16: FieldType = { kind: 'u16', size: 2 };
export const u32: FieldType = { kind: 'u32', size: 4 };
export const u64: FieldType = { kind: 'u64', size: 8 };
export const i32: FieldType = { kind: 'i32', size: 4 };
export const i64: FieldType = { kind: 'i64', size: 8 };

/** Raw bytes kept as a Uint8Array (copied out of the read buffer by the codec). */
export function bytes(size: number): FieldType {
  return { kind: 'bytes', size };
}

/** Explicit padding or a reserved area we do not decode. Named `pad0`, `pad1`, ... by convention. */
export function pad(size: number): FieldType {
  return { kind: 'pad', size };
}

/** A fixed-length array of scalars or structs. */
export function array(of: FieldType, count: number): FieldType {
  if (of.kind === 'pad') throw new Error('array of pad is not a field');
  return { kind: 'array', size: of.size * count, of, count };
}

/** A nested struct, decoded into a sub-object. */
export function struct(def: StructDef): FieldType {
  return { kind: 'struct', size: def.size, struct: def };
}

/**
 * Declare a struct. Throws at module load when the fields do not add up to `size` or when a
 * field name repeats: both are layout bugs.
 */
export function defineStruct(name: string, size: number, decls: readonly FieldDecl[]): StructDef {
  let offset = 0;
  const fields: FieldLayout[] = [];
  const byName = new Map<string, number>();
  for (const [fieldName, type] of decls) {
    if (byName.has(fieldName)) throw new Error(`${name}: field ${fieldName} declared twice`);
    byName.set(fieldName, offset);
    fields.push(Object.freeze({ name: fieldName, type, offset }));
    offset += type.size;
  }
  if (offset !== size) {
    throw new Error(`${name}: fields add up to ${offset} bytes, declared size is ${size}`);
  }
  return Object.freeze({
    name,
    size,
    fields: Object.freeze(fields),
    offsetOf(field: string): number {
      const at = byName.get(field);
      if (at === undefined) throw new Error(`${name} has no field ${field}`);
      return at;
    },
  });
}
