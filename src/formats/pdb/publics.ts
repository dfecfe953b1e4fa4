// Public symbols: the S_PUB32 records of the global symbol stream (the DBI's symRecordStream),
// the set the publics index (PSI) hashes and sorts by address. One chunked, sequential pass over
// the records finds them (reading them through the PSI's address map would be one random read per
// public); the PSI's count is checked against it. The pass keeps, per public, its section,
// offset, flags and record offset in typed arrays; names are read back from the record when a
// lookup or a listing needs them.
//
//   S_PUB32 (0x110E): u16 len, u16 kind, u32 flags (CVPSF_CODE 1, FUNCTION 2, MANAGED 4, MSIL 8),
//                     u32 offset, u16 segment, char name[]

import type { MsfStream } from './msf.js';
import { cstring, GrowU32, view } from './bytes.js';
import { MAX_NAME_BYTES, MAX_PUBLICS, PDB_STRUCT } from './limits.js';
import { walkRecords, type WalkEnd } from './records.js';

export const S_PUB32 = 0x110e;

export const CVPSF_CODE = 1;
export const CVPSF_FUNCTION = 2;

export interface PublicsTable {
  count: number;
  segment: Uint16Array;
  offset: Uint32Array;
  flags: Uint8Array;
  /** Offset of the record in the global symbol stream. */
  record: Uint32Array;
  /** Publics past MAX_PUBLICS, not indexed. */
  dropped: number;
  /** Where the walk stopped early, if it did. */
  problem?: WalkEnd;
}

export async function readPublics(gss: MsfStream, maxPublics = MAX_PUBLICS): Promise<PublicsTable> {
  const seg = new GrowU32();
  const off = new GrowU32();
  const flags = new GrowU32();
  const rec = new GrowU32();
  let dropped = 0;
  const problem = await walkRecords(gss, 0, gss.size, PDB_STRUCT.publics, (kind, b, at) => {
    if (kind !== S_PUB32 || b.length < 14) return;
    if (rec.n >= maxPublics) {
      dropped++;
      return;
    }
    const dv = view(b);
    flags.push(dv.getUint32(4, true) & 0xff);
    off.push(dv.getUint32(8, true));
    seg.push(dv.getUint16(12, true));
    rec.push(at);
  });
  const record = rec.done();
  return {
    count: record.length,
    segment: Uint16Array.from(seg.done()),
    offset: off.done(),
    flags: Uint8Array.from(flags.done()),
    record,
    dropped,
    problem: problem.badAt === undefined ? undefined : problem,
  };
}

/** The name of the S_PUB32 record at `at` in the global symbol stream. */
export async function readPublicName(gss: MsfStream, at: number): Promise<string> {
  const head = await gss.readAvailable(at, 4 + 256, PDB_STRUCT.publics);
  if (head.length < 4) return '';
  const total = view(head).getUint16(0, true) + 2;
  const b = total <= head.length ? head : await gss.readAvailable(at, Math.min(total, 14 + MAX_NAME_BYTES), PDB_STRUCT.publics);
  return cstring(b, 14, Math.min(total, b.length), MAX_NAME_BYTES);
}

/**
 * How many publics the publics index (PSI) lists in its address map: its header holds the sizes
 * of the name hash and the address map (u32 offsets of S_PUB32 records, sorted by address). A
 * cross-check of the records found in the global symbol stream; undefined when unreadable.
 */
export async function psiPublicCount(psi: MsfStream): Promise<number | undefined> {
  if (psi.size < 28) return undefined;
  const dv = view(await psi.read(0, 28, PDB_STRUCT.publics));
  const hashBytes = dv.getUint32(0, true);
  const addrBytes = dv.getUint32(4, true);
  if (hashBytes > psi.size - 28 || addrBytes > psi.size - 28 - hashBytes) return undefined;
  return Math.floor(addrBytes / 4);
}
