// Microsoft PDB files (MSF 7.00): the debug id, and function names and source lines for an
// address, as Breakpad's dump_syms writes them with DIA (google/breakpad
// src/common/windows/pdb_source_line_writer.cc), so that a frame named from a PDB reads the same as
// one named from the .sym that dump_syms makes of it.
//
// Opening reads the superblock and stream directory, the info stream, the DBI stream (module
// list, code section contributions, section headers, OMAP) and one chunked pass over the global
// symbol stream that indexes the public symbols in typed arrays. Nothing else: a module's symbols
// and lines are parsed when a lookup lands in one of its contributions, and kept in a small LRU;
// types are read a chunk at a time when a name must be formatted from them. See docs/pdb.md.
//
// Lookups mirror SymFile.findFunction / findSourceLine (src/formats/breakpad-sym/sym-file.ts),
// which follow Breakpad's basic_source_line_resolver: the FUNC covering the address, else the
// PUBLIC at or below it, provided no FUNC starts between that PUBLIC and the address; the line is
// the LINE record of the covering FUNC that covers the address. What dump_syms would have written
// decides what is a FUNC, a PUBLIC and a LINE here:
// - every procedure (S_GPROC32/S_LPROC32 and their _ID variants) of non-zero size is a FUNC; of
//   several at one address the least name (UTF-16 order, DIA's get_name) is written, marked
//   multiple;
// - a public symbol is a PUBLIC when no procedure starts at its address and it lies in a code
//   section; of several at one address the least decorated name is taken (even when it is data,
//   which then hides the address), marked multiple;
// - a FUNC's name is the undecorated public symbol at its address whose name-only undecoration is
//   the procedure's name (DIA's get_undecoratedNameEx), else, for internal linkage, DIA's
//   rendering of its type record (`static int foo(int)`); then Breakpad's post-processing
//   (names.ts);
// - a FUNC's LINE records are the module's line records in its range, with DIA's lengths;
// - in an image rewritten after linking (OMAP), every range is mapped as Breakpad's omap.cc does,
//   which can split one function into several FUNC records (its LINE records follow the last).

import type { ByteSource } from '../../reader/byte-source.js';
import { DumpError, DumpFormatError } from '../../errors.js';
import { Msf, type MsfStream } from './msf.js';
import { readInfo, guidHex, guidText, type PdbInfo } from './info.js';
import { DBG, readDbi, type Dbi } from './dbi.js';
import { readSectionHeaders, sectionRva, type SectionHeader } from './sections.js';
import { ImageMap, readOmapTable } from './omap.js';
import { psiPublicCount, readPublicName, readPublics, S_PUB32 } from './publics.js';
import { fileNameOffset, isIdProcKind, isLocalProcKind, parseModule, procName, type ParsedModule } from './module.js';
import { SignatureFormatter, TypeTable } from './tpi.js';
import { StringTable } from './strings.js';
import { breakpadName, cNameOf, diaUndecorate, type Undecorate } from './names.js';
import { cstring, formatError, view } from './bytes.js';
import { walkRecords } from './records.js';
import { undecorateMsvc } from './undname.js';
import type { SymFunction } from '../breakpad-sym/sym-file.js';
import { MAX_LISTED, MAX_MODULES_PER_LOOKUP, MAX_NAME_BYTES, MAX_OMAP_FUNCTION_LINES, MAX_PARSED_BYTES, MAX_PARSED_MODULES, PDB_STRUCT } from './limits.js';

/** A procedure or public symbol: the same record a .sym's FUNC / PUBLIC gives. */
export type PdbFunction = SymFunction;

export interface PdbSourceLine {
  rva: number;
  size: number;
  line: number;
  file: string;
}

export interface PdbRawPublic {
  name: string;
  section: number;
  offset: number;
  /** CVPSF flags: 1 code, 2 function, 4 managed, 8 MSIL. */
  flags: number;
  /** Offset of the S_PUB32 record in the global symbol stream. */
  record: number;
}

export interface PdbFile {
  readonly source: ByteSource;
  /** GUID (display order, uppercase hex) and age in hex: Breakpad's MODULE id, a minidump's CodeView id. */
  readonly debugId: string;
  /** {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX} */
  readonly guid: string;
  /** The DBI stream's age (the info stream's when there is no DBI): the one the image's CodeView record carries. */
  readonly age: number;
  /** IMAGE_FILE_MACHINE_* from the DBI stream. */
  readonly machine?: number;
  readonly hasOmap: boolean;
  /** Bytes held by the index (typed arrays, parsed modules, cached type chunks). */
  readonly indexBytes: number;
  /** Module (compiland) names, in DBI order. */
  readonly moduleNames: readonly string[];
  /** Problems met on the way (records that could not be framed, limits hit), the first 100. */
  readonly problems: readonly string[];
  /** The function covering rva (an OMAP'd image's rva), else the public at or below it (breakpad's rule, as SymFile.findFunction). */
  findFunction(rva: number): Promise<PdbFunction | undefined>;
  /** The LINE record dump_syms would write covering rva, as SymFile.findSourceLine finds it (only within a function). */
  findSourceLine(rva: number): Promise<PdbSourceLine | undefined>;
  /** Every FUNC as Breakpad's dump_syms would write it, in its order (at most MAX_LISTED). */
  listFunctions(): Promise<PdbFunction[]>;
  /** Every PUBLIC as Breakpad's dump_syms would write it, in its order (at most MAX_LISTED). */
  listPublics(): Promise<PdbFunction[]>;
  /** The LINE records dump_syms would write after the FUNC at `funcRva` (its last piece under OMAP). */
  listLines(funcRva: number): Promise<PdbSourceLine[]>;
  /** Public symbols as stored, in stream order (at most MAX_LISTED): tests against llvm-pdbutil. */
  listRawPublics(): Promise<PdbRawPublic[]>;
  /** Closes the source. */
  close(): Promise<void>;
}

export interface OpenPdbOptions {
  /** Refuse the PDB unless its debug id is this one (case-insensitive). */
  expectDebugId?: string;
  /** The MSVC undecorator: `undecorateMsvc` of ./undname.js unless given; `null` keeps decorated names. */
  undecorate?: Undecorate | null;
}

const IMAGE_SCN_CNT_CODE = 0x20;
const IMAGE_SCN_MEM_EXECUTE = 0x2000_0000;

export async function openPdb(source: ByteSource, options: OpenPdbOptions = {}): Promise<PdbFile> {
  try {
    const undecorate = options.undecorate === null ? undefined : (options.undecorate ?? undecorateMsvc);
    const file = await PdbFileImpl.open(source, undecorate);
    if (options.expectDebugId !== undefined && options.expectDebugId.toUpperCase() !== file.debugId) {
      throw formatError(source, 'BadSignature', PDB_STRUCT.info, 0, `the PDB's debug id ${file.debugId} is not the module's ${options.expectDebugId.toUpperCase()}: a different build`);
    }
    return file;
  } catch (e) {
    if (e instanceof DumpError) throw e.withPath(source.name);
    throw e;
  }
}

/** Index of the last entry <= v in a sorted array, or -1. */
function lastAtOrBelow(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= v) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/** Index of the first entry >= v in a sorted array (a.length when none). */
function firstAtOrAbove(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The permutation sorting key[0..n) (ties by the second key, then by index). */
function sortedOrder(key: Uint32Array, n: number, tie?: Uint32Array): Uint32Array {
  const order = new Uint32Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    if (i > 0 && (key[i]! < key[i - 1]! || (key[i] === key[i - 1] && tie !== undefined && tie[i]! < tie[i - 1]!))) sorted = false;
  }
  // A linker lays contributions and publics out mostly in address order: no sort then.
  if (!sorted) order.sort((a, b) => key[a]! - key[b]! || (tie ? tie[a]! - tie[b]! : 0) || a - b);
  return order;
}

/** What FUNC records are made of: a module's procedures and its index of them. */
type FuncSource = Pick<ParsedModule, 'index' | 'stream' | 'procs' | 'funcs' | 'blocks'>;

/** A FUNC record as dump_syms would write it, before naming (original RVAs). */
interface FuncRecord {
  rva: number;
  size: number;
  /** The procedure it names. */
  source: FuncSource;
  proc: number;
  multiple: boolean;
}

class PdbFileImpl implements PdbFile {
  readonly debugId: string;
  readonly guid: string;
  readonly age: number;
  readonly machine?: number;
  readonly hasOmap: boolean;
  readonly moduleNames: readonly string[];
  readonly problems: string[] = [];

  private readonly modules = new Map<number, ParsedModule>();
  private parsedBytes = 0;
  private readonly parsing = new Map<number, Promise<ParsedModule | undefined>>();
  private readonly formatter: SignatureFormatter;
  private fileNames: StringTable | undefined;
  private closed = false;

  private constructor(
    readonly source: ByteSource,
    private readonly msf: Msf,
    info: PdbInfo,
    private readonly dbi: Dbi | undefined,
    /** Headers symbols' section:offset are relative to (the original image's under OMAP). */
    private readonly sections: SectionHeader[],
    private readonly imageMap: ImageMap | undefined,
    private readonly gss: MsfStream | undefined,
    /** Publics sorted by original RVA: RVA, record offset, code flag. */
    private readonly pubRva: Uint32Array,
    private readonly pubRecord: Uint32Array,
    private readonly pubCode: Uint8Array,
    /** For each public, the last index of the nearest address at or below it with a code public (-1: none). */
    private readonly pubCand: Int32Array,
    /** Code contributions sorted by original RVA (start, end, module). */
    private readonly contribRva: Uint32Array,
    private readonly contribEnd: Uint32Array,
    private readonly contribModule: Uint16Array,
    /** Prefix maximum of contribEnd: no contribution before k reaches past contribMaxEnd[k]. */
    private readonly contribMaxEnd: Uint32Array,
    tpi: TypeTable | undefined,
    ipi: TypeTable | undefined,
    private readonly undecorate: Undecorate | undefined,
  ) {
    this.age = dbi ? dbi.header.age : info.age;
    this.debugId = guidHex(info.guid) + this.age.toString(16).toUpperCase();
    this.guid = guidText(info.guid);
    this.machine = dbi?.header.machine;
    this.hasOmap = imageMap !== undefined && !imageMap.empty;
    this.moduleNames = dbi?.modules.names ?? [];
    this.formatter = new SignatureFormatter(tpi, ipi);
  }

  static async open(source: ByteSource, undecorate: Undecorate | undefined): Promise<PdbFileImpl> {
    const msf = await Msf.open(source);
    const info = await readInfo(msf.stream(1, 'the PDB info stream'));
    const problems: string[] = [];
    // A PDB of types only (vc140.pdb) has no DBI: it names nothing, but its id still reads.
    const dbi = msf.has(3) ? await readDbi(msf.stream(3, 'the DBI stream')) : undefined;
    const dbgStream = (k: number, what: string): MsfStream | undefined => {
      const s = dbi?.debugStreams[k];
      return s === undefined ? undefined : msf.optionalStream(s, what);
    };
    // Symbols are in the original image's terms; SectionHdrOrig holds its sections when a tool
    // rewrote the image, else SectionHdr does (Syzygy keeps the originals there).
    const hdrStream = dbgStream(DBG.sectionHdrOrig, 'the original section headers') ?? dbgStream(DBG.sectionHdr, 'the section headers');
    const sections = hdrStream ? await readSectionHeaders(hdrStream) : [];
    const toRva = (s: number, o: number): number | undefined => sectionRva(sections, s, o);
    let imageMap: ImageMap | undefined;
    const toStream = dbgStream(DBG.omapToSrc, 'the OMAP-to-source table');
    const fromStream = dbgStream(DBG.omapFromSrc, 'the OMAP-from-source table');
    if (toStream && fromStream) {
      const to = await readOmapTable(toStream);
      const from = await readOmapTable(fromStream);
      if (to.length > 0 && from.length > 0) {
        // Breakpad's GetOriginalImageLength: the highest end of a segment of the section map.
        let lengthOriginal = 0;
        for (const e of dbi!.sectionMap) {
          if (e.frame === 0) continue;
          const rva = toRva(e.frame, e.offset);
          if (rva !== undefined) lengthOriginal = Math.max(lengthOriginal, (rva + e.length) >>> 0);
        }
        imageMap = new ImageMap(to, from, lengthOriginal);
      }
    }

    // Publics, sorted by original RVA.
    const gss = dbi ? msf.optionalStream(dbi.header.symRecordStream, 'the global symbol stream') : undefined;
    const pubs = gss ? await readPublics(gss) : undefined;
    if (pubs?.problem) problems.push(`global symbols at ${pubs.problem.badAt}: ${pubs.problem.reason}`);
    if (pubs?.dropped) problems.push(`${pubs.dropped} public symbols over the limit, not indexed`);
    const psi = dbi ? msf.optionalStream(dbi.header.publicStreamIndex, 'the publics index') : undefined;
    const listed = psi ? await psiPublicCount(psi) : undefined;
    if (pubs && listed !== undefined && listed !== pubs.count + pubs.dropped) problems.push(`the publics index lists ${listed} public symbols, the global symbol stream holds ${pubs.count + pubs.dropped}`);
    const count = pubs?.count ?? 0;
    const rvas = new Uint32Array(count);
    const keep = new Uint32Array(count);
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const r = toRva(pubs!.segment[i]!, pubs!.offset[i]!);
      if (r === undefined) continue;
      rvas[kept] = r;
      keep[kept++] = i;
    }
    const order = sortedOrder(rvas, kept);
    const pubRva = new Uint32Array(kept);
    const pubRecord = new Uint32Array(kept);
    const pubCode = new Uint8Array(kept);
    for (let k = 0; k < kept; k++) {
      const j = order[k]!;
      const i = keep[j]!;
      pubRva[k] = rvas[j]!;
      pubRecord[k] = pubs!.record[i]!;
      const sec = sections[pubs!.segment[i]! - 1];
      // DIA's get_code: the public lies in a code section (dump_syms writes __NLG_Dispatch, whose
      // flags are 0, and never a data symbol).
      pubCode[k] = sec && sec.characteristics & (IMAGE_SCN_CNT_CODE | IMAGE_SCN_MEM_EXECUTE) ? 1 : 0;
    }
    const pubCand = new Int32Array(kept);
    let cand = -1;
    for (let lo = 0; lo < kept; ) {
      let hi = lo;
      let code = false;
      for (; hi < kept && pubRva[hi] === pubRva[lo]; hi++) if (pubCode[hi] === 1) code = true;
      if (code) cand = hi - 1;
      pubCand.fill(cand, lo, hi);
      lo = hi;
    }

    // Code contributions, sorted by original RVA.
    const c = dbi?.contributions;
    const n = c?.count ?? 0;
    const cr = new Uint32Array(n);
    const ce = new Uint32Array(n);
    const cm = new Uint16Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const r = toRva(c!.section[i]!, c!.offset[i]!);
      if (r === undefined || r + c!.size[i]! > 0xffff_ffff) continue;
      cr[m] = r;
      ce[m] = r + c!.size[i]!;
      cm[m++] = c!.module[i]!;
    }
    const corder = sortedOrder(cr, m, ce);
    const contribRva = new Uint32Array(m);
    const contribEnd = new Uint32Array(m);
    const contribModule = new Uint16Array(m);
    const contribMaxEnd = new Uint32Array(m);
    for (let k = 0; k < m; k++) {
      const j = corder[k]!;
      contribRva[k] = cr[j]!;
      contribEnd[k] = ce[j]!;
      contribModule[k] = cm[j]!;
      contribMaxEnd[k] = Math.max(k > 0 ? contribMaxEnd[k - 1]! : 0, contribEnd[k]!);
    }
    if (c?.dropped) problems.push(`${c.dropped} section contributions over the limit, not indexed`);
    // The section:offset lists are not needed past this point (the DBI object stays with the file).
    if (c) {
      c.section = new Uint16Array(0);
      c.offset = new Uint32Array(0);
      c.size = new Uint32Array(0);
      c.module = new Uint16Array(0);
    }

    // Types only name functions of internal linkage, and /names only source files: a broken one
    // costs those (said in `problems`), not the PDB.
    const optional = async <T>(what: string, go: () => Promise<T | undefined>): Promise<T | undefined> => {
      try {
        return await go();
      } catch (e) {
        if (!(e instanceof DumpError)) throw e;
        problems.push(`${what} not read: ${e.message}`);
        return undefined;
      }
    };
    const hashOf = (i: number): MsfStream | undefined => msf.optionalStream(i, 'a type hash stream');
    const tpi = await optional('types', async () => (msf.streamSize(2) > 0 ? TypeTable.open(msf.stream(2, 'the TPI stream'), PDB_STRUCT.tpi, hashOf) : undefined));
    const ipi = await optional('ids', async () => (msf.streamSize(4) > 0 ? TypeTable.open(msf.stream(4, 'the IPI stream'), PDB_STRUCT.ipi, hashOf) : undefined));
    const namesIndex = info.namedStreams.get('/names');
    const fileNames = await optional('source file names', async () => {
      const stream = namesIndex === undefined ? undefined : msf.optionalStream(namesIndex, 'the /names string table');
      return stream ? StringTable.open(stream) : undefined;
    });

    const file = new PdbFileImpl(source, msf, info, dbi, sections, imageMap, gss, pubRva, pubRecord, pubCode, pubCand, contribRva, contribEnd, contribModule, contribMaxEnd, tpi, ipi, undecorate);
    file.problems.push(...problems);
    file.fileNames = fileNames;
    return file;
  }

  get indexBytes(): number {
    let n = this.msf.indexBytes + this.pubRva.byteLength + this.pubRecord.byteLength + this.pubCode.byteLength + this.pubCand.byteLength;
    n += this.contribRva.byteLength + this.contribEnd.byteLength + this.contribModule.byteLength + this.contribMaxEnd.byteLength;
    n += this.imageMap?.indexBytes ?? 0;
    n += this.parsedBytes;
    n += this.formatter.indexBytes;
    n += this.omapFuncs ? this.omapFuncs.rva.length * 13 + this.omapFuncs.pubRva.length * 9 : 0;
    return n;
  }

  private readonly toRva = (s: number, o: number): number | undefined => sectionRva(this.sections, s, o);

  private problem(p: string): void {
    if (this.problems.length < 100) this.problems.push(p);
  }

  // ---------------------------------------------------------------------------------------------
  // Modules.

  /** The parsed module `index` (from the LRU, or parsed now); undefined when it has no stream. */
  private async module(index: number): Promise<ParsedModule | undefined> {
    const hit = this.modules.get(index);
    if (hit) {
      this.modules.delete(index);
      this.modules.set(index, hit);
      return hit;
    }
    const pending = this.parsing.get(index);
    if (pending) return pending;
    const p = this.parseModuleNow(index);
    this.parsing.set(index, p);
    try {
      const m = await p;
      if (m && !this.closed) {
        this.modules.set(index, m);
        this.parsedBytes += m.bytes;
        // Let the least recently used go, by count and by bytes, down to the one in hand.
        while (this.modules.size > 1 && (this.modules.size > MAX_PARSED_MODULES || this.parsedBytes > MAX_PARSED_BYTES)) {
          const [k, old] = this.modules.entries().next().value!;
          this.modules.delete(k);
          this.parsedBytes -= old.bytes;
        }
      }
      return m;
    } finally {
      this.parsing.delete(index);
    }
  }

  private async parseModuleNow(index: number): Promise<ParsedModule | undefined> {
    const mods = this.dbi?.modules;
    if (!mods || index >= mods.count) return undefined;
    const stream = this.msf.optionalStream(mods.symStream[index]!, `module ${index}'s symbols`);
    if (!stream) return undefined;
    const m = await parseModule({ index, stream, symBytes: mods.symBytes[index]!, c11Bytes: mods.c11Bytes[index]!, c13Bytes: mods.c13Bytes[index]! }, this.toRva);
    for (const p of m.problems) this.problem(`module ${index} (${mods.names[index]}): ${p}`);
    return m;
  }

  private async parsedModules(indexes: number[]): Promise<ParsedModule[]> {
    const out: ParsedModule[] = [];
    for (const i of indexes) {
      const m = await this.module(i);
      if (m) out.push(m);
    }
    return out;
  }

  /** Modules with a code contribution intersecting [lo, hi] (original RVAs), at most `max`. */
  private modulesIn(lo: number, hi: number, max: number): number[] {
    const out = new Set<number>();
    // Contributions starting at or below hi, backwards, while an earlier one can still reach lo.
    for (let k = lastAtOrBelow(this.contribRva, hi); k >= 0; k--) {
      if (this.contribMaxEnd[k]! <= lo) break;
      if (this.contribEnd[k]! > lo) {
        out.add(this.contribModule[k]!);
        if (out.size >= max) break;
      }
    }
    return [...out];
  }

  /**
   * True when a FUNC record starts in [lo, hi] (original RVAs). A procedure starts in a code
   * contribution of its module, so the contributions meeting the range are visited in address
   * order, each parsing its module, until one has a start there: normally the first. Past
   * MAX_MODULES_PER_LOOKUP modules the answer is no (see docs/pdb.md).
   */
  private async anyFuncStartIn(lo: number, hi: number): Promise<boolean> {
    // The first contribution that can reach lo: the prefix maximum of the ends is monotonic.
    const first = firstAtOrAbove(this.contribMaxEnd, lo + 1);
    const seen: ParsedModule[] = [];
    const tried = new Set<number>();
    for (let k = first; k < this.contribRva.length && this.contribRva[k]! <= hi; k++) {
      if (this.contribEnd[k]! <= lo) continue;
      const mi = this.contribModule[k]!;
      if (tried.has(mi)) continue;
      if (tried.size >= MAX_MODULES_PER_LOOKUP) {
        this.problem(`a lookup between ${lo.toString(16)} and ${hi.toString(16)} met more than ${MAX_MODULES_PER_LOOKUP} modules; the rest were not searched`);
        return false;
      }
      tried.add(mi);
      const m = await this.module(mi);
      if (!m) continue;
      seen.push(m);
      if (await this.funcStartIn(seen, lo, hi)) return true;
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // Naming.

  /** Indexes [lo, hi) of the publics at original RVA `rva`. */
  private publicsAt(rva: number): [number, number] {
    const lo = firstAtOrAbove(this.pubRva, rva);
    let hi = lo;
    while (hi < this.pubRva.length && this.pubRva[hi] === rva) hi++;
    return [lo, hi];
  }

  private publicName(k: number): Promise<string> {
    return readPublicName(this.gss!, this.pubRecord[k]!);
  }

  /** A FUNC's name and stack parameter size (see the header). */
  private async functionName(src: FuncSource, i: number): Promise<{ name: string; paramSize: number }> {
    const procs = src.procs;
    const name = await procName(src, i);
    let chosen: string | undefined;
    if (procs.hasRva[i] && this.gss) {
      const [lo, hi] = this.publicsAt(procs.rva[i]!);
      let first: string | undefined;
      for (let k = lo; k < hi && chosen === undefined; k++) {
        const pub = await this.publicName(k);
        first ??= pub;
        if (pub === name || cNameOf(pub) === name) chosen = pub;
        else if (this.undecorate && pub.startsWith('?') && this.undecorate(pub, { nameOnly: true }) === name) chosen = pub;
      }
      chosen ??= first;
    }
    let undecorated: string;
    if (chosen !== undefined) undecorated = diaUndecorate(chosen, this.undecorate);
    else if (isLocalProcKind(procs.kind[i]!)) {
      const ti = await this.formatter.functionType(procs.typeIndex[i]!, isIdProcKind(procs.kind[i]!));
      undecorated = await this.formatter.staticSignature(name, ti);
    } else {
      // A global procedure without a public (a PDB whose publics were stripped): the record's
      // own name, as DIA's get_name gives it (unverified against DIA: no such case in our corpus).
      return { name: name === '' ? '<name omitted>' : name, paramSize: 0 };
    }
    const r = breakpadName(undecorated, this.undecorate);
    if (r.name === '') r.name = '<name omitted>';
    return { name: r.name, paramSize: Math.max(0, r.paramSize) };
  }

  /** Breakpad's choice among the publics at one address: the least decorated name. */
  private async selectPublic(lo: number, hi: number): Promise<{ k: number; name: string }> {
    let best = lo;
    let bestName = await this.publicName(lo);
    for (let k = lo + 1; k < hi; k++) {
      const name = await this.publicName(k);
      if (name < bestName) {
        best = k;
        bestName = name;
      }
    }
    return { k: best, name: bestName };
  }

  private publicRecordName(decorated: string): { name: string; paramSize: number } {
    const r = breakpadName(diaUndecorate(decorated, this.undecorate), this.undecorate);
    if (r.name === '') r.name = '<name omitted>';
    return { name: r.name, paramSize: Math.max(0, r.paramSize) };
  }

  // ---------------------------------------------------------------------------------------------
  // FUNC records.

  /**
   * The FUNC dump_syms writes at exactly `rva` (original) from these modules' procedures: the
   * least name, multiple when several share the address; none when that procedure's size is 0.
   */
  private async recordAt(mods: readonly FuncSource[], rva: number): Promise<FuncRecord | undefined> {
    let best: { src: FuncSource; proc: number } | undefined;
    let bestName: string | undefined;
    let count = 0;
    for (const m of mods) {
      const f = m.funcs;
      const i = lastAtOrBelow(f.rva, rva);
      if (i < 0 || f.rva[i] !== rva) continue;
      count += f.count[i]!;
      const cand = { src: m, proc: f.proc[i]! };
      if (!best) {
        best = cand;
        continue;
      }
      // Identical code folding across modules: compare names (rare).
      bestName ??= await procName(best.src, best.proc);
      const name = await procName(m, cand.proc);
      if (name < bestName) {
        best = cand;
        bestName = name;
      }
    }
    if (!best) return undefined;
    const size = best.src.procs.size[best.proc]!;
    if (size === 0) return undefined;
    return { rva, size, source: best.src, proc: best.proc, multiple: count > 1 };
  }

  /**
   * The FUNC record covering `rva` (original): of several, the lowest start, which is the one a
   * .sym reader keeps (it drops a FUNC overlapping one written before it).
   */
  private async covering(mods: readonly FuncSource[], rva: number): Promise<FuncRecord | undefined> {
    let best: FuncRecord | undefined;
    for (const m of mods) {
      const f = m.funcs;
      // Procedures nest only in hand-made PDBs; look a few starts back for one still covering.
      for (let i = lastAtOrBelow(f.rva, rva), steps = 0; i >= 0 && steps < 8; i--, steps++) {
        const start = f.rva[i]!;
        if (best && start >= best.rva) continue;
        const r = await this.recordAt(mods, start);
        if (r && rva - r.rva < r.size) best = r;
      }
      const b = m.blocks;
      for (let i = lastAtOrBelow(b.rva, rva), steps = 0; i >= 0 && steps < 8; i--, steps++) {
        if (rva - b.rva[i]! < b.size[i]! && (!best || b.rva[i]! < best.rva)) best = { rva: b.rva[i]!, size: b.size[i]!, source: m, proc: b.proc[i]!, multiple: false };
      }
    }
    return best;
  }

  /** True when one of these modules has a FUNC record starting in [lo, hi] (original RVAs). */
  private async funcStartIn(mods: readonly FuncSource[], lo: number, hi: number): Promise<boolean> {
    for (const m of mods) {
      const f = m.funcs;
      for (let i = firstAtOrAbove(f.rva, lo); i < f.rva.length && f.rva[i]! <= hi; i++) if (await this.recordAt(mods, f.rva[i]!)) return true;
      const b = m.blocks;
      for (let i = firstAtOrAbove(b.rva, lo); i < b.rva.length && b.rva[i]! <= hi; i++) if (b.size[i]! > 0) return true;
    }
    return false;
  }

  /** Every FUNC record of the PDB in dump_syms's order (address order, then outlying blocks). */
  private async allFuncRecords(): Promise<{ recs: FuncRecord[]; starts: Set<number> }> {
    const mods: FuncSource[] = [];
    const count = this.dbi?.modules.count ?? 0;
    for (let i = 0; i < count; i++) {
      const m = await this.module(i);
      // Keep the procedures, not the lines: a listing holds every module at once.
      if (m) mods.push({ index: m.index, stream: m.stream, procs: m.procs, funcs: m.funcs, blocks: m.blocks });
    }
    // Addresses with their modules, in order.
    const at = new Map<number, FuncSource[]>();
    for (const m of mods) {
      for (let i = 0; i < m.funcs.rva.length; i++) {
        const r = m.funcs.rva[i]!;
        const list = at.get(r);
        if (list) list.push(m);
        else at.set(r, [m]);
      }
    }
    const recs: FuncRecord[] = [];
    const starts = new Set<number>();
    for (const r of [...at.keys()].sort((a, b) => a - b)) {
      starts.add(r);
      const rec = await this.recordAt(at.get(r)!, r);
      if (rec) recs.push(rec);
    }
    for (const m of mods) {
      const b = m.blocks;
      for (let i = 0; i < b.count; i++) if (b.size[i]! > 0) recs.push({ rva: b.rva[i]!, size: b.size[i]!, source: m, proc: b.proc[i]!, multiple: false });
    }
    return { recs, starts };
  }

  // ---------------------------------------------------------------------------------------------
  // OMAP'd images: FUNC and PUBLIC records in the transformed image, built once (see docs/pdb.md).

  private omapFuncs: { rva: Uint32Array; size: Uint32Array; rec: FuncRecord[]; last: Uint8Array; pubRva: Uint32Array; pubK: Uint32Array; pubMultiple: Uint8Array } | undefined;
  private omapBuilding: Promise<void> | undefined;

  private async buildOmapTables(): Promise<void> {
    const map = this.imageMap!;
    const { recs, starts } = await this.allFuncRecords();
    // dump_syms writes a function's LINE records after its last FUNC piece, so a .sym reader
    // finds lines only in that piece.
    const pieces: Array<{ rva: number; size: number; r: number; last: boolean }> = [];
    for (let k = 0; k < recs.length && pieces.length < MAX_LISTED; k++) {
      const r = recs[k]!;
      const ranges = map.mapRange(r.rva, r.size);
      if (map.clipped) this.problem(`the function at ${r.rva.toString(16)} meets too many OMAP entries; its pieces past the limit are dropped`);
      ranges.forEach((piece, i) => pieces.push({ rva: piece.rva, size: piece.length, r: k, last: i === ranges.length - 1 }));
    }
    pieces.sort((a, b) => a.rva - b.rva);
    const pubPieces: Array<{ rva: number; k: number; multiple: boolean }> = [];
    for (const p of await this.publicRecords(starts)) {
      for (const piece of map.mapRange(p.rva, 1)) pubPieces.push({ rva: piece.rva, k: p.k, multiple: p.multiple });
      for (const next of this.subsequentBlocks(p.rva)) pubPieces.push({ rva: next, k: p.k, multiple: false });
    }
    pubPieces.sort((a, b) => a.rva - b.rva);
    this.omapFuncs = {
      rva: Uint32Array.from(pieces, (p) => p.rva),
      size: Uint32Array.from(pieces, (p) => p.size),
      rec: pieces.map((p) => recs[p.r]!),
      last: Uint8Array.from(pieces, (p) => (p.last ? 1 : 0)),
      pubRva: Uint32Array.from(pubPieces, (p) => p.rva),
      pubK: Uint32Array.from(pubPieces, (p) => p.k),
      pubMultiple: Uint8Array.from(pubPieces, (p) => (p.multiple ? 1 : 0)),
    };
  }

  private async omapTables(): Promise<NonNullable<PdbFileImpl['omapFuncs']>> {
    this.omapBuilding ??= this.buildOmapTables();
    await this.omapBuilding;
    return this.omapFuncs!;
  }

  /**
   * The PUBLIC records (original RVAs) dump_syms writes: per address with no procedure, the
   * least-named public, when it is code.
   */
  private async publicRecords(funcStarts: Set<number>): Promise<Array<{ rva: number; k: number; name: string; multiple: boolean }>> {
    const out: Array<{ rva: number; k: number; name: string; multiple: boolean }> = [];
    for (let lo = 0; lo < this.pubRva.length && out.length < MAX_LISTED; ) {
      const rva = this.pubRva[lo]!;
      let hi = lo;
      while (hi < this.pubRva.length && this.pubRva[hi] === rva) hi++;
      if (!funcStarts.has(rva) && this.pubCand[hi - 1] === hi - 1) {
        const sel = await this.selectPublic(lo, hi);
        if (this.pubCode[sel.k]) out.push({ rva, k: sel.k, name: sel.name, multiple: hi - lo > 1 });
      }
      lo = hi;
    }
    return out;
  }

  /**
   * PrintCodePublicSymbol's walk over the following OMAP blocks of the original image while the
   * public at or below each is still the same one: the transformed RVAs of the extra PUBLICs.
   */
  private subsequentBlocks(rva: number): number[] {
    const map = this.imageMap!;
    const out: number[] = [];
    let cur = rva;
    // Each step moves to a later OMAPFROM entry, so the table's length bounds the walk.
    for (let guard = 0; guard <= map.fromSrc.length / 2; guard++) {
      cur = map.subsequentRvaBlock(cur);
      if (cur === 0) break;
      const k = lastAtOrBelow(this.pubRva, cur);
      if (k < 0 || this.pubRva[k] !== rva) break;
      for (const piece of map.mapRange(cur, 1)) out.push(piece.rva);
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Lookups.

  private async guard<T>(go: () => Promise<T>): Promise<T> {
    if (this.closed) throw new DumpFormatError('BadValue', 'the PDB is closed', { struct: PDB_STRUCT.msf, path: this.source.name });
    try {
      return await go();
    } catch (e) {
      if (e instanceof DumpError) throw e.withPath(this.source.name);
      throw e;
    }
  }

  private async named(r: FuncRecord, rva: number, size: number): Promise<PdbFunction> {
    const { name, paramSize } = await this.functionName(r.source, r.proc);
    return { name, rva, size, paramSize, kind: 'func', multiple: r.multiple };
  }

  /** The FUNC record covering `rva` (original RVA, no OMAP), from the modules whose code is there. */
  private async funcAt(rva: number): Promise<FuncRecord | undefined> {
    return this.covering(await this.parsedModules(this.modulesIn(rva, rva, MAX_MODULES_PER_LOOKUP)), rva);
  }

  findFunction(rva: number): Promise<PdbFunction | undefined> {
    return this.guard(async () => {
      if (!Number.isInteger(rva) || rva < 0 || rva > 0xffff_ffff) return undefined;
      if (this.hasOmap) return this.findFunctionOmap(rva);
      const f = await this.funcAt(rva);
      if (f) return this.named(f, f.rva, f.size);
      return this.publicBelow(rva);
    });
  }

  /** Breakpad's PUBLIC rule without OMAP. */
  private async publicBelow(rva: number): Promise<PdbFunction | undefined> {
    // The highest address at or below rva whose chosen public is code (a data public chosen at
    // an address hides it, as in dump_syms); pubCand skips addresses with no code public at all.
    const below = lastAtOrBelow(this.pubRva, rva);
    let k = below >= 0 ? this.pubCand[below]! : -1;
    for (let guard = 0; k >= 0 && guard < 4096; guard++) {
      const at = this.pubRva[k]!;
      let lo = k;
      while (lo > 0 && this.pubRva[lo - 1] === at) lo--;
      const sel = await this.selectPublic(lo, k + 1);
      if (!this.pubCode[sel.k]) {
        k = lo > 0 ? this.pubCand[lo - 1]! : -1;
        continue;
      }
      // No FUNC may start in [at, rva] (one starting at `at` would have hidden the public).
      if (await this.anyFuncStartIn(at, rva)) return undefined;
      const { name, paramSize } = this.publicRecordName(sel.name);
      return { name, rva: at, paramSize, kind: 'public', multiple: k + 1 - lo > 1 };
    }
    return undefined;
  }

  private async findFunctionOmap(rva: number): Promise<PdbFunction | undefined> {
    const t = await this.omapTables();
    // SymFile: the FUNC covering rva (of overlapping ones, the first written, i.e. the lowest).
    const i = lastAtOrBelow(t.rva, rva);
    if (i >= 0 && rva - t.rva[i]! < t.size[i]!) return this.named(t.rec[i]!, t.rva[i]!, t.size[i]!);
    const j = lastAtOrBelow(t.pubRva, rva);
    if (j < 0 || (i >= 0 && t.pubRva[j]! <= t.rva[i]!)) return undefined;
    const { name, paramSize } = this.publicRecordName(await this.publicName(t.pubK[j]!));
    return { name, rva: t.pubRva[j]!, paramSize, kind: 'public', multiple: t.pubMultiple[j] === 1 };
  }

  findSourceLine(rva: number): Promise<PdbSourceLine | undefined> {
    return this.guard(async () => {
      if (!Number.isInteger(rva) || rva < 0 || rva > 0xffff_ffff) return undefined;
      let rec: FuncRecord | undefined;
      if (this.hasOmap) {
        const t = await this.omapTables();
        const i = lastAtOrBelow(t.rva, rva);
        if (i >= 0 && rva - t.rva[i]! < t.size[i]! && t.last[i] === 1) rec = t.rec[i];
      } else rec = await this.funcAt(rva);
      if (!rec) return undefined;
      return lineCovering(await this.linesOf(rec), rva);
    });
  }

  /**
   * The LINE records dump_syms writes after a FUNC: the module's line records in the function's
   * range, in address order, each mapped through OMAP (a zero-length one to the start of each
   * piece, as MapAddressRange does). The dump_syms of our corpus wrote them all; today's skips
   * zero-length ones and runs them through Lines::AddLine, which changes nothing else without
   * inline sites (DIA's lines of one function do not overlap). A .sym reader drops zero sizes.
   */
  private async linesOf(rec: FuncRecord): Promise<PdbSourceLine[]> {
    const m = await this.module(rec.source.index);
    if (!m) return [];
    const L = m.lines;
    const end = rec.rva + rec.size;
    const out: PdbSourceLine[] = [];
    const names = new Map<number, string>();
    for (let i = firstAtOrAbove(L.rva, rec.rva); i < L.count && L.rva[i]! < end; i++) {
      const chk = L.file[i]!;
      let file = names.get(chk);
      if (file === undefined) {
        const at = await fileNameOffset(m, chk);
        file = (at === undefined ? undefined : await this.fileNames?.get(at)) ?? '';
        names.set(chk, file);
      }
      const ranges = this.hasOmap ? this.imageMap!.mapRange(L.rva[i]!, L.length[i]!) : [{ rva: L.rva[i]!, length: L.length[i]! }];
      for (const r of ranges) out.push({ rva: r.rva, size: r.length, line: L.line[i]!, file });
      // Mapped lines come out of address order, which makes lineCovering quadratic: bound them.
      if (this.hasOmap && out.length > MAX_OMAP_FUNCTION_LINES) {
        this.problem(`the function at ${rec.rva.toString(16)} maps to more than ${MAX_OMAP_FUNCTION_LINES} LINE records; the rest are dropped`);
        out.length = MAX_OMAP_FUNCTION_LINES;
        break;
      }
    }
    return out;
  }

  listLines(funcRva: number): Promise<PdbSourceLine[]> {
    return this.guard(async () => {
      let rec: FuncRecord | undefined;
      if (this.hasOmap) {
        const t = await this.omapTables();
        const i = lastAtOrBelow(t.rva, funcRva);
        if (i >= 0 && t.rva[i] === funcRva && t.last[i] === 1) rec = t.rec[i];
      } else {
        const r = await this.funcAt(funcRva);
        if (r && r.rva === funcRva) rec = r;
      }
      return rec ? this.linesOf(rec) : [];
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Listings.

  listFunctions(): Promise<PdbFunction[]> {
    return this.guard(async () => {
      const out: PdbFunction[] = [];
      const { recs } = await this.allFuncRecords();
      for (const r of recs) {
        if (out.length >= MAX_LISTED) break;
        const { name, paramSize } = await this.functionName(r.source, r.proc);
        const ranges = this.hasOmap ? this.imageMap!.mapRange(r.rva, r.size) : [{ rva: r.rva, length: r.size }];
        for (const p of ranges) out.push({ name, rva: p.rva, size: p.length, paramSize, kind: 'func', multiple: r.multiple });
      }
      return out;
    });
  }

  listPublics(): Promise<PdbFunction[]> {
    return this.guard(async () => {
      // Procedure starts hide publics at the same address: this needs every module.
      const { starts } = await this.allFuncRecords();
      const out: PdbFunction[] = [];
      for (const p of await this.publicRecords(starts)) {
        const { name, paramSize } = this.publicRecordName(p.name);
        const first = this.hasOmap ? this.imageMap!.mapRange(p.rva, 1) : [{ rva: p.rva, length: 1 }];
        for (const r of first) out.push({ name, rva: r.rva, paramSize, kind: 'public', multiple: p.multiple });
        if (this.hasOmap) for (const next of this.subsequentBlocks(p.rva)) out.push({ name, rva: next, paramSize, kind: 'public', multiple: false });
      }
      return out;
    });
  }

  listRawPublics(): Promise<PdbRawPublic[]> {
    return this.guard(async () => {
      const out: PdbRawPublic[] = [];
      if (!this.gss) return out;
      await walkRecords(this.gss, 0, this.gss.size, PDB_STRUCT.publics, (kind, b, at) => {
        if (kind !== S_PUB32 || b.length < 14) return;
        const dv = view(b);
        out.push({ name: cstring(b, 14, b.length, MAX_NAME_BYTES), section: dv.getUint16(12, true), offset: dv.getUint32(8, true), flags: dv.getUint32(4, true), record: at });
        return out.length < MAX_LISTED;
      });
      return out;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.modules.clear();
    this.parsedBytes = 0;
    await this.source.close();
  }
}

/**
 * The line record covering rva as a .sym reader finds it: the function's LINE records in the
 * order written go into an exclusive range map (a record overlapping one kept before it, or of
 * size 0, is dropped); then the kept one covering rva.
 */
function lineCovering(lines: PdbSourceLine[], rva: number): PdbSourceLine | undefined {
  const starts: number[] = [];
  const kept: PdbSourceLine[] = [];
  for (const l of lines) {
    if (l.size === 0) continue;
    // First kept start > l.rva; the one before it may reach into l.
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= l.rva) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && kept[lo - 1]!.rva + kept[lo - 1]!.size > l.rva) continue;
    if (lo < starts.length && starts[lo]! < l.rva + l.size) continue;
    starts.splice(lo, 0, l.rva);
    kept.splice(lo, 0, l);
  }
  let lo = 0;
  let hi = starts.length - 1;
  let k = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= rva) {
      k = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return k >= 0 && rva - kept[k]!.rva < kept[k]!.size ? kept[k] : undefined;
}
