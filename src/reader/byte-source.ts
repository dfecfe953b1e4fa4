// Random-access byte sources. Every read is bounds-checked before any I/O, and a file source
// never reads more than it is asked for: no code path loads a whole dump.

import { open, stat, constants, type FileHandle } from 'node:fs/promises';
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
   */
  static async open(path: string): Promise<FileSource> {
    let st;
    try {
      st = await stat(path);
    } catch (e) {
      throw new DumpIoError('IoError', describeIo(e), { path, cause: e });
    }
    if (!st.isFile()) throw new DumpIoError('NotAFile', `not a regular file (${kindOf(st)})`, { path });
    let handle: FileHandle;
    try {
      handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
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
    const want = Math.min(length, this.size - offset);
    const buf = Buffer.allocUnsafe(want);
    let got = 0;
    try {
      while (got < want) {
        const { bytesRead } = await this.handle.read(buf, got, want - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
    } catch (e) {
      throw new DumpIoError('IoError', describeIo(e), { path: this.name, offset: offset + got, struct, cause: e });
    }
    return new Uint8Array(buf.buffer, buf.byteOffset, got);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Wraps a source and tallies reads and bytes: the measure behind every "bytes read" figure. */
export class CountingSource implements ByteSource {
  bytesRead = 0;
  reads = 0;
  constructor(private readonly inner: ByteSource) {}
  get size(): number {
    return this.inner.size;
  }
  get name(): string {
    return this.inner.name;
  }
  async read(offset: number, length: number, struct?: string): Promise<Uint8Array> {
    const out = await this.inner.read(offset, length, struct);
    this.reads++;
    this.bytesRead += out.length;
    return out;
  }
  async readAvailable(offset: number, length: number, struct?: string): Promise<Uint8Array> {
    const out = await this.inner.readAvailable(offset, length, struct);
    this.reads++;
    this.bytesRead += out.length;
    return out;
  }
  close(): Promise<void> {
    return this.inner.close();
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
