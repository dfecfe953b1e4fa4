// Physical page map: PFN → file offset, built from the header without reading any page contents.
// Run-based dumps (types 1, 8, 9, 10) keep sorted runs with cumulative counts (binary search);
// bitmap dumps (types 2, 5, 6) read their bitmap lazily in bounded chunks and keep a popcount
// prefix per chunk, computed on first need, so a lookup costs at most one chunk read.

import {
  MAX_RUNS32, MAX_RUNS64, PHYSICAL_MEMORY_DESCRIPTOR32, PHYSICAL_MEMORY_DESCRIPTOR64, PHYSICAL_MEMORY_RUN32, PHYSICAL_MEMORY_RUN64,
} from '../../../native-structs/kernel/dump-header.js';
import { BITMAP_DUMP_HEADER, RDMP_HEADER64, SUMMARY_DUMP32, SUMMARY_DUMP64 } from '../../../native-structs/kernel/bitmap.js';
import { KernelSignature, PAGE_FILL32, PAGE_SIZE } from '../../../native-structs/constants/kernel.js';
import { compileStructs, decodeArray, decodeStruct } from '../../reader/struct-codec.js';
import type { ByteSource } from '../../reader/byte-source.js';
import { DumpFormatError, type DumpWarning } from '../../errors.js';
import { LIMITS } from '../../limits.js';
import { hex } from '../../util/hex.js';

compileStructs(PHYSICAL_MEMORY_DESCRIPTOR32, PHYSICAL_MEMORY_DESCRIPTOR64, PHYSICAL_MEMORY_RUN32, PHYSICAL_MEMORY_RUN64, BITMAP_DUMP_HEADER, RDMP_HEADER64, SUMMARY_DUMP32, SUMMARY_DUMP64);

/** PFNs above this are corruption (PA beyond 2^52). */
const MAX_PFN = 2 ** 40;

export interface PhysicalMap {
  readonly kind: 'runs' | 'bitmap';
  /** File offset of page `pfn`, or undefined when the page is not in the dump (or past EOF). */
  lookup(pfn: number): Promise<number | undefined>;
  /** Pages the map says are present (from the header; the file may hold fewer). */
  readonly presentPages: number;
  /** Highest PFN + 1 the map can describe. */
  readonly pfnLimit: number;
  summary(): Record<string, unknown>;
}

export interface PhysRun {
  basePage: number;
  pageCount: number;
}

/** Runs stored back to back from `firstPageOffset`. */
export class RunMap implements PhysicalMap {
  readonly kind = 'runs' as const;
  readonly presentPages: number;
  readonly pfnLimit: number;
  private readonly bases: number[];
  private readonly counts: number[];
  private readonly before: number[];
  constructor(
    readonly runs: PhysRun[],
    readonly firstPageOffset: number,
    private readonly fileSize: number,
    private readonly label: string,
    private readonly extra: Record<string, unknown> = {},
  ) {
    const sorted = runs.map((r, i) => ({ ...r, i }));
    // File order is run order; lookups need PFN order. Keep each run's page index in file order.
    let acc = 0;
    const beforeFile = runs.map((r) => {
      const b = acc;
      acc += r.pageCount;
      return b;
    });
    sorted.sort((a, b) => a.basePage - b.basePage);
    this.bases = sorted.map((r) => r.basePage);
    this.counts = sorted.map((r) => r.pageCount);
    this.before = sorted.map((r) => beforeFile[r.i]!);
    this.presentPages = acc;
    this.pfnLimit = runs.reduce((m, r) => Math.max(m, r.basePage + r.pageCount), 0);
  }
  async lookup(pfn: number): Promise<number | undefined> {
    let lo = 0;
    let hi = this.bases.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = this.bases[mid]!;
      if (pfn < b) hi = mid - 1;
      else if (pfn >= b + this.counts[mid]!) lo = mid + 1;
      else {
        const off = this.firstPageOffset + (this.before[mid]! + (pfn - b)) * PAGE_SIZE;
        return off + PAGE_SIZE <= this.fileSize ? off : undefined;
      }
    }
    return undefined;
  }
  summary(): Record<string, unknown> {
    return {
      kind: this.label,
      firstPageOffset: hex(this.firstPageOffset),
      runCount: this.runs.length,
      presentPages: this.presentPages,
      presentBytes: this.presentPages * PAGE_SIZE,
      pagesInFile: Math.max(0, Math.min(this.presentPages, Math.floor((this.fileSize - this.firstPageOffset) / PAGE_SIZE))),
      runs: this.runs.slice(0, 64).map((r) => ({ basePage: hex(r.basePage), pageCount: r.pageCount })),
      ...this.extra,
    };
  }
}

/** Bytes of bitmap per lazily read chunk (2^19 pages = 2 GiB of RAM per chunk). */
const CHUNK_BYTES = 64 * 1024;
/** Sub-block for the in-chunk prefix (bytes). */
const SUB_BYTES = 512;
const POP8 = new Uint8Array(256).map((_, i) => {
  let n = 0;
  for (let v = i; v; v >>= 1) n += v & 1;
  return n;
});

interface Chunk {
  bytes: Uint8Array;
  subPrefix: Uint32Array;
}

/** Bitmap of `bitCount` bits at `bitmapOffset`; set page k (in PFN order) stored at firstPage + k×0x1000. */
export class BitmapMap implements PhysicalMap {
  readonly kind = 'bitmap' as const;
  readonly pfnLimit: number;
  private readonly bitmapBytes: number;
  /** chunkPrefix[c] = set bits before chunk c (filled in order, lazily). */
  private readonly chunkPrefix: number[] = [0];
  private readonly cache = new Map<number, Chunk>();
  bitmapBytesRead = 0;
  constructor(
    private readonly source: ByteSource,
    readonly bitmapOffset: number,
    readonly bitCount: number,
    readonly firstPage: number,
    readonly presentPages: number,
    private readonly label: string,
    private readonly extra: Record<string, unknown> = {},
  ) {
    this.pfnLimit = bitCount;
    this.bitmapBytes = Math.ceil(bitCount / 8);
  }

  private async chunk(c: number): Promise<Chunk> {
    const hit = this.cache.get(c);
    if (hit) {
      this.cache.delete(c);
      this.cache.set(c, hit);
      return hit;
    }
    const start = c * CHUNK_BYTES;
    const len = Math.min(CHUNK_BYTES, this.bitmapBytes - start);
    const got = await this.source.readAvailable(this.bitmapOffset + start, len, 'page bitmap');
    this.bitmapBytesRead += got.length;
    const bytes = new Uint8Array(len);
    bytes.set(got); // a truncated bitmap reads as "absent" past the end
    if (c === Math.floor((this.bitmapBytes - 1) / CHUNK_BYTES) && this.bitCount % 8) {
      bytes[len - 1]! &= (1 << this.bitCount % 8) - 1; // ignore bits ≥ Pages
    }
    const subs = Math.ceil(len / SUB_BYTES);
    const subPrefix = new Uint32Array(subs + 1);
    for (let s = 0; s < subs; s++) {
      let n = 0;
      const end = Math.min(len, (s + 1) * SUB_BYTES);
      for (let i = s * SUB_BYTES; i < end; i++) n += POP8[bytes[i]!]!;
      subPrefix[s + 1] = subPrefix[s]! + n;
    }
    const ch = { bytes, subPrefix };
    this.cache.set(c, ch);
    if (this.cache.size > 16) this.cache.delete(this.cache.keys().next().value as number);
    return ch;
  }

  private async prefixBefore(c: number): Promise<number> {
    while (this.chunkPrefix.length <= c) {
      const k = this.chunkPrefix.length - 1;
      const ch = await this.chunk(k);
      this.chunkPrefix.push(this.chunkPrefix[k]! + ch.subPrefix[ch.subPrefix.length - 1]!);
    }
    return this.chunkPrefix[c]!;
  }

  async lookup(pfn: number): Promise<number | undefined> {
    if (!(pfn >= 0 && pfn < this.bitCount)) return undefined;
    const byte = pfn >> 3;
    const c = Math.floor(byte / CHUNK_BYTES);
    const ch = await this.chunk(c);
    const inChunk = byte - c * CHUNK_BYTES;
    const b = ch.bytes[inChunk]!;
    if (!(b & (1 << (pfn & 7)))) return undefined;
    const base = await this.prefixBefore(c);
    const s = Math.floor(inChunk / SUB_BYTES);
    let rank = base + ch.subPrefix[s]!;
    for (let i = s * SUB_BYTES; i < inChunk; i++) rank += POP8[ch.bytes[i]!]!;
    rank += POP8[b & ((1 << (pfn & 7)) - 1)]!;
    const off = this.firstPage + rank * PAGE_SIZE;
    return off + PAGE_SIZE <= this.source.size ? off : undefined;
  }

  /** Popcount of the whole bitmap (reads all of it: `deep` only). */
  async countAll(): Promise<number> {
    const chunks = Math.ceil(this.bitmapBytes / CHUNK_BYTES);
    return chunks === 0 ? 0 : (await this.prefixBefore(chunks - 1)) + (await this.chunk(chunks - 1)).subPrefix.at(-1)!;
  }

  summary(): Record<string, unknown> {
    return {
      kind: this.label,
      bitmapOffset: hex(this.bitmapOffset),
      bitmapBits: this.bitCount,
      bitmapBytes: this.bitmapBytes,
      firstPageOffset: hex(this.firstPage),
      presentPages: this.presentPages,
      presentBytes: this.presentPages * PAGE_SIZE,
      ...this.extra,
    };
  }
}

type Raw = Record<string, unknown>;
const num = (v: unknown): number => Number(v as bigint | number);

/** Type 1: runs in the header's PhysicalMemoryBlock. */
export function buildRunMapFromHeader(block: Uint8Array, blockOffset: number, bits: 32 | 64, headerSize: number, fileSize: number, warnings: DumpWarning[]): RunMap {
  const desc = bits === 64 ? PHYSICAL_MEMORY_DESCRIPTOR64 : PHYSICAL_MEMORY_DESCRIPTOR32;
  const runDef = bits === 64 ? PHYSICAL_MEMORY_RUN64 : PHYSICAL_MEMORY_RUN32;
  const maxRuns = bits === 64 ? MAX_RUNS64 : MAX_RUNS32;
  const d = decodeStruct<Raw>(desc, block, blockOffset);
  const n = d.numberOfRuns as number;
  if (n === PAGE_FILL32) throw new DumpFormatError('BadValue', 'NumberOfRuns is the unwritten "PAGE" fill', { struct: desc.name, offset: blockOffset });
  let count = n;
  if (count > maxRuns) {
    warnings.push({ code: 'RunCountClamped', message: `NumberOfRuns ${n} does not fit the 700-byte descriptor area; using ${maxRuns}`, offset: blockOffset });
    count = maxRuns;
  }
  const raw = decodeArray<Raw>(runDef, block, count, blockOffset, desc.size);
  const runs: PhysRun[] = [];
  for (const [i, r] of raw.entries()) {
    const base = num(r.basePage);
    const pc = num(r.pageCount);
    if (!(base < MAX_PFN && pc < MAX_PFN)) {
      warnings.push({ code: 'BadRun', message: `run ${i} (base ${hex(base)}, ${pc} pages) is out of range; runs from here are ignored`, offset: blockOffset + desc.size + i * runDef.size });
      break;
    }
    runs.push({ basePage: base, pageCount: pc });
  }
  const total = runs.reduce((a, r) => a + r.pageCount, 0);
  if (total !== num(d.numberOfPages)) {
    warnings.push({ code: 'RunPageCountMismatch', message: `runs add up to ${total} pages, NumberOfPages says ${num(d.numberOfPages)}`, offset: blockOffset });
  }
  checkPagesFit(headerSize, total, fileSize, warnings);
  return new RunMap(runs, headerSize, fileSize, 'runs', { numberOfRuns: n, numberOfPages: num(d.numberOfPages) });
}

function checkPagesFit(first: number, pages: number, fileSize: number, warnings: DumpWarning[]): void {
  const need = first + pages * PAGE_SIZE;
  if (need > fileSize) {
    warnings.push({
      code: 'TruncatedPages',
      message: `the page map needs ${need} bytes, the file has ${fileSize}: ${Math.ceil((need - fileSize) / PAGE_SIZE)} pages are missing (truncated dump)`,
      offset: fileSize,
    });
  }
}

/** Types 5/6: "SDMP"/"FDMP" bitmap sub-header at headerSize. */
export async function buildBitmapMap(source: ByteSource, headerSize: number, warnings: DumpWarning[]): Promise<{ map: BitmapMap; header: Raw }> {
  const bytes = await source.read(headerSize, BITMAP_DUMP_HEADER.size, BITMAP_DUMP_HEADER.name);
  const h = decodeStruct<Raw>(BITMAP_DUMP_HEADER, bytes, headerSize);
  const sig = h.signature as number;
  if ((sig !== KernelSignature.SDMP && sig !== KernelSignature.FDMP) || h.validDump !== KernelSignature.DUMP) {
    throw new DumpFormatError('BadSignature', `bitmap sub-header signature ${hex(sig)} is neither SDMP nor FDMP`, { struct: BITMAP_DUMP_HEADER.name, offset: headerSize });
  }
  const bitmapOffset = headerSize + BITMAP_DUMP_HEADER.size;
  let bits = num(h.pages);
  const maxBits = Math.max(0, (source.size - bitmapOffset) * 8);
  if (!(bits <= MAX_PFN)) throw new DumpFormatError('CountTooLarge', `bitmap of ${h.pages} bits`, { struct: BITMAP_DUMP_HEADER.name, offset: headerSize + 0x30 });
  if (bits > maxBits) {
    warnings.push({ code: 'TruncatedBitmap', message: `bitmap of ${bits} bits runs past the end of the file; using ${maxBits}`, offset: bitmapOffset });
    bits = maxBits;
  }
  const firstPage = num(h.firstPage);
  const present = num(h.totalPresentPages);
  if (!Number.isSafeInteger(firstPage) || firstPage % PAGE_SIZE !== 0 || firstPage < bitmapOffset + Math.floor(bits / 8)) {
    throw new DumpFormatError('BadValue', `FirstPage ${hex(firstPage)} is not a page-aligned offset after the bitmap`, { struct: BITMAP_DUMP_HEADER.name, offset: headerSize + 0x20 });
  }
  if (Number.isSafeInteger(present)) checkPagesFit(firstPage, present, source.size, warnings);
  const kind = sig === KernelSignature.FDMP ? 'FDMP' : 'SDMP';
  return {
    map: new BitmapMap(source, bitmapOffset, bits, firstPage, present, 'bitmap', { signature: kind, dumpOptions: hex(h.dumpOptions as number) }),
    header: h,
  };
}

/** Type 2 legacy summary dump; falls back to the bitmap layout when HeaderSize is implausible. */
export async function buildSummaryMap(source: ByteSource, headerSize: number, bits: 32 | 64, warnings: DumpWarning[]): Promise<{ map: BitmapMap; header: Raw }> {
  const def = bits === 64 ? SUMMARY_DUMP64 : SUMMARY_DUMP32;
  const bytes = await source.read(headerSize, def.size, def.name);
  const h = decodeStruct<Raw>(def, bytes, headerSize);
  const first = h.headerSize as number;
  const bitmapOffset = headerSize + def.size;
  const bitCount = h.bitmapSize as number;
  if (h.signature === KernelSignature.SDMP && first % PAGE_SIZE === 0 && first >= bitmapOffset + Math.ceil(bitCount / 8) && first <= source.size) {
    checkPagesFit(first, h.pages as number, source.size, warnings);
    return { map: new BitmapMap(source, bitmapOffset, bitCount, first, h.pages as number, 'summary-bitmap'), header: h };
  }
  warnings.push({ code: 'SummaryLayoutFallback', message: 'type-2 summary header is implausible; reading it with the bitmap (type 5) layout', offset: headerSize });
  return buildBitmapMap(source, headerSize, warnings);
}

/** Types 8/9/10: "RDMP" header + run table at 0x2000. [single source: kdmp-parser] */
export async function buildRdmpMap(source: ByteSource, headerSize: number, dumpType: number, warnings: DumpWarning[]): Promise<{ map: RunMap; header: Raw }> {
  const bytes = await source.read(headerSize, RDMP_HEADER64.size, RDMP_HEADER64.name);
  const h = decodeStruct<Raw>(RDMP_HEADER64, bytes, headerSize);
  if (h.marker !== 0x40 || h.signature !== KernelSignature.RDMP || h.validDump !== KernelSignature.DUMP) {
    throw new DumpFormatError('BadSignature', 'RDMP header marker/signature mismatch', { struct: RDMP_HEADER64.name, offset: headerSize });
  }
  const meta = num(h.metadataSize);
  const first = num(h.firstPageOffset);
  if (!Number.isSafeInteger(meta) || !Number.isSafeInteger(first) || meta - 0x20 !== first - (headerSize + 0x40)) {
    warnings.push({ code: 'RdmpInconsistent', message: `MetadataSize ${hex(meta)} and FirstPageOffset ${hex(first)} disagree`, offset: headerSize + 0x10 });
  }
  if (!Number.isSafeInteger(first) || first < headerSize + RDMP_HEADER64.size || first > source.size) {
    throw new DumpFormatError('BadValue', `FirstPageOffset ${hex(first)} is not an offset inside the file after the run table`, { struct: RDMP_HEADER64.name, offset: headerSize + 0x18 });
  }
  const tableOffset = headerSize + RDMP_HEADER64.size;
  let entries = Math.floor(Math.max(0, Math.min(meta, first - tableOffset)) / PHYSICAL_MEMORY_RUN64.size);
  if (entries > LIMITS.maxPhysicalRuns) {
    warnings.push({ code: 'RunCountClamped', message: `RDMP run table of ${entries} entries clamped to ${LIMITS.maxPhysicalRuns}`, offset: tableOffset });
    entries = LIMITS.maxPhysicalRuns;
  }
  const table = await source.readAvailable(tableOffset, entries * PHYSICAL_MEMORY_RUN64.size, 'RDMP run table');
  const raw = decodeArray<Raw>(PHYSICAL_MEMORY_RUN64, table, Math.floor(table.length / PHYSICAL_MEMORY_RUN64.size), tableOffset);
  const totalLimit = dumpType === 10 ? num(h.reserved2) : Infinity;
  const runs: PhysRun[] = [];
  let acc = 0;
  for (const r of raw) {
    const base = num(r.basePage);
    const pc = num(r.pageCount);
    if (base === 0 && runs.length > 0) break;
    if (base === 0 && pc === 0) break;
    if (!(base < MAX_PFN && pc < MAX_PFN)) {
      warnings.push({ code: 'BadRun', message: `RDMP run at PFN ${hex(base)} is out of range`, offset: tableOffset + runs.length * 16 });
      break;
    }
    runs.push({ basePage: base, pageCount: pc });
    acc += pc;
    if (acc >= totalLimit) break;
  }
  checkPagesFit(first, acc, source.size, warnings);
  return { map: new RunMap(runs, first, source.size, 'rdmp-runs', { metadataSize: hex(meta) }), header: h };
}
