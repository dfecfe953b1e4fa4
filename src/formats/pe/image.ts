// A PE image read through an RVA reader: an image mapped in a dump (RVA = base + rva, pages may
// be missing) or a file on disk (RVA mapped to file offsets through the section table). Headers,
// sections, data directories, the CodeView (RSDS) record and the export table. The unwind-data
// readers (x64-unwind.ts, arm64-unwind.ts) read .pdata/.xdata and code bytes through `readRva`.
//
// Layouts: ../shared/spec/pe-unwind.md §1-§3 (DOS header, NT headers, section headers, debug and
// export directories). Every count and size read from the image is bounded before it is used;
// an absent byte range reads as `undefined`, never as an error.

import {
  CV_INFO_PDB70, CV_SIGNATURE_RSDS, IMAGE_DEBUG_DIRECTORY, IMAGE_DEBUG_TYPE_CODEVIEW, IMAGE_DOS_HEADER, IMAGE_DOS_SIGNATURE,
  IMAGE_NT_HEADERS_COMMON, IMAGE_NT_OPTIONAL_HDR32_MAGIC, IMAGE_NT_OPTIONAL_HDR64_MAGIC, IMAGE_NT_SIGNATURE,
  IMAGE_OPTIONAL_HEADER32, IMAGE_OPTIONAL_HEADER64,
} from '../../../native-structs/pe/pe.js';
import { defineStruct, bytes, u16, u32 } from '../../../native-structs/define.js';
import { DumpFormatError, TruncatedDumpError, isDumpError, type DumpWarning } from '../../errors.js';
import { LIMITS } from '../../limits.js';
import type { ByteSource } from '../../reader/byte-source.js';
import { compileStructs, decodeArray, decodeStruct } from '../../reader/struct-codec.js';
import { decodeUtf8, formatGuid } from '../../reader/text.js';
import type { ReadMemory } from '../../unwind/types.js';
import { hex, peCodeId } from '../../util/hex.js';

// Two layouts not (yet) in native-structs/pe/pe.ts, which this module may not edit: declared
// here with the same defineStruct data so they can move there unchanged.

/** IMAGE_SECTION_HEADER (40 bytes). */
export const IMAGE_SECTION_HEADER = defineStruct('IMAGE_SECTION_HEADER', 40, [
  ['name', bytes(8)], // 0x00
  ['virtualSize', u32], // 0x08
  ['virtualAddress', u32], // 0x0C
  ['sizeOfRawData', u32], // 0x10
  ['pointerToRawData', u32], // 0x14
  ['pointerToRelocations', u32], // 0x18
  ['pointerToLinenumbers', u32], // 0x1C
  ['numberOfRelocations', u16], // 0x20
  ['numberOfLinenumbers', u16], // 0x22
  ['characteristics', u32], // 0x24
]);

/** IMAGE_EXPORT_DIRECTORY (40 bytes). */
export const IMAGE_EXPORT_DIRECTORY = defineStruct('IMAGE_EXPORT_DIRECTORY', 40, [
  ['characteristics', u32], // 0x00
  ['timeDateStamp', u32], // 0x04
  ['majorVersion', u16], // 0x08
  ['minorVersion', u16], // 0x0A
  ['name', u32], // 0x0C RVA of the DLL name
  ['base', u32], // 0x10 first ordinal
  ['numberOfFunctions', u32], // 0x14
  ['numberOfNames', u32], // 0x18
  ['addressOfFunctions', u32], // 0x1C
  ['addressOfNames', u32], // 0x20
  ['addressOfNameOrdinals', u32], // 0x24
]);

compileStructs(IMAGE_DOS_HEADER, IMAGE_NT_HEADERS_COMMON, IMAGE_OPTIONAL_HEADER32, IMAGE_OPTIONAL_HEADER64, IMAGE_DEBUG_DIRECTORY, CV_INFO_PDB70, IMAGE_SECTION_HEADER, IMAGE_EXPORT_DIRECTORY);

/** IMAGE_FILE_HEADER.Machine values we name. */
export const PeMachine = {
  I386: 0x14c,
  ARMNT: 0x1c4,
  AMD64: 0x8664,
  ARM64: 0xaa64,
} as const;
export type PeMachine = (typeof PeMachine)[keyof typeof PeMachine];

/** Data directory indexes (IMAGE_DIRECTORY_ENTRY_*). */
export const DataDirectoryIndex = {
  Export: 0,
  Import: 1,
  Resource: 2,
  Exception: 3,
  Security: 4,
  BaseReloc: 5,
  Debug: 6,
  Architecture: 7,
  GlobalPtr: 8,
  Tls: 9,
  LoadConfig: 10,
  BoundImport: 11,
  Iat: 12,
  DelayImport: 13,
  ClrHeader: 14,
} as const;
export type DataDirectoryIndex = (typeof DataDirectoryIndex)[keyof typeof DataDirectoryIndex];

/** IMAGE_SCN_CNT_CODE and IMAGE_SCN_MEM_EXECUTE. */
export const IMAGE_SCN_CNT_CODE = 0x20;
export const IMAGE_SCN_MEM_EXECUTE = 0x20000000;

/** Bounds on header values (the loader's own limits, or well above anything real). */
export const PE_LIMITS = {
  /** Sections in one image (the brief's bound; the classic loader limit). */
  maxSections: 96,
  /** e_lfanew: the NT headers start within the first 64 KiB (the spec's sanity bound is 4 KiB for mapped images). */
  maxLfanew: 0x10000,
  /** Debug directory entries looked at. Real images have 1-6. */
  maxDebugEntries: 32,
  /** Bytes of a CodeView record read (24-byte head + a path of at most ~1000 bytes). */
  maxCodeViewSize: 0x400,
  /** Exports decoded (spec §3). */
  maxExports: 65_536,
  /** Bytes of one export or DLL name. */
  maxNameBytes: 512,
  /** Bytes of one page of the small-read cache, and how many are kept. */
  pageSize: 0x1000,
  cachedPages: 64,
} as const;

/** Reads `length` bytes at image-relative `rva`; undefined when any of them is not present. */
export type RvaReader = (rva: number, length: number) => Promise<Uint8Array | undefined>;

export interface PeSection {
  /** Section name (up to 8 characters, NULs removed). */
  name: string;
  rva: number;
  virtualSize: number;
  sizeOfRawData: number;
  pointerToRawData: number;
  characteristics: number;
  /** IMAGE_SCN_MEM_EXECUTE or IMAGE_SCN_CNT_CODE. */
  executable: boolean;
}

export interface PeDataDirectory {
  rva: number;
  size: number;
}

/** The PDB identity from the CodeView RSDS record. */
export interface CodeViewId {
  pdbName: string;
  /** GUID in Microsoft's text form, uppercase, with dashes. */
  guid: string;
  age: number;
  /** Breakpad debug id: GUID hex in symbol-server byte order, no dashes, then the age in hex. */
  debugId: string;
}

export interface PeExport {
  ordinal: number;
  /** Undefined for exports by ordinal only. */
  name?: string;
  rva: number;
  /** "DLL.Function" when the entry forwards to another DLL (its rva then points at this string, not code). */
  forwarder?: string;
}

export interface PeImageHeaders {
  machine: number;
  timestamp: number;
  sizeOfImage: number;
  sizeOfHeaders: number;
  checksum: number;
  imageBase: bigint;
  /** PE32+ (64-bit optional header). */
  is64: boolean;
  sections: PeSection[];
  dataDirectories: PeDataDirectory[];
}

type Raw = Record<string, unknown>;

/** A PE image: its headers, decoded eagerly at open, and lazy reads of everything else. */
export class PeImage {
  readonly machine: number;
  /** IMAGE_FILE_HEADER.TimeDateStamp (link time, Unix seconds, or a reproducible-build hash). */
  readonly timestamp: number;
  readonly sizeOfImage: number;
  readonly sizeOfHeaders: number;
  readonly checksum: number;
  /** Preferred base from the optional header. */
  readonly imageBase: bigint;
  /** Where RVA 0 is in the address space the unwinders work in (the module base in a dump). */
  readonly loadAddress: bigint;
  readonly is64: boolean;
  readonly sections: readonly PeSection[];
  readonly dataDirectories: readonly PeDataDirectory[];
  /** 'memory': mapped in a dump; 'file': a file on disk. */
  readonly origin: 'memory' | 'file';

  private readonly pages = new Map<number, Uint8Array | null>();
  private codeView: Promise<CodeViewId | undefined> | undefined;
  private exportList: Promise<PeExport[] | undefined> | undefined;

  constructor(headers: PeImageHeaders, private readonly rawRead: RvaReader, loadAddress: bigint, origin: 'memory' | 'file') {
    this.machine = headers.machine;
    this.timestamp = headers.timestamp;
    this.sizeOfImage = headers.sizeOfImage;
    this.sizeOfHeaders = headers.sizeOfHeaders;
    this.checksum = headers.checksum;
    this.imageBase = headers.imageBase;
    this.is64 = headers.is64;
    this.sections = Object.freeze(headers.sections.map((s) => Object.freeze(s)));
    this.dataDirectories = Object.freeze(headers.dataDirectories.map((d) => Object.freeze(d)));
    this.loadAddress = loadAddress;
    this.origin = origin;
  }

  /** Data directory `index`, or undefined when absent (beyond NumberOfRvaAndSizes, or RVA/size 0). */
  dataDirectory(index: number): PeDataDirectory | undefined {
    const d = this.dataDirectories[index];
    if (!d || d.rva === 0 || d.size === 0) return undefined;
    return d;
  }

  /** The exception directory (.pdata), data directory 3. */
  get exceptionDirectory(): PeDataDirectory | undefined {
    return this.dataDirectory(DataDirectoryIndex.Exception);
  }

  get debugDirectory(): PeDataDirectory | undefined {
    return this.dataDirectory(DataDirectoryIndex.Debug);
  }

  get exportDirectory(): PeDataDirectory | undefined {
    return this.dataDirectory(DataDirectoryIndex.Export);
  }

  /** Identity for symbol servers and Breakpad's INFO CODE_ID: TimeDateStamp as 8 hex digits, then SizeOfImage in hex (uppercase). */
  get codeId(): string {
    return peCodeId(this.timestamp, this.sizeOfImage);
  }

  /** The section holding `rva`, if any. */
  sectionForRva(rva: number): PeSection | undefined {
    for (const s of this.sections) {
      const span = s.virtualSize || s.sizeOfRawData;
      if (rva >= s.rva && rva - s.rva < span) return s;
    }
    return undefined;
  }

  /** True when `rva` lies in a section marked executable (or as code). */
  isExecutableRva(rva: number): boolean {
    return this.sectionForRva(rva)?.executable === true;
  }

  /** `address - loadAddress` when the address lies inside the image, else undefined. */
  rvaOf(address: bigint): number | undefined {
    const d = address - this.loadAddress;
    if (d < 0n || d >= BigInt(this.sizeOfImage)) return undefined;
    return Number(d);
  }

  /**
   * `length` bytes at `rva`, or undefined when any of them is not present (a missing page, a gap
   * between sections, beyond SizeOfImage). Small reads go through a cache of 4 KiB pages; a read
   * whose page is absent is retried for exactly the bytes asked (a minidump may hold only a
   * window around an instruction pointer).
   */
  async readRva(rva: number, length: number): Promise<Uint8Array | undefined> {
    if (!Number.isSafeInteger(rva) || !Number.isSafeInteger(length) || rva < 0 || length < 0) return undefined;
    if (length > LIMITS.maxSingleRead) return undefined;
    if (rva > this.sizeOfImage || length > this.sizeOfImage - rva) return undefined;
    if (length === 0) return new Uint8Array(0);
    const P = PE_LIMITS.pageSize;
    if (length <= P) {
      const first = Math.floor(rva / P);
      const last = Math.floor((rva + length - 1) / P);
      const a = await this.page(first);
      const b = last === first ? a : await this.page(last);
      if (a && b) {
        const at = rva - first * P;
        if (last === first) return a.subarray(at, at + length);
        const out = new Uint8Array(length);
        const head = a.subarray(at);
        out.set(head, 0);
        out.set(b.subarray(0, length - head.length), head.length);
        return out;
      }
    }
    return this.rawRead(rva, length);
  }

  private async page(index: number): Promise<Uint8Array | null> {
    const hit = this.pages.get(index);
    if (hit !== undefined) {
      this.pages.delete(index);
      this.pages.set(index, hit);
      return hit;
    }
    const P = PE_LIMITS.pageSize;
    const start = index * P;
    const len = Math.min(P, this.sizeOfImage - start);
    const got = len > 0 ? ((await this.rawRead(start, len)) ?? null) : null;
    // A short page (the image's last one) is padded so offsets inside it stay simple; reads past
    // SizeOfImage are refused before they get here.
    let page = got;
    if (got && got.length < P) {
      page = new Uint8Array(P);
      page.set(got);
    }
    this.pages.set(index, page);
    if (this.pages.size > PE_LIMITS.cachedPages) this.pages.delete(this.pages.keys().next().value!);
    return page;
  }

  /** The PDB identity from the first CodeView RSDS record of the debug directory; memoized. */
  codeViewId(): Promise<CodeViewId | undefined> {
    this.codeView ??= this.readCodeView();
    return this.codeView;
  }

  private async readCodeView(): Promise<CodeViewId | undefined> {
    const dir = this.debugDirectory;
    if (!dir) return undefined;
    const count = Math.min(PE_LIMITS.maxDebugEntries, Math.floor(dir.size / IMAGE_DEBUG_DIRECTORY.size));
    if (count === 0) return undefined;
    const raw = await this.readRva(dir.rva, count * IMAGE_DEBUG_DIRECTORY.size);
    if (!raw) return undefined;
    for (const d of decodeArray<Raw>(IMAGE_DEBUG_DIRECTORY, raw, count)) {
      if (d.type !== IMAGE_DEBUG_TYPE_CODEVIEW) continue;
      const size = Math.min(d.sizeOfData as number, PE_LIMITS.maxCodeViewSize);
      if (size < CV_INFO_PDB70.size) continue;
      let cv: Uint8Array | undefined;
      if (d.addressOfRawData as number) cv = await this.readRva(d.addressOfRawData as number, size);
      if (!cv && this.fileRead && (d.pointerToRawData as number)) cv = await this.fileRead(d.pointerToRawData as number, size);
      if (!cv || cv.length < CV_INFO_PDB70.size) continue;
      const r = decodeStruct<Raw>(CV_INFO_PDB70, cv);
      if (r.cvSignature !== CV_SIGNATURE_RSDS) continue;
      const guid = formatGuid(r.signature as Uint8Array);
      const age = r.age as number;
      return { pdbName: decodeUtf8(cv.subarray(CV_INFO_PDB70.size)), guid, age, debugId: `${guid.replace(/-/g, '')}${age.toString(16).toUpperCase()}` };
    }
    return undefined;
  }

  /** Raw file reads (file images only): the debug directory's PointerToRawData fallback. */
  fileRead?: (offset: number, length: number) => Promise<Uint8Array | undefined>;

  /**
   * The export table (spec §3), bounded: at most 65 536 entries, names of at most 512 bytes.
   * Undefined when the image has none or its tables are not present.
   */
  exports(): Promise<PeExport[] | undefined> {
    this.exportList ??= this.readExports();
    return this.exportList;
  }

  private async readExports(): Promise<PeExport[] | undefined> {
    const dir = this.exportDirectory;
    if (!dir || dir.size < IMAGE_EXPORT_DIRECTORY.size) return undefined;
    const head = await this.readRva(dir.rva, IMAGE_EXPORT_DIRECTORY.size);
    if (!head) return undefined;
    const ed = decodeStruct<Raw>(IMAGE_EXPORT_DIRECTORY, head);
    const nFunctions = Math.min(ed.numberOfFunctions as number, PE_LIMITS.maxExports);
    const nNames = Math.min(ed.numberOfNames as number, PE_LIMITS.maxExports);
    const functions = nFunctions ? await this.readRva(ed.addressOfFunctions as number, nFunctions * 4) : new Uint8Array(0);
    if (!functions) return undefined;
    const fv = view(functions);
    const out: PeExport[] = [];
    const byIndex = new Map<number, PeExport>();
    const isForwarder = (rva: number): boolean => rva >= dir.rva && rva - dir.rva < dir.size;
    for (let i = 0; i < nFunctions; i++) {
      const rva = fv.getUint32(i * 4, true);
      if (rva === 0) continue;
      const e: PeExport = { ordinal: (ed.base as number) + i, rva };
      if (isForwarder(rva)) e.forwarder = await this.readAsciiz(rva);
      byIndex.set(i, e);
      out.push(e);
    }
    if (nNames) {
      const names = await this.readRva(ed.addressOfNames as number, nNames * 4);
      const ords = await this.readRva(ed.addressOfNameOrdinals as number, nNames * 2);
      if (names && ords) {
        const nv = view(names);
        const ov = view(ords);
        for (let i = 0; i < nNames; i++) {
          const e = byIndex.get(ov.getUint16(i * 2, true));
          if (!e || e.name !== undefined) continue;
          e.name = await this.readAsciiz(nv.getUint32(i * 4, true));
        }
      }
    }
    return out;
  }

  /** Greatest non-forwarder export at or below `rva`: `name+offset` naming (low confidence). */
  async findExport(rva: number): Promise<{ export: PeExport; offset: number } | undefined> {
    const all = await this.exports();
    if (!all) return undefined;
    let best: PeExport | undefined;
    for (const e of all) {
      if (e.forwarder !== undefined || e.rva > rva) continue;
      if (!best || e.rva > best.rva) best = e;
    }
    return best ? { export: best, offset: rva - best.rva } : undefined;
  }

  private async readAsciiz(rva: number): Promise<string | undefined> {
    // Read the longest run that stays inside the image, in page-sized steps (names sit near page ends).
    const want = Math.min(PE_LIMITS.maxNameBytes, this.sizeOfImage - rva);
    if (want <= 0) return undefined;
    let got = await this.readRva(rva, want);
    if (!got) {
      const toPageEnd = PE_LIMITS.pageSize - (rva % PE_LIMITS.pageSize);
      got = await this.readRva(rva, Math.min(want, toPageEnd));
      if (!got) return undefined;
    }
    const nul = got.indexOf(0);
    return decodeUtf8(nul >= 0 ? got.subarray(0, nul) : got, false);
  }
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Zero-extends `b` to `size` bytes (a header shorter than its declared struct). */
function padTo(b: Uint8Array, size: number): Uint8Array {
  if (b.length >= size) return b;
  const out = new Uint8Array(size);
  out.set(b);
  return out;
}

class HeaderProblem {
  constructor(readonly error: DumpFormatError | TruncatedDumpError) {}
}

/**
 * Decode the headers through `read` (RVA 0 = the DOS header). Absent bytes: undefined. Wrong
 * magic, impossible sizes: a HeaderProblem carrying the typed error.
 */
async function decodeHeaders(read: RvaReader, where: (rva: number) => number): Promise<PeImageHeaders | HeaderProblem | undefined> {
  const dosBytes = await read(0, IMAGE_DOS_HEADER.size);
  if (!dosBytes) return undefined;
  const dos = decodeStruct<Raw>(IMAGE_DOS_HEADER, dosBytes, where(0));
  if (dos.eMagic !== IMAGE_DOS_SIGNATURE) {
    return new HeaderProblem(new DumpFormatError('BadSignature', `e_magic ${hex(dos.eMagic as number)} is not "MZ"`, { struct: 'IMAGE_DOS_HEADER', offset: where(0) }));
  }
  const lfanew = dos.eLfanew as number;
  if (lfanew < 4 || lfanew > PE_LIMITS.maxLfanew) {
    return new HeaderProblem(new DumpFormatError('OutOfBounds', `e_lfanew ${hex(lfanew)} is outside the first ${hex(PE_LIMITS.maxLfanew)} bytes`, { struct: 'IMAGE_DOS_HEADER', offset: where(0x3c) }));
  }
  const ntBytes = await read(lfanew, IMAGE_NT_HEADERS_COMMON.size + 2);
  if (!ntBytes) return undefined;
  const nt = decodeStruct<Raw>(IMAGE_NT_HEADERS_COMMON, ntBytes, where(lfanew));
  if (nt.signature !== IMAGE_NT_SIGNATURE) {
    return new HeaderProblem(new DumpFormatError('BadSignature', `NT signature ${hex(nt.signature as number)} is not "PE\\0\\0"`, { struct: 'IMAGE_NT_HEADERS', offset: where(lfanew) }));
  }
  const fh = nt.fileHeader as Raw;
  const nSections = fh.numberOfSections as number;
  if (nSections > PE_LIMITS.maxSections) {
    return new HeaderProblem(new DumpFormatError('CountTooLarge', `${nSections} sections (at most ${PE_LIMITS.maxSections})`, { struct: 'IMAGE_FILE_HEADER', offset: where(lfanew + 6) }));
  }
  const optAt = lfanew + IMAGE_NT_HEADERS_COMMON.size;
  const optSize = fh.sizeOfOptionalHeader as number;
  const magic = view(ntBytes).getUint16(IMAGE_NT_HEADERS_COMMON.size, true);
  const odef = magic === IMAGE_NT_OPTIONAL_HDR64_MAGIC ? IMAGE_OPTIONAL_HEADER64 : magic === IMAGE_NT_OPTIONAL_HDR32_MAGIC ? IMAGE_OPTIONAL_HEADER32 : undefined;
  if (!odef) {
    return new HeaderProblem(new DumpFormatError('BadValue', `optional header magic ${hex(magic)} is neither PE32 nor PE32+`, { struct: 'IMAGE_OPTIONAL_HEADER', offset: where(optAt) }));
  }
  const dirsAt = odef === IMAGE_OPTIONAL_HEADER64 ? 0x70 : 0x60;
  if (optSize < dirsAt) {
    return new HeaderProblem(new DumpFormatError('BadValue', `SizeOfOptionalHeader ${hex(optSize)} is smaller than the fixed part (${hex(dirsAt)})`, { struct: 'IMAGE_FILE_HEADER', offset: where(lfanew + 0x14) }));
  }
  // Read the optional header as declared (at most the full struct; fields past SizeOfOptionalHeader read as 0).
  const optBytes = await read(optAt, Math.min(optSize, odef.size));
  if (!optBytes) return undefined;
  const opt = decodeStruct<Raw>(odef, padTo(optBytes, odef.size), where(optAt));
  const nDirs = Math.min(opt.numberOfRvaAndSizes as number, 16, Math.floor((Math.min(optSize, odef.size) - dirsAt) / 8));
  const dataDirectories = (opt.dataDirectory as Raw[]).slice(0, nDirs).map((d) => ({ rva: d.virtualAddress as number, size: d.size as number }));
  const sizeOfImage = opt.sizeOfImage as number;
  if (sizeOfImage === 0) {
    return new HeaderProblem(new DumpFormatError('BadValue', 'SizeOfImage is 0', { struct: 'IMAGE_OPTIONAL_HEADER', offset: where(optAt + 0x38) }));
  }
  const sectionsAt = optAt + optSize;
  const sections: PeSection[] = [];
  if (nSections > 0) {
    const raw = await read(sectionsAt, nSections * IMAGE_SECTION_HEADER.size);
    if (raw) {
      for (const s of decodeArray<Raw>(IMAGE_SECTION_HEADER, raw, nSections, where(sectionsAt))) {
        const characteristics = s.characteristics as number;
        sections.push({
          name: decodeUtf8(s.name as Uint8Array),
          rva: s.virtualAddress as number,
          virtualSize: s.virtualSize as number,
          sizeOfRawData: s.sizeOfRawData as number,
          pointerToRawData: s.pointerToRawData as number,
          characteristics,
          executable: (characteristics & (IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_CNT_CODE)) !== 0,
        });
      }
    }
  }
  return {
    machine: fh.machine as number,
    timestamp: fh.timeDateStamp as number,
    sizeOfImage,
    sizeOfHeaders: opt.sizeOfHeaders as number,
    checksum: opt.checkSum as number,
    imageBase: BigInt(opt.imageBase as number | bigint),
    is64: odef === IMAGE_OPTIONAL_HEADER64,
    sections,
    dataDirectories,
  };
}

export interface OpenInMemoryOptions {
  /** Receives the reason when the header is present but malformed (the result is then undefined). */
  warnings?: DumpWarning[];
}

/**
 * An image mapped in a dump at `base` (RVA = base + rva). Undefined when the header page is not
 * in the dump, or when it is malformed (then a warning names the struct and why). Pages of the
 * image may be missing: every later read tolerates absence.
 */
export async function openPeImageInMemory(read: ReadMemory, base: bigint, options: OpenInMemoryOptions = {}): Promise<PeImage | undefined> {
  const MAX = (1n << 64n) - 1n;
  const rawRead: RvaReader = async (rva, length) => {
    const at = base + BigInt(rva);
    if (at + BigInt(length) > MAX + 1n) return undefined;
    return read(at, length);
  };
  let headers: PeImageHeaders | HeaderProblem | undefined;
  try {
    headers = await decodeHeaders(rawRead, (rva) => rva);
  } catch (e) {
    // A struct decode of bytes we hold cannot fail for lack of bytes; anything typed is corruption.
    if (!isDumpError(e)) throw e;
    options.warnings?.push({ code: 'BadPeHeader', message: `image at ${hex(base)}: ${e.message}` });
    return undefined;
  }
  if (!headers) return undefined;
  if (headers instanceof HeaderProblem) {
    options.warnings?.push({ code: 'BadPeHeader', message: `image at ${hex(base)}: ${headers.error.message}` });
    return undefined;
  }
  return new PeImage(headers, rawRead, base, 'memory');
}

export interface OpenFileOptions {
  /** Address of RVA 0 for the unwinders (the module's base in the dump); default: the header's ImageBase. */
  loadAddress?: bigint;
}

/**
 * A PE file on disk. RVAs map to file offsets through the section table (bytes of a section past
 * its SizeOfRawData read as zeros; gaps between sections are absent). Positioned reads only.
 * Throws DumpFormatError (BadSignature, OutOfBounds, CountTooLarge, BadValue) or
 * TruncatedDumpError for a file that is not a PE image; never a plain Error.
 */
export async function openPeImageFile(source: ByteSource, options: OpenFileOptions = {}): Promise<PeImage> {
  const fileRead = async (offset: number, length: number): Promise<Uint8Array | undefined> => {
    if (offset >= source.size || length > source.size - offset) return undefined;
    const got = await source.readAvailable(offset, length, 'PE file');
    return got.length === length ? got : undefined;
  };
  // Before the section table is known, RVA = file offset (the headers).
  const headerRead: RvaReader = async (rva, length) => {
    if (rva + length > source.size) {
      throw new TruncatedDumpError({ struct: 'PE headers', offset: rva, wanted: length, available: source.size - Math.min(rva, source.size) });
    }
    return fileRead(rva, length);
  };
  const headers = await decodeHeaders(headerRead, (rva) => rva);
  if (!headers) throw new TruncatedDumpError({ struct: 'PE headers', offset: 0, wanted: IMAGE_DOS_HEADER.size, available: source.size });
  if (headers instanceof HeaderProblem) throw headers.error;
  const sections = headers.sections;
  const headerSpan = Math.min(headers.sizeOfHeaders || PE_LIMITS.pageSize, source.size, headers.sizeOfImage);
  const rawRead: RvaReader = async (rva, length) => {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = rva + done;
      const want = length - done;
      let take = 0;
      if (at < headerSpan && !sections.some((s) => at >= s.rva && at - s.rva < (s.virtualSize || s.sizeOfRawData))) {
        take = Math.min(want, headerSpan - at);
        const got = await fileRead(at, take);
        if (!got) return undefined;
        out.set(got, done);
      } else {
        const s = sections.find((x) => at >= x.rva && at - x.rva < (x.virtualSize || x.sizeOfRawData));
        if (!s) return undefined;
        const span = s.virtualSize || s.sizeOfRawData;
        const inSec = at - s.rva;
        take = Math.min(want, span - inSec);
        const rawAvail = Math.max(0, Math.min(s.sizeOfRawData, span) - inSec);
        const fromFile = Math.min(take, rawAvail);
        if (fromFile > 0) {
          const got = await fileRead(s.pointerToRawData + inSec, fromFile);
          if (!got) return undefined;
          out.set(got, done);
        }
        // the rest of `take` stays zero (uninitialized data past SizeOfRawData)
      }
      done += take;
    }
    return out;
  };
  const image = new PeImage(headers, rawRead, options.loadAddress ?? headers.imageBase, 'file');
  image.fileRead = fileRead;
  return image;
}
