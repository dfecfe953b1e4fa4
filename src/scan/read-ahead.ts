// Reading ahead on a cold cache, from the main thread. Workers read with blocking calls, one file
// at a time: on a warm cache that is the cheapest way, but on a cold one each worker sits idle
// for every read. Once the workers report that their files keep them blocked (the median of
// their last results, `ioMs`), the pool's main thread, idle most of the time, reads the head of
// every file it is handed, several at once, so that the page cache holds it by the time a worker
// opens it. (Reading ahead inside the worker itself hid nothing: its async reads advanced only
// between two of its blocking jobs, one step of open / fstat / read / close per job.)
//
// Best effort: any failure is left for the worker's own read to meet and report. The bytes are
// thrown away; nothing is written; memory is one 64 KiB scratch buffer per read in flight.

import { constants, open, type FileHandle } from 'node:fs/promises';

/** Median blocked time per file (ms) from which the cache is judged cold (a warm small dump: ~0.02 ms). */
export const COLD_IO_MS = 0.1;
/** Results measured before deciding. */
const SAMPLE = 8;
/** Reads in flight, and how much of each file: the whole of a small dump, the head of a big one. */
const IN_FLIGHT = 8;
export const READ_AHEAD_BYTES = 64 * 1024;

export class ReadAhead {
  private readonly recent: number[] = [];
  /** Judged cold: reading ahead from now on (for the pool's life: one scan). */
  on = false;
  /** Files read ahead (for tests and the bench). */
  done = 0;
  private active = 0;
  private readonly waiting: Array<{ path: string; size: number; started: () => boolean }> = [];
  private readonly scratch: Buffer[] = [];

  constructor(private readonly coldMs = COLD_IO_MS, private readonly sample = SAMPLE) {}

  /** One result's blocked time (undefined: not measured, e.g. async reads). */
  observe(ioMs: number | undefined): void {
    if (this.on || ioMs === undefined || !Number.isFinite(ioMs)) return;
    this.recent.push(ioMs);
    if (this.recent.length > this.sample) this.recent.shift();
    if (this.recent.length < this.sample) return;
    const median = [...this.recent].sort((a, b) => a - b)[Math.floor(this.sample / 2)]!;
    if (median >= this.coldMs) this.on = true;
  }

  /**
   * A file the workers will read soon. Read ahead when cold; `started` says whether a worker has
   * begun it meanwhile (then reading ahead is pointless and skipped).
   */
  want(path: string, size: number, started: () => boolean): void {
    if (!this.on || size <= 0) return;
    this.waiting.push({ path, size, started });
    this.pump();
  }

  private pump(): void {
    while (this.active < IN_FLIGHT && this.waiting.length > 0) {
      const w = this.waiting.shift()!;
      if (w.started()) continue;
      this.active++;
      const buf = this.scratch.pop() ?? Buffer.allocUnsafe(READ_AHEAD_BYTES);
      void readHead(w.path, Math.min(w.size, READ_AHEAD_BYTES), buf).finally(() => {
        this.scratch.push(buf);
        this.active--;
        this.done++;
        this.pump();
      });
    }
  }
}

/** Read the first `length` bytes of a regular file into `buf` (never a FIFO or a device). */
async function readHead(path: string, length: number, buf: Buffer): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    if (!(await fh.stat()).isFile()) return;
    await fh.read(buf, 0, length, 0);
  } catch {
    // the worker's read will meet it
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
