// The StreamDecoder contract (STYLE §6) and helpers every list stream shares: bounded payload
// reads, "u32 count + entries" lists with the 4-byte pad tolerance, and "header + entries" lists.

import type { StructDef } from '../../../native-structs/define.js';
import { DumpFormatError } from '../../errors.js';
import { LIMITS } from '../../limits.js';
import { decodeArray, decodeStruct } from '../../reader/struct-codec.js';
import { hex } from '../../util/hex.js';
import type { MinidumpFile, StreamEntry } from './file.js';
import { streamTypeName } from './names.js';
import type { SystemInfo } from './streams/system-info.js';

export interface StreamContext {
  readonly file: MinidumpFile;
  readonly entry: StreamEntry;
  /** SystemInfo decoded at open (undefined when the dump has none or it is broken). */
  readonly system?: SystemInfo;
  /** Decode another stream (memoized); undefined when absent or undecodable. */
  stream<T>(type: number): Promise<T | undefined>;
  /** `deep: true` was asked for: whole-table work allowed. */
  readonly deep: boolean;
  /** Decode at most this many entries of a list (`dump` without --all); the rest are not read. */
  readonly listBudget?: number;
  /** Told the number of entries present when a list was cut at listBudget. */
  readonly onCut?: (total: number) => void;
}

/** How many of `n` entries to decode under the context's list budget (telling onCut when cut). */
export function budgeted(ctx: StreamContext, n: number): number {
  if (ctx.listBudget === undefined || n <= ctx.listBudget) return n;
  ctx.onCut?.(n);
  return ctx.listBudget;
}

export interface StreamDecoder<T = unknown> {
  readonly streamType: number;
  /** Short key used in describe(): "threadList", "moduleList"... */
  readonly key: string;
  decode(ctx: StreamContext): Promise<T>;
}

/** Read the stream payload, at most `cap` bytes (default LIMITS.streamReadCap), warning when clamped. */
export async function readPayload(ctx: StreamContext, cap: number = LIMITS.streamReadCap): Promise<Uint8Array> {
  const e = ctx.entry;
  let len = e.dataSize;
  if (len > cap) {
    ctx.file.warn('StreamClamped', `${streamTypeName(e.type)}: ${e.dataSize} bytes; only the first ${cap} are read`, e.rva);
    len = cap;
  }
  return ctx.file.read(e.rva, len, streamTypeName(e.type));
}

/** Clamp `count` entries of `entrySize` to what `available` bytes and `limit` allow, with a warning. */
export function clampCount(ctx: StreamContext, struct: string, count: number, entrySize: number, available: number, limit: number, at: number): number {
  let n = count;
  const fit = entrySize > 0 ? Math.floor(Math.max(0, available) / entrySize) : 0;
  if (n > fit) {
    ctx.file.warn('CountClamped', `${struct}: count ${count} needs ${count * entrySize} bytes but only ${Math.max(0, available)} are in the stream; using ${fit}`, at);
    n = fit;
  }
  if (n > limit) {
    ctx.file.warn('CountClamped', `${struct}: ${n} entries is over the limit of ${limit}; using ${limit}`, at);
    n = limit;
  }
  return n;
}

export interface ListResult<T> {
  count: number;
  items: T[];
  /** Entries start 8 bytes in (a writer padded the count). */
  padded: boolean;
}

/** Where the entries of a "u32 count + entries" list are, and how many to take (warnings given). */
export interface CountedListLayout {
  count: number;
  /** Bytes from the stream start to the first entry (4, or 8 when a writer padded the count). */
  skip: number;
  /** Entries to take: the count clamped to the stream's bytes and the limit. */
  n: number;
  padded: boolean;
}

/**
 * The layout of a `u32 count` + `count × entry` stream (ThreadList, ModuleList, MemoryList,
 * ThreadNames). Accepts the 4 pad bytes after the count some writers add. A count that does not
 * fit is clamped (warning).
 */
export async function countedListLayout(ctx: StreamContext, def: StructDef, limit: number): Promise<CountedListLayout> {
  const e = ctx.entry;
  if (e.dataSize < 4) {
    throw new DumpFormatError('BadValue', `${streamTypeName(e.type)} is ${e.dataSize} bytes, too short for its count`, { struct: streamTypeName(e.type), offset: e.rva });
  }
  const head = await ctx.file.read(e.rva, 4, `${def.name} count`);
  const count = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
  let skip = 4;
  let padded = false;
  if (e.dataSize === 8 + count * def.size && e.dataSize !== 4 + count * def.size) {
    skip = 8;
    padded = true;
  } else if (e.dataSize !== 4 + count * def.size) {
    ctx.file.warn('ListSizeMismatch', `${streamTypeName(e.type)}: ${count} × ${def.size}-byte entries + 4 != stream size ${e.dataSize}`, e.rva);
  }
  const cap = Math.floor(LIMITS.streamReadCap / def.size);
  const n = clampCount(ctx, def.name, count, def.size, e.dataSize - skip, Math.min(limit, cap), e.rva);
  return { count, skip, n, padded };
}

/** `u32 count` + `count × entry`, decoded to objects (see countedListLayout). */
export async function readCountedList<T>(ctx: StreamContext, def: StructDef, limit: number): Promise<ListResult<T>> {
  const e = ctx.entry;
  const layout = await countedListLayout(ctx, def, limit);
  const { count, skip, padded } = layout;
  const n = budgeted(ctx, layout.n);
  if (n === 0) return { count, items: [], padded };
  const bytes = await ctx.file.read(e.rva + skip, n * def.size, def.name);
  return { count, items: decodeArray<T>(def, bytes, n, e.rva + skip), padded };
}

/**
 * Visit `n` entries of `entrySize` bytes from file offset `start`, a page of entries at a time
 * (positioned reads of at most ~64 KiB: a 16 MB table is never one buffer).
 */
export async function forEachEntryPage(ctx: StreamContext, struct: string, start: number, n: number, entrySize: number, visit: (dv: DataView, first: number, count: number) => void): Promise<void> {
  const per = Math.max(1, Math.floor(65_536 / entrySize));
  for (let first = 0; first < n; first += per) {
    const k = Math.min(per, n - first);
    const bytes = await ctx.file.read(start + first * entrySize, k * entrySize, struct);
    visit(new DataView(bytes.buffer, bytes.byteOffset, bytes.length), first, k);
  }
}

export interface ExListResult<H, T> {
  header: H;
  items: T[];
}

/**
 * "header + entries" lists (UnloadedModuleList, MemoryInfoList, ThreadInfoList, HandleData):
 * entries start at SizeOfHeader and are SizeOfEntry apart; SizeOfEntry ≥ the known entry size
 * (larger entries: the known prefix is decoded).
 */
export async function readExList<H extends { sizeOfHeader: number; sizeOfEntry?: number; sizeOfDescriptor?: number }, T>(
  ctx: StreamContext,
  headerDef: StructDef,
  entryDef: StructDef,
  countOf: (h: H) => number | bigint,
  limit: number,
  minEntrySize = entryDef.size,
): Promise<ExListResult<H, T>> {
  const e = ctx.entry;
  const head = await ctx.file.read(e.rva, Math.min(e.dataSize, headerDef.size), headerDef.name);
  const header = decodeStruct<H>(headerDef, head, e.rva);
  // HandleData names its entry size SizeOfDescriptor; the other lists SizeOfEntry.
  const entrySize = header.sizeOfEntry ?? header.sizeOfDescriptor ?? 0;
  const name = streamTypeName(e.type);
  if (header.sizeOfHeader < headerDef.size || header.sizeOfHeader > e.dataSize) {
    throw new DumpFormatError('BadValue', `${name}: SizeOfHeader ${header.sizeOfHeader} is not within ${headerDef.size}..${e.dataSize}`, { struct: headerDef.name, offset: e.rva });
  }
  if (entrySize < minEntrySize) {
    throw new DumpFormatError('BadValue', `${name}: SizeOfEntry ${entrySize} is smaller than ${entryDef.name} (${minEntrySize})`, { struct: headerDef.name, offset: e.rva + 4 });
  }
  if (entrySize > 64 * 1024) {
    throw new DumpFormatError('BadValue', `${name}: SizeOfEntry ${entrySize} is absurd`, { struct: headerDef.name, offset: e.rva + 4 });
  }
  const raw = countOf(header);
  const count = typeof raw === 'bigint' ? (raw > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(raw)) : raw;
  const cap = Math.floor(LIMITS.streamReadCap / entrySize);
  const n = budgeted(ctx, clampCount(ctx, entryDef.name, count, entrySize, e.dataSize - header.sizeOfHeader, Math.min(limit, cap), e.rva));
  if (n === 0) return { header, items: [] };
  const start = e.rva + header.sizeOfHeader;
  const bytes = await ctx.file.read(start, n * entrySize, entryDef.name);
  let items: T[];
  if (entrySize === entryDef.size) items = decodeArray<T>(entryDef, bytes, n, start);
  else {
    items = [];
    const known = Math.min(entryDef.size, entrySize);
    for (let i = 0; i < n; i++) {
      const slice = new Uint8Array(entryDef.size);
      slice.set(bytes.subarray(i * entrySize, i * entrySize + known));
      items.push(decodeStruct<T>(entryDef, slice, start + i * entrySize));
    }
  }
  return { header, items };
}

/** Convert a u64 file offset/size to a number or throw OutOfBounds. */
export function toSafeOffset(value: bigint, what: string, at: number): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new DumpFormatError('OutOfBounds', `${what} ${hex(value)} is beyond any file`, { struct: what, offset: at });
  }
  return Number(value);
}
