// How slow the share is (IoMeter, from the time each file kept a worker blocked), and reading
// ahead on a cold cache, from the main thread. A module without side effects: the worker entry
// (worker.ts) starts serving its port when loaded, so nothing else imports values from it.
//
// Reading ahead. Workers read with blocking calls, one file
// at a time: on a warm cache that is the cheapest way, but on a cold one each worker sits idle
// for every read. Once the workers report that their files keep them waiting (the median of
// their last results' `stallMs`), the pool's main thread, idle most of the time, reads the head of
// every file it is handed, several at once, so that the page cache holds it by the time a worker
// opens it. (Reading ahead inside the worker itself hid nothing: its async reads advanced only
// between two of its blocking jobs, one step of open / fstat / read / close per job.)
//
// Best effort: any failure is left for the worker's own read to meet and report. The bytes are
// thrown away; nothing is written; memory is one 64 KiB scratch buffer per read in flight.

import { statfsSync } from 'node:fs';
import { constants, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Median stall per file (ms, stallMs) from which the cache is judged cold (a warm dump: ~0). */
export const COLD_IO_MS = 0.1;
/** Median blocked time per file (ms), once reading ahead has been tried, from which a worker switches to async reads. */
export const SLOW_IO_MS = 2;
/**
 * What a warm page cache costs a blocking read: per system call (the JS wrapper included) and per
 * byte copied (1 GB/s, well under a memory copy). `stallMs` takes them off a file's blocked time.
 */
const WARM_CALL_MS = 0.004;
const WARM_BYTES_PER_MS = 1e6;

/**
 * A file's blocked time beyond what its calls and bytes cost from a warm cache: the time spent
 * waiting for a disk or a network. The cold-cache verdict is taken on this, not on the blocked
 * time itself: a real dump on a warm cache is read in ~20 calls, up to ~200, of up to ~300 KiB
 * in all, which blocks 0.1-0.25 ms (over COLD_IO_MS, which an 8.7 KB dump read in 5 calls never
 * reaches warm), and the read-ahead it turned on cost a warm scan of a share of real dumps ~10%.
 */
export function stallMs(ioMs: number, calls: number, bytes: number): number {
  return Math.max(0, ioMs - calls * WARM_CALL_MS - bytes / WARM_BYTES_PER_MS);
}

/** Blocks the process has read from block devices (getrusage inblock: every thread, 0 for a page-cache hit). */
function processBlockReads(): number {
  return process.resourceUsage().fsRead;
}

/** The counter at the end of this thread's last file (a thread runs its files one after another). */
let lastBlocks: number | undefined = safeBlocks(processBlockReads);

function safeBlocks(blocks: () => number): number | undefined {
  try {
    const n = blocks();
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Filesystems whose reads never show in this process's block-read counter (Linux statfs f_type):
 * network mounts (NFS, SMB/CIFS, Ceph, AFS, Coda, GPFS, Lustre), FUSE (its daemon reads the disk),
 * VM shared folders (9p, virtiofs).
 */
const COUNTER_BLIND_FS = new Set([0x6969, 0x517b, 0xff534d42, 0xfe534d42, 0x00c36400, 0x5346414f, 0x73757245, 0x47504653, 0x0bd00bd0, 0x65735546, 0x01021997, 0x6a656a63]);
const blindDirs = new Map<string, boolean>();

/** True when a read from `path`'s folder could wait without the block-read counter moving (see COUNTER_BLIND_FS; not Linux: unknown, so true). */
function counterBlind(path: string | Buffer): boolean {
  if (process.platform !== 'linux') return true;
  let dir: string | Buffer;
  if (typeof path === 'string') dir = dirname(path);
  else {
    const slash = path.lastIndexOf(0x2f);
    dir = slash > 0 ? path.subarray(0, slash) : Buffer.from(slash === 0 ? '/' : '.');
  }
  const key = typeof dir === 'string' ? dir : dir.toString('latin1');
  let blind = blindDirs.get(key);
  if (blind === undefined) {
    try {
      blind = COUNTER_BLIND_FS.has(statfsSync(dir).type);
    } catch {
      blind = true;
    }
    if (blindDirs.size >= 1024) blindDirs.clear();
    blindDirs.set(key, blind);
  }
  return blind;
}

/**
 * A file's stall, or 0 when the page cache served it. Blocked time beyond what a cached read
 * costs also comes from a busy machine: a thread descheduled inside a system call (the workers,
 * the main thread, V8's compiler threads and other processes on two cores) waits as long as for
 * a disk, and on a loaded machine such stalls come in runs. On a warm share of 2,988 real dumps
 * the read-ahead turned on within the first 8 to 640 results and then read 907-2,961 of the
 * files again (the issue saw 2,604-2,972 of 3,000). So a stall counts only if the process read
 * from a block device during the file (getrusage's inblock, process-wide, read once per file,
 * ~3 µs: from the end of this thread's previous file to the end of this one): on a warm cache it
 * does not move. Except where that counter cannot see the waits: on a network mount, FUSE or a
 * VM shared folder (statfs, once per folder, and only for a file that stalled without block
 * reads), outside Linux, or when the counter cannot be read: there every stall counts, as before.
 * Call it once per file, in the thread that read the file.
 */
export function diskStall(stall: number, path: string | Buffer, blocks: () => number = processBlockReads, blind: (path: string | Buffer) => boolean = counterBlind): number {
  const before = lastBlocks;
  const now = safeBlocks(blocks);
  lastBlocks = now;
  if (!(stall > 0) || now === undefined || before === undefined || now !== before) return stall;
  return blind(path) ? stall : 0;
}

/** Results measured before deciding. */
const SAMPLE = 8;

/**
 * Tracks each file's blocked time and stall and says when the cache is cold (on the stalls) and
 * when the share is slow (on the blocked times). The worker's meter and the pool's read-ahead
 * judge cold on the same figure, so a worker judges slow only on files the pool read ahead.
 */
export class IoMeter {
  private readonly recentIo: number[] = [];
  private readonly recentStall: number[] = [];
  cold = false;
  slow = false;
  constructor(
    private readonly slowMs = SLOW_IO_MS,
    private readonly sample = SAMPLE,
    private readonly coldMs = Math.min(COLD_IO_MS, slowMs),
  ) {}
  /**
   * Record one file's blocked time and stall (stallMs; default: the blocked time); true once the
   * share is judged slow. A cold cache is judged first (the pool reads ahead from then on), slow
   * only on the files that came after (async reads, several at once). Both verdicts stick for
   * the scan.
   */
  add(ioMs: number | undefined, stall: number | undefined = ioMs): boolean {
    if (this.slow || ioMs === undefined || !Number.isFinite(ioMs) || stall === undefined || !Number.isFinite(stall)) return this.slow;
    this.recentIo.push(ioMs);
    this.recentStall.push(stall);
    if (this.recentIo.length > this.sample) {
      this.recentIo.shift();
      this.recentStall.shift();
    }
    // The median of the last few files: one slow file among fast ones (a cold directory, a
    // big dump) does not flip it; a share where most files are slow does.
    if (this.recentIo.length === this.sample) {
      const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(this.sample / 2)]!;
      if (this.cold) {
        // Reading ahead did not hide the latency: a slow share, several files at once.
        if (median(this.recentIo) >= this.slowMs) this.slow = true;
      } else if (median(this.recentStall) >= this.coldMs) {
        // Read ahead first, and judge the share again on the files read that way.
        this.cold = true;
        this.recentIo.length = 0;
        this.recentStall.length = 0;
      }
    }
    return this.slow;
  }
}
/** Reads in flight, and how much of each file: the whole of a small dump, the head of a big one. */
const IN_FLIGHT = 8;
export const READ_AHEAD_BYTES = 64 * 1024;

export class ReadAhead {
  /** Only its cold verdict is used (never slow: that is each worker's own judgement). */
  private readonly meter: IoMeter;
  /** Judged cold: reading ahead from now on (for the pool's life: one scan). */
  get on(): boolean {
    return this.meter.cold;
  }
  /** Files read ahead (for tests and the bench). */
  done = 0;
  private active = 0;
  private readonly waiting: Array<{ path: string; size: number; started: () => boolean }> = [];
  private readonly scratch: Buffer[] = [];

  constructor(coldMs = COLD_IO_MS, sample = SAMPLE) {
    this.meter = new IoMeter(Number.POSITIVE_INFINITY, sample, coldMs);
  }

  /** One result's stall (`stallMs`; undefined: not measured, e.g. async reads). */
  observe(stall: number | undefined): void {
    if (!this.on) this.meter.add(stall);
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
