// Little helpers shared by the PDB decoders: DataView over a read slice, NUL-terminated names
// with a bound, and the typed error every decoder throws.

import type { ByteSource } from '../../reader/byte-source.js';
import { DumpFormatError, type FormatErrorCode } from '../../errors.js';
import { hex } from '../../util/hex.js';

export function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Bytes [s, e) as UTF-8 (MSVC writes names in UTF-8 since VC 7; bad sequences become U+FFFD). */
export function text(b: Uint8Array, s: number, e: number): string {
  return utf8.decode(b.subarray(s, e));
}

/**
 * Index of the NUL that ends the name starting at `start`, looking no further than `end` and
 * `max` bytes; -1 when there is none in that window.
 */
export function nulAt(b: Uint8Array, start: number, end: number, max: number): number {
  const stop = Math.min(end, b.length, start + max);
  for (let i = start; i < stop; i++) if (b[i] === 0) return i;
  return -1;
}

/**
 * The NUL-terminated name at `start` within [start, end). A record whose name has no NUL before
 * its end still gets the bytes that are there (records are length-prefixed, so the end is
 * known); the name is cut at `max` bytes.
 */
export function cstring(b: Uint8Array, start: number, end: number, max: number): string {
  if (start >= end) return '';
  const z = nulAt(b, start, end, max);
  return text(b, start, z < 0 ? Math.min(end, start + max) : z);
}

/** A structural error naming the file, the absolute offset and the structure. */
export function formatError(source: ByteSource, code: FormatErrorCode, struct: string, offset: number, detail: string): DumpFormatError {
  return new DumpFormatError(code, detail, { struct, offset, path: source.name });
}

/** `value` as a u32 hex string for messages. */
export function h(value: number): string {
  return hex(value);
}

/** Round up to a multiple of 4 (CodeView records and subsections are 4-byte aligned). */
export function align4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}

/** A growing u32 list in fixed blocks (growth copies nothing; `done` makes one exact array). */
export class GrowU32 {
  private blocks: Uint32Array[] = [];
  private cur: Uint32Array;
  private used = 0;
  n = 0;
  constructor(initial = 256) {
    this.cur = new Uint32Array(initial);
  }
  push(v: number): void {
    if (this.used === this.cur.length) {
      this.blocks.push(this.cur);
      this.cur = new Uint32Array(Math.max(256, Math.min(this.cur.length * 2, 1 << 20)));
      this.used = 0;
    }
    this.cur[this.used++] = v;
    this.n++;
  }
  done(): Uint32Array {
    const out = new Uint32Array(this.n);
    let at = 0;
    for (const b of this.blocks) {
      out.set(b, at);
      at += b.length;
    }
    out.set(this.cur.subarray(0, this.used), at);
    this.blocks = [];
    this.cur = new Uint32Array(0);
    this.used = 0;
    return out;
  }
}
