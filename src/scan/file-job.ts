// The work done for one file, in a worker thread or in-process: sniff the signature, triage a
// dump, classify every failure. Never throws: every outcome is a value the scan records.

import { stat } from 'node:fs/promises';
import { FileSource, SyncFileSource, type FileState } from '../reader/file-source.js';
import { describeNonDump, sniff } from '../formats/detect.js';
import { isDumpError } from '../errors.js';
import { toJsonText } from '../util/json.js';
import type { TriageReport } from '../analysis/report.js';
import type { TriageFileOptions } from '../triage-file.js';
import { digestReport, type ReportDigest, type ScanErrorInfo } from './digest.js';
import { diskStall, stallMs } from './read-ahead.js';

export interface FileJob {
  /** The path to show (in the report, in errors): the walk's display text. */
  path: string;
  /**
   * The path to open when it differs from `path`: the bytes the OS gave for a name that is not
   * valid UTF-8, or a name with escaped characters (walk.ts). A Buffer posted to a worker
   * arrives as a plain Uint8Array.
   */
  fsPath?: string | Uint8Array;
  size: number;
  mtimeMs: number;
}

/** Options a job needs; plain data, so that it can be posted to a worker. */
export interface JobOptions {
  triage: TriageFileOptions;
  /**
   * Module URL or path exporting `triageFile(path, opts)`, used instead of the library's own.
   * For tests and embedding; the default is the library's triageFile.
   */
  triageModule?: string;
  /**
   * Read with blocking calls (SyncFileSource): for worker threads, where nothing else waits on
   * the event loop. The default (async reads) is for in-process work on the main thread.
   */
  syncIo?: boolean;
  /**
   * With blocking reads: median blocked time per file (ms), once reading ahead has been tried,
   * from which a worker turns to async reads with several files in flight (a slow share).
   * Default SLOW_IO_MS (read-ahead.ts).
   */
  slowIoMs?: number;
  /** Median stall per file (ms) from which the pool judges the cache cold and reads ahead (default COLD_IO_MS; tests set it to make the verdict independent of the machine's load). */
  coldIoMs?: number;
}

/**
 * Jobs queued in each worker: enough that a worker never waits for the main thread to hand it
 * the next file (with 2, the workers sat idle ~17% of a scan of small dumps), few enough that a
 * worker that dies or times out takes little work down with it (its other jobs are re-queued).
 * Also the number of files a worker has in flight at once when it reads with async calls.
 */
export const PER_WORKER = 8;

export type JobOutcome = (
  /**
   * `report`: the report JSON as UTF-8 bytes in a buffer of its own, so that a worker hands it
   * to the main thread by transfer (no copy, and no string on the main thread's heap unless
   * someone asks for the text: the index stores the bytes as they are).
   */
  | { status: 'ok'; report: Uint8Array; digest: ReportDigest; bytesRead: number }
  | { status: 'error'; error: ScanErrorInfo; isDump: boolean; cacheable: boolean; bytesRead: number }
  | { status: 'skipped'; error: ScanErrorInfo; cacheable: boolean; bytesRead: number }
) & {
  /** Time blocked in the file's system calls (blocking reads only): how slow the share is. */
  ioMs?: number;
  /** The part of ioMs a warm cache does not explain (read-ahead.ts stallMs): how cold the cache is. */
  stallMs?: number;
};

/** A dump that could not be analysed this time, for a reason that may pass: not cached. */
export function failedOutcome(error: ScanErrorInfo): JobOutcome {
  return { status: 'error', error, isDump: true, cacheable: false, bytesRead: 0 };
}

/** A custom triageFile gets the path to open: a Buffer for a name that is not valid UTF-8. */
type TriageFn = (path: string | Buffer, opts: TriageFileOptions) => Promise<TriageReport>;
let triageCache: { key: string; fn: TriageFn } | undefined;

async function loadTriage(mod: string | undefined): Promise<TriageFn> {
  const key = mod ?? '';
  if (triageCache?.key === key) return triageCache.fn;
  const m = (mod ? await import(mod) : await import('../triage-file.js')) as { triageFile: TriageFn };
  triageCache = { key, fn: m.triageFile };
  return m.triageFile;
}

/** Whole content of a file too short to hold a signature: a proper prefix of one is a truncated dump. */
function isSignaturePrefix(head: Uint8Array): boolean {
  const sigs = ['MDMP', 'PAGEDUMP', 'PAGEDU64'];
  const text = String.fromCharCode(...head);
  return head.length > 0 && sigs.some((s) => s.length > text.length && s.startsWith(text));
}

/** File names that promise a dump: an empty one is a failed dump, not an unrelated file. */
const DUMP_NAME = /(\.(dmp|mdmp|hdmp|kdmp)$)|(^(memory|mini)[^/]*$)/i;

export function errorInfo(e: unknown): ScanErrorInfo {
  if (isDumpError(e)) {
    const j = e.toJSON();
    const out: ScanErrorInfo = { code: j.code, message: j.message };
    if (j.offset !== undefined) out.offset = j.offset;
    if (j.struct !== undefined) out.struct = j.struct;
    return out;
  }
  const err = e as Error & { code?: unknown };
  // A DumpError from another copy of the library (a custom triageModule) still has its code.
  if (err instanceof Error && typeof err.code === 'string' && /^[A-Z][a-z][A-Za-z]*$/.test(err.code)) {
    return { code: err.code, message: err.message };
  }
  return { code: 'Internal', message: `internal error: ${err?.message ?? String(e)}` };
}

/** The report as `dumptriage --json` prints it (the same rules: util/json.ts). */
export function stringifyReport(report: unknown): string {
  return toJsonText(report);
}

const utf8 = new TextEncoder();

function isoTime(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

type LibraryEntry = typeof import('../triage-file.js');
let library: LibraryEntry | undefined;
let loading: Promise<LibraryEntry> | undefined;

/** Load the library (decoders, engine, lists) now: a worker does it while the walk starts. */
export function preloadLibrary(): Promise<LibraryEntry> {
  loading ??= import('../triage-file.js').then((m) => (library = m as LibraryEntry));
  return loading;
}

export async function runFileJob(job: FileJob, opts: JobOptions): Promise<JobOutcome> {
  const io: { source?: SyncFileSource } = {};
  const outcome = await runJob(job, opts, io);
  if (io.source) {
    outcome.ioMs = io.source.ioMs;
    outcome.stallMs = diskStall(stallMs(io.source.ioMs, io.source.calls, io.source.bytes), fsPathOf(job));
  }
  return outcome;
}

/** What to open for `job`: its fsPath (as a Buffer, if it came as bytes), else its path. */
function fsPathOf(job: FileJob): string | Buffer {
  const p = job.fsPath;
  if (p === undefined || typeof p === 'string' || Buffer.isBuffer(p)) return p ?? job.path;
  return Buffer.from(p.buffer, p.byteOffset, p.byteLength);
}

async function runJob(job: FileJob, opts: JobOptions, io: { source?: SyncFileSource }): Promise<JobOutcome> {
  const fsPath = fsPathOf(job);
  let bytesRead = 0;
  let head: Uint8Array;
  let size: number;
  // One open per file: the signature is read through the handle the triage then uses (the
  // library's own triage); a custom triageModule gets the path instead, after the sniff.
  library ??= await preloadLibrary();
  let source: ReturnType<LibraryEntry['countingSourceFor']> | undefined;
  // The file as it was when the triage closed it (fstat before the close; blocking reads only).
  let after: FileState | undefined;
  // 1. Signature: the first 8 bytes decide, never the name.
  try {
    const file = opts.syncIo ? SyncFileSource.open(fsPath, { statted: true, name: job.path }) : await FileSource.open(fsPath, { name: job.path });
    if (file instanceof SyncFileSource) io.source = file;
    source = library.countingSourceFor(file);
    size = source.size;
    head = new Uint8Array(await source.readAvailable(0, 8, 'signature'));
  } catch (e) {
    await source?.close().catch(() => undefined);
    const error = errorInfo(e);
    // I/O failures (permission, vanished, locked) may clear by themselves: retried next scan.
    return { status: 'error', error, isDump: true, cacheable: false, bytesRead: source?.bytesRead ?? 0 };
  }
  const fmt = sniff(head);
  if (!fmt || opts.triageModule) {
    bytesRead = source.bytesRead;
    await source.close().catch(() => undefined);
  }
  if (!fmt) {
    const base = job.path.split(/[\\/]/).pop() ?? '';
    if (size === 0 && DUMP_NAME.test(base)) {
      return { status: 'error', error: { code: 'Truncated', message: 'empty file (0 bytes): the dump was never written', offset: '0x0', struct: 'signature' }, isDump: true, cacheable: true, bytesRead };
    }
    if (size < 8 && isSignaturePrefix(head)) {
      return { status: 'error', error: { code: 'Truncated', message: `only ${size} bytes: a truncated dump signature`, offset: '0x0', struct: 'signature' }, isDump: true, cacheable: true, bytesRead };
    }
    return { status: 'skipped', error: { code: 'NotADump', message: describeNonDump(head, size) }, cacheable: true, bytesRead };
  }
  // 2. Triage: through the open handle (closed in all cases), or the custom triageFile by path.
  let outcome: JobOutcome;
  try {
    let report: TriageReport;
    if (opts.triageModule) {
      const triageFile = await loadTriage(opts.triageModule);
      report = await triageFile(fsPath, opts.triage);
      bytesRead += report.input?.bytesRead ?? 0;
    } else {
      try {
        report = await library.triageSource(source, job.path, opts.triage);
      } finally {
        await source.close().catch(() => undefined);
        after = io.source?.state();
      }
      bytesRead = report.input.bytesRead;
    }
    outcome = { status: 'ok', report: utf8.encode(stringifyReport(report)), digest: digestReport(report), bytesRead };
  } catch (e) {
    const error = errorInfo(e);
    outcome = { status: 'error', error, isDump: true, cacheable: error.code !== 'IoError' && error.code !== 'NotAFile' && error.code !== 'Internal', bytesRead: opts.triageModule ? bytesRead : source.bytesRead };
  }
  // 3. Still being written? A file whose size or mtime moved while we read it gives no stable
  //    answer: report it, and do not cache it so that the next scan reads it again.
  //    (With blocking reads, the descriptor's own fstat taken before the close; otherwise the path.)
  try {
    after ??= await stat(fsPath);
    if (after.size !== job.size || after.mtimeMs !== job.mtimeMs) {
      return {
        status: 'error',
        error: { code: 'Changed', message: `file changed while being scanned (size ${job.size} → ${after.size}, modified ${isoTime(job.mtimeMs)} → ${isoTime(after.mtimeMs)}): still being written?` },
        isDump: true,
        cacheable: false,
        bytesRead: outcome.bytesRead,
      };
    }
  } catch {
    return { status: 'error', error: { code: 'IoError', message: 'vanished or became unreadable during the scan' }, isDump: true, cacheable: false, bytesRead: outcome.bytesRead };
  }
  return outcome;
}
