// The PDB info stream (stream 1): version, signature, age, GUID, and the named stream map that
// finds "/names" (the string table of source file names) and the other named streams. Layout as
// in LLVM's docs/PDB/PdbStream.rst and HashTable.rst:
//
//   u32 version, u32 signature, u32 age, GUID (16)
//   named stream map: u32 stringBytes, char strings[stringBytes],
//                     hash table: u32 size, u32 capacity, present bit vector, deleted bit vector,
//                     then (u32 key = offset of the name in strings, u32 stream) per present bucket
//   feature codes (u32 each) to the end

import type { MsfStream } from './msf.js';
import { cstring, formatError, view } from './bytes.js';
import { MAX_NAME_BYTES, PDB_STRUCT } from './limits.js';

/** Entries of the named stream map (real PDBs have < 10: /names, /LinkInfo, /src/headerblock, ...). */
const MAX_NAMED_STREAMS = 4096;
/** Bytes of the named stream map's strings. */
const MAX_NAMED_STRING_BYTES = 1024 * 1024;

export interface PdbInfo {
  /** 20000404 (VC70) in every current PDB. */
  version: number;
  /** Link time stamp (a 32-bit signature; PDBs before GUIDs were identified by it). */
  signature: number;
  age: number;
  /** The 16 GUID bytes as stored (Data1, Data2, Data3 little-endian, then Data4). */
  guid: Uint8Array;
  /** Name → stream index. */
  namedStreams: Map<string, number>;
  /** Feature codes after the map (VC140 = 20140508, NoTypeMerge, MinimalDebugInfo). */
  features: number[];
}

/** GUID in the usual display order, uppercase hex without braces or dashes (Breakpad's debug id body). */
export function guidHex(g: Uint8Array): string {
  const dv = view(g);
  const hx = (v: number, n: number): string => v.toString(16).toUpperCase().padStart(n, '0');
  let s = hx(dv.getUint32(0, true), 8) + hx(dv.getUint16(4, true), 4) + hx(dv.getUint16(6, true), 4);
  for (let i = 8; i < 16; i++) s += hx(g[i]!, 2);
  return s;
}

/** GUID as {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX} (llvm-pdbutil, WinDbg). */
export function guidText(g: Uint8Array): string {
  const s = guidHex(g);
  return `{${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}}`;
}

export async function readInfo(stream: MsfStream): Promise<PdbInfo> {
  const S = PDB_STRUCT.info;
  const src = stream.msf.source;
  // The stream is small (a few hundred bytes); the bounded map reads only what its counts allow.
  const b = await stream.read(0, Math.min(stream.size, 28 + 4 + MAX_NAMED_STRING_BYTES + 16 + 4096 * 8 * 3), S);
  if (b.length < 28) throw formatError(src, 'OutOfBounds', S, stream.fileOffset(0), `info stream of ${b.length} bytes is shorter than its 28-byte header`);
  const dv = view(b);
  const info: PdbInfo = {
    version: dv.getUint32(0, true),
    signature: dv.getUint32(4, true),
    age: dv.getUint32(8, true),
    guid: b.slice(12, 28),
    namedStreams: new Map(),
    features: [],
  };
  // VC2 (19941610) .. VC140 (20140508); older versions have no GUID.
  if (info.version < 20000404 || info.version > 20991231) {
    throw formatError(src, 'BadVersion', S, stream.fileOffset(0), `info stream version ${info.version} is not VC70 (20000404) or later`);
  }
  if (b.length === 28) return info;
  const fail = (at: number, detail: string): never => {
    throw formatError(src, 'OutOfBounds', S, stream.fileOffset(at), detail);
  };
  let at = 28;
  const need = (n: number, what: string): void => {
    if (at + n > b.length) fail(at, `${what} needs ${n} bytes at ${at}, the info stream has ${b.length}`);
  };
  need(4, 'named stream map');
  const strBytes = dv.getUint32(at, true);
  at += 4;
  if (strBytes > MAX_NAMED_STRING_BYTES) fail(at - 4, `named stream map strings of ${strBytes} bytes are over the ${MAX_NAMED_STRING_BYTES}-byte limit`);
  need(strBytes, 'named stream map strings');
  const strAt = at;
  at += strBytes;
  need(8, 'named stream map hash table');
  const size = dv.getUint32(at, true);
  const capacity = dv.getUint32(at + 4, true);
  at += 8;
  if (size > capacity || size > MAX_NAMED_STREAMS) fail(at - 8, `named stream map claims ${size} entries in ${capacity} buckets`);
  const bitVector = (what: string): Uint32Array => {
    need(4, what);
    const words = dv.getUint32(at, true);
    at += 4;
    if (words > Math.ceil(MAX_NAMED_STREAMS / 32) * 4) fail(at - 4, `${what} of ${words} words is too long`);
    need(words * 4, what);
    const out = new Uint32Array(words);
    for (let i = 0; i < words; i++) out[i] = dv.getUint32(at + i * 4, true);
    at += words * 4;
    return out;
  };
  const present = bitVector('present-bucket bit vector');
  bitVector('deleted-bucket bit vector');
  let found = 0;
  for (let w = 0; w < present.length; w++) {
    for (let bit = 0; bit < 32; bit++) {
      if ((present[w]! & (1 << bit)) === 0) continue;
      if (found >= size) fail(at, `named stream map has more present buckets than its ${size} entries`);
      need(8, 'named stream map entry');
      const key = dv.getUint32(at, true);
      const streamIndex = dv.getUint32(at + 4, true);
      at += 8;
      found++;
      if (key >= strBytes) fail(at - 8, `named stream name at ${key} is past the ${strBytes} bytes of names`);
      const name = cstring(b, strAt + key, strAt + strBytes, MAX_NAME_BYTES);
      if (!info.namedStreams.has(name)) info.namedStreams.set(name, streamIndex);
    }
  }
  if (found !== size) fail(at, `named stream map counts ${size} entries but marks ${found} buckets present`);
  // Feature codes to the end of the stream (the first read covers real streams whole).
  while (at + 4 <= b.length && info.features.length < 64) {
    info.features.push(dv.getUint32(at, true));
    at += 4;
  }
  return info;
}
