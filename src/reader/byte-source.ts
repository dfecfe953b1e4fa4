// Random-access byte sources. Every read is bounds-checked before any I/O, and a file source
// never reads more than it is asked for: no code path loads a whole dump.
//
// This module is platform-neutral (dumptriage/core, and a browser bundle of it, use it); the
// sources over files, which need node:fs, are in file-source.ts.

import { TruncatedDumpError, LimitExceededError } from '../errors.js';
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

/** Rejects a request no source can serve (negative, unsafe, or over the single-read limit). */
export function checkRequest(source: ByteSource, offset: number, length: number, struct: string | undefined): void {
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
