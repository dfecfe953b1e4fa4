// Byte sources over files: positioned reads only, never a whole file (see byte-source.ts for
// the interface and the platform-neutral sources). Node only: the main entry (openDump,
// triageFile, scanDumps) uses these; dumptriage/core does not.

import { open, stat, constants, type FileHandle } from 'node:fs/promises';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { DumpIoError, TruncatedDumpError } from '../errors.js';
import { checkRequest, requireRange, type ByteSource } from './byte-source.js';

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
