// KDDEBUGGER_DATA64 ("KDBG"): decode a copy, honour Header.Size, detect the encoded form, and the
// decoding scheme itself for callers that know KiWaitNever / KiWaitAlways / KdpDataBlockEncoded
// (memory-translation.md §5.1; a dump without symbols does not, so an encoded block is reported
// as unavailable and the header copies of the list heads are used instead).

import { KDBG_OWNER_TAG, KDDEBUGGER_DATA64 } from '../../../native-structs/kernel/kdbg.js';
import { compileStructs, decodeStruct } from '../../reader/struct-codec.js';

compileStructs(KDDEBUGGER_DATA64);

export type KdbgFields = Record<string, bigint | number>;

export interface KdbgResult {
  state: 'decoded' | 'encoded' | 'short';
  size: number;
  fields?: KdbgFields;
}

/** Decode a KDBG copy; fields past Header.Size (or past the bytes given) are left out. */
export function decodeKdbg(bytes: Uint8Array, fileOffset: number, bits: 32 | 64): KdbgResult {
  if (bytes.length < 0x18) return { state: 'short', size: 0 };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0x10, true) !== KDBG_OWNER_TAG) return { state: 'encoded', size: 0 };
  const size = dv.getUint32(0x14, true);
  const valid = Math.min(size, bytes.length, KDDEBUGGER_DATA64.size);
  const padded = new Uint8Array(KDDEBUGGER_DATA64.size);
  padded.set(bytes.subarray(0, valid));
  const raw = decodeStruct<Record<string, unknown>>(KDDEBUGGER_DATA64, padded, fileOffset);
  const fields: KdbgFields = {};
  for (const f of KDDEBUGGER_DATA64.fields) {
    if (f.type.kind === 'pad' || f.offset + f.type.size > valid) continue;
    let v = raw[f.name] as bigint | number;
    // x86 stores sign-extended 32-bit pointers in the 64-bit slots.
    if (bits === 32 && typeof v === 'bigint') v = v & 0xffff_ffffn;
    fields[f.name] = v;
  }
  return { state: 'decoded', size, fields };
}

export interface KdbgKeys {
  kiWaitNever: bigint;
  kiWaitAlways: bigint;
  /** VA of the KdpDataBlockEncoded flag byte. */
  kdpDataBlockEncoded: bigint;
}

const M64 = (1n << 64n) - 1n;
function rol64(v: bigint, n: bigint): bigint {
  const s = n & 63n;
  return s === 0n ? v : ((v << s) | (v >> (64n - s))) & M64;
}
function bswap64(v: bigint): bigint {
  let r = 0n;
  for (let i = 0n; i < 8n; i++) r = (r << 8n) | ((v >> (8n * i)) & 0xffn);
  return r;
}

/** Decode an encoded block, 8 bytes at a time (qemu elf2dmp's scheme). */
export function decodeEncodedKdbg(bytes: Uint8Array, keys: KdbgKeys): Uint8Array {
  const out = new Uint8Array(bytes.length & ~7);
  const src = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dst = new DataView(out.buffer);
  for (let i = 0; i + 8 <= out.length; i += 8) {
    let t = src.getBigUint64(i, true) ^ keys.kiWaitNever;
    t = rol64(t, keys.kiWaitNever & 0x3fn);
    t ^= keys.kdpDataBlockEncoded;
    t = bswap64(t);
    dst.setBigUint64(i, t ^ keys.kiWaitAlways, true);
  }
  return out;
}
