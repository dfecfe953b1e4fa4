// Breakpad symbol files (.sym): one streaming pass builds a compact address index in typed arrays,
// lookups read the few lines they need back with positioned reads. The file is never in memory:
// a real xul.sym is hundreds of MB, and the index holds 12-24 bytes per FUNC / PUBLIC /
// STACK CFI INIT / STACK WIN record (`indexBytes`) and 8 per FILE / INLINE_ORIGIN record (id ->
// line offset, `nameIndex.bytes`).
// Line records and INLINE records are counted, not kept: a source-line lookup reads the block of
// lines that follows the FUNC it found (at most MAX_FUNC_BLOCK_BYTES) and answers from it.
//
// Semantics follow google/breakpad src/processor/basic_source_line_resolver.cc:
// - FUNC and STACK CFI INIT ranges go into an exclusive range map: a range overlapping one
//   stored before it (in file order) is dropped, as is a zero size.
// - PUBLIC symbols go into an address map: the first of a given address wins; address 0 is ignored.
// - STACK WIN records go into one nesting ("contained") range map per type: a record may nest
//   inside or around earlier ones but not overlap one partially or repeat one exactly. Lookups
//   prefer type 4 (FRAME_DATA) and then type 0 (FPO) and return the innermost record.
// - STACK CFI delta lines (`STACK CFI addr rules`) apply, in address order, on top of the INIT
//   record that covers the address, for every delta address <= the address looked up; a later
//   line for the same address replaces an earlier one; a later rule for a register replaces the
//   earlier rule.
// - Line records go into their FUNC's exclusive range map (file order, first wins, zero size
//   dropped); the line covering an address gives its FILE name and line number.
// - INLINE records go into their FUNC's nesting range map, where, unlike STACK WIN, a range equal
//   to an earlier one is kept and nests inside it; a record whose nest level is more than one past
//   the last record added is ignored (Function::AppendInline). The inlines covering an address,
//   outermost first, are the inline frames; each is named by its INLINE_ORIGIN ('<name omitted>'
//   when the id has none), and (ConstructInlineFrames) the frame's own file and line become the
//   call site of the outermost inline, each inline frame taking the call site of the one inside
//   it and the innermost the line record's file and line. A call site without a file id (the old
//   INLINE format) or with an id no FILE record has keeps the line record's file, as Breakpad's
//   copied frame does.
// - FILE and INLINE_ORIGIN ids: the first record of an id wins (std::map::insert).
// The differences: Breakpad keeps deltas in one map for the whole file, while this index reads
// the deltas that directly follow their INIT line (the layout dump_syms writes). A delta line
// that follows no INIT is counted in `dropped`. Likewise line and INLINE records are read from the
// block directly after their FUNC line: one separated from it by another record (FILE, STACK,
// INLINE_ORIGIN, ...) is counted in `dropped`, and one ending more than MAX_FUNC_BLOCK_BYTES after
// the FUNC line is a problem. Breakpad stores ids, line numbers and nest levels in 32-bit ints
// (truncating a larger value onto a small one); here a record with such a value past 2^31 - 1, or
// with an address past 2^53, is a problem rather than an alias of another id.
//
// Hostile input: malformed lines, lines over MAX_SYM_LINE_BYTES and values that do not fit a PE
// image (rva + size > 2^32) are skipped and counted in `problems` with sample line numbers;
// records past MAX_SYM_RECORDS likewise. A file whose first line is not a MODULE line is refused
// with a DumpFormatError (struct 'breakpad-sym'). Lines end at LF or CR, as Breakpad splits them.
// Indexing is one pass plus sorts and O(log n) overlap queries per record, and every lookup is a
// binary search (the innermost STACK WIN record: a descent of a max tree) plus one read, so no
// file can make either quadratic or deep. A source-line or inline lookup adds one read of the
// FUNC's block (at most MAX_FUNC_BLOCK_BYTES), the same O(k log k) acceptance rules over its k
// records, and one line read per FILE or INLINE_ORIGIN name (at most MAX_INLINE_DEPTH frames).

import type { ByteSource } from '../../reader/byte-source.js';
import { DumpFormatError } from '../../errors.js';
import { hex } from '../../util/hex.js';

/** The `struct` named in errors about symbol files. */
export const SYM_STRUCT = 'breakpad-sym';

/**
 * Index records (FUNC + PUBLIC + STACK CFI INIT + STACK WIN + FILE + INLINE_ORIGIN) kept per file. A Firefox xul.sym
 * (the largest symbol file we know of, ~400 MB) has ~1.5 million; Chrome's chrome.dll fewer than
 * 3 million. 4 million records cost at most ~100 MB of index; past it, records are counted as
 * problems and not indexed.
 */
export const MAX_SYM_RECORDS = 4_000_000;

/** Bytes in one line. Real lines are < 4 KiB (long C++ names); a longer one is skipped and counted. */
export const MAX_SYM_LINE_BYTES = 64 * 1024;

/** Bytes read per positioned read in the indexing pass. */
export const SYM_CHUNK_BYTES = 1024 * 1024;

/** Bytes of one STACK CFI INIT line plus its delta lines (real: < 2 KiB). Later deltas are dropped. */
const MAX_CFI_BLOCK_BYTES = 256 * 1024;
/**
 * Bytes of one FUNC's block: its line plus the INLINE and line records after it, which a
 * source-line lookup reads whole. dump_syms writes ~20 bytes per line record and the largest
 * functions we know of have a few thousand (< 200 KiB); records ending past the bound are counted
 * as problems and not used.
 */
export const MAX_FUNC_BLOCK_BYTES = 1024 * 1024;
/** Inline frames at one address. Real nesting is under 30 deep; deeper is refused (CountTooLarge). */
export const MAX_INLINE_DEPTH = 256;
/** Breakpad's name for an inline frame whose INLINE_ORIGIN id has no record. */
export const INLINE_NAME_OMITTED = '<name omitted>';
/** Breakpad's ParseInline tokenizes at most this many fields (the rest of a longer line is one). */
const MAX_INLINE_TOKENS = 512;
/** Ids, line numbers and nest levels: Breakpad keeps them in 32-bit ints. */
const MAX_INT32 = 0x7fff_ffff;
/** Addresses and sizes of line and INLINE records (64-bit in Breakpad) are kept as exact doubles. */
const MAX_EXACT = Number.MAX_SAFE_INTEGER;
/** Problem lines remembered as samples (all are counted). */
const MAX_PROBLEM_SAMPLES = 10;
/** Module-relative addresses are 32-bit: SizeOfImage is a u32. */
const MAX_RVA = 0xffff_ffff;

const LF = 10;
const CR = 13;
const SP = 32;

export interface SymModule {
  /** `windows`, `Linux`, `mac`, ... as written. */
  os: string;
  /** `x86`, `x86_64`, `arm64`, `unknown`, ... as written. */
  arch: string;
  /** GUID hex + age hex, as written (normally uppercase). */
  debugId: string;
  /** Debug file name (`ntdll.pdb`), as written. */
  name: string;
}

/** Well-formed lines of each kind: on a clean file, what `grep -c '^KIND '` counts. */
export interface SymRecordCounts {
  module: number;
  info: number;
  file: number;
  func: number;
  public: number;
  /** Line-number records (`addr size line file`) after a FUNC. */
  line: number;
  stackCfiInit: number;
  /** `STACK CFI addr ...` delta lines. */
  stackCfi: number;
  stackWin: number;
  inline: number;
  inlineOrigin: number;
}

/** FILE and INLINE_ORIGIN ids indexed (the first record of each id), and the bytes of those tables. */
export interface SymNameIndex {
  file: number;
  inlineOrigin: number;
  /** Bytes of the id and offset arrays: apart from `indexBytes`, the address index. */
  bytes: number;
}

/** Entries in the lookup index (after Breakpad's overlap, duplicate and zero-size rules). */
export interface SymIndexCounts {
  func: number;
  public: number;
  stackCfiInit: number;
  /** STACK WIN type 4 (FRAME_DATA) and type 0 (FPO): the two types Breakpad looks up. */
  stackWinFrameData: number;
  stackWinFpo: number;
}

export interface SymProblem {
  /** 1-based line number. */
  lineNumber: number;
  /** File offset of the line. */
  offset: number;
  reason: string;
}

export interface SymProblems {
  /** Lines skipped as malformed, overlong, absurd, or past the record limit. */
  count: number;
  /** The first few, for messages. */
  samples: SymProblem[];
}

/** Register recovery rules in effect at one address (`STACK CFI`), as postfix expression text. */
export interface CfiRules {
  /** Rule for the canonical frame address; '' when the records give none. */
  cfa: string;
  /** Rule for the return address; '' when the records give none. */
  ra: string;
  /** Other registers, named as in the file (`$rbx`, `$rbp`, `x29`), to their rule. */
  registers: Map<string, string>;
  /** Start and size of the STACK CFI INIT record the rules come from. */
  initRva: number;
  initSize: number;
}

/** One STACK WIN record (fields as in Microsoft's IDiaFrameData). */
export interface WinFrameInfo {
  /** 4 = FRAME_DATA (has a program string), 0 = FPO. */
  type: number;
  rva: number;
  codeSize: number;
  prologSize: number;
  epilogSize: number;
  parameterSize: number;
  savedRegisterSize: number;
  localSize: number;
  maxStackSize: number;
  hasProgramString: boolean;
  /** The postfix program (when hasProgramString). */
  programString?: string;
  /** Whether EBP is used as a frame pointer (when !hasProgramString). */
  allocatesBasePointer?: boolean;
}

export interface SymFunction {
  name: string;
  rva: number;
  /** FUNC only. */
  size?: number;
  /** Bytes of stack parameters (`paramSize` field). */
  paramSize: number;
  kind: 'func' | 'public';
  /** The `m` flag: several names share this address (identical code folding). */
  multiple: boolean;
}

/** The source line of an address, as Breakpad's resolver gives it to a frame. */
export interface SymSourceLine {
  /** The FILE record's name, as written (a full path for dump_syms output). */
  file: string;
  line: number;
  /** Start and size of the line record covering the address (when only an inline gives the line: of that inline's range). */
  rva: number;
  size: number;
}

/** One inlined call at an address (an INLINE record whose range covers it). */
export interface SymInlineFrame {
  /** The INLINE_ORIGIN name, or INLINE_NAME_OMITTED. */
  name: string;
  /**
   * Where its caller calls it: file and line. A call site without a file id, or with one no FILE
   * record has, takes the line record's file (Breakpad's copied frame); undefined when neither is known.
   */
  callFile?: string;
  callLine: number;
  /** Where the inlined function is at the address: the next inline's call site, or for the innermost the line record's file and line (undefined when none covers it). */
  file?: string;
  line?: number;
}

export interface SymFile {
  readonly source: ByteSource;
  readonly module: SymModule;
  /** From `INFO CODE_ID <id> [<file>]`. */
  readonly codeId?: string;
  readonly codeFile?: string;
  readonly counts: Readonly<SymRecordCounts>;
  readonly indexed: Readonly<SymIndexCounts>;
  readonly problems: Readonly<SymProblems>;
  /** Well-formed records the index does not use (overlapping, zero-sized, duplicate, orphan deltas). */
  readonly dropped: number;
  /** Bytes held by the typed arrays of the address index (FUNC, PUBLIC, STACK). */
  readonly indexBytes: number;
  /** The FILE and INLINE_ORIGIN tables. */
  readonly nameIndex: Readonly<SymNameIndex>;
  findCfiRules(rva: number | bigint): Promise<CfiRules | undefined>;
  findWinFrameInfo(rva: number | bigint): Promise<WinFrameInfo | undefined>;
  /** The FUNC covering rva, else the PUBLIC at or below it under Breakpad's rule. */
  findFunction(rva: number | bigint): Promise<SymFunction | undefined>;
  /**
   * The file and line Breakpad gives the frame at rva: from the line record of the FUNC covering
   * it or, when inlines cover it, the call site of the outermost. Undefined when no FUNC covers
   * rva or the file is unknown (Breakpad then prints no `[file : line]` either).
   */
  findSourceLine(rva: number | bigint): Promise<SymSourceLine | undefined>;
  /**
   * Inlined calls at rva, outermost first: name (INLINE_ORIGIN), the call site's file and line in
   * its caller, the inlinee's own file and line at rva when the records give them. Throws
   * DumpFormatError (CountTooLarge) past MAX_INLINE_DEPTH.
   */
  findInlines(rva: number | bigint): Promise<SymInlineFrame[]>;
  /** Closes the source. */
  close(): Promise<void>;
}

export interface OpenSymOptions {
  /** Bytes per read in the indexing pass (tests use small values to cross chunk boundaries). */
  chunkBytes?: number;
  /** A lower record limit than MAX_SYM_RECORDS (a memory-constrained host; tests). */
  maxRecords?: number;
}

// ---------------------------------------------------------------------------------------------
// Growable typed arrays for the pass.

/** Entries per block of a growing list. */
const LIST_BLOCK = 16384;

/**
 * A growing list of numbers kept in fixed blocks: growth copies nothing and leaves no garbage
 * (doubling a typed array left the older copies, as much again as the list, for the collector).
 * `a` flattens it once, at the end of the pass, into an exact-size array.
 */
class BlockList<T extends Uint32Array | Float64Array> {
  private blocks: T[] = [];
  private cur: T;
  private used = 0;
  private flat: T | undefined;
  n = 0;
  constructor(private readonly make: (n: number) => T) {
    this.cur = make(LIST_BLOCK);
  }
  push(v: number): void {
    if (this.used === LIST_BLOCK) {
      this.blocks.push(this.cur);
      this.cur = this.make(LIST_BLOCK);
      this.used = 0;
    }
    this.cur[this.used++] = v;
    this.n++;
  }
  get(i: number): number {
    const b = Math.floor(i / LIST_BLOCK);
    return (b === this.blocks.length ? this.cur : this.blocks[b]!)[i % LIST_BLOCK]!;
  }
  set(i: number, v: number): void {
    const b = Math.floor(i / LIST_BLOCK);
    (b === this.blocks.length ? this.cur : this.blocks[b]!)[i % LIST_BLOCK] = v;
  }
  /** Lets the entries go (the index has copied what it keeps). */
  release(): void {
    this.blocks = [];
    this.cur = this.make(0);
    this.flat = undefined;
  }
  /** The entries as one exact-size array (the blocks are let go). */
  get a(): T {
    if (!this.flat) {
      const out = this.make(this.n);
      this.blocks.forEach((b, k) => out.set(b, k * LIST_BLOCK));
      out.set(this.cur.subarray(0, this.used), this.blocks.length * LIST_BLOCK);
      this.flat = out;
      this.blocks = [];
      this.cur = this.make(0);
    }
    return this.flat;
  }
}

class U32List extends BlockList<Uint32Array> {
  constructor() {
    super((n) => new Uint32Array(n));
  }
}

class F64List extends BlockList<Float64Array> {
  constructor() {
    super((n) => new Float64Array(n));
  }
}

/** Addresses and sizes: u32 for the index, f64 for line and INLINE records read back (64-bit in Breakpad). */
type NumArray = Uint32Array | Float64Array;

/** Offsets: 4 bytes each when the file is under 4 GiB. */
type OffsetArray = Uint32Array | Float64Array;
type OffsetList = U32List | F64List;

function offsetList(wide: boolean): OffsetList {
  return wide ? new F64List() : new U32List();
}

function offsetArray(count: number, wide: boolean): OffsetArray {
  return wide ? new Float64Array(count) : new Uint32Array(count);
}

// ---------------------------------------------------------------------------------------------
// Byte-level line parsing (no regular expressions, no string per line).

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

const KW_MODULE = ascii('MODULE ');
const KW_INFO = ascii('INFO ');
const KW_CODE_ID = ascii('CODE_ID');
const KW_FILE = ascii('FILE ');
const KW_FUNC = ascii('FUNC ');
const KW_PUBLIC = ascii('PUBLIC ');
const KW_STACK = ascii('STACK ');
const KW_INLINE = ascii('INLINE ');
const KW_INLINE_ORIGIN = ascii('INLINE_ORIGIN ');
const KW_WIN = ascii('WIN');
const KW_CFI = ascii('CFI');
const KW_INIT = ascii('INIT');
const KW_M = ascii('m');

function startsWith(b: Uint8Array, s: number, e: number, kw: Uint8Array): boolean {
  if (e - s < kw.length) return false;
  for (let i = 0; i < kw.length; i++) if (b[s + i] !== kw[i]) return false;
  return true;
}

function tokenIs(b: Uint8Array, s: number, e: number, kw: Uint8Array): boolean {
  return e - s === kw.length && startsWith(b, s, e, kw);
}

/** Breakpad's field separators: space, CR, LF (not tab). */
function isSep(c: number): boolean {
  return c === SP || c === CR || c === LF;
}

/**
 * Breakpad's Tokenize(line, " \r\n", max): `max - 1` separated tokens, then the rest of the line
 * (from just after the separator that ended the last one) as the final token. Fills `out` with
 * start/end pairs; false when there are fewer than `max` tokens.
 */
function tokenize(b: Uint8Array, s: number, e: number, max: number, out: number[]): boolean {
  out.length = 0;
  let i = s;
  for (let k = 0; k < max - 1; k++) {
    while (i < e && isSep(b[i]!)) i++;
    if (i >= e) return false;
    const t = i;
    while (i < e && !isSep(b[i]!)) i++;
    out.push(t, i);
  }
  if (i >= e) return false;
  i++; // the separator strtok replaced
  while (i < e && (b[i] === CR || b[i] === LF)) i++;
  if (i >= e) return false;
  out.push(i, e);
  return true;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Hex number filling [s, e) (optional 0x); -1 when malformed, Infinity past 2^53. */
function parseHex(b: Uint8Array, s: number, e: number): number {
  if (e - s > 2 && b[s] === 48 && (b[s + 1] === 120 || b[s + 1] === 88)) s += 2;
  if (s >= e) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = hexDigit(b[i]!);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v > Number.MAX_SAFE_INTEGER ? Infinity : v;
}

/** Decimal digits filling [s, e); -1 when malformed. */
function parseDec(b: Uint8Array, s: number, e: number): number {
  if (s >= e || e - s > 15) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
function text(b: Uint8Array, s: number, e: number): string {
  return utf8.decode(b.subarray(s, e));
}

/** Field values of a STACK WIN line after `STACK WIN `; undefined when malformed. */
interface WinFields {
  type: number;
  rva: number;
  size: number;
  /** prolog, epilog, params, saved regs, locals, max stack, has program */
  rest: number[];
  /** Start/end of the last field (program string or allocatesBasePointer). */
  lastStart: number;
  lastEnd: number;
}

function parseWinFields(b: Uint8Array, s: number, e: number, tok: number[]): WinFields | string {
  if (!tokenize(b, s, e, 11, tok)) return 'STACK WIN: fewer than 11 fields';
  const vals: number[] = [];
  for (let k = 0; k < 10; k++) {
    const v = parseHex(b, tok[2 * k]!, tok[2 * k + 1]!);
    if (v < 0) return `STACK WIN: field ${k + 1} is not hex`;
    if (v > MAX_RVA) return `STACK WIN: field ${k + 1} is over 32 bits`;
    vals.push(v);
  }
  const type = vals[0]!;
  if (type > 4) return `STACK WIN: unknown type ${type}`;
  return { type, rva: vals[1]!, size: vals[2]!, rest: vals.slice(3), lastStart: tok[20]!, lastEnd: tok[21]! };
}

/** Signed decimal filling [s, e) (strtol over a whole token); NaN when malformed. */
function parseSignedDec(b: Uint8Array, s: number, e: number): number {
  const neg = s < e && b[s] === 45; // '-'
  const v = parseDec(b, neg ? s + 1 : s, e);
  return v < 0 ? NaN : neg ? -v : v;
}

/** The records that end a FUNC's block: every keyword line but INLINE. */
const BLOCK_ENDS = [KW_FUNC, KW_PUBLIC, KW_STACK, KW_FILE, KW_INLINE_ORIGIN, KW_INFO, KW_MODULE];

function endsFuncBlock(b: Uint8Array, s: number, e: number): boolean {
  // Line records (most lines) start with a hex digit: one comparison settles them.
  const c = b[s];
  if (c !== 70 && c !== 80 && c !== 83 && c !== 73 && c !== 77) return false; // F P S I M
  for (const kw of BLOCK_ENDS) if (startsWith(b, s, e, kw)) return true;
  return false;
}

/** `<address> <size> <line> <file id>` (hex, hex, decimal, decimal), following a FUNC. */
interface LineRecord {
  addr: number;
  size: number;
  line: number;
  file: number;
}

/** A line record, or 'syntax' when the line is not one, or why its values are refused. */
function parseLineRecord(b: Uint8Array, s: number, e: number, tok: number[]): LineRecord | string {
  if (!tokenize(b, s, e, 4, tok)) return 'syntax';
  const addr = parseHex(b, tok[0]!, tok[1]!);
  const size = parseHex(b, tok[2]!, tok[3]!);
  const line = parseDec(b, tok[4]!, tok[5]!);
  const file = parseDec(b, tok[6]!, tok[7]!);
  if (addr < 0 || size < 0 || line < 0 || file < 0) return 'syntax';
  if (addr + size > MAX_EXACT) return 'line record: address + size past 2^53';
  if (line > MAX_INT32 || file > MAX_INT32) return 'line record: line number or file id past 2^31 - 1';
  return { addr, size, line, file };
}

/** `INLINE <nest level> <call site line> [<call site file id>] <origin id> [<address> <size>]+`. */
interface InlineRecord {
  level: number;
  callLine: number;
  /** The new format (an even number of fields) has the call site's file id; -1 means none. */
  hasCallFile: boolean;
  callFile: number;
  origin: number;
  /** Address, size pairs. */
  ranges: number[];
}

/**
 * Breakpad's SymbolParseHelper::ParseInline on the text after `INLINE `: at most 512 fields (the
 * leading number of the 512th is read, the rest ignored); the format is told by their parity.
 */
function parseInlineRecord(b: Uint8Array, s: number, e: number): InlineRecord | string {
  const t: number[] = [];
  let i = s;
  while (t.length < 2 * MAX_INLINE_TOKENS) {
    while (i < e && isSep(b[i]!)) i++;
    if (i >= e) break;
    const ts = i;
    while (i < e && !isSep(b[i]!)) i++;
    t.push(ts, i);
  }
  const n = t.length / 2;
  if (n < 5) return 'INLINE: fewer than 5 fields';
  const hasCallFile = n % 2 === 0;
  let k = 0;
  const dec = (min: number): number => {
    const v = parseSignedDec(b, t[2 * k]!, t[2 * k + 1]!);
    k++;
    return v >= min && v <= MAX_INT32 ? v : NaN;
  };
  const level = dec(0);
  const callLine = dec(0);
  const callFile = hasCallFile ? dec(-1) : -1;
  const origin = dec(0);
  if (!(level >= 0 && callLine >= 0 && callFile >= -1 && origin >= 0)) return 'INLINE: a number is not decimal or is past 2^31 - 1';
  const ranges: number[] = [];
  for (; k < n; k += 2) {
    const a = parseHex(b, t[2 * k]!, t[2 * k + 1]!);
    const z = parseHex(b, t[2 * k + 2]!, t[2 * k + 3]!);
    if (a < 0 || z < 0) return 'INLINE: a range is not hex';
    if (a + z > MAX_EXACT) return 'INLINE: address + size past 2^53';
    ranges.push(a, z);
  }
  return { level, callLine, hasCallFile, callFile, origin, ranges };
}

/** `FILE <id> <name>`: the id and where the name is. */
function parseFileRecord(b: Uint8Array, s: number, e: number, tok: number[]): { id: number; nameStart: number; nameEnd: number } | string {
  if (!tokenize(b, s + KW_FILE.length, e, 2, tok)) return 'FILE: needs a decimal id and a name';
  const id = parseDec(b, tok[0]!, tok[1]!);
  if (id < 0) return 'FILE: needs a decimal id and a name';
  if (id > MAX_INT32) return 'FILE: id past 2^31 - 1';
  return { id, nameStart: tok[2]!, nameEnd: tok[3]! };
}

/**
 * `INLINE_ORIGIN <id> <name>`, or the old `INLINE_ORIGIN <id> <file id> <name>`: as Breakpad's
 * ParseInlineOrigin, the old format is recognised by a first word after the id made of digits
 * (a leading '-' allowed: -1 is "no file").
 */
function parseOriginRecord(b: Uint8Array, s: number, e: number, tok: number[]): { id: number; nameStart: number; nameEnd: number } | string {
  if (!tokenize(b, s + KW_INLINE_ORIGIN.length, e, 2, tok)) return 'INLINE_ORIGIN: needs an id and a name';
  const id = parseDec(b, tok[0]!, tok[1]!);
  if (id < 0) return 'INLINE_ORIGIN: id is not decimal';
  if (id > MAX_INT32) return 'INLINE_ORIGIN: id past 2^31 - 1';
  let rs = tok[2]!;
  let re = tok[3]!;
  let old = true;
  for (let k = rs; k < re && b[k] !== SP && old; k++) {
    if (k === rs && b[k] === 45) continue;
    old = b[k]! >= 48 && b[k]! <= 57;
  }
  if (old) {
    const t2: number[] = [];
    if (!tokenize(b, rs, re, 2, t2) || !(parseSignedDec(b, t2[0]!, t2[1]!) >= -1)) return 'INLINE_ORIGIN: bad file id or no name';
    rs = t2[2]!;
    re = t2[3]!;
  }
  return { id, nameStart: rs, nameEnd: re };
}

// ---------------------------------------------------------------------------------------------
// The indexing pass.

interface Pass {
  wide: boolean;
  counts: SymRecordCounts;
  problems: SymProblems;
  dropped: number;
  records: number;
  maxRecords: number;
  module?: SymModule;
  codeId?: string;
  codeFile?: string;
  func: { rva: U32List; size: U32List; off: OffsetList };
  pub: { rva: U32List; off: OffsetList };
  cfi: { rva: U32List; size: U32List; off: OffsetList; len: U32List };
  win: [WinLists, WinLists]; // [FPO (type 0), FRAME_DATA (type 4)]
  /** Index into cfi of the INIT whose deltas may follow, or -1. */
  openCfi: number;
  /** A FUNC was the last FUNC/PUBLIC line: line records may follow. */
  inFunc: boolean;
  /** File offset of the last FUNC line while its block (INLINE and line records right after it) is open, else -1. */
  blockStart: number;
  /** Breakpad's last_added_inline_nest_level for the FUNC of the open block. */
  inlineLevel: number;
  file: { id: U32List; off: OffsetList };
  origin: { id: U32List; off: OffsetList };
  tok: number[];
}

/** FILE <id> <name> and INLINE_ORIGIN <id> <name>: a parsed record into its id -> line offset table. */
function idRecord(p: Pass, lineNumber: number, offset: number, parsed: { id: number } | string, counter: 'file' | 'inlineOrigin', table: Pass['file']): void {
  if (typeof parsed === 'string') return problem(p, lineNumber, offset, parsed);
  p.counts[counter]++;
  if (!takeRecord(p, lineNumber, offset)) return;
  table.id.push(parsed.id);
  table.off.push(offset);
}

interface WinLists {
  rva: U32List;
  size: U32List;
  off: OffsetList;
}

function newWinLists(wide: boolean): WinLists {
  return { rva: new U32List(), size: new U32List(), off: offsetList(wide) };
}

function problem(p: Pass, lineNumber: number, offset: number, reason: string): void {
  p.problems.count++;
  if (p.problems.samples.length < MAX_PROBLEM_SAMPLES) p.problems.samples.push({ lineNumber, offset, reason });
}

/** Counts a record against MAX_SYM_RECORDS; false (and a problem) past it. */
function takeRecord(p: Pass, lineNumber: number, offset: number): boolean {
  if (p.records >= p.maxRecords) {
    problem(p, lineNumber, offset, `over the limit of ${p.maxRecords} records per file`);
    return false;
  }
  p.records++;
  return true;
}

function badSignature(source: ByteSource, detail: string, offset = 0): DumpFormatError {
  return new DumpFormatError('BadSignature', detail, { struct: SYM_STRUCT, offset, path: source.name });
}

/** One line: bytes [s, e) of `b` (no CR or LF), at file offset `offset`. */
function handleLine(p: Pass, source: ByteSource, b: Uint8Array, s: number, e: number, offset: number, lineNumber: number): void {
  const tok = p.tok;
  if (p.module === undefined) {
    // MODULE <os> <arch> <debug id> <name>: the first line of every file dump_syms writes.
    if (!startsWith(b, s, e, KW_MODULE)) throw badSignature(source, 'not a Breakpad symbol file (no MODULE line)', offset);
    if (!tokenize(b, s + KW_MODULE.length, e, 4, tok)) {
      throw new DumpFormatError('BadValue', 'MODULE line needs os, arch, debug id and name', { struct: SYM_STRUCT, offset, path: source.name });
    }
    p.module = { os: text(b, tok[0]!, tok[1]!), arch: text(b, tok[2]!, tok[3]!), debugId: text(b, tok[4]!, tok[5]!), name: text(b, tok[6]!, tok[7]!) };
    p.counts.module++;
    return;
  }

  // Every record but INLINE and line records closes the block of the last FUNC.
  if (p.blockStart >= 0 && endsFuncBlock(b, s, e)) p.blockStart = -1;

  if (startsWith(b, s, e, KW_STACK)) {
    handleStack(p, b, s, e, offset, lineNumber);
    return;
  }
  // Any other record ends a run of CFI delta lines.
  p.openCfi = -1;

  if (startsWith(b, s, e, KW_FUNC)) {
    p.inFunc = false;
    // FUNC [m] <address> <size> <param size> <name>
    const at = s + KW_FUNC.length;
    let ok = tokenize(b, at, e, 5, tok) && tokenIs(b, tok[0]!, tok[1]!, KW_M);
    const multiple = ok;
    if (!ok) ok = tokenize(b, at, e, 4, tok);
    if (!ok) return problem(p, lineNumber, offset, 'FUNC: needs address, size, parameter size and name');
    const k = multiple ? 2 : 0;
    const rva = parseHex(b, tok[k]!, tok[k + 1]!);
    const size = parseHex(b, tok[k + 2]!, tok[k + 3]!);
    const params = parseHex(b, tok[k + 4]!, tok[k + 5]!);
    if (rva < 0 || size < 0 || params < 0) return problem(p, lineNumber, offset, 'FUNC: a number is not hex');
    if (rva + size > MAX_RVA + 1 || params > MAX_RVA) return problem(p, lineNumber, offset, `FUNC: absurd range ${hex(rva)}+${hex(size)}`);
    p.counts.func++;
    p.inFunc = true;
    p.blockStart = offset;
    p.inlineLevel = 0;
    if (!takeRecord(p, lineNumber, offset)) return;
    p.func.rva.push(rva);
    p.func.size.push(size);
    p.func.off.push(offset);
    return;
  }
  if (startsWith(b, s, e, KW_PUBLIC)) {
    p.inFunc = false;
    // PUBLIC [m] <address> <param size> <name>
    let ok = tokenize(b, s + KW_PUBLIC.length, e, 4, tok) && tokenIs(b, tok[0]!, tok[1]!, KW_M);
    const multiple = ok;
    if (!ok) ok = tokenize(b, s + KW_PUBLIC.length, e, 3, tok);
    if (!ok) return problem(p, lineNumber, offset, 'PUBLIC: needs address, parameter size and name');
    const k = multiple ? 2 : 0;
    const rva = parseHex(b, tok[k]!, tok[k + 1]!);
    const params = parseHex(b, tok[k + 2]!, tok[k + 3]!);
    if (rva < 0 || params < 0) return problem(p, lineNumber, offset, 'PUBLIC: a number is not hex');
    if (rva > MAX_RVA || params > MAX_RVA) return problem(p, lineNumber, offset, `PUBLIC: absurd address ${hex(rva)}`);
    p.counts.public++;
    if (!takeRecord(p, lineNumber, offset)) return;
    p.pub.rva.push(rva);
    p.pub.off.push(offset);
    return;
  }
  if (startsWith(b, s, e, KW_FILE)) return idRecord(p, lineNumber, offset, parseFileRecord(b, s, e, tok), 'file', p.file);
  if (startsWith(b, s, e, KW_INLINE_ORIGIN)) return idRecord(p, lineNumber, offset, parseOriginRecord(b, s, e, tok), 'inlineOrigin', p.origin);
  if (startsWith(b, s, e, KW_INLINE)) {
    const r = parseInlineRecord(b, s + KW_INLINE.length, e);
    if (typeof r === 'string') return problem(p, lineNumber, offset, r);
    // Breakpad would dereference a null function here (it appends to cur_func unchecked).
    if (!p.inFunc) return problem(p, lineNumber, offset, 'INLINE without a FUNC');
    p.counts.inline++;
    if (!inBlock(p, offset, e - s, lineNumber, 'INLINE')) return;
    // Function::AppendInline: a record nested more than one level deeper than the last one added is ignored.
    if (r.level > p.inlineLevel + 1) {
      p.dropped++;
      return;
    }
    p.inlineLevel = r.level;
    return;
  }
  if (startsWith(b, s, e, KW_INFO)) {
    p.counts.info++;
    // INFO CODE_ID <code id> [<code file>]
    if (p.codeId === undefined && tokenize(b, s + KW_INFO.length, e, 2, tok) && tokenIs(b, tok[0]!, tok[1]!, KW_CODE_ID)) {
      const rs = tok[2]!;
      const re = tok[3]!;
      let i = rs;
      while (i < re && !isSep(b[i]!)) i++;
      p.codeId = text(b, rs, i);
      while (i < re && isSep(b[i]!)) i++;
      if (i < re) p.codeFile = text(b, i, re);
    }
    return;
  }
  if (startsWith(b, s, e, KW_MODULE)) {
    p.counts.module++;
    return;
  }
  // <address> <size> <line> <file id>, belonging to the last FUNC.
  const r = parseLineRecord(b, s, e, tok);
  if (r === 'syntax') return problem(p, lineNumber, offset, 'unknown record');
  if (!p.inFunc) return problem(p, lineNumber, offset, 'line record without a FUNC');
  if (typeof r === 'string') return problem(p, lineNumber, offset, r);
  p.counts.line++;
  inBlock(p, offset, e - s, lineNumber, 'line record');
}

/**
 * Whether an INLINE or line record of `length` bytes at `offset` is in the block a lookup reads
 * after its FUNC line; if not it is counted: in `dropped` when another record separates it from
 * its FUNC (Breakpad would still attach it), as a problem when it ends past MAX_FUNC_BLOCK_BYTES.
 */
function inBlock(p: Pass, offset: number, length: number, lineNumber: number, what: string): boolean {
  if (p.blockStart < 0) {
    p.dropped++;
    return false;
  }
  if (offset + length - p.blockStart > MAX_FUNC_BLOCK_BYTES) {
    problem(p, lineNumber, offset, `${what} ends more than ${MAX_FUNC_BLOCK_BYTES} bytes after its FUNC line: not used`);
    return false;
  }
  return true;
}

/**
 * After `STACK `: Breakpad skips spaces, reads the kind (`WIN`, `CFI`) up to a separator, and
 * parses the rest from the character after it.
 */
function stackKind(b: Uint8Array, s: number, e: number): { kind: 'WIN' | 'CFI' | 'other'; rest: number } {
  let i = s + KW_STACK.length;
  while (i < e && b[i] === SP) i++;
  const ps = i;
  while (i < e && !isSep(b[i]!)) i++;
  const kind = tokenIs(b, ps, i, KW_WIN) ? 'WIN' : tokenIs(b, ps, i, KW_CFI) ? 'CFI' : 'other';
  return { kind, rest: Math.min(e, i + 1) };
}

/** The fields of a `STACK CFI` line from `rest` on: INIT with its range, or a delta with its address. */
interface CfiFields {
  init: boolean;
  rva: number;
  size: number;
  rulesStart: number;
  rulesEnd: number;
}

function parseCfiFields(b: Uint8Array, rest: number, e: number, tok: number[]): CfiFields | string {
  if (tokenize(b, rest, e, 4, tok) && tokenIs(b, tok[0]!, tok[1]!, KW_INIT)) {
    const rva = parseHex(b, tok[2]!, tok[3]!);
    const size = parseHex(b, tok[4]!, tok[5]!);
    if (rva < 0 || size < 0) return 'STACK CFI INIT: a number is not hex';
    if (rva + size > MAX_RVA + 1) return `STACK CFI INIT: absurd range ${hex(rva)}+${hex(size)}`;
    return { init: true, rva, size, rulesStart: tok[6]!, rulesEnd: tok[7]! };
  }
  if (!tokenize(b, rest, e, 2, tok) || tokenIs(b, tok[0]!, tok[1]!, KW_INIT)) return 'STACK CFI: needs an address and rules';
  const rva = parseHex(b, tok[0]!, tok[1]!);
  if (rva < 0 || rva > MAX_RVA) return 'STACK CFI: bad address';
  return { init: false, rva, size: 0, rulesStart: tok[2]!, rulesEnd: tok[3]! };
}

function handleStack(p: Pass, b: Uint8Array, s: number, e: number, offset: number, lineNumber: number): void {
  const tok = p.tok;
  const { kind, rest } = stackKind(b, s, e);

  if (kind === 'WIN') {
    p.openCfi = -1;
    const w = parseWinFields(b, rest, e, tok);
    if (typeof w === 'string') return problem(p, lineNumber, offset, w);
    if (w.rva + w.size > MAX_RVA + 1) return problem(p, lineNumber, offset, `STACK WIN: absurd range ${hex(w.rva)}+${hex(w.size)}`);
    p.counts.stackWin++;
    // Types 1-3 (TRAP, TSS, STANDARD) are valid but Breakpad never looks them up.
    if (w.type !== 0 && w.type !== 4) return;
    if (!takeRecord(p, lineNumber, offset)) return;
    const lists = p.win[w.type === 4 ? 1 : 0];
    lists.rva.push(w.rva);
    lists.size.push(w.size);
    lists.off.push(offset);
    return;
  }
  if (kind !== 'CFI') {
    p.openCfi = -1;
    return problem(p, lineNumber, offset, 'STACK: unknown kind');
  }
  // STACK CFI INIT <address> <size> <rules>  |  STACK CFI <address> <rules>
  const c = parseCfiFields(b, rest, e, tok);
  if (typeof c === 'string') {
    p.openCfi = -1;
    return problem(p, lineNumber, offset, c);
  }
  if (c.init) {
    p.openCfi = -1;
    p.counts.stackCfiInit++;
    if (!takeRecord(p, lineNumber, offset)) return;
    p.cfi.rva.push(c.rva);
    p.cfi.size.push(c.size);
    p.cfi.off.push(offset);
    p.cfi.len.push(e - s);
    p.openCfi = p.cfi.rva.n - 1;
    return;
  }
  p.counts.stackCfi++;
  const open = p.openCfi;
  if (open < 0) {
    p.dropped++;
    return;
  }
  const len = offset + (e - s) - p.cfi.off.get(open);
  if (len > MAX_CFI_BLOCK_BYTES) {
    p.dropped++;
    return;
  }
  p.cfi.len.set(open, len);
}

/**
 * Index a Breakpad symbol file in one streaming pass. On success the SymFile owns `source`
 * (its close() closes it); on failure the caller still owns it and must close it.
 */
export async function openSymFile(source: ByteSource, options: OpenSymOptions = {}): Promise<SymFile> {
  const chunkBytes = Math.max(64, Math.floor(options.chunkBytes ?? SYM_CHUNK_BYTES));
  const wide = source.size > 0xffff_ffff;
  const p: Pass = {
    wide,
    counts: { module: 0, info: 0, file: 0, func: 0, public: 0, line: 0, stackCfiInit: 0, stackCfi: 0, stackWin: 0, inline: 0, inlineOrigin: 0 },
    problems: { count: 0, samples: [] },
    dropped: 0,
    records: 0,
    maxRecords: Math.max(0, Math.min(MAX_SYM_RECORDS, Math.floor(options.maxRecords ?? MAX_SYM_RECORDS))),
    func: { rva: new U32List(), size: new U32List(), off: offsetList(wide) },
    pub: { rva: new U32List(), off: offsetList(wide) },
    cfi: { rva: new U32List(), size: new U32List(), off: offsetList(wide), len: new U32List() },
    win: [newWinLists(wide), newWinLists(wide)],
    openCfi: -1,
    inFunc: false,
    blockStart: -1,
    inlineLevel: 0,
    file: { id: new U32List(), off: offsetList(wide) },
    origin: { id: new U32List(), off: offsetList(wide) },
    tok: [],
  };

  // Line assembly across chunks. `carry` holds the start of a line cut by a chunk boundary
  // (at most MAX_SYM_LINE_BYTES); `overlong` skips the rest of a line past the limit.
  let pos = 0;
  let lineStart = 0;
  let lineNumber = 0;
  let carry: Uint8Array | undefined;
  let overlong = false;

  const finishLine = (b: Uint8Array, s: number, e: number): void => {
    lineNumber++;
    const at = lineStart - s;
    if (lineNumber === 1 && e - s >= 3 && b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf) s += 3; // UTF-8 BOM
    // Breakpad splits lines on CR as well as LF: "a\r\n" is one line, "a\rb\n" two.
    while (s < e) {
      const cr = b.subarray(s, e).indexOf(CR);
      const end = cr < 0 ? e : s + cr;
      if (end > s) handleLine(p, source, b, s, end, at + s, lineNumber);
      s = end + 1;
    }
  };
  const finishOverlong = (): void => {
    lineNumber++;
    if (p.module === undefined) throw badSignature(source, `not a Breakpad symbol file (first line over ${MAX_SYM_LINE_BYTES} bytes)`, lineStart);
    problem(p, lineNumber, lineStart, `line over ${MAX_SYM_LINE_BYTES} bytes`);
  };

  if (source.size === 0) throw badSignature(source, 'empty file (no MODULE line)');
  // One buffer for the whole pass where the source can fill it (a 400 MB file read in 1 MiB
  // pieces otherwise leaves 400 buffers for the collector, tens of MiB of RSS at the peak).
  const scratch = source.readInto ? new Uint8Array(Math.min(chunkBytes, source.size)) : undefined;
  while (pos < source.size) {
    const want = Math.min(chunkBytes, source.size - pos);
    const chunk = scratch ? scratch.subarray(0, await source.readInto!(pos, scratch.subarray(0, want), SYM_STRUCT)) : await source.readAvailable(pos, want, SYM_STRUCT);
    if (chunk.length === 0) break; // the file shrank: index what was there
    let i = 0;
    while (i < chunk.length) {
      const nl = chunk.indexOf(LF, i);
      const end = nl < 0 ? chunk.length : nl;
      if (overlong) {
        // still inside a line that is over the limit
      } else if (carry !== undefined) {
        if (carry.length + (end - i) > MAX_SYM_LINE_BYTES) {
          carry = undefined;
          overlong = true;
        } else {
          const joined = new Uint8Array(carry.length + (end - i));
          joined.set(carry);
          joined.set(chunk.subarray(i, end), carry.length);
          carry = joined;
        }
      } else if (end - i > MAX_SYM_LINE_BYTES) {
        overlong = true;
      } else if (nl < 0) {
        carry = chunk.slice(i, end);
      }
      // A line that is over the limit and has not started a MODULE line is not a symbol file:
      // stop now rather than read a 10 MB line to its end.
      if (overlong && p.module === undefined) finishOverlong();
      if (nl < 0) break;
      if (overlong) {
        finishOverlong();
        overlong = false;
      } else if (carry !== undefined) {
        const c = carry;
        carry = undefined;
        finishLine(c, 0, c.length);
      } else {
        finishLine(chunk, i, end);
      }
      lineStart = pos + nl + 1;
      i = nl + 1;
    }
    pos += chunk.length;
  }
  // A last line without a newline (a file cut short) still counts, as in Breakpad.
  if (overlong) finishOverlong();
  else if (carry !== undefined) finishLine(carry, 0, carry.length);
  if (p.module === undefined) throw badSignature(source, 'not a Breakpad symbol file (no MODULE line)');

  return new IndexedSymFile(source, p);
}

// ---------------------------------------------------------------------------------------------
// Building the index: Breakpad's acceptance rules, in file order, without quadratic cases.

/** Indices 0..n-1 sorted by (key[i], i); the identity when keys are already in order. */
function sortedOrder(key: NumArray, n: number): Uint32Array {
  const order = new Uint32Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    if (i > 0 && key[i]! < key[i - 1]!) sorted = false;
  }
  if (!sorted) order.sort((a, b) => key[a]! - key[b]! || a - b);
  return order;
}

/** Number of positions p in `order` with key[order[p]] <= v (keys ascending along order). */
function countAtOrBelow(order: Uint32Array, key: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key[order[mid]!]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of positions p with key[order[p]] < v. */
function countBelow(order: Uint32Array, key: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key[order[mid]!]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Breakpad's RangeMap (exclusive ranges) fed in file order: a range is kept unless its size is 0
 * or it overlaps a range kept before it. Returns the kept indices in address order. A Fenwick
 * tree of prefix maxima of (high + 1) over address ranks answers "does a kept range start at or
 * below my high and end at or above my base" in O(log n).
 */
function acceptExclusive(rva: NumArray, size: NumArray, n: number): { kept: Uint32Array; dropped: number } {
  // dump_syms writes records in address order: then every range kept before a range starts at or
  // below it, and the range overlaps one of them exactly when the highest end kept so far reaches
  // its base. One pass, no order, rank or tree arrays (three arrays of n entries less at the
  // index's peak: a 200 MB .sym's build step was its memory peak).
  let ascending = true;
  for (let i = 1; i < n && ascending; i++) if (rva[i]! < rva[i - 1]!) ascending = false;
  if (ascending) {
    const keep = new Uint8Array(n);
    let count = 0;
    let maxHigh = -1;
    for (let i = 0; i < n; i++) {
      const z = size[i]!;
      const b = rva[i]!;
      if (z === 0 || maxHigh >= b) continue;
      keep[i] = 1;
      count++;
      if (b + z - 1 > maxHigh) maxHigh = b + z - 1;
    }
    const kept = new Uint32Array(count);
    for (let i = 0, w = 0; i < n; i++) if (keep[i]) kept[w++] = i;
    return { kept, dropped: n - count };
  }
  const order = sortedOrder(rva, n);
  const rank = new Uint32Array(n);
  for (let q = 0; q < n; q++) rank[order[q]!] = q;
  const fen = new Float64Array(n + 1);
  const keep = new Uint8Array(n);
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    const z = size[i]!;
    if (z === 0) {
      dropped++;
      continue;
    }
    const b = rva[i]!;
    const h = b + z - 1;
    let m = 0;
    for (let k = countAtOrBelow(order, rva, h); k > 0; k -= k & -k) if (fen[k]! > m) m = fen[k]!;
    if (m > b) {
      dropped++;
      continue;
    }
    keep[i] = 1;
    for (let k = rank[i]! + 1; k <= n; k += k & -k) if (fen[k]! < h + 1) fen[k] = h + 1;
  }
  const kept = new Uint32Array(n - dropped);
  let w = 0;
  for (let q = 0; q < n; q++) if (keep[order[q]!]) kept[w++] = order[q]!;
  return { kept, dropped };
}

/** Minimal iterative segment tree (point update, range query) for min or max over Float64. */
class SegTree {
  private readonly t: Float64Array;
  private readonly size: number;
  constructor(n: number, private readonly isMax: boolean) {
    let s = 1;
    while (s < n) s *= 2;
    this.size = s;
    this.t = new Float64Array(2 * s).fill(isMax ? -Infinity : Infinity);
  }
  set(pos: number, v: number): void {
    let i = pos + this.size;
    this.t[i] = v;
    for (i >>= 1; i >= 1; i >>= 1) {
      const a = this.t[2 * i]!;
      const b = this.t[2 * i + 1]!;
      this.t[i] = this.isMax ? (a > b ? a : b) : a < b ? a : b;
    }
  }
  /** Over positions [l, r). */
  query(l: number, r: number): number {
    let res = this.isMax ? -Infinity : Infinity;
    for (l += this.size, r += this.size; l < r; l >>= 1, r >>= 1) {
      if (l & 1) {
        const v = this.t[l++]!;
        res = this.isMax ? (v > res ? v : res) : v < res ? v : res;
      }
      if (r & 1) {
        const v = this.t[--r]!;
        res = this.isMax ? (v > res ? v : res) : v < res ? v : res;
      }
    }
    return res;
  }
}

interface NestedIndex {
  /** Kept records sorted by (base asc, high desc): the outer of two equal bases first. */
  rva: Uint32Array;
  high: Uint32Array;
  off: OffsetArray;
  /** Max-of-high segment tree over the positions (leaves at treeSize + position). */
  tree: Uint32Array;
  treeSize: number;
}

/**
 * The innermost kept record containing rva: records containing rva nest (base <= rva <= high),
 * so the innermost has the greatest base and, among equal bases, the least high, which in
 * (base asc, high desc) order is the rightmost position at or before the last base <= rva whose
 * high reaches rva. Found by descending the max tree: O(log n) whatever the nesting depth.
 */
function innermost(x: NestedIndex, rva: number): number {
  const k = lastAtOrBelow(x.rva, rva);
  if (k < 0) return -1;
  const find = (node: number, lo: number, hi: number): number => {
    if (lo > k || x.tree[node]! < rva) return -1;
    if (hi - lo === 1) return lo;
    const mid = (lo + hi) >>> 1;
    const r = find(2 * node + 1, mid, hi);
    return r >= 0 ? r : find(2 * node, lo, mid);
  };
  return find(1, 0, x.treeSize);
}

/**
 * Breakpad's ContainedRangeMap::StoreRange fed in file order: a range is kept unless its size is
 * 0, it overlaps a kept range partially (each may contain the other, or be disjoint) or, without
 * `allowEqual`, it equals a kept range (with it, as for INLINE records, it nests inside). Partial
 * overlap with a kept J is (J.base < b <= J.high < h) or (b < J.base <= h < J.high): one segment
 * tree of min base over kept ranges ordered by high, one of max high over kept ranges ordered by
 * base, O(log n) each.
 */
function acceptLaminar(rva: NumArray, size: NumArray, n: number, allowEqual: boolean): { keep: Uint8Array; high: Float64Array; kept: number; dropped: number } {
  const high = new Float64Array(n);
  for (let i = 0; i < n; i++) high[i] = rva[i]! + size[i]! - 1;
  // By (base, high, index): base ranks, and runs of identical ranges.
  const byBase = new Uint32Array(n);
  for (let i = 0; i < n; i++) byBase[i] = i;
  byBase.sort((a, b) => rva[a]! - rva[b]! || high[a]! - high[b]! || a - b);
  const baseRank = new Uint32Array(n);
  const leader = new Uint32Array(n);
  for (let q = 0; q < n; q++) {
    const i = byBase[q]!;
    baseRank[i] = q;
    const prev = q > 0 ? byBase[q - 1]! : -1;
    leader[i] = prev >= 0 && rva[prev] === rva[i] && high[prev] === high[i] ? leader[prev]! : i;
  }
  const byHigh = new Uint32Array(n);
  for (let i = 0; i < n; i++) byHigh[i] = i;
  byHigh.sort((a, b) => high[a]! - high[b]! || a - b);
  const highRank = new Uint32Array(n);
  for (let q = 0; q < n; q++) highRank[byHigh[q]!] = q;

  const minBaseByHigh = new SegTree(n, false);
  const maxHighByBase = new SegTree(n, true);
  const taken = new Uint8Array(n);
  const keep = new Uint8Array(n);
  let kept = 0;
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    if (size[i] === 0 || (!allowEqual && taken[leader[i]!])) {
      dropped++;
      continue;
    }
    const b = rva[i]!;
    const h = high[i]!;
    // A kept J with J.high in [b, h-1] and J.base < b?
    if (h > b && minBaseByHigh.query(countBelow(byHigh, high, b), countBelow(byHigh, high, h)) < b) {
      dropped++;
      continue;
    }
    // A kept J with J.base in [b+1, h] and J.high > h?
    if (h > b && maxHighByBase.query(countAtOrBelow(byBase, rva, b), countAtOrBelow(byBase, rva, h)) > h) {
      dropped++;
      continue;
    }
    keep[i] = 1;
    kept++;
    taken[leader[i]!] = 1;
    minBaseByHigh.set(highRank[i]!, b);
    maxHighByBase.set(baseRank[i]!, h);
  }
  return { keep, high, kept, dropped };
}

/** acceptLaminar without equal ranges (STACK WIN), as a NestedIndex for innermost-record lookups. */
function acceptNested(rva: Uint32Array, size: Uint32Array, offs: OffsetArray, n: number, wide: boolean): { index: NestedIndex; dropped: number } {
  const { keep, high, kept, dropped } = acceptLaminar(rva, size, n, false);
  const order = new Uint32Array(kept);
  let w = 0;
  for (let i = 0; i < n; i++) if (keep[i]) order[w++] = i;
  order.sort((a, b) => rva[a]! - rva[b]! || high[b]! - high[a]! || a - b);
  let treeSize = kept > 0 ? 1 : 0;
  while (treeSize < kept) treeSize *= 2;
  const index: NestedIndex = { rva: new Uint32Array(kept), high: new Uint32Array(kept), off: offsetArray(kept, wide), tree: new Uint32Array(2 * treeSize), treeSize };
  for (let q = 0; q < kept; q++) {
    const i = order[q]!;
    index.rva[q] = rva[i]!;
    index.high[q] = high[i]!;
    index.off[q] = offs[i]!;
    index.tree[treeSize + q] = high[i]!;
  }
  for (let t = treeSize - 1; t >= 1; t--) index.tree[t] = Math.max(index.tree[2 * t]!, index.tree[2 * t + 1]!);
  return { index, dropped };
}

/** Position of the first CR or LF at or after `s`, or the length. */
function lineEnd(b: Uint8Array, s: number): number {
  let e = b.indexOf(LF, s);
  if (e < 0) e = b.length;
  const cr = b.subarray(s, e).indexOf(CR);
  return cr < 0 ? e : s + cr;
}

/** Last position whose value is <= v in an ascending array, or -1. */
function lastAtOrBelow(a: NumArray, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function toRva(rva: number | bigint): number | undefined {
  if (typeof rva === 'bigint') return rva >= 0n && rva <= BigInt(MAX_RVA) ? Number(rva) : undefined;
  return Number.isInteger(rva) && rva >= 0 && rva <= MAX_RVA ? rva : undefined;
}

/**
 * Breakpad's CFIRuleParser: `name: expression name: expression ...`, names ending in ':'.
 * Rules are applied to `into` as they are read (a later one replaces an earlier one of the same
 * name); false when the text is malformed (a name without an expression, an expression without
 * a name, or no rule at all). Rules read before the fault stay applied, as in Breakpad.
 */
export function applyCfiRuleText(ruleText: string, into: { cfa: string; ra: string; registers: Map<string, string> }): boolean {
  let name = '';
  let expr = '';
  const report = (): boolean => {
    if (name === '' || expr === '') return false;
    if (name === '.cfa') into.cfa = expr;
    else if (name === '.ra') into.ra = expr;
    else into.registers.set(name, expr);
    return true;
  };
  let i = 0;
  const n = ruleText.length;
  while (i < n) {
    let c = ruleText.charCodeAt(i);
    if (c === SP || c === 9 || c === CR || c === LF) {
      i++;
      continue;
    }
    const t = i;
    while (i < n && (c = ruleText.charCodeAt(i)) !== SP && c !== 9 && c !== CR && c !== LF) i++;
    const token = ruleText.slice(t, i);
    if (token.endsWith(':')) {
      if (token.length < 2) return false;
      if ((name !== '' || expr !== '') && !report()) return false;
      name = token.slice(0, -1);
      expr = '';
    } else {
      expr = expr === '' ? token : `${expr} ${token}`;
    }
  }
  return report();
}

/**
 * A built index as plain data (typed arrays and objects: what postMessage can carry). A scan's
 * worker threads ask the main thread for it, so that a .sym is parsed once per scan, not once per
 * worker, and each worker holds the index (a fraction of the file) rather than the garbage of a
 * parse of the whole file.
 */
export interface SymIndexSnapshot {
  readonly kind: 'breakpad-sym-index';
  readonly fields: Record<string, unknown>;
}

const snapshots = new WeakMap<SymFile, SymIndexSnapshot>();

// ---------------------------------------------------------------------------------------------
// FILE / INLINE_ORIGIN tables and FUNC blocks.

/** Ids ascending with the file offset of their first record (std::map::insert keeps the first). */
function idTable(ids: Uint32Array, offs: OffsetArray, n: number, wide: boolean): { id: Uint32Array; off: OffsetArray; dropped: number } {
  const order = sortedOrder(ids, n);
  let kept = 0;
  for (let q = 0; q < n; q++) if (q === 0 || ids[order[q]!] !== ids[order[q - 1]!]) kept++;
  const id = new Uint32Array(kept);
  const off = offsetArray(kept, wide);
  let w = 0;
  for (let q = 0; q < n; q++) {
    const i = order[q]!;
    if (q > 0 && ids[i] === ids[order[q - 1]!]) continue;
    id[w] = ids[i]!;
    off[w++] = offs[i]!;
  }
  return { id, off, dropped: n - kept };
}

/** A FUNC's line and INLINE records after Breakpad's acceptance rules, ready for address queries. */
interface FuncBlock {
  /** Kept line records, ascending and disjoint. */
  lineBase: Float64Array;
  lineSize: Float64Array;
  lineNo: Uint32Array;
  lineFile: Uint32Array;
  /** INLINE records the nest-level rule let in, in file order. */
  inlines: InlineRecord[];
  /** Kept INLINE ranges in the order they were stored, with their record (an index into inlines). */
  inlBase: Float64Array;
  inlSize: Float64Array;
  inlRec: Uint32Array;
}

/**
 * Parses the block read at a FUNC line: `b` holds its first bytes, `eof` says whether they reach
 * the end of the file, `whole` whether they are all a lookup reads (MAX_FUNC_BLOCK_BYTES plus one
 * line, so that every line starting inside the bound is seen whole or known overlong). Undefined:
 * more bytes are needed; 'not FUNC': the first line is not a FUNC line. Lines are cut as the
 * indexing pass cuts them (LF, overlong lines skipped, then CR), so the records used here are
 * exactly those the pass counted as in the block.
 */
function scanFuncBlock(b: Uint8Array, eof: boolean, whole: boolean): FuncBlock | 'not FUNC' | undefined {
  const tok: number[] = [];
  const la: number[] = [];
  const lz: number[] = [];
  const ln: number[] = [];
  const lf: number[] = [];
  const inlines: InlineRecord[] = [];
  let level = 0;
  let first = true;
  let done = false;
  for (let s = 0; s < b.length && !done; ) {
    let nl = b.indexOf(LF, s);
    if (nl < 0) {
      if (!eof && !whole) return undefined;
      // Without EOF the rest is an overlong line or starts past the bound: nothing of it is used.
      if (!eof) break;
      nl = b.length;
    }
    const at = s;
    s = nl + 1;
    if (nl - at > MAX_SYM_LINE_BYTES) {
      if (first) return 'not FUNC';
      continue;
    }
    for (let t = at; t < nl; ) {
      const cr = b.subarray(t, nl).indexOf(CR);
      const end = cr < 0 ? nl : t + cr;
      if (end > t) {
        if (first) {
          if (!startsWith(b, t, end, KW_FUNC)) return 'not FUNC';
          first = false;
        } else if (end > MAX_FUNC_BLOCK_BYTES || endsFuncBlock(b, t, end)) {
          done = true;
          break;
        } else if (startsWith(b, t, end, KW_INLINE)) {
          const r = parseInlineRecord(b, t + KW_INLINE.length, end);
          if (typeof r !== 'string' && r.level <= level + 1) {
            level = r.level;
            inlines.push(r);
          }
        } else {
          const r = parseLineRecord(b, t, end, tok);
          if (typeof r !== 'string') {
            la.push(r.addr);
            lz.push(r.size);
            ln.push(r.line);
            lf.push(r.file);
          }
        }
      }
      t = end + 1;
    }
  }
  if (first) return 'not FUNC';

  // Line records: the FUNC's RangeMap (first stored wins, zero size and overlaps dropped).
  const lines = acceptExclusive(Float64Array.from(la), Float64Array.from(lz), la.length);
  const m = lines.kept.length;
  const block: FuncBlock = {
    lineBase: new Float64Array(m), lineSize: new Float64Array(m), lineNo: new Uint32Array(m), lineFile: new Uint32Array(m),
    inlines, inlBase: new Float64Array(0), inlSize: new Float64Array(0), inlRec: new Uint32Array(0),
  };
  lines.kept.forEach((i, q) => {
    block.lineBase[q] = la[i]!;
    block.lineSize[q] = lz[i]!;
    block.lineNo[q] = ln[i]!;
    block.lineFile[q] = lf[i]!;
  });

  // INLINE ranges: the FUNC's ContainedRangeMap with equal ranges allowed, stored in record order.
  let n = 0;
  for (const r of inlines) n += r.ranges.length / 2;
  const base = new Float64Array(n);
  const size = new Float64Array(n);
  const rec = new Uint32Array(n);
  let k = 0;
  inlines.forEach((r, ri) => {
    for (let j = 0; j < r.ranges.length; j += 2) {
      base[k] = r.ranges[j]!;
      size[k] = r.ranges[j + 1]!;
      rec[k++] = ri;
    }
  });
  const acc = acceptLaminar(base, size, n, true);
  block.inlBase = new Float64Array(acc.kept);
  block.inlSize = new Float64Array(acc.kept);
  block.inlRec = new Uint32Array(acc.kept);
  let w = 0;
  for (let i = 0; i < n; i++) {
    if (!acc.keep[i]) continue;
    block.inlBase[w] = base[i]!;
    block.inlSize[w] = size[i]!;
    block.inlRec[w++] = rec[i]!;
  }
  return block;
}

/** The kept line record covering rva, or -1. */
function lineAt(x: FuncBlock, rva: number): number {
  const i = lastAtOrBelow(x.lineBase, rva);
  return i >= 0 && rva - x.lineBase[i]! < x.lineSize[i]! ? i : -1;
}

/**
 * The kept INLINE ranges covering rva, outermost first. Kept ranges nest or are disjoint, so those
 * covering one address form a chain: the larger is the outer, and of two equal ranges the one
 * stored first (ContainedRangeMap passes an equal range down into the one it equals).
 */
function inlineChain(x: FuncBlock, rva: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.inlBase.length; i++) if (rva >= x.inlBase[i]! && rva - x.inlBase[i]! < x.inlSize[i]!) out.push(i);
  return out.sort((a, b) => x.inlSize[b]! - x.inlSize[a]! || a - b);
}

/** Blocks parsed lately, per SymFile (a frame asks for its line and its inlines in turn). */
const blockCache = new WeakMap<SymFile, Array<{ func: number; block: Promise<FuncBlock> }>>();
const BLOCKS_CACHED = 2;

/** A typed array's copy in shared memory: posted to a worker, it is shared, not copied. */
function shared<T extends Uint32Array | Float64Array>(a: T): T {
  const buf = new SharedArrayBuffer(a.byteLength);
  const out = new (a.constructor as { new (b: SharedArrayBuffer): T })(buf);
  out.set(a);
  return out;
}

function shareDeep(v: unknown): unknown {
  if (v instanceof Uint32Array || v instanceof Float64Array) return shared(v);
  if (Array.isArray(v)) return v.map(shareDeep);
  if (v && typeof v === 'object' && !(v instanceof Map) && Object.getPrototypeOf(v) === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = shareDeep(x);
    return o;
  }
  return v;
}

/**
 * The index of a SymFile this module opened, as data whose arrays live in shared memory (made
 * once per SymFile); undefined for any other SymFile.
 */
export function snapshotSymFile(sym: SymFile): SymIndexSnapshot | undefined {
  if (!(sym instanceof IndexedSymFile)) return undefined;
  let snap = snapshots.get(sym);
  if (!snap) {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(sym)) if (k !== 'source') fields[k] = shareDeep(v);
    snap = { kind: 'breakpad-sym-index', fields };
    snapshots.set(sym, snap);
  }
  return snap;
}

/** A SymFile over `source` from a snapshot of its index (made by snapshotSymFile on the same file). */
export function symFileFromSnapshot(source: ByteSource, snap: SymIndexSnapshot): SymFile {
  if (snap?.kind !== 'breakpad-sym-index' || typeof snap.fields !== 'object') throw new DumpFormatError('BadValue', 'not a symbol index snapshot', { struct: SYM_STRUCT });
  const f = Object.create(IndexedSymFile.prototype) as IndexedSymFile;
  Object.assign(f, snap.fields, { source });
  return f;
}

class IndexedSymFile implements SymFile {
  readonly module: SymModule;
  readonly codeId?: string;
  readonly codeFile?: string;
  readonly counts: Readonly<SymRecordCounts>;
  readonly indexed: Readonly<SymIndexCounts>;
  readonly problems: Readonly<SymProblems>;
  readonly dropped: number;
  readonly indexBytes: number;

  private readonly funcRva: Uint32Array;
  private readonly funcSize: Uint32Array;
  private readonly funcOff: OffsetArray;
  private readonly pubRva: Uint32Array;
  private readonly pubOff: OffsetArray;
  private readonly cfiRva: Uint32Array;
  private readonly cfiSize: Uint32Array;
  private readonly cfiOff: OffsetArray;
  private readonly cfiLen: Uint32Array;
  /** [type 4, type 0]: the order Breakpad tries them. */
  private readonly win: [NestedIndex, NestedIndex];
  readonly nameIndex: Readonly<SymNameIndex>;
  /** FILE and INLINE_ORIGIN ids, ascending, with the offset of their first record. */
  private readonly fileId: Uint32Array;
  private readonly fileOff: OffsetArray;
  private readonly originId: Uint32Array;
  private readonly originOff: OffsetArray;

  constructor(readonly source: ByteSource, p: Pass) {
    this.module = p.module!;
    if (p.codeId !== undefined) this.codeId = p.codeId;
    if (p.codeFile !== undefined) this.codeFile = p.codeFile;
    this.counts = p.counts;
    let dropped = p.dropped;

    // FUNC: exclusive ranges.
    const f = acceptExclusive(p.func.rva.a, p.func.size.a, p.func.rva.n);
    dropped += f.dropped;
    this.funcRva = new Uint32Array(f.kept.length);
    this.funcSize = new Uint32Array(f.kept.length);
    this.funcOff = offsetArray(f.kept.length, p.wide);
    f.kept.forEach((i, q) => {
      this.funcRva[q] = p.func.rva.a[i]!;
      this.funcSize[q] = p.func.size.a[i]!;
      this.funcOff[q] = p.func.off.a[i]!;
    });
    p.func.rva.release();
    p.func.size.release();
    p.func.off.release();

    // PUBLIC: first of each address, address 0 ignored.
    const pn = p.pub.rva.n;
    const po = sortedOrder(p.pub.rva.a, pn);
    const keepPub: number[] = [];
    for (let q = 0; q < pn; q++) {
      const i = po[q]!;
      const a = p.pub.rva.a[i]!;
      if (a === 0 || (keepPub.length > 0 && p.pub.rva.a[keepPub[keepPub.length - 1]!] === a)) dropped++;
      else keepPub.push(i);
    }
    this.pubRva = Uint32Array.from(keepPub, (i) => p.pub.rva.a[i]!);
    this.pubOff = offsetArray(keepPub.length, p.wide);
    keepPub.forEach((i, q) => (this.pubOff[q] = p.pub.off.a[i]!));

    // STACK CFI INIT: exclusive ranges.
    const c = acceptExclusive(p.cfi.rva.a, p.cfi.size.a, p.cfi.rva.n);
    dropped += c.dropped;
    const cn = c.kept.length;
    this.cfiRva = new Uint32Array(cn);
    this.cfiSize = new Uint32Array(cn);
    this.cfiOff = offsetArray(cn, p.wide);
    this.cfiLen = new Uint32Array(cn);
    c.kept.forEach((i, q) => {
      this.cfiRva[q] = p.cfi.rva.a[i]!;
      this.cfiSize[q] = p.cfi.size.a[i]!;
      this.cfiOff[q] = p.cfi.off.a[i]!;
      this.cfiLen[q] = p.cfi.len.a[i]!;
    });
    p.cfi.rva.release();
    p.cfi.size.release();
    p.cfi.off.release();
    p.cfi.len.release();

    // STACK WIN: nesting ranges, per type.
    const w4 = acceptNested(p.win[1].rva.a, p.win[1].size.a, p.win[1].off.a, p.win[1].rva.n, p.wide);
    const w0 = acceptNested(p.win[0].rva.a, p.win[0].size.a, p.win[0].off.a, p.win[0].rva.n, p.wide);
    dropped += w4.dropped + w0.dropped;
    this.win = [w4.index, w0.index];

    // FILE and INLINE_ORIGIN: id -> line offset, the first record of an id.
    const ft = idTable(p.file.id.a, p.file.off.a, p.file.id.n, p.wide);
    const ot = idTable(p.origin.id.a, p.origin.off.a, p.origin.id.n, p.wide);
    dropped += ft.dropped + ot.dropped;
    this.fileId = ft.id;
    this.fileOff = ft.off;
    this.originId = ot.id;
    this.originOff = ot.off;
    this.nameIndex = { file: ft.id.length, inlineOrigin: ot.id.length, bytes: ft.id.byteLength + ft.off.byteLength + ot.id.byteLength + ot.off.byteLength };

    this.dropped = dropped;
    this.problems = p.problems;
    this.indexed = { func: this.funcRva.length, public: this.pubRva.length, stackCfiInit: cn, stackWinFrameData: w4.index.rva.length, stackWinFpo: w0.index.rva.length };
    const nestedBytes = (x: NestedIndex): number => x.rva.byteLength + x.high.byteLength + x.off.byteLength + x.tree.byteLength;
    this.indexBytes =
      this.funcRva.byteLength + this.funcSize.byteLength + this.funcOff.byteLength + this.pubRva.byteLength + this.pubOff.byteLength +
      this.cfiRva.byteLength + this.cfiSize.byteLength + this.cfiOff.byteLength + this.cfiLen.byteLength + nestedBytes(w4.index) + nestedBytes(w0.index);
  }

  close(): Promise<void> {
    return this.source.close();
  }

  /** The line at `offset` (without its end of line); at most MAX_SYM_LINE_BYTES. */
  private async readLine(offset: number): Promise<Uint8Array> {
    let b = await this.source.readAvailable(offset, 512, SYM_STRUCT);
    let end = lineEnd(b, 0);
    if (end === b.length && b.length === 512) {
      b = await this.source.readAvailable(offset, MAX_SYM_LINE_BYTES + 1, SYM_STRUCT);
      end = lineEnd(b, 0);
    }
    return b.subarray(0, end);
  }

  private changed(offset: number, what: string): DumpFormatError {
    return new DumpFormatError('BadValue', `${what} line no longer parses (file changed since it was indexed?)`, { struct: SYM_STRUCT, offset, path: this.source.name });
  }

  async findFunction(rvaIn: number | bigint): Promise<SymFunction | undefined> {
    const rva = toRva(rvaIn);
    if (rva === undefined) return undefined;
    const tok: number[] = [];
    const i = lastAtOrBelow(this.funcRva, rva);
    if (i >= 0 && rva - this.funcRva[i]! < this.funcSize[i]!) {
      const off = this.funcOff[i]!;
      const b = await this.readLine(off);
      const s = KW_FUNC.length;
      const multiple = startsWith(b, 0, b.length, KW_FUNC) && tokenize(b, s, b.length, 5, tok) && tokenIs(b, tok[0]!, tok[1]!, KW_M);
      if (!multiple && !(startsWith(b, 0, b.length, KW_FUNC) && tokenize(b, s, b.length, 4, tok))) throw this.changed(off, 'FUNC');
      const k = multiple ? 2 : 0;
      return { name: text(b, tok[k + 6]!, tok[k + 7]!), rva: this.funcRva[i]!, size: this.funcSize[i]!, paramSize: parseHex(b, tok[k + 4]!, tok[k + 5]!), kind: 'func', multiple };
    }
    // Breakpad: a PUBLIC is used when no FUNC contains the address and the PUBLIC lies above
    // the start of the nearest FUNC below the address (if any).
    const j = lastAtOrBelow(this.pubRva, rva);
    if (j < 0 || (i >= 0 && this.pubRva[j]! <= this.funcRva[i]!)) return undefined;
    const off = this.pubOff[j]!;
    const b = await this.readLine(off);
    const s = KW_PUBLIC.length;
    const multiple = startsWith(b, 0, b.length, KW_PUBLIC) && tokenize(b, s, b.length, 4, tok) && tokenIs(b, tok[0]!, tok[1]!, KW_M);
    if (!multiple && !(startsWith(b, 0, b.length, KW_PUBLIC) && tokenize(b, s, b.length, 3, tok))) throw this.changed(off, 'PUBLIC');
    const k = multiple ? 2 : 0;
    return { name: text(b, tok[k + 4]!, tok[k + 5]!), rva: this.pubRva[j]!, paramSize: parseHex(b, tok[k + 2]!, tok[k + 3]!), kind: 'public', multiple };
  }

  /** Index of the FUNC covering rva, or -1. */
  private funcAt(rva: number): number {
    const i = lastAtOrBelow(this.funcRva, rva);
    return i >= 0 && rva - this.funcRva[i]! < this.funcSize[i]! ? i : -1;
  }

  /** FUNC i's block, parsed (from a small cache: a frame asks for its line, then its inlines). */
  private funcBlock(i: number): Promise<FuncBlock> {
    let cache = blockCache.get(this);
    if (!cache) blockCache.set(this, (cache = []));
    const hit = cache.find((c) => c.func === i);
    if (hit) return hit.block;
    const block = this.readFuncBlock(i);
    cache.unshift({ func: i, block });
    if (cache.length > BLOCKS_CACHED) cache.pop();
    block.catch(() => {
      const c = blockCache.get(this);
      const k = c?.findIndex((x) => x.block === block) ?? -1;
      if (k >= 0) c!.splice(k, 1);
    });
    return block;
  }

  private async readFuncBlock(i: number): Promise<FuncBlock> {
    const off = this.funcOff[i]!;
    // Most blocks are a few hundred bytes; a read of the whole bound only for the few that are not.
    const lengths = [16 * 1024, MAX_FUNC_BLOCK_BYTES + MAX_SYM_LINE_BYTES + 1];
    for (const length of lengths) {
      const b = await this.source.readAvailable(off, length, SYM_STRUCT);
      const r = scanFuncBlock(b, b.length < length, length === lengths[1]);
      if (r === 'not FUNC') throw this.changed(off, 'FUNC');
      if (r) return r;
    }
    throw this.changed(off, 'FUNC');
  }

  /** The name of FILE or INLINE_ORIGIN `id` (undefined when no record has it). */
  private async nameOf(kind: 'FILE' | 'INLINE_ORIGIN', id: number): Promise<string | undefined> {
    const ids = kind === 'FILE' ? this.fileId : this.originId;
    const k = id >= 0 ? lastAtOrBelow(ids, id) : -1;
    if (k < 0 || ids[k] !== id) return undefined;
    const off = (kind === 'FILE' ? this.fileOff : this.originOff)[k]!;
    const b = await this.readLine(off);
    const tok: number[] = [];
    const r = kind === 'FILE'
      ? startsWith(b, 0, b.length, KW_FILE) ? parseFileRecord(b, 0, b.length, tok) : 'not FILE'
      : startsWith(b, 0, b.length, KW_INLINE_ORIGIN) ? parseOriginRecord(b, 0, b.length, tok) : 'not INLINE_ORIGIN';
    if (typeof r === 'string' || r.id !== id) throw this.changed(off, kind);
    return text(b, r.nameStart, r.nameEnd);
  }

  async findSourceLine(rvaIn: number | bigint): Promise<SymSourceLine | undefined> {
    const rva = toRva(rvaIn);
    if (rva === undefined) return undefined;
    const i = this.funcAt(rva);
    if (i < 0) return undefined;
    const x = await this.funcBlock(i);
    const l = lineAt(x, rva);
    const lineFile = l >= 0 ? await this.nameOf('FILE', x.lineFile[l]!) : undefined;
    // The outermost inline covering rva (the largest range, the first stored of equal ones).
    let o = -1;
    for (let k = 0; k < x.inlBase.length; k++) {
      if (rva < x.inlBase[k]! || rva - x.inlBase[k]! >= x.inlSize[k]!) continue;
      if (o < 0 || x.inlSize[k]! > x.inlSize[o]!) o = k;
    }
    let file: string | undefined;
    let line: number;
    if (o >= 0) {
      // ConstructInlineFrames: the frame takes the outermost inline's call site.
      const r = x.inlines[x.inlRec[o]!]!;
      file = (r.hasCallFile ? await this.nameOf('FILE', r.callFile) : undefined) ?? lineFile;
      line = r.callLine;
    } else {
      if (l < 0) return undefined;
      file = lineFile;
      line = x.lineNo[l]!;
    }
    if (!file) return undefined;
    return l >= 0 ? { file, line, rva: x.lineBase[l]!, size: x.lineSize[l]! } : { file, line, rva: x.inlBase[o]!, size: x.inlSize[o]! };
  }

  async findInlines(rvaIn: number | bigint): Promise<SymInlineFrame[]> {
    const rva = toRva(rvaIn);
    if (rva === undefined) return [];
    const i = this.funcAt(rva);
    if (i < 0) return [];
    const x = await this.funcBlock(i);
    const chain = inlineChain(x, rva);
    if (chain.length === 0) return [];
    if (chain.length > MAX_INLINE_DEPTH) {
      throw new DumpFormatError('CountTooLarge', `${chain.length} nested inline frames at ${hex(rva)} (at most ${MAX_INLINE_DEPTH})`, { struct: SYM_STRUCT, offset: this.funcOff[i]!, path: this.source.name });
    }
    const l = lineAt(x, rva);
    const lineFile = l >= 0 ? await this.nameOf('FILE', x.lineFile[l]!) : undefined;
    const files = new Map<number, Promise<string | undefined>>();
    const origins = new Map<number, Promise<string | undefined>>();
    const fileName = (id: number): Promise<string | undefined> => {
      let f = files.get(id);
      if (!f) files.set(id, (f = this.nameOf('FILE', id)));
      return f;
    };
    const frames: SymInlineFrame[] = [];
    for (const k of chain) {
      const r = x.inlines[x.inlRec[k]!]!;
      let origin = origins.get(r.origin);
      if (!origin) origins.set(r.origin, (origin = this.nameOf('INLINE_ORIGIN', r.origin)));
      // A call site without a known file keeps the file of the frame Breakpad copied (the line record's).
      const callFile = (r.hasCallFile ? await fileName(r.callFile) : undefined) ?? lineFile;
      const f: SymInlineFrame = { name: (await origin) ?? INLINE_NAME_OMITTED, callLine: r.callLine };
      if (callFile) f.callFile = callFile;
      frames.push(f);
    }
    // Each inline frame is where the next one in is called from; the innermost is at the line record.
    for (let k = 0; k < frames.length; k++) {
      const inner = frames[k + 1];
      const file = inner ? inner.callFile : lineFile;
      const line = inner ? inner.callLine : l >= 0 ? x.lineNo[l]! : undefined;
      if (file) frames[k]!.file = file;
      if (line !== undefined) frames[k]!.line = line;
    }
    return frames;
  }

  async findCfiRules(rvaIn: number | bigint): Promise<CfiRules | undefined> {
    const rva = toRva(rvaIn);
    if (rva === undefined) return undefined;
    const i = lastAtOrBelow(this.cfiRva, rva);
    if (i < 0 || rva - this.cfiRva[i]! >= this.cfiSize[i]!) return undefined;
    const base = this.cfiRva[i]!;
    const off = this.cfiOff[i]!;
    const block = await this.source.read(off, this.cfiLen[i]!, SYM_STRUCT);
    const tok: number[] = [];
    const rules: CfiRules = { cfa: '', ra: '', registers: new Map(), initRva: base, initSize: this.cfiSize[i]! };
    const deltas: Array<{ addr: number; rules: string; seq: number }> = [];
    let first = true;
    for (let s = 0; s < block.length; ) {
      const e = lineEnd(block, s);
      const lineAt = s;
      s = e + 1;
      if (e === lineAt) continue;
      const sk = startsWith(block, lineAt, e, KW_STACK) ? stackKind(block, lineAt, e) : undefined;
      const c = sk?.kind === 'CFI' ? parseCfiFields(block, sk.rest, e, tok) : undefined;
      if (first) {
        first = false;
        if (c === undefined || typeof c === 'string' || !c.init || c.rva !== base) throw this.changed(off, 'STACK CFI INIT');
        // Breakpad: INIT rules that do not parse give no CFI at this address.
        if (!applyCfiRuleText(text(block, c.rulesStart, c.rulesEnd), rules)) return undefined;
        continue;
      }
      if (c === undefined || typeof c === 'string' || c.init || c.rva < base || c.rva > rva) continue;
      deltas.push({ addr: c.rva, rules: text(block, c.rulesStart, c.rulesEnd), seq: deltas.length });
    }
    // Address order; of two lines for one address the later replaces the earlier.
    deltas.sort((a, b) => a.addr - b.addr || a.seq - b.seq);
    for (let k = 0; k < deltas.length; k++) {
      const d = deltas[k]!;
      if (k + 1 < deltas.length && deltas[k + 1]!.addr === d.addr) continue;
      applyCfiRuleText(d.rules, rules);
    }
    return rules;
  }

  async findWinFrameInfo(rvaIn: number | bigint): Promise<WinFrameInfo | undefined> {
    const rva = toRva(rvaIn);
    if (rva === undefined) return undefined;
    for (const idx of this.win) {
      const q = innermost(idx, rva);
      if (q < 0) continue;
      const off = idx.off[q]!;
      const b = await this.readLine(off);
      const sk = startsWith(b, 0, b.length, KW_STACK) ? stackKind(b, 0, b.length) : undefined;
      const w = sk?.kind === 'WIN' ? parseWinFields(b, sk.rest, b.length, []) : 'not STACK WIN';
      if (typeof w === 'string') throw this.changed(off, 'STACK WIN');
      const [prologSize, epilogSize, parameterSize, savedRegisterSize, localSize, maxStackSize, hasProgram] = w.rest as [number, number, number, number, number, number, number];
      const info: WinFrameInfo = {
        type: w.type, rva: w.rva, codeSize: w.size, prologSize, epilogSize, parameterSize, savedRegisterSize, localSize, maxStackSize,
        hasProgramString: hasProgram !== 0,
      };
      if (hasProgram !== 0) {
        info.programString = text(b, w.lastStart, w.lastEnd);
      } else {
        // strtoul: leading hex digits of the last field.
        let v = 0;
        for (let k = w.lastStart; k < w.lastEnd; k++) {
          const d = hexDigit(b[k]!);
          if (d < 0) break;
          v = v * 16 + d;
          if (v > 1) break;
        }
        info.allocatesBasePointer = v !== 0;
      }
      return info;
    }
    return undefined;
  }
}
