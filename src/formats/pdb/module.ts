// One module's stream (a compiland: one .obj): its CodeView symbols, of which we keep the
// procedures (and the code blocks that sit outside their procedure, as PGO's hot/cold splitting
// leaves them), and its C13 line information. Parsed only when a lookup or a listing needs the
// module; the caller keeps a few parsed modules (LRU).
//
//   stream:  u32 signature (4 = C13), symbol records up to symBytes, C11 lines (c11Bytes, obsolete,
//            skipped), C13 subsections (c13Bytes), global refs
//   S_GPROC32 / S_LPROC32 (and the _ID and _DPC variants): u32 parent, end, next, codeSize,
//            dbgStart, dbgEnd, u32 typeIndex, u32 offset, u16 segment, u8 flags, char name[]
//   S_BLOCK32: u32 parent, end, codeSize, u32 offset, u16 segment, char name[]
//   DEBUG_S_LINES (0xF2): u32 offset, u16 segment, u16 flags, u32 codeSize, then per file
//            u32 checksumOffset, u32 numLines, u32 blockBytes, (u32 offset, u32 flags)[numLines],
//            (u16, u16)[numLines] when flags & 1 (columns)
//   DEBUG_S_FILECHKSMS (0xF4): u32 nameOffset (in /names), u8 size, u8 kind, bytes[size], pad to 4
//
// Line lengths follow DIA's IDiaLineNumber::get_length: the distance to the next line record of
// the same DEBUG_S_LINES subsection in address order, the last one running to the end of the
// subsection's code (codeSize). Records with equal offsets get length 0 (the dump_syms of our
// corpus writes them; a .sym reader drops them).

import type { MsfStream } from './msf.js';
import { align4, cstring, GrowU32, view } from './bytes.js';
import { MAX_MODULE_BYTES, MAX_MODULE_LINES, MAX_MODULE_PROCS, MAX_NAME_BYTES, PDB_STRUCT } from './limits.js';
import { walkRecords } from './records.js';
import { LIMITS } from '../../limits.js';

export const S_END = 0x0006;
export const S_BLOCK32 = 0x1103;
export const S_LPROC32 = 0x110f;
export const S_GPROC32 = 0x1110;
export const S_LPROC32_ID = 0x1146;
export const S_GPROC32_ID = 0x1147;
export const S_LPROC32_DPC = 0x1155;
export const S_LPROC32_DPC_ID = 0x1156;
export const S_SEPCODE = 0x1132;

const DEBUG_S_LINES = 0xf2;
const DEBUG_S_FILECHKSMS = 0xf4;
const CV_LINES_HAVE_COLUMNS = 1;

export function isProcKind(kind: number): boolean {
  return kind === S_GPROC32 || kind === S_LPROC32 || kind === S_GPROC32_ID || kind === S_LPROC32_ID || kind === S_LPROC32_DPC || kind === S_LPROC32_DPC_ID;
}

/** Local (internal-linkage) procedure kinds: DIA formats their names with `static`. */
export function isLocalProcKind(kind: number): boolean {
  return kind === S_LPROC32 || kind === S_LPROC32_ID || kind === S_LPROC32_DPC || kind === S_LPROC32_DPC_ID;
}

/** True for the _ID kinds, whose type index is an IPI id (LF_FUNC_ID / LF_MFUNC_ID). */
export function isIdProcKind(kind: number): boolean {
  return kind === S_GPROC32_ID || kind === S_LPROC32_ID || kind === S_LPROC32_DPC_ID;
}

/** A module's procedures, in record order, in typed arrays (18 bytes each); names are read back. */
export interface ModuleProcs {
  count: number;
  kind: Uint16Array;
  /** RVA in the original image (before OMAP); meaningful when hasRva. */
  rva: Uint32Array;
  /** 0 when the procedure's section is unknown (no RVA). */
  hasRva: Uint8Array;
  size: Uint32Array;
  typeIndex: Uint32Array;
  /** Offset of the record in the module stream. */
  record: Uint32Array;
}

/** Blocks of procedures' code outside the procedure's own range (S_BLOCK32, S_SEPCODE), by RVA. */
export interface ModuleBlocks {
  count: number;
  rva: Uint32Array;
  size: Uint32Array;
  proc: Uint32Array;
}

/**
 * The module's candidate FUNC records: one per address (sorted), the procedure dump_syms would
 * pick there (the least name) and how many procedures share the address. Sizes may be 0 (dump_syms
 * then writes nothing there, and the address stays hidden).
 */
export interface ModuleFuncs {
  rva: Uint32Array;
  proc: Uint32Array;
  count: Uint32Array;
}

/** Line records sorted by RVA (stable), lengths as DIA gives them. */
export interface ModuleLines {
  count: number;
  rva: Uint32Array;
  length: Uint32Array;
  line: Uint32Array;
  /** Offset of the file's record in the module's DEBUG_S_FILECHKSMS subsection. */
  file: Uint32Array;
}

export interface ParsedModule {
  index: number;
  stream: MsfStream;
  procs: ModuleProcs;
  funcs: ModuleFuncs;
  blocks: ModuleBlocks;
  lines: ModuleLines;
  /** Stream offset and size of the DEBUG_S_FILECHKSMS data (file names are read from it). */
  checksumsAt: number;
  checksumsBytes: number;
  /** Symbol or line data that could not be framed, and limits hit. */
  problems: string[];
  /** Bytes held: for the LRU's budget and indexBytes. */
  bytes: number;
}

export interface ModuleRef {
  index: number;
  stream: MsfStream;
  symBytes: number;
  c11Bytes: number;
  c13Bytes: number;
}

/** Names compared per address when several procedures share it (identical code folding). */
const MAX_NAMES_PER_ADDRESS = 64;

export async function parseModule(ref: ModuleRef, toRva: (section: number, offset: number) => number | undefined): Promise<ParsedModule> {
  const S = PDB_STRUCT.module;
  const { stream } = ref;
  const problems: string[] = [];
  const pKind = new GrowU32();
  const pRva = new GrowU32();
  const pHas = new GrowU32();
  const pSize = new GrowU32();
  const pType = new GrowU32();
  const pRec = new GrowU32();
  const bRva = new GrowU32();
  const bSize = new GrowU32();
  const bProc = new GrowU32();

  // Symbols: [4, symBytes). The first u32 is the CodeView signature.
  let symEnd = Math.min(ref.symBytes, stream.size);
  if (symEnd > MAX_MODULE_BYTES) {
    problems.push(`symbols of ${symEnd} bytes cut at ${MAX_MODULE_BYTES}`);
    symEnd = MAX_MODULE_BYTES;
  }
  // The procedure whose scope the walk is in: [start, end) of the module stream.
  let curProc = -1;
  let curProcEnd = 0;
  let curRva = 0;
  let curHas = false;
  let curSize = 0;
  if (symEnd > 4) {
    const end = await walkRecords(stream, 4, symEnd, S, (kind, b, at) => {
      if (curProc >= 0 && at >= curProcEnd) curProc = -1;
      if (isProcKind(kind)) {
        if (b.length < 39) return;
        if (pKind.n >= MAX_MODULE_PROCS) {
          problems.push(`more than ${MAX_MODULE_PROCS} procedures: the rest are not indexed`);
          return false;
        }
        const dv = view(b);
        const rva = toRva(dv.getUint16(36, true), dv.getUint32(32, true));
        curRva = rva ?? 0;
        curHas = rva !== undefined;
        curSize = dv.getUint32(16, true);
        pKind.push(kind);
        pRva.push(curRva);
        pHas.push(curHas ? 1 : 0);
        pSize.push(curSize);
        pType.push(dv.getUint32(28, true));
        pRec.push(at);
        curProc = pKind.n - 1;
        // `end` points at the S_END closing the scope; a bogus one only shortens the scope.
        curProcEnd = dv.getUint32(8, true);
        if (curProcEnd <= at) curProcEnd = at + b.length;
        return;
      }
      if ((kind === S_BLOCK32 || kind === S_SEPCODE) && curProc >= 0 && curHas) {
        const dv = view(b);
        let size: number, offset: number, section: number;
        if (kind === S_BLOCK32) {
          if (b.length < 22) return;
          size = dv.getUint32(12, true);
          offset = dv.getUint32(16, true);
          section = dv.getUint16(20, true);
        } else {
          // S_SEPCODE: u32 parent, end, length, flags, offset, parentOffset, u16 section, parentSection
          if (b.length < 32) return;
          size = dv.getUint32(12, true);
          offset = dv.getUint32(20, true);
          section = dv.getUint16(28, true);
        }
        const rva = toRva(section, offset);
        // Breakpad: a block is printed as a FUNC of its parent when it starts outside it.
        if (rva !== undefined && (rva < curRva || rva > curRva + curSize) && bRva.n < MAX_MODULE_PROCS) {
          bRva.push(rva);
          bSize.push(size);
          bProc.push(curProc);
        }
      }
    });
    if (end.badAt !== undefined) problems.push(`symbols at ${end.badAt}: ${end.reason}`);
  }
  const procs: ModuleProcs = {
    count: pKind.n,
    kind: Uint16Array.from(pKind.done()),
    rva: pRva.done(),
    hasRva: Uint8Array.from(pHas.done()),
    size: pSize.done(),
    typeIndex: pType.done(),
    record: pRec.done(),
  };
  const blocks = sortedBlocks(bRva.done(), bSize.done(), bProc.done());

  // C13 lines.
  const lr = new GrowU32();
  const ll = new GrowU32();
  const ln = new GrowU32();
  const lf = new GrowU32();
  let checksumsAt = 0;
  let checksumsBytes = 0;
  const c13Start = ref.symBytes + ref.c11Bytes;
  let c13Bytes = ref.c13Bytes;
  if (c13Start > stream.size) c13Bytes = 0;
  else if (c13Bytes > stream.size - c13Start) {
    problems.push(`C13 lines of ${c13Bytes} bytes run past the module stream`);
    c13Bytes = stream.size - c13Start;
  }
  if (c13Bytes > LIMITS.maxSingleRead) {
    problems.push(`C13 lines of ${c13Bytes} bytes cut at ${LIMITS.maxSingleRead}`);
    c13Bytes = LIMITS.maxSingleRead;
  }
  if (c13Bytes >= 8) {
    const b = await stream.read(c13Start, c13Bytes, PDB_STRUCT.lines);
    const dv = view(b);
    for (let p = 0; p + 8 <= b.length; ) {
      const kind = dv.getUint32(p, true);
      const len = dv.getUint32(p + 4, true);
      const data = p + 8;
      if (len > b.length - data) {
        problems.push(`C13 subsection at ${p} of ${len} bytes runs past the lines`);
        break;
      }
      if (kind === DEBUG_S_FILECHKSMS && checksumsBytes === 0) {
        checksumsAt = c13Start + data;
        checksumsBytes = len;
      } else if (kind === DEBUG_S_LINES && !lineSubsection(dv, data, len, toRva, lr, ll, ln, lf, problems)) break;
      p = align4(data + len);
    }
  }
  const lines = sortedLines(lr.done(), ll.done(), ln.done(), lf.done());
  const funcs = await funcIndex(stream, procs);
  const bytes = 18 * procs.count + 12 * blocks.count + 16 * lines.count + 12 * funcs.rva.length + 256;
  return { index: ref.index, stream, procs, funcs, blocks, lines, checksumsAt, checksumsBytes, problems, bytes };
}

/**
 * One DEBUG_S_LINES subsection into the line lists: its records sorted by offset, each one's
 * length the distance to the next (the last: to the end of the subsection's code). False when
 * the module's line limit is reached.
 */
function lineSubsection(dv: DataView, data: number, len: number, toRva: (s: number, o: number) => number | undefined, lr: GrowU32, ll: GrowU32, ln: GrowU32, lf: GrowU32, problems: string[]): boolean {
  if (len < 12) return true;
  const end = data + len;
  const offset = dv.getUint32(data, true);
  const section = dv.getUint16(data + 4, true);
  const flags = dv.getUint16(data + 6, true);
  const codeSize = dv.getUint32(data + 8, true);
  const base = toRva(section, offset);
  if (base === undefined) return true;
  const per = flags & CV_LINES_HAVE_COLUMNS ? 12 : 8;
  // Pairs (line record offset, its file block's offset), bounded by the bytes: 8 per line.
  const pairs = new GrowU32(64);
  for (let q = data + 12; q + 12 <= end; ) {
    const numLines = dv.getUint32(q + 4, true);
    const blockBytes = dv.getUint32(q + 8, true);
    if (blockBytes < 12 || blockBytes > end - q || numLines > Math.floor((blockBytes - 12) / per)) {
      problems.push(`a line block of a DEBUG_S_LINES subsection does not fit it`);
      break;
    }
    for (let i = 0; i < numLines; i++) {
      pairs.push(q + 12 + i * 8);
      pairs.push(q);
    }
    q += blockBytes;
  }
  const at = pairs.done();
  const n = at.length / 2;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => dv.getUint32(at[2 * x]!, true) - dv.getUint32(at[2 * y]!, true) || x - y);
  for (let k = 0; k < n; k++) {
    if (lr.n >= MAX_MODULE_LINES) {
      problems.push(`more than ${MAX_MODULE_LINES} line records: the rest are not indexed`);
      return false;
    }
    const i = order[k]!;
    const off = dv.getUint32(at[2 * i]!, true);
    const next = k + 1 < n ? dv.getUint32(at[2 * order[k + 1]!]!, true) : codeSize;
    const rva = base + off;
    if (rva > 0xffff_ffff) continue;
    lr.push(rva);
    ll.push(next > off ? next - off : 0);
    ln.push(dv.getUint32(at[2 * i]! + 4, true) & 0xff_ffff);
    lf.push(dv.getUint32(at[2 * i + 1]!, true));
  }
  return true;
}

function permute<T extends Uint32Array>(a: T, order: Uint32Array): T {
  const out = new Uint32Array(order.length) as T;
  for (let i = 0; i < order.length; i++) out[i] = a[order[i]!]!;
  return out;
}

function orderBy(key: Uint32Array): Uint32Array {
  const order = new Uint32Array(key.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((x, y) => key[x]! - key[y]! || x - y);
  return order;
}

function sortedLines(rva: Uint32Array, length: Uint32Array, line: Uint32Array, file: Uint32Array): ModuleLines {
  const o = orderBy(rva);
  return { count: rva.length, rva: permute(rva, o), length: permute(length, o), line: permute(line, o), file: permute(file, o) };
}

function sortedBlocks(rva: Uint32Array, size: Uint32Array, proc: Uint32Array): ModuleBlocks {
  const o = orderBy(rva);
  return { count: rva.length, rva: permute(rva, o), size: permute(size, o), proc: permute(proc, o) };
}

/** The name of procedure `i` (read back from its record). */
export async function procName(m: Pick<ParsedModule, 'stream' | 'procs'>, i: number): Promise<string> {
  const at = m.procs.record[i]!;
  const head = await m.stream.readAvailable(at, 39 + 256, PDB_STRUCT.module);
  if (head.length < 39) return '';
  const total = view(head).getUint16(0, true) + 2;
  const b = total <= head.length ? head : await m.stream.readAvailable(at, Math.min(total, 39 + MAX_NAME_BYTES), PDB_STRUCT.module);
  return cstring(b, 39, Math.min(total, b.length), MAX_NAME_BYTES);
}

/** The /names offset of the file whose checksum record is at `chk`, or undefined. */
export async function fileNameOffset(m: ParsedModule, chk: number): Promise<number | undefined> {
  if (chk + 6 > m.checksumsBytes) return undefined;
  return view(await m.stream.read(m.checksumsAt + chk, 4, PDB_STRUCT.lines)).getUint32(0, true);
}

/** One entry per address with a procedure: the least-named one (names read for shared addresses). */
async function funcIndex(stream: MsfStream, procs: ModuleProcs): Promise<ModuleFuncs> {
  const idx: number[] = [];
  for (let i = 0; i < procs.count; i++) if (procs.hasRva[i]) idx.push(i);
  const order = Uint32Array.from(idx);
  order.sort((x, y) => procs.rva[x]! - procs.rva[y]! || x - y);
  const rva = new GrowU32();
  const proc = new GrowU32();
  const count = new GrowU32();
  for (let k = 0; k < order.length; ) {
    const r = procs.rva[order[k]!]!;
    let e = k;
    while (e < order.length && procs.rva[order[e]!] === r) e++;
    let best = order[k]!;
    if (e - k > 1) {
      let bestName = await procName({ stream, procs }, best);
      for (let j = k + 1; j < Math.min(e, k + MAX_NAMES_PER_ADDRESS); j++) {
        const name = await procName({ stream, procs }, order[j]!);
        if (name < bestName) {
          best = order[j]!;
          bestName = name;
        }
      }
    }
    rva.push(r);
    proc.push(best);
    count.push(e - k);
    k = e;
  }
  return { rva: rva.done(), proc: proc.done(), count: count.done() };
}
