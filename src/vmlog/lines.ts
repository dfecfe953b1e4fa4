// Streams a log file line by line: plain or gzip, fixed-size positioned reads, a bounded carry
// buffer for the line that straddles two chunks, and lines cut at LIMITS.maxLogLineBytes. Memory
// stays flat whatever the file size (a 1 GiB log uses one chunk plus one line buffer).

import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { LIMITS } from '../limits.js';

/** Bytes per read: small enough that the per-block garbage (buffer, latin1 string) stays small. */
const CHUNK_SIZE = 64 * 1024;

export interface LineReaderStats {
  /** Lines yielded. */
  lines: number;
  /** Bytes of (decompressed) text read. */
  bytes: number;
  /** Lines cut at maxLineBytes. */
  overlongLines: number;
  /** Set when the gzip stream was corrupt or truncated (lines up to that point were yielded). */
  gzipError?: string;
  gzip: boolean;
}

export interface LineReaderOptions {
  maxLineBytes?: number;
  chunkSize?: number;
}

/** Raw chunks of a file through positioned reads (the handle is closed by the caller). */
async function* fileChunks(fh: FileHandle, chunkSize: number, reuse: boolean): AsyncGenerator<Buffer> {
  let position = 0;
  // Plain files: one buffer, reused (the block made from it is consumed before the next read).
  // Gzip input needs a fresh buffer each time: gunzip may still hold the previous one.
  const shared = reuse ? Buffer.allocUnsafe(chunkSize) : undefined;
  for (;;) {
    const buf = shared ?? Buffer.allocUnsafe(chunkSize);
    const { bytesRead } = await fh.read(buf, 0, chunkSize, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield bytesRead === chunkSize ? buf : buf.subarray(0, bytesRead);
  }
}

/** Complete lines of the log, many at a time: `buf` holds `count` lines, each ending in \n
 * except possibly the last block's last line. Line `firstLine` is 1-based. Lines longer than
 * `maxLineBytes` that straddle reads are cut there (the rest is skipped up to the newline); a
 * long line inside one read stays whole in `buf` (a read is bounded) and is only counted. */
export interface LogBlock {
  buf: Buffer;
  firstLine: number;
  count: number;
}

/** Cuts chunks at their last newline, carrying the partial last line (bounded) to the next. */
export class BlockSplitter {
  private readonly carry: Buffer;
  private carryLength = 0;
  private carryCut = false;
  private nextLine = 1;
  overlongLines = 0;

  constructor(private readonly maxLineBytes: number) {
    this.carry = Buffer.allocUnsafe(maxLineBytes);
  }

  /** Lines in `buf` (which ends with a newline), counting the overlong ones. */
  private count(buf: Buffer, firstLineCut: boolean): number {
    let n = 0;
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(10, pos);
      if (nl === -1) return n;
      if (nl - pos > this.maxLineBytes || (n === 0 && firstLineCut)) this.overlongLines++;
      n++;
      pos = nl + 1;
    }
  }

  push(chunk: Buffer): LogBlock | undefined {
    const last = chunk.lastIndexOf(10);
    if (last === -1) {
      const n = Math.min(this.maxLineBytes - this.carryLength, chunk.length);
      chunk.copy(this.carry, this.carryLength, 0, n);
      this.carryLength += n;
      if (n < chunk.length) this.carryCut = true;
      return undefined;
    }
    const body = chunk.subarray(0, last + 1);
    const buf = this.carryLength > 0 ? Buffer.concat([this.carry.subarray(0, this.carryLength), body]) : body;
    const cut = this.carryCut;
    this.carryLength = 0;
    this.carryCut = false;
    const rest = chunk.subarray(last + 1);
    const count = this.count(buf, cut);
    // A view into the chunk: valid until the next push (the reader reuses its buffer).
    const block = { buf, firstLine: this.nextLine, count };
    this.nextLine += count;
    if (rest.length > 0) this.push(rest);
    return block;
  }

  end(): LogBlock | undefined {
    if (this.carryLength === 0 && !this.carryCut) return undefined;
    const buf = Buffer.from(this.carry.subarray(0, this.carryLength));
    // The last line has no newline: give it one so every block has the same shape.
    const withNl = Buffer.concat([buf, Buffer.from('\n')]);
    if (this.carryCut) this.overlongLines++;
    this.carryLength = 0;
    this.carryCut = false;
    const block = { buf: withNl, firstLine: this.nextLine, count: 1 };
    this.nextLine++;
    return block;
  }
}

/** True when the first bytes are the gzip magic 1f 8b. */
export async function isGzipFile(fh: FileHandle): Promise<boolean> {
  const b = Buffer.alloc(2);
  const { bytesRead } = await fh.read(b, 0, 2, 0);
  return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Blocks of complete lines of `path` (gzip detected by magic). `stats` is filled as reading goes. */
export async function* readLogBlocks(path: string, stats: LineReaderStats, opts: LineReaderOptions = {}): AsyncGenerator<LogBlock> {
  const maxLineBytes = opts.maxLineBytes ?? LIMITS.maxLogLineBytes;
  const chunkSize = opts.chunkSize ?? CHUNK_SIZE;
  const fh = await open(path, 'r');
  try {
    stats.gzip = await isGzipFile(fh);
    const splitter = new BlockSplitter(maxLineBytes);
    let chunks: AsyncIterable<Buffer> = fileChunks(fh, chunkSize, !stats.gzip);
    if (stats.gzip) chunks = Readable.from(fileChunks(fh, chunkSize, false)).pipe(createGunzip({ chunkSize }));
    try {
      for await (const chunk of chunks) {
        stats.bytes += chunk.length;
        const b = splitter.push(chunk);
        if (b) {
          stats.lines += b.count;
          stats.overlongLines = splitter.overlongLines;
          yield b;
        }
      }
    } catch (e) {
      if (!stats.gzip) throw e;
      // A truncated or corrupt .gz: keep what was decompressed, say so.
      stats.gzipError = (e as Error).message;
    }
    const b = splitter.end();
    if (b) {
      stats.lines += b.count;
      yield b;
    }
    stats.overlongLines = splitter.overlongLines;
  } finally {
    await fh.close();
  }
}
