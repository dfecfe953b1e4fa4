// Streams a log file line by line: plain or gzip, fixed-size positioned reads, a bounded carry
// buffer for the line that straddles two chunks, and lines cut at LIMITS.maxLogLineBytes. Memory
// stays flat whatever the file size (a 1 GiB log uses one chunk plus one line buffer).

import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { LIMITS } from '../limits.js';

/** Bytes per read. */
const CHUNK_SIZE = 1024 * 1024;

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
async function* fileChunks(fh: FileHandle, chunkSize: number): AsyncGenerator<Buffer> {
  let position = 0;
  for (;;) {
    // A fresh buffer each time: gunzip may still hold the previous one.
    const buf = Buffer.allocUnsafe(chunkSize);
    const { bytesRead } = await fh.read(buf, 0, chunkSize, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield bytesRead === chunkSize ? buf : buf.subarray(0, bytesRead);
  }
}

/** Splits chunks into lines. A yielded line is a view valid until the next call. */
export class LineSplitter {
  private readonly carry: Buffer;
  private carryLength = 0;
  private carryCut = false;
  /** True when the line just yielded was cut. */
  lastCut = false;
  overlongLines = 0;

  constructor(private readonly maxLineBytes: number) {
    this.carry = Buffer.allocUnsafe(maxLineBytes);
  }

  private append(chunk: Buffer, start: number, end: number): void {
    const room = this.maxLineBytes - this.carryLength;
    const n = Math.min(room, end - start);
    if (n > 0) {
      chunk.copy(this.carry, this.carryLength, start, start + n);
      this.carryLength += n;
    }
    if (end - start > n) this.carryCut = true;
  }

  private finish(line: Buffer, cut: boolean): Buffer {
    this.lastCut = cut;
    if (cut) this.overlongLines++;
    // Drop the \r of CRLF logs (VMware Workstation on Windows writes them).
    return line.length > 0 && line[line.length - 1] === 13 ? line.subarray(0, line.length - 1) : line;
  }

  *push(chunk: Buffer): Generator<Buffer> {
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      const nl = chunk.indexOf(10, pos);
      if (nl === -1) {
        this.append(chunk, pos, len);
        return;
      }
      if (this.carryLength > 0 || this.carryCut) {
        this.append(chunk, pos, nl);
        const cut = this.carryCut;
        const line = this.carry.subarray(0, this.carryLength);
        this.carryLength = 0;
        this.carryCut = false;
        yield this.finish(line, cut);
      } else if (nl - pos > this.maxLineBytes) {
        yield this.finish(chunk.subarray(pos, pos + this.maxLineBytes), true);
      } else {
        yield this.finish(chunk.subarray(pos, nl), false);
      }
      pos = nl + 1;
    }
  }

  *end(): Generator<Buffer> {
    if (this.carryLength > 0 || this.carryCut) {
      const cut = this.carryCut;
      const line = this.carry.subarray(0, this.carryLength);
      this.carryLength = 0;
      this.carryCut = false;
      yield this.finish(line, cut);
    }
  }
}

/** True when the first bytes are the gzip magic 1f 8b. */
export async function isGzipFile(fh: FileHandle): Promise<boolean> {
  const b = Buffer.alloc(2);
  const { bytesRead } = await fh.read(b, 0, 2, 0);
  return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * Lines of `path` (gzip detected by magic). Each yielded Buffer is only valid until the next
 * iteration: decode or copy it at once. `stats` is filled as reading goes.
 */
export async function* readLogLines(path: string, stats: LineReaderStats, opts: LineReaderOptions = {}): AsyncGenerator<Buffer> {
  const maxLineBytes = opts.maxLineBytes ?? LIMITS.maxLogLineBytes;
  const chunkSize = opts.chunkSize ?? CHUNK_SIZE;
  const fh = await open(path, 'r');
  try {
    stats.gzip = await isGzipFile(fh);
    const splitter = new LineSplitter(maxLineBytes);
    let chunks: AsyncIterable<Buffer> = fileChunks(fh, chunkSize);
    if (stats.gzip) {
      const gunzip = createGunzip({ chunkSize });
      chunks = Readable.from(fileChunks(fh, chunkSize)).pipe(gunzip);
    }
    try {
      for await (const chunk of chunks) {
        stats.bytes += chunk.length;
        for (const line of splitter.push(chunk)) {
          stats.lines++;
          yield line;
        }
      }
    } catch (e) {
      if (!stats.gzip) throw e;
      // A truncated or corrupt .gz: keep what was decompressed, say so.
      stats.gzipError = (e as Error).message;
    }
    for (const line of splitter.end()) {
      stats.lines++;
      yield line;
    }
    stats.overlongLines = splitter.overlongLines;
  } finally {
    await fh.close();
  }
}
