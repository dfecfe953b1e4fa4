// Random-access byte sources. Every read is bounds-checked before any I/O, and a file source
// never reads more than it is asked for: no code path loads a whole dump.

import { open, stat, constants, type FileHandle } from 'node:fs/promises';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { DumpIoError, TruncatedDumpError, LimitExceededError } from '../errors.js';
import { LIMITS } from '../limits.js';

export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Display name (file path or a label). */
  readonly name: string;
  /**
   * Exactly `length` bytes at `offset`, or TruncatedDumpError naming `struct` when the source is
   * shorter. The returned view may share memory with the source (BytesSource): copy to keep.
   */
  read(offset: number, length: number, struct?: string): Promise<Uint8Array>;
  /** Up to `length` bytes at `offset` (fewer at the end of the source, empty past it). */
  readAvailable(offset: number, length: number, struct?: string): Promise<Uint8Array>;
  /**
   * Optional: up to target.length bytes at offset into `target` (a buffer the caller reuses, so
   * that a long sequential pass leaves no garbage behind); returns the count read.
   */
  readInto?(offset: number, target: Uint8Array, struct?: string): Promise<number>;
  close(): Promise<void>;
}

function checkRequest(source: ByteSource, offset: number, length: number, struct: string | undefined): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new TruncatedDumpError({ struct, offset: Math.max(0, Number.isFinite(offset) ? offset : 0), wanted: Number.isFinite(length) ? length : 0, available: 0 });
  }
  if (length > LIMITS.maxSingleRead) {
    throw new LimitExceededError(`a single read of ${length} bytes is over the ${LIMITS.maxSingleRead}-byte limit`, { struct, offset });
  }
}

/** Checks `offset + length <= size` without overflow; throws TruncatedDumpError otherwise. */
export function requireRange(source: { size: number }, offset: number, length: number, struct?: string): void {
  if (offset > source.size || length > source.size - offset) {
    throw new TruncatedDumpError({ struct, offset, wanted: length, available: source.size - Math.min(offset, source.size) });
  }
}

/** In-memory bytes. Reads return subarray views. */
export class BytesSource implements ByteSource {
  readonly size: number;
  constructor(private readonly bytes: Uint8Array, readonly name = '<buffer>') {
    this.size = bytes.length;
  }
  async read(offset: number, length: number, struct?: string): Promise<Uint8Array> {
    checkRequest(this, offset, length, struct);
    requireRange(this, offset, length, struct);
    return this.bytes.subarray(offset, offset + length);
  }
  async readAvailable(offset: number, length: number, struct?: string): Promise<Uint8Array> {
    checkRequest(this, offset, length, struct);
    if (offset >= this.size) return new Uint8Array(0);
    return this.bytes.subarray(offset, Math.min(this.size, offset + length));
  }
  async close(): Promise<void> {}
}

/** A path to show for `file` when the caller gives no name (a byte path is decoded, lossily). */
function pathText(file: string | Buffer): string {
  return typeof file === 'string' ? file : file.toString('utf8');
}

/** A file opened read-only; positioned reads only. */
export class FileSource implements ByteSource {
  private constructor(
    private readonly handle: FileHandle,
    readonly size: number,
    readonly name: string,
  ) {}

  /**
   * Open `path` read-only. Directories, FIFOs, sockets and devices are refused with NotAFile
   * before any read (a FIFO is opened non-blocking so that a missing writer cannot hang us).
   * `file` is a path string, or the bytes the OS gave for a name that is not valid UTF-8 (the
   * scan's walk); `opts.name` is then the name to show (default: the path, or its bytes decoded).
   */
  static async open(file: string | Buffer, opts: { name?: string } = {}): Promise<FileSource> {
    const path = opts.name ?? pathText(file);
    let st;
    try {
      st = await stat(file);
    } catch (e) {
      throw new DumpIoError('IoError', describeIo(e), { path, cause: e });
    }
    if (!st.isFile()) throw new DumpIoError('NotAFile', `not a regular file (${kindOf(st)})`, { path });
    let handle: FileHandle;
    try {
      handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (e) {
      throw new DumpIoError('IoError', describeIo(e), { path, cause: e });
    }
    try {
      const fst = await handle.stat();
      if (!fst.isFile()) throw new DumpIoError('NotAFile', `not a regular file (${kindOf(fst)})`, { path });
      return new FileSource(handle, fst.size, path);
    } catch (e) {
      await handle.close().catch(() => undefined);
      if (e instanceof DumpIoError) throw e;
      throw new DumpIoError('IoError', describeIo(e), { path, cause: e });
    }
  }

  async read(offset: number, length: number, struct?: string): Promise<Uint8Array> {
    checkRequest(this, offset, length, struct);
    requireRange(this, offset, length, struct);
    const out = await this.readAvailable(offset, length, struct);
    // The file may have shrunk since open (a share being rewritten): still a truncation.
    if (out.length < length) throw new TruncatedDumpError({ struct, offset, wanted: length, available: out.length });
    return out;
  }

  async readAvailable(offset: number, length: number, struct?: string): Promise<Uint8Array> {
    checkRequest(this, offset, length, struct);
    if (offset >= this.size) return new Uint8Array(0);
    const buf = Buffer.allocUnsafe(Math.min(length, this.size - offset));
    const got = await this.readInto(offset, buf, struct);
    return new Uint8Array(buf.buffer, buf.byteOffset, got);
  }

  async readInto(offset: number, target: Uint8Array, struct?: string): Promise<number> {
    checkRequest(this, offset, target.length, struct);
    if (offset >= this.size) return 0;
    const want = Math.min(target.length, this.size - offset);
    let got = 0;
    try {
      while (got < want) {
        const { bytesRead } = await this.handle.read(target, got, want - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
    } catch (e) {
      throw new DumpIoError('IoError', describeIo(e), { path: this.name, offset: offset + got, struct, cause: e });
    }
    return got;
  }

  private closed = false;
  /** Idempotent: a second close does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

/** Size and modification time of an open file, as fstat sees them now. */
export interface FileState {
  size: number;
  mtimeMs: number;
}

/**
 * A file opened read-only and read with blocking calls: for worker threads, whose only job is
 * the file in hand. Each async fs call is a round trip through libuv's shared thread pool (four
 * threads for the whole process); a scan worker made 8-9 of them per small dump and the workers
 * and the walk queued behind each other there. Blocking calls on a warm cache cost microseconds.
 * Same checks and errors as FileSource; never used on the main thread of the CLI.
 */
export class SyncFileSource implements ByteSource {
  private closed = false;
  /**
   * Milliseconds spent blocked in this file's system calls (open to close): how slow the share
   * is. A scan worker that sees slow I/O turns to async reads with several files in flight.
   */
  ioMs: number;
  /** System calls made on this file (from the stat or open on) and bytes they returned: what `ioMs` paid for. */
  calls: number;
  bytes = 0;
  private constructor(
    private readonly fd: number,
    readonly size: number,
    readonly mtimeMs: number,
    readonly name: string,
    openMs: number,
    openCalls: number,
  ) {
    this.ioMs = openMs;
    this.calls = openCalls;
  }

  /**
   * Same refusals as FileSource.open: special files are refused before any read. `statted`: the
   * caller has just lstat'ed the path and seen a regular file (the scan's walk), so the stat
   * before the open is skipped; the open is non-blocking and the fstat after it still refuses
   * anything that is not a regular file, should the path have been replaced in between.
   */
  static open(file: string | Buffer, opts: { statted?: boolean; name?: string } = {}): SyncFileSource {
    const t0 = performance.now();
    const path = opts.name ?? pathText(file);
    if (!opts.statted) {
      let st;
      try {
        st = statSync(file);
      } catch (e) {
        throw new DumpIoError('IoError', describeIo(e), { path, cause: e });
      }
      if (!st.isFile()) throw new DumpIoError('NotAFile', `not a regular file (${kindOf(st)})`, { path });
    }
    let fd: number;
    try {
      fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (e) {
      throw new DumpIoError('IoError', describeIo(e), { path, cause: e });
    }
    try {
      const fst = fstatSync(fd);
      if (!fst.isFile()) throw new DumpIoError('NotAFile', `not a regular file (${kindOf(fst)})`, { path });
      return new SyncFileSource(fd, fst.size, fst.mtimeMs, path, performance.now() - t0, opts.statted ? 2 : 3);
    } catch (e) {
      try {
        closeSync(fd);
      } catch {
        // already failing: the first error is the one to report
      }
      if (e instanceof DumpIoError) throw e;
      throw new DumpIoError('IoError', describeIo(e), { path, cause: e });
    }
  }

  async read(offset: number, length: number, struct?: string): Promise<Uint8Array> {
    checkRequest(this, offset, length, struct);
    requireRange(this, offset, length, struct);
    const out = this.readNow(offset, length, struct);
    if (out.length < length) throw new TruncatedDumpError({ struct, offset, wanted: length, available: out.length });
    return out;
  }

  async readAvailable(offset: number, length: number, struct?: string): Promise<Uint8Array> {
    checkRequest(this, offset, length, struct);
    return this.readNow(offset, length, struct);
  }

  private readNow(offset: number, length: number, struct?: string): Uint8Array {
    if (this.closed) throw new DumpIoError('IoError', 'read after close', { path: this.name, offset, struct });
    if (offset >= this.size) return new Uint8Array(0);
    const want = Math.min(length, this.size - offset);
    const buf = Buffer.allocUnsafe(want);
    let got = 0;
    const t0 = performance.now();
    try {
      while (got < want) {
        const n = readSync(this.fd, buf, got, want - got, offset + got);
        this.calls++;
        if (n === 0) break;
        got += n;
      }
      this.bytes += got;
    } catch (e) {
      throw new DumpIoError('IoError', describeIo(e), { path: this.name, offset: offset + got, struct, cause: e });
    } finally {
      this.ioMs += performance.now() - t0;
    }
    return new Uint8Array(buf.buffer, buf.byteOffset, got);
  }

  private stateAtClose: FileState | undefined;

  /**
   * The file's size and mtime by fstat of the descriptor: now, or, once closed, as they were at
   * the close (a closed descriptor number may already belong to another file of the process).
   * Undefined when the fstat failed.
   */
  state(): FileState | undefined {
    if (this.closed) return this.stateAtClose;
    try {
      this.calls++;
      const st = fstatSync(this.fd);
      return { size: st.size, mtimeMs: st.mtimeMs };
    } catch {
      return undefined;
    }
  }

  /** Idempotent: a second close does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    const t0 = performance.now();
    this.stateAtClose = this.state();
    this.closed = true;
    try {
      this.calls++;
      closeSync(this.fd);
    } finally {
      this.ioMs += performance.now() - t0;
    }
  }
}

export interface CountingOptions {
  /**
   * Serve small reads from a few cached 4 KiB blocks of the inner source. A dump decoder makes
   * dozens of small reads close together (directory, module names, CodeView records, contexts);
   * each positioned read of a file is a syscall through the libuv thread pool, so on a small dump
   * the round trips, not the bytes, were the cost. A file of at most WHOLE_FILE_MAX bytes is
   * read whole, in one read, at the first access. Counts stay honest: they are the inner reads.
   */
  blockCache?: boolean;
}

/** Bytes of one cached block, and how many blocks are kept (LRU). */
const BLOCK_SIZE = 4096;
const MAX_BLOCKS = 32;
/**
 * A file this small is read whole, in one read, at its first cached read: the decoder touches
 * nearly all of it anyway, and one read costs less than its three to sixteen block reads.
 */
export const WHOLE_FILE_MAX = 64 * 1024;

/**
 * Wraps a source and tallies the reads made on it and the bytes they returned: the measure
 * behind every "bytes read" figure. With `blockCache`, small reads go through an LRU of aligned
 * 4 KiB blocks, and the tallies count the block reads (what really hit the file).
 */
export class CountingSource implements ByteSource {
  bytesRead = 0;
  reads = 0;
  private readonly blocks = new Map<number, Uint8Array>();
  constructor(
    private readonly inner: ByteSource,
    private readonly options: CountingOptions = {},
  ) {}
  get size(): number {
    return this.inner.size;
  }
  get name(): string {
    return this.inner.name;
  }
  async read(offset: number, length: number, struct?: string): Promise<Uint8Array> {
    if (this.wholeFile(offset, length)) {
      requireRange(this, offset, length, struct);
      const all = await this.loadWhole(struct);
      // The file may have shrunk since it was opened: still a truncation.
      if (offset + length > all.length) throw new TruncatedDumpError({ struct, offset, wanted: length, available: Math.max(0, all.length - offset) });
      return all.subarray(offset, offset + length);
    }
    if (this.cacheable(offset, length)) {
      requireRange(this, offset, length, struct);
      return this.fromBlocks(offset, length, struct);
    }
    const out = await this.inner.read(offset, length, struct);
    this.reads++;
    this.bytesRead += out.length;
    return out;
  }
  async readAvailable(offset: number, length: number, struct?: string): Promise<Uint8Array> {
    if (this.wholeFile(offset, length)) {
      if (offset >= this.size) return new Uint8Array(0);
      const all = await this.loadWhole(struct);
      return all.subarray(Math.min(offset, all.length), Math.min(all.length, offset + length));
    }
    if (this.cacheable(offset, length)) {
      if (offset >= this.size) return new Uint8Array(0);
      return this.fromBlocks(offset, Math.min(length, this.size - offset), struct);
    }
    const out = await this.inner.readAvailable(offset, length, struct);
    this.reads++;
    this.bytesRead += out.length;
    return out;
  }
  close(): Promise<void> {
    this.blocks.clear();
    this.whole = undefined;
    return this.inner.close();
  }

  /** The whole of a small file, once read (see WHOLE_FILE_MAX). */
  private whole: Uint8Array | undefined;

  /** Served from one read of the whole file: a cached source of at most WHOLE_FILE_MAX bytes. */
  private wholeFile(offset: number, length: number): boolean {
    return this.options.blockCache === true && this.size <= WHOLE_FILE_MAX && Number.isSafeInteger(offset) && offset >= 0 && Number.isSafeInteger(length) && length >= 0;
  }

  private async loadWhole(struct?: string): Promise<Uint8Array> {
    if (!this.whole) {
      this.whole = await this.inner.readAvailable(0, this.size, struct);
      this.reads++;
      this.bytesRead += this.whole.length;
    }
    return this.whole;
  }

  private cacheable(offset: number, length: number): boolean {
    return this.options.blockCache === true && Number.isSafeInteger(offset) && offset >= 0 && length > 0 && length <= BLOCK_SIZE;
  }

  /** `length` bytes at `offset` (within the source), from one or two cached blocks. */
  private async fromBlocks(offset: number, length: number, struct?: string): Promise<Uint8Array> {
    const first = Math.floor(offset / BLOCK_SIZE);
    const last = Math.floor((offset + length - 1) / BLOCK_SIZE);
    const parts: Uint8Array[] = [];
    for (let b = first; b <= last; b++) parts.push(await this.block(b, struct));
    if (parts.length === 1) {
      const at = offset - first * BLOCK_SIZE;
      return parts[0]!.subarray(at, at + length);
    }
    const out = new Uint8Array(length);
    let written = 0;
    let at = offset - first * BLOCK_SIZE;
    for (const p of parts) {
      const take = Math.min(p.length - at, length - written);
      out.set(p.subarray(at, at + take), written);
      written += take;
      at = 0;
    }
    return out;
  }

  private async block(index: number, struct?: string): Promise<Uint8Array> {
    const hit = this.blocks.get(index);
    if (hit) {
      this.blocks.delete(index); // refresh LRU order
      this.blocks.set(index, hit);
      return hit;
    }
    const bytes = await this.inner.readAvailable(index * BLOCK_SIZE, BLOCK_SIZE, struct);
    this.reads++;
    this.bytesRead += bytes.length;
    this.blocks.set(index, bytes);
    if (this.blocks.size > MAX_BLOCKS) this.blocks.delete(this.blocks.keys().next().value!);
    return bytes;
  }
}

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'FIFO';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  return 'special file';
}

function describeIo(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    case 'EBUSY': return 'file is locked or busy';
    default: return `cannot read (${err?.code ?? String(e)})`;
  }
}
