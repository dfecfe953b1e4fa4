// MinidumpFile: header + directory, bounded positioned reads, a small read-ahead cache for the
// scattered little structures (strings, CodeView records, contexts), and warnings.
//
// Opening reads the 32-byte header and the directory table (one I/O each). Streams are read on
// demand by their decoders (streams/*.ts) through a StreamContext.

import { MINIDUMP_DIRECTORY, MINIDUMP_HEADER } from '../../../native-structs/minidump/header.js';
import { MINIDUMP_SIGNATURE, MINIDUMP_VERSION, StreamType } from '../../../native-structs/constants/minidump.js';
import type { CountingSource } from '../../reader/byte-source.js';
import { decodeArray, decodeStruct, compileStructs } from '../../reader/struct-codec.js';
import { DumpFormatError, TruncatedDumpError, type DumpWarning } from '../../errors.js';
import { LIMITS } from '../../limits.js';
import { decodeUtf16, decodeUtf8 } from '../../reader/text.js';
import { hex } from '../../util/hex.js';
import { streamTypeName } from './names.js';

compileStructs(MINIDUMP_HEADER, MINIDUMP_DIRECTORY);

export interface MinidumpHeader {
  signature: number;
  version: number;
  numberOfStreams: number;
  streamDirectoryRva: number;
  checkSum: number;
  timeDateStamp: number;
  flags: bigint;
}

export interface StreamEntry {
  /** Position in the directory. */
  index: number;
  type: number;
  dataSize: number;
  rva: number;
  /** False when rva + dataSize is outside the file (the entry is listed, never decoded). */
  inBounds: boolean;
  /** A later entry with a type already seen (ignored, warned). */
  duplicate: boolean;
}

/** Coalesced read-ahead windows: a gap is read through when it is below this and no larger than
 * the range that follows (wasting at most as much as is used). */
const COALESCE_GAP = 4096;
/** One read-ahead window at most. */
const MAX_WINDOW = 256 * 1024;
/** Bytes kept in the read-ahead cache. */
const CACHE_BUDGET = 1024 * 1024;

export class MinidumpFile {
  readonly warnings: DumpWarning[] = [];
  private readonly byType = new Map<number, StreamEntry>();
  private cache: Array<{ offset: number; bytes: Uint8Array }> = [];
  private cacheBytes = 0;
  /** String bytes decoded so far (LIMITS.maxStringBytesPerDump). */
  private stringBytes = 0;
  /** Warnings already recorded (dedupe in O(1)). */
  private readonly warningKeys = new Set<string>();
  /**
   * Structures decoded from a file location, by kind:rva:size (and a variant, e.g. the arch the
   * context was decoded for). Many MINIDUMP_THREAD entries may point at one CONTEXT (a hostile
   * dump had 65,536 threads sharing one): each location is decoded once. Bounded by the distinct
   * locations the file's tables name (at most LIMITS.maxThreads contexts).
   */
  private readonly decodedAt = new Map<string, Promise<unknown>>();
  /** How many times each kind was actually decoded (cache misses), for tests and diagnostics. */
  readonly decodeCounts = new Map<string, number>();

  private constructor(
    readonly source: CountingSource,
    readonly header: MinidumpHeader,
    readonly directory: StreamEntry[],
  ) {}

  get size(): number {
    return this.source.size;
  }

  warn(code: string, message: string, offset?: number): void {
    if (this.warnings.length >= LIMITS.maxWarnings) return;
    const key = `${code}\u0000${message}\u0000${offset ?? ''}`;
    if (this.warningKeys.has(key)) return;
    this.warningKeys.add(key);
    this.warnings.push(offset === undefined ? { code, message } : { code, message, offset });
    if (this.warnings.length === LIMITS.maxWarnings) {
      this.warnings.push({ code: 'TooManyWarnings', message: `more than ${LIMITS.maxWarnings} warnings: the rest are not listed` });
    }
  }

  static async open(source: CountingSource): Promise<MinidumpFile> {
    const head = await source.read(0, MINIDUMP_HEADER.size, MINIDUMP_HEADER.name);
    const header = decodeStruct<MinidumpHeader>(MINIDUMP_HEADER, head, 0);
    if (header.signature !== MINIDUMP_SIGNATURE) {
      throw new DumpFormatError('BadSignature', `signature ${hex(header.signature)} is not MDMP`, { struct: MINIDUMP_HEADER.name, offset: 0 });
    }
    const warnings: DumpWarning[] = [];
    if ((header.version & 0xffff) !== MINIDUMP_VERSION) {
      warnings.push({ code: 'BadVersion', message: `header version ${hex(header.version)}: low 16 bits are not 0xa793`, offset: 4 });
    }
    const n = header.numberOfStreams;
    const dirRva = header.streamDirectoryRva;
    if (n > LIMITS.maxStreams) {
      throw new DumpFormatError('CountTooLarge', `${n} streams in the directory (limit ${LIMITS.maxStreams})`, { struct: MINIDUMP_DIRECTORY.name, offset: 8 });
    }
    const dirBytes = n * MINIDUMP_DIRECTORY.size;
    if (dirRva > source.size || dirBytes > source.size - dirRva) {
      throw new TruncatedDumpError({ struct: `${MINIDUMP_DIRECTORY.name}[${n}]`, offset: dirRva, wanted: dirBytes, available: source.size - Math.min(dirRva, source.size) });
    }
    if (n > 0 && dirRva < MINIDUMP_HEADER.size) {
      warnings.push({ code: 'OverlappingDirectory', message: `stream directory at ${hex(dirRva)} overlaps the header`, offset: 0xc });
    }
    const raw = n === 0 ? [] : decodeArray<{ streamType: number; location: { dataSize: number; rva: number } }>(
      MINIDUMP_DIRECTORY, await source.read(dirRva, dirBytes, MINIDUMP_DIRECTORY.name), n, dirRva);
    const directory: StreamEntry[] = raw.map((d, index) => ({
      index,
      type: d.streamType,
      dataSize: d.location.dataSize,
      rva: d.location.rva,
      inBounds: d.location.rva <= source.size && d.location.dataSize <= source.size - d.location.rva,
      duplicate: false,
    }));
    const file = new MinidumpFile(source, header, directory);
    file.warnings.push(...warnings);
    for (const e of directory) {
      if (e.type === StreamType.Unused) continue;
      const at = dirRva + e.index * MINIDUMP_DIRECTORY.size;
      if (!e.inBounds) {
        file.warn('StreamOutOfBounds', `${streamTypeName(e.type)} stream (${e.dataSize} bytes at ${hex(e.rva)}) lies outside the ${source.size}-byte file`, at);
      }
      if (file.byType.has(e.type)) {
        e.duplicate = true;
        file.warn('DuplicateStream', `second ${streamTypeName(e.type)} stream (directory entry ${e.index}) ignored; the first one is used`, at);
        continue;
      }
      file.byType.set(e.type, e);
    }
    // 0xFFFFFFFF is no stream type any writer uses: a damaged directory entry. Without a warning a
    // lost exception stream turned a crash into a hang, or a lost module list into "0 modules".
    for (const e of directory) {
      if (e.type !== 0xffffffff) continue;
      const lost = [[StreamType.Exception, 'exception stream'], [StreamType.ModuleList, 'module list'], [StreamType.ThreadList, 'thread list']]
        .filter(([t]) => !file.byType.has(t as number))
        .map(([, name]) => name);
      file.warn(
        'DamagedStreamType',
        `directory entry ${e.index} (${e.dataSize} bytes at ${hex(e.rva)}) has stream type 0xffffffff, which no writer uses: a damaged entry` +
          (lost.length ? `; the dump has no ${lost.join(', no ')}, which it may have been (the verdict is made without it)` : ''),
        dirRva + e.index * MINIDUMP_DIRECTORY.size,
      );
    }
    return file;
  }

  /**
   * Decode the structure of `kind` at (rva, size) once: later calls for the same location (and
   * `variant`) share the first result, including its warnings, which name the first requester.
   * The result is shared: callers must not mutate it.
   */
  decodeOnce<T>(kind: string, rva: number, size: number, variant: string, make: () => Promise<T>): Promise<T> {
    const key = `${kind}:${rva}:${size}:${variant}`;
    let p = this.decodedAt.get(key) as Promise<T> | undefined;
    if (!p) {
      this.decodeCounts.set(kind, (this.decodeCounts.get(kind) ?? 0) + 1);
      p = make();
      this.decodedAt.set(key, p);
    }
    return p;
  }

  /** The first directory entry of `type` (absence is not an error). */
  findStream(type: number): StreamEntry | undefined {
    return this.byType.get(type);
  }

  /** All non-padding entries, in directory order. */
  entries(): StreamEntry[] {
    return this.directory.filter((e) => e.type !== StreamType.Unused);
  }

  /** Exactly `length` bytes at `offset`, bounds-checked before I/O; served from the read-ahead cache when possible. */
  async read(offset: number, length: number, struct: string): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > this.size || length > this.size - offset) {
      throw new TruncatedDumpError({ struct, offset: Number.isSafeInteger(offset) ? offset : 0, wanted: length, available: Number.isSafeInteger(offset) ? this.size - Math.min(Math.max(offset, 0), this.size) : 0 });
    }
    for (const w of this.cache) {
      if (offset >= w.offset && offset + length <= w.offset + w.bytes.length) {
        return w.bytes.subarray(offset - w.offset, offset - w.offset + length);
      }
    }
    return this.source.read(offset, length, struct);
  }

  /**
   * Read the windows covering `ranges` (coalesced, each ≤ 256 KiB) into the read-ahead cache, so
   * that the many small reads that follow (module names, CodeView records, contexts) cost one I/O
   * per window instead of one per structure.
   */
  async prefetch(ranges: Array<{ offset: number; length: number }>, gap = COALESCE_GAP): Promise<void> {
    const valid = ranges
      .filter((r) => Number.isSafeInteger(r.offset) && r.offset >= 0 && r.offset < this.size && r.length > 0)
      .map((r) => ({ offset: r.offset, end: Math.min(this.size, r.offset + Math.min(r.length, MAX_WINDOW)) }))
      .sort((a, b) => a.offset - b.offset);
    const windows: Array<{ offset: number; end: number }> = [];
    for (const r of valid) {
      const last = windows[windows.length - 1];
      if (last && r.offset <= last.end + Math.min(gap, Math.max(256, r.end - r.offset)) && Math.max(last.end, r.end) - last.offset <= MAX_WINDOW) {
        last.end = Math.max(last.end, r.end);
      } else windows.push({ ...r });
    }
    // The windows are read at once: one after the other, each waits a thread-pool round trip.
    // No more than the cache holds: what would be evicted before it is used is not read at all
    // (callers with more go through prefetchEach, a cache-full at a time).
    const todo: Array<{ offset: number; end: number }> = [];
    let total = 0;
    for (const w of windows) {
      if (this.cache.some((c) => w.offset >= c.offset && w.end <= c.offset + c.bytes.length)) continue;
      total += w.end - w.offset;
      if (total > CACHE_BUDGET) break;
      todo.push(w);
    }
    const read = await Promise.all(todo.map((w) => this.source.readAvailable(w.offset, w.end - w.offset, 'read-ahead')));
    for (const [i, w] of todo.entries()) {
      const bytes = read[i]!;
      this.cache.push({ offset: w.offset, bytes });
      this.cacheBytes += bytes.length;
      while (this.cacheBytes > CACHE_BUDGET && this.cache.length > 1) {
        const old = this.cache.shift()!;
        this.cacheBytes -= old.bytes.length;
      }
    }
  }

  /**
   * Visits `items` in order, each batch's bytes read ahead first: batches hold at most half the
   * read-ahead cache, so 16,384 modules' names cost ~40 windowed reads, not 32,768 single ones,
   * and never more memory than the cache.
   */
  async prefetchEach<T>(items: readonly T[], rangesOf: (item: T) => Array<{ offset: number; length: number }>, visit: (item: T, index: number) => Promise<void>): Promise<void> {
    let i = 0;
    while (i < items.length) {
      const batch: Array<{ offset: number; length: number }> = [];
      let bytes = 0;
      let j = i;
      while (j < items.length && (j === i || bytes < CACHE_BUDGET / 2)) {
        for (const r of rangesOf(items[j]!)) {
          batch.push(r);
          bytes += Math.max(0, Math.min(r.length, MAX_WINDOW));
        }
        j++;
      }
      await this.prefetch(batch);
      for (; i < j; i++) await visit(items[i]!, i);
    }
  }

  /**
   * MINIDUMP_STRING at `rva` (u32 byte length + UTF-16LE). Undefined for rva 0. Lengths that are
   * odd, past the file or over the limit are clamped with a warning.
   */
  async readString(rva: number | bigint, what: string): Promise<string | undefined> {
    const at = typeof rva === 'bigint' ? (rva > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(rva)) : rva;
    if (at === 0) return undefined;
    if (at < 0 || at > this.size - 4) {
      this.warn('StringOutOfBounds', `${what}: MINIDUMP_STRING at ${hex(rva)} is outside the file`, at < 0 ? undefined : at);
      return undefined;
    }
    const lenBytes = await this.read(at, 4, 'MINIDUMP_STRING');
    let len = new DataView(lenBytes.buffer, lenBytes.byteOffset, 4).getUint32(0, true);
    if (len % 2 !== 0) {
      this.warn('OddStringLength', `${what}: MINIDUMP_STRING at ${hex(at)} has an odd byte length ${len}`, at);
      len -= 1;
    }
    const max = LIMITS.maxStringChars * 2;
    if (len > max) {
      this.warn('StringTooLong', `${what}: MINIDUMP_STRING at ${hex(at)} claims ${len} bytes; read ${max}`, at);
      len = max;
    }
    if (len > this.size - at - 4) {
      this.warn('StringTruncated', `${what}: MINIDUMP_STRING at ${hex(at)} runs past the end of the file`, at);
      len = (this.size - at - 4) & ~1;
    }
    len = this.chargeString(len);
    if (len === 0) return '';
    // (?<!\0): match only from the first NUL of a run; plain /\0+$/ is quadratic on long NUL runs.
    return decodeUtf16(await this.read(at + 4, len, 'MINIDUMP_STRING'), false).replace(/(?<!\0)\0+$/, '');
  }

  /** Counts `len` string bytes against the per-dump total; over it, cuts (one warning). */
  private chargeString(len: number): number {
    const left = Math.max(0, LIMITS.maxStringBytesPerDump - this.stringBytes);
    if (len > left) {
      this.warn('StringBudgetExceeded', `strings decoded from this dump exceed ${LIMITS.maxStringBytesPerDump} bytes: later strings are cut`);
      len = left & ~1;
    }
    this.stringBytes += len;
    return len;
  }

  /** crashpad MinidumpUTF8String at `rva` (u32 length + bytes). */
  async readUtf8String(rva: number, what: string): Promise<string | undefined> {
    if (rva === 0) return undefined;
    if (rva > this.size - 4) {
      this.warn('StringOutOfBounds', `${what}: UTF-8 string at ${hex(rva)} is outside the file`, rva);
      return undefined;
    }
    const lenBytes = await this.read(rva, 4, 'MinidumpUTF8String');
    let len = new DataView(lenBytes.buffer, lenBytes.byteOffset, 4).getUint32(0, true);
    len = Math.min(len, LIMITS.maxStringChars * 4);
    if (len > this.size - rva - 4) {
      this.warn('StringTruncated', `${what}: UTF-8 string at ${hex(rva)} runs past the end of the file`, rva);
      len = this.size - rva - 4;
    }
    len = this.chargeString(len);
    return decodeUtf8(await this.read(rva + 4, len, 'MinidumpUTF8String'), false);
  }
}
