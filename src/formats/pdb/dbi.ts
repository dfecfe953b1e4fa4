// The DBI stream (stream 3): which streams hold the global symbols, the publics and each module's
// symbols, the module list, the section contributions (which module's code lies where), the
// section map and the optional debug header (section headers, OMAP, FPO streams). Layout as in
// LLVM's docs/PDB/DbiStream.rst and microsoft/pdb-rs docs/pdb/dbi*.md:
//
//   header (64 bytes), then substreams in this order: module info, section contributions,
//   section map, file info, type server map, edit-and-continue, optional debug header
//   (the last two in the opposite order of their size fields).
//
// Module records are 64 bytes plus two NUL-terminated names, padded to 4. Only code
// contributions are kept (they map an address to the module whose symbols describe it).

import type { MsfStream } from './msf.js';
import { align4, formatError, nulAt, text, view } from './bytes.js';
import { MAX_MODULES, MAX_NAME_BYTES, MAX_SECTION_CONTRIBUTIONS, PDB_CHUNK_BYTES, PDB_STRUCT } from './limits.js';
import { LIMITS } from '../../limits.js';
import type { FormatErrorCode } from '../../errors.js';

const HEADER_BYTES = 64;
const MODULE_FIXED_BYTES = 64;
/** Section contribution substream versions: 0xeffe0000 + 19970605, + 20140516 (with COFF section). */
const SC_VER60 = 0xeffe0000 + 19970605;
const SC_V2 = 0xeffe0000 + 20140516;
const IMAGE_SCN_CNT_CODE = 0x20;
const IMAGE_SCN_MEM_EXECUTE = 0x2000_0000;

/** Indexes of the optional debug header's stream numbers. */
export const DBG = {
  fpo: 0,
  exception: 1,
  fixup: 2,
  omapToSrc: 3,
  omapFromSrc: 4,
  sectionHdr: 5,
  tokenRidMap: 6,
  xdata: 7,
  pdata: 8,
  newFpo: 9,
  sectionHdrOrig: 10,
} as const;

export interface DbiHeader {
  version: number;
  age: number;
  globalStreamIndex: number;
  publicStreamIndex: number;
  symRecordStream: number;
  /** IMAGE_FILE_MACHINE_* (0x14c x86, 0x8664 x64, 0xaa64 ARM64). */
  machine: number;
  flags: number;
}

export interface DbiModules {
  count: number;
  /** Module (object) names as the linker recorded them. */
  names: string[];
  /** Object or library file the module came from. */
  objNames: string[];
  /** Stream of each module's symbols and lines (0xffff: none). */
  symStream: Uint16Array;
  symBytes: Uint32Array;
  c11Bytes: Uint32Array;
  c13Bytes: Uint32Array;
}

/** Code section contributions, as section:offset (converted to RVAs by the caller). */
export interface CodeContributions {
  count: number;
  section: Uint16Array;
  offset: Uint32Array;
  size: Uint32Array;
  module: Uint16Array;
  /** Contributions past MAX_SECTION_CONTRIBUTIONS, not indexed. */
  dropped: number;
}

export interface SectionMapEntry {
  flags: number;
  frame: number;
  offset: number;
  length: number;
}

export interface Dbi {
  header: DbiHeader;
  modules: DbiModules;
  contributions: CodeContributions;
  sectionMap: SectionMapEntry[];
  /** Stream numbers of the optional debug header (0xffff: none), indexed by DBG. */
  debugStreams: number[];
}

export async function readDbi(stream: MsfStream): Promise<Dbi> {
  const S = PDB_STRUCT.dbi;
  const src = stream.msf.source;
  const fail = (code: FormatErrorCode, at: number, detail: string): never => {
    throw formatError(src, code, S, stream.fileOffset(at), detail);
  };
  if (stream.size < HEADER_BYTES) fail('OutOfBounds', 0, `DBI stream of ${stream.size} bytes is shorter than its ${HEADER_BYTES}-byte header`);
  const hb = await stream.read(0, HEADER_BYTES, S);
  const dv = view(hb);
  if (dv.getInt32(0, true) !== -1) fail('BadSignature', 0, `DBI signature ${dv.getInt32(0, true)} is not -1 (a DBI stream before VC 4.1?)`);
  const header: DbiHeader = {
    version: dv.getUint32(4, true),
    age: dv.getUint32(8, true),
    globalStreamIndex: dv.getUint16(12, true),
    publicStreamIndex: dv.getUint16(16, true),
    symRecordStream: dv.getUint16(20, true),
    flags: dv.getUint16(56, true),
    machine: dv.getUint16(58, true),
  };
  const sizes = [24, 28, 32, 36, 40, 52, 48].map((o) => dv.getInt32(o, true));
  // modules, contributions, section map, file info, type server map, EC, optional debug header
  const names = ['module info', 'section contributions', 'section map', 'file info', 'type server map', 'edit-and-continue', 'optional debug header'];
  const starts: number[] = [];
  let at = HEADER_BYTES;
  for (let i = 0; i < sizes.length; i++) {
    const n = sizes[i]!;
    if (n < 0 || at + n > stream.size) fail('OutOfBounds', at, `${names[i]} substream of ${n} bytes at ${at} does not fit the DBI stream of ${stream.size} bytes`);
    starts.push(at);
    at += n;
  }

  const modules = await readModules(stream, starts[0]!, sizes[0]!);
  const contributions = await readContributions(stream, starts[1]!, sizes[1]!);
  const sectionMap = await readSectionMap(stream, starts[2]!, sizes[2]!);
  const debugStreams: number[] = [];
  const dbgSize = sizes[6]!;
  if (dbgSize > 0) {
    const b = await stream.read(starts[6]!, Math.min(dbgSize, 2 * 64), S);
    const d = view(b);
    for (let i = 0; i + 2 <= b.length; i += 2) debugStreams.push(d.getUint16(i, true));
  }
  return { header, modules, contributions, sectionMap, debugStreams };
}

async function readModules(stream: MsfStream, start: number, size: number): Promise<DbiModules> {
  const S = PDB_STRUCT.dbi;
  const src = stream.msf.source;
  if (size > LIMITS.maxSingleRead) throw formatError(src, 'CountTooLarge', S, stream.fileOffset(start), `module info substream of ${size} bytes is over the ${LIMITS.maxSingleRead}-byte limit`);
  const b = await stream.read(start, size, `${S} module info`);
  const dv = view(b);
  // Each record is at least 64 bytes plus two NULs, so the count is bounded by the bytes.
  const cap = Math.min(MAX_MODULES, Math.floor(size / (MODULE_FIXED_BYTES + 4)) + 1);
  const mods: DbiModules = {
    count: 0,
    names: [],
    objNames: [],
    symStream: new Uint16Array(cap),
    symBytes: new Uint32Array(cap),
    c11Bytes: new Uint32Array(cap),
    c13Bytes: new Uint32Array(cap),
  };
  let at = 0;
  while (at + MODULE_FIXED_BYTES <= size) {
    if (mods.count >= cap) {
      throw formatError(src, 'CountTooLarge', S, stream.fileOffset(start + at), `more than ${MAX_MODULES} modules`);
    }
    const i = mods.count;
    mods.symStream[i] = dv.getUint16(at + 34, true);
    mods.symBytes[i] = dv.getUint32(at + 36, true);
    mods.c11Bytes[i] = dv.getUint32(at + 40, true);
    mods.c13Bytes[i] = dv.getUint32(at + 44, true);
    let p = at + MODULE_FIXED_BYTES;
    const z1 = nulAt(b, p, size, MAX_NAME_BYTES);
    if (z1 < 0) throw formatError(src, 'BadValue', S, stream.fileOffset(start + p), `module ${i}: name without a NUL within the module info substream`);
    mods.names.push(text(b, p, z1));
    p = z1 + 1;
    const z2 = nulAt(b, p, size, MAX_NAME_BYTES);
    if (z2 < 0) throw formatError(src, 'BadValue', S, stream.fileOffset(start + p), `module ${i}: object name without a NUL within the module info substream`);
    mods.objNames.push(text(b, p, z2));
    at = align4(z2 + 1);
    mods.count++;
  }
  return mods;
}

async function readContributions(stream: MsfStream, start: number, size: number): Promise<CodeContributions> {
  const S = `${PDB_STRUCT.dbi} section contributions`;
  const out: CodeContributions = { count: 0, section: new Uint16Array(0), offset: new Uint32Array(0), size: new Uint32Array(0), module: new Uint16Array(0), dropped: 0 };
  if (size < 4) return out;
  const ver = view(await stream.read(start, 4, S)).getUint32(0, true);
  const entry = ver === SC_V2 ? 32 : ver === SC_VER60 ? 28 : 0;
  if (entry === 0) throw formatError(stream.msf.source, 'BadVersion', PDB_STRUCT.dbi, stream.fileOffset(start), `section contribution version ${ver.toString(16)} is not V60 or V2`);
  const n = Math.floor((size - 4) / entry);
  // Two passes over the chunks would read twice: size the arrays by the entry count (bounded by
  // the substream's bytes), keep code entries only, and trim at the end.
  const cap = Math.min(n, MAX_SECTION_CONTRIBUTIONS);
  const section = new Uint16Array(cap);
  const offset = new Uint32Array(cap);
  const csize = new Uint32Array(cap);
  const module = new Uint16Array(cap);
  const per = Math.max(1, Math.floor(PDB_CHUNK_BYTES / entry));
  let k = 0;
  const scratch = new Uint8Array(Math.min(per, n) * entry);
  for (let i = 0; i < n; i += per) {
    const m = Math.min(per, n - i);
    const b = await stream.read(start + 4 + i * entry, m * entry, S, scratch);
    const dv = view(b);
    for (let j = 0; j < m; j++) {
      const o = j * entry;
      const chars = dv.getUint32(o + 12, true);
      const sz = dv.getInt32(o + 8, true);
      if ((chars & (IMAGE_SCN_CNT_CODE | IMAGE_SCN_MEM_EXECUTE)) === 0 || sz <= 0) continue;
      if (k >= cap) {
        out.dropped++;
        continue;
      }
      section[k] = dv.getUint16(o, true);
      offset[k] = dv.getUint32(o + 4, true);
      csize[k] = sz;
      module[k] = dv.getUint16(o + 16, true);
      k++;
    }
  }
  out.count = k;
  // Views, not copies: the caller turns them into its RVA index and lets them go.
  out.section = section.subarray(0, k);
  out.offset = offset.subarray(0, k);
  out.size = csize.subarray(0, k);
  out.module = module.subarray(0, k);
  return out;
}

async function readSectionMap(stream: MsfStream, start: number, size: number): Promise<SectionMapEntry[]> {
  if (size < 4) return [];
  const S = `${PDB_STRUCT.dbi} section map`;
  // Bounded by the substream (20 bytes an entry) and by the 16-bit count.
  const b = await stream.read(start, Math.min(size, 4 + 20 * 0xffff), S);
  const dv = view(b);
  const count = Math.min(dv.getUint16(0, true), Math.floor((b.length - 4) / 20));
  const out: SectionMapEntry[] = [];
  for (let i = 0; i < count; i++) {
    const o = 4 + i * 20;
    out.push({ flags: dv.getUint16(o, true), frame: dv.getUint16(o + 6, true), offset: dv.getUint32(o + 12, true), length: dv.getUint32(o + 16, true) });
  }
  return out;
}
