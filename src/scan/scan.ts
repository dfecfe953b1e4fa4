// Bulk scan of a dump share: walk → (index hit | worker job) → digest → group.
//
// `scanDumps(root, opts)` is the library entry: an async iterator of results that never throws
// for one file. `ShareScan` is the same engine with the summary (counts and groups) the CLI
// prints once the iteration ends.

import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { VERSION } from '../version.js';
import { SCHEMA_VERSION, type TriageReport } from '../analysis/report.js';
import type { TriageFileOptions } from '../triage-file.js';
import { PathFilter } from './glob.js';
import { countEntries, walk, type WalkEntry } from './walk.js';
import { createPool, type PoolMode } from './pool.js';
import { errorInfo, failedOutcome, type JobOutcome } from './file-job.js';
import { INDEX_LAYOUT, IndexBusyError, IndexLock, ScanIndex, type ScanStore } from './index-db.js';
import { LOST_WITHOUT_INDEX, SqliteUnavailableError } from './sqlite.js';
import { Grouper, type GroupOptions, type ScanGroups } from './group.js';
import { digestFromOutcome, hostResolver, walkEntryDigest, type HostOf } from './outcome-digest.js';
import type { DumpDigest, ScanErrorInfo } from './digest.js';
import type { FoundSymbols, SymbolSource } from '../unwind/sources.js';

export type { DumpDigest, ScanErrorInfo } from './digest.js';
export type { ScanGroups, BucketSummary, ModuleSummary, HostSummary, SprayHint, TrendInfo } from './group.js';

/** Default host pattern: the first directory under the root (`<root>/<HOST>/...`). */
export const DEFAULT_HOST_PATTERN = '^([^/]+)/';
/** Folder the default index lives in, inside the scanned root. */
export const INDEX_DIR = '.dumptriage';

export interface ScanOptions extends TriageFileOptions {
  /** Parallel jobs (worker threads); default: the cores less one, at least one (defaultJobs, pool.ts). */
  jobs?: number;
  /** Follow symbolic links (directory loops are detected). Default false. */
  followSymlinks?: boolean;
  /** Globs over root-relative paths ('/' separators); a pattern without '/' matches base names. */
  include?: string[];
  exclude?: string[];
  /**
   * Regular expression over the root-relative path whose first capture group is the host name.
   * Default `^([^/]+)/`: the first directory under the root.
   */
  hostPattern?: string | RegExp;
  /** Where the host name comes from: 'auto' (the dump's own, else the path), 'path', 'dump'. */
  hostFrom?: 'auto' | 'path' | 'dump';
  /**
   * Index file; default `<root>/.dumptriage/index.sqlite`, or, when that folder cannot be
   * created or written (a read-only share), `<cache>/dumptriage/index/<hash of the root's real
   * path>/index.sqlite` (said once through onWarning); false = none, nothing written or kept.
   * The index needs the optional package better-sqlite3: without it the default index is
   * skipped (said once through onWarning) and an index given by path throws
   * SqliteUnavailableError (`code: 'SqliteUnavailable'`) at the start of the iteration.
   */
  index?: string | false;
  /** 'full' (default): the index stores each dump's report; 'lean': digests only (see ScanIndex.storeReports). */
  indexMode?: 'full' | 'lean';
  /** The per-user cache folder for the read-only-share fallback; default $XDG_CACHE_HOME or ~/.cache. */
  indexCacheDir?: string;
  /** Where the default index goes (tests: an unwritable place); default `<root>/.dumptriage/index.sqlite`. */
  defaultIndex?: string;
  /** Count the files in a separate, concurrent readdir-only pass, for a total before the walk ends (progress). */
  countTotal?: boolean;
  /**
   * One scan writes an index at a time. When another scan (any process) has it: true (default)
   * waits for it to finish, saying so once through onWarning; false throws IndexBusyError
   * (`code: 'IndexBusy'`) at the start of the iteration.
   */
  waitForIndex?: boolean;
  /** Re-read every file even when the index has it unchanged. */
  rescan?: boolean;
  /** Yield results in walk order instead of completion order. */
  ordered?: boolean;
  /** Also yield files that are not dumps (ok: false, skipped: true). Default false. */
  includeSkipped?: boolean;
  /**
   * 'auto' (default): with fewer workers than cores (the default jobs), the main thread triages
   * small shares itself, worker threads start once the walk has handed out more than
   * `inlineFiles` files, the main thread still taking its share; with a worker per core, workers
   * from the start (in-process when the compiled worker is absent);
   * 'threads': workers from the start; 'inline': in-process, async reads.
   */
  workers?: PoolMode;
  /** 'auto': files the main thread triages alone before worker threads start (default inlineFilesFor(jobs), pool.ts: 1,000 with one worker). */
  inlineFiles?: number;
  workerScript?: string | URL;
  /** Per-file time limit in ms; default 120 000; 0 = none. */
  timeoutMs?: number;
  /**
   * Worker threads read with blocking calls (fastest on a local disk); on a cold cache the main
   * thread reads the files ahead of them; if their files still keep them blocked this many ms
   * (median), they read with async calls, several files at once (a network share). Default 2.
   * Below 0.1 it also lowers the cold-cache threshold (0: read ahead after the first 8 files).
   */
  slowIoMs?: number;
  /** The cold-cache threshold of the read-ahead (ms of median stall per file; default 0.1). */
  coldIoMs?: number;
  /**
   * Once the scan ends, its worker threads wait this long (ms), warm, for the next scan of the
   * same process, which then skips their start-up and JIT warm-up (about 1 s of CPU each).
   * They never keep the process alive. 0 = terminate them at the end. Default 10 000.
   */
  keepWorkersMs?: number;
  /** Module exporting triageFile(path, opts) to use instead of the library's (tests, embedding). */
  triageModule?: string;
  /** Reference time for trends; default the newest crash. */
  now?: string | number | Date;
  /** Called after each file. */
  onProgress?: (p: ScanProgress) => void;
  /** Non-fatal problems of the scan itself (index not writable...). */
  onWarning?: (message: string) => void;
}

export type ScanResult =
  | { path: string; rel: string; ok: true; report: TriageReport; digest: DumpDigest; reused: boolean }
  | { path: string; rel: string; ok: false; error: ScanErrorInfo; skipped: boolean; digest: DumpDigest; reused: boolean };

export interface ScanProgress {
  found: number;
  /** Entries the counting pass found (countTotal), once it has finished; found when the walk has. */
  total?: number;
  done: number;
  walkDone: boolean;
  failed: number;
  bytesRead: number;
  elapsedMs: number;
}

export interface ScanCounts {
  /** Files found (after --include/--exclude) = ok + failed + skipped = read + reused. */
  found: number;
  /** Files with a dump signature (ok + failed, except walk-level failures). */
  dumps: number;
  ok: number;
  failed: number;
  /** Files that are not dumps (no signature), special files, unfollowed symlinks. */
  skipped: number;
  /** Files left out by --include/--exclude. */
  excluded: number;
  /** Files read in this scan, and files whose stored result was reused unchanged. */
  read: number;
  reused: number;
  /** Index rows of files no longer found. */
  removed: number;
  bytesRead: number;
}

export interface ScanSummary extends ScanCounts {
  root: string;
  index: string | null;
  mode: 'threads' | 'inline';
  jobs: number;
  /** Worker threads that came warm from an earlier scan of this process (keepWorkersMs). */
  warmWorkers: number;
  /** Files the main thread read ahead of the workers because the cache was cold (0: warm). */
  readAhead: number;
  durationMs: number;
  /** Failures by error code, and skipped files by reason code. */
  errors: Record<string, number>;
  skippedBy: Record<string, number>;
  groups: ScanGroups;
  /**
   * Dumps whose bucket changed since the last scan, because options or the symbol path changed
   * or symbols appeared that earlier reports missed (`symbolsAppeared` files read again for that).
   */
  rebucketed: { files: number; symbolsAppeared: number; moves: Array<{ from: string; to: string; count: number }> };
}

/**
 * One file, as the engine yields it. `reportJson()` gives the report JSON (read from the index
 * when reused): call it before pulling the next item, while the index is open.
 */
export interface ScanItem {
  path: string;
  digest: DumpDigest;
  reused: boolean;
  reportJson(): string | undefined;
}

/** What shapes a report: a change re-reads every dump on the next scan. */
export function fingerprint(opts: ScanOptions): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({
      schema: SCHEMA_VERSION,
      layout: INDEX_LAYOUT,
      version: VERSION,
      deep: !!opts.deep,
      experimental: !!opts.experimental,
      rules: opts.rules ?? null,
      ini: opts.triageIniText ?? null,
      vmLogs: opts.vmLogs ?? null,
      // Symbols change frames and blame: a new symbol path re-triages every file.
      symbols: opts.symbolPaths ?? null,
      symbolPath: opts.symbolPath ?? null,
      triageModule: opts.triageModule ?? null,
    }),
  );
  return h.digest('hex').slice(0, 32);
}

export function defaultIndexPath(root: string): string {
  return join(resolve(root), INDEX_DIR, 'index.sqlite');
}

/**
 * The index of a share whose own `.dumptriage` folder cannot be written: in the per-user cache
 * (`$XDG_CACHE_HOME`, else `~/.cache`), keyed by a hash of the share's real path.
 */
export function cacheIndexPath(root: string, cacheDir?: string): string {
  let real = resolve(root);
  try {
    real = realpathSync(real);
  } catch {
    // The resolved path names it well enough.
  }
  const xdg = process.env.XDG_CACHE_HOME;
  const base = cacheDir ?? (xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'));
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 16);
  return join(base, 'dumptriage', 'index', hash, 'index.sqlite');
}

/** Errors that mean "this place cannot hold an index" (read-only share, no permission, a file in the way). */
function unwritable(e: unknown): boolean {
  const code = String((e as { code?: unknown })?.code ?? '');
  return ['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_PERM'].includes(code) || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN');
}

function incr(rec: Record<string, number>, key: string): void {
  rec[key] = (rec[key] ?? 0) + 1;
}

/** The scan engine. Iterate it once; `summary` is set when the iteration completes. */
export class ShareScan implements AsyncIterable<ScanItem> {
  readonly root: string;
  summary: ScanSummary | undefined;
  private readonly host: HostOf;

  constructor(root: string, private readonly opts: ScanOptions = {}) {
    this.root = resolve(root);
    const p = opts.hostPattern ?? DEFAULT_HOST_PATTERN;
    this.host = hostResolver(typeof p === 'string' ? new RegExp(p, 'i') : p, opts.hostFrom);
  }

  private async openIndex(): Promise<{ index: ScanStore; path: string | null }> {
    const fp = fingerprint(this.opts);
    if (this.opts.index === false) return { index: ScanIndex.memory(), path: null };
    const explicit = this.opts.index !== undefined;
    const path = explicit ? resolve(this.opts.index as string) : this.opts.defaultIndex !== undefined ? resolve(this.opts.defaultIndex) : defaultIndexPath(this.root);
    const openAt = (p: string): Promise<ScanIndex> =>
      ScanIndex.openForScan(p, {
        fingerprint: fp,
        wait: this.opts.waitForIndex ?? true,
        onWait: (m) => this.opts.onWarning?.(m),
        root: this.root,
      });
    try {
      return { index: await openAt(path), path };
    } catch (e) {
      // No better-sqlite3 (an optional dependency): the default index is skipped, with one warning;
      // an index asked for by path (`index: PATH`) is an error, as any other failure to open it.
      if (e instanceof SqliteUnavailableError && !explicit) {
        this.opts.onWarning?.(`scanning without an index: ${e.message}; lost: ${LOST_WITHOUT_INDEX} (--no-index scans the same way without this warning)`);
        return { index: ScanIndex.memory(), path: null };
      }
      if (explicit || e instanceof IndexBusyError) throw e;
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      if (unwritable(e)) {
        // A read-only share: keep the index per user rather than lose incrementality.
        const cached = cacheIndexPath(this.root, this.opts.indexCacheDir);
        try {
          const index = await openAt(cached);
          this.opts.onWarning?.(`cannot write the index at ${path} (${why}); keeping it in ${cached} instead`);
          return { index, path: cached };
        } catch (e2) {
          if (e2 instanceof IndexBusyError) throw e2;
          this.opts.onWarning?.(`cannot write the index at ${path} (${why}) nor at ${cached} (${(e2 as NodeJS.ErrnoException).code ?? (e2 as Error).message}); scanning without an index`);
          return { index: ScanIndex.memory(), path: null };
        }
      }
      this.opts.onWarning?.(`cannot write the index at ${path} (${(e as Error).message}); scanning without an index`);
      return { index: ScanIndex.memory(), path: null };
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ScanItem> {
    const started = Date.now();
    const o = this.opts;
    const { index, path: indexPath } = await this.openIndex();
    if (o.indexMode === 'lean') index.storeReports = false;
    const counts: ScanCounts = { found: 0, dumps: 0, ok: 0, failed: 0, skipped: 0, excluded: 0, read: 0, reused: 0, removed: 0, bytesRead: 0 };
    const errors: Record<string, number> = {};
    const skippedBy: Record<string, number> = {};
    // Given the reference time up front, the grouper keeps only the crash times that can count in a trend.
    const grouper = new Grouper(groupOpts(o));
    const skip = [join(this.root, INDEX_DIR)];
    if (indexPath) skip.push(indexPath, `${indexPath}-wal`, `${indexPath}-shm`, `${indexPath}-journal`, IndexLock.lockPath(indexPath), IndexLock.ownerPath(indexPath));
    const walker = walk(this.root, {
      followSymlinks: o.followSymlinks,
      filter: new PathFilter(o.include, o.exclude),
      skip,
      onExcluded: () => counts.excluded++,
    });
    // The walk runs only a bounded distance ahead of the workers, so its count is no total until
    // it ends: a readdir-only pass, concurrent, gives one sooner (progress on a TTY only).
    let counted: number | undefined;
    const counting = new AbortController();
    if (o.countTotal && o.onProgress) {
      void countEntries(this.root, { followSymlinks: o.followSymlinks, filter: new PathFilter(o.include, o.exclude), skip, signal: counting.signal })
        .then((n) => {
          if (n !== undefined) counted = n;
        })
        .catch(() => undefined);
    }
    const triage: TriageFileOptions = {};
    if (o.deep !== undefined) triage.deep = o.deep;
    if (o.rules !== undefined) triage.rules = o.rules;
    if (o.experimental !== undefined) triage.experimental = o.experimental;
    if (o.triageIniText !== undefined) triage.triageIniText = o.triageIniText;
    if (o.vmLogs !== undefined && o.vmLogs.length > 0) triage.vmLogs = o.vmLogs;
    if (o.symbolPaths !== undefined && o.symbolPaths.length > 0) triage.symbolPaths = o.symbolPaths;
    if (o.symbolPath) triage.symbolPath = o.symbolPath;
    if (o.symbolCacheDir) triage.symbolCacheDir = o.symbolCacheDir;
    if (o.offline) triage.offline = true;
    if (o.symbolTimeoutMs) triage.symbolTimeoutMs = o.symbolTimeoutMs;
    const hasSymbols = triage.symbolPaths !== undefined || triage.symbolPath !== undefined;
    let pool;
    try {
      pool = createPool({ jobs: o.jobs, mode: o.workers, inlineFiles: o.inlineFiles ?? 'auto', workerScript: o.workerScript, timeoutMs: o.timeoutMs, keepWorkersMs: o.keepWorkersMs, jobOptions: { triage, triageModule: o.triageModule, ...(o.slowIoMs !== undefined ? { slowIoMs: o.slowIoMs } : {}), ...(o.coldIoMs !== undefined ? { coldIoMs: o.coldIoMs } : {}) } });
    } catch (e) {
      index.close();
      throw e;
    }
    const scanId = index.beginScan(this.root);
    // Symbols that earlier reports missed and the symbol path now has: those dumps are read again.
    let symbolsAppeared = 0;
    if (!o.rescan && hasSymbols) {
      try {
        const keys = index.missingSymbolKeys(MAX_MISSING_PROBES);
        // The symbol path is opened here only when earlier reports missed something (it loads the triage code).
        if (keys.length > 0) {
          const { symbolSourceFor } = await import('../triage-file.js');
          const source = symbolSourceFor(triage);
          source.forgetMisses?.();
          symbolsAppeared = index.invalidateForSymbols(await foundNow(keys, source));
        }
      } catch (e) {
        o.onWarning?.(`could not check the symbol path for symbols that appeared since the last scan (${(e as Error).message})`);
      }
    }
    // Jobs in the pool, and those finished but not yet taken in (a queue and a wake-up, rather
    // than a Promise.race over every job in flight for each one that ends).
    let inflight = 0;
    const finished: Array<[number, Extract<WalkEntry, { kind: 'file' }>, JobOutcome]> = [];
    let wake: (() => void) | undefined;
    const ready: ScanItem[] = [];
    const reorder = new Map<number, ScanItem>();
    let nextOut = 0;
    let seq = 0;
    let walkDone = false;
    let done = 0;
    let completed = false;

    const progress = (): void => {
      const total = walkDone ? counts.found : counted !== undefined ? Math.max(counted, counts.found) : undefined;
      o.onProgress?.({ found: counts.found, ...(total !== undefined ? { total } : {}), done, walkDone, failed: counts.failed, bytesRead: counts.bytesRead, elapsedMs: Date.now() - started });
    };
    const account = (d: DumpDigest): void => {
      done++;
      if (d.status === 'ok') counts.ok++;
      else if (d.status === 'error') {
        counts.failed++;
        incr(errors, d.error?.code ?? 'Unknown');
      } else {
        counts.skipped++;
        incr(skippedBy, d.error?.code ?? 'Unknown');
      }
      grouper.add(d);
    };
    const push = (s: number, item: ScanItem): void => {
      account(item.digest);
      if (!o.ordered) {
        ready.push(item);
        return;
      }
      reorder.set(s, item);
      while (reorder.has(nextOut)) {
        ready.push(reorder.get(nextOut)!);
        reorder.delete(nextOut++);
      }
    };
    const fromWalk = (e: Exclude<WalkEntry, { kind: 'file' }>): ScanItem => {
      const d = walkEntryDigest(e, this.host);
      index.put(scanId, d, undefined, false);
      return { path: e.path, digest: d, reused: false, reportJson: () => undefined };
    };
    const fromOutcome = (e: Extract<WalkEntry, { kind: 'file' }>, out: JobOutcome): ScanItem => {
      counts.bytesRead += out.bytesRead;
      const d = digestFromOutcome(e, out, this.host);
      let bytes: Uint8Array | undefined;
      let json: string | undefined;
      if (out.status === 'ok') {
        bytes = out.report;
        counts.dumps++;
      } else if (out.status === 'error' && out.isDump) counts.dumps++;
      index.put(scanId, d, bytes, out.status === 'ok' || out.cacheable);
      // The text is made only when asked for (--json, scanDumps), once.
      return { path: e.path, digest: d, reused: false, reportJson: () => (json ??= bytes && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) };
    };

    try {
      for (;;) {
        // The walk stays a bounded distance ahead: files in the pool, results not yet taken, and
        // (--ordered) results held back behind a slow file, so that memory does not grow with the share.
        while (!walkDone && inflight < pool.capacity && ready.length < 256 && reorder.size < MAX_REORDER) {
          const n = await walker.next();
          if (n.done) {
            walkDone = true;
            break;
          }
          const e = n.value;
          const s = seq++;
          counts.found++;
          if (e.kind !== 'file') {
            counts.read++;
            push(s, fromWalk(e));
            continue;
          }
          const hit = o.rescan ? undefined : index.lookup(e.rel, e.size, e.mtimeMs);
          if (hit) {
            counts.reused++;
            index.touch(scanId, e.rel);
            const d: DumpDigest = Object.assign(hit.digest, this.host(e.rel, hit.digest.dumpHost));
            if (d.status === 'ok' || d.error?.code !== 'NotADump') counts.dumps++;
            const path = e.path;
            push(s, { path, digest: d, reused: true, reportJson: () => rewritePath(index.report(e.rel), path) });
            continue;
          }
          counts.read++;
          inflight++;
          void pool
            .run(e.fsPath === e.path ? { path: e.path, size: e.size, mtimeMs: e.mtimeMs } : { path: e.path, fsPath: e.fsPath, size: e.size, mtimeMs: e.mtimeMs })
            .catch((err: unknown) => failedOutcome(errorInfo(err)))
            .then((out) => {
              finished.push([s, e, out]);
              wake?.();
            });
        }
        while (ready.length > 0) {
          const item = ready.shift()!;
          progress();
          yield item;
        }
        if (inflight === 0) {
          if (walkDone) break;
          continue;
        }
        if (finished.length === 0) {
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
        for (const [s, e, out] of finished.splice(0)) {
          inflight--;
          push(s, fromOutcome(e, out));
        }
      }
      counts.removed = index.removeUnseen(scanId);
      const moved = index.takeMoves(scanId, MAX_MOVES_LISTED);
      completed = true;
      const summary: ScanSummary = {
        root: this.root,
        index: indexPath,
        mode: pool.mode,
        jobs: pool.size,
        warmWorkers: pool.warm,
        readAhead: pool.readAheadFiles,
        ...counts,
        durationMs: Date.now() - started,
        errors,
        skippedBy,
        groups: grouper.result(groupOpts(o)),
        rebucketed: { files: moved.files, symbolsAppeared, moves: moved.moves },
      };
      index.finishScan(scanId, { ...counts });
      this.summary = summary;
    } finally {
      counting.abort();
      await pool.close();
      if (!completed) await walker.return(undefined);
      index.close();
    }
  }
}

/**
 * Results held back for --ordered behind a file still running: the walk waits beyond this (a
 * rescan reuses thousands of rows in the time one slow file runs).
 */
const MAX_REORDER = 1024;

/** Distinct missing symbol files probed at the start of a scan (each is a few stat calls, or one request to a server). */
const MAX_MISSING_PROBES = 4096;
/** Bucket moves listed in the summary. */
const MAX_MOVES_LISTED = 50;

/** The keys (`debugFile/DEBUGID`) the symbol source has now. */
async function foundNow(keys: string[], source: SymbolSource): Promise<string[]> {
  const out: string[] = [];
  for (const key of keys) {
    const slash = key.lastIndexOf('/');
    if (slash <= 0) continue;
    const pdbName = key.slice(0, slash);
    const found = await source.findSymbols({ name: pdbName, pdbName, debugId: key.slice(slash + 1) }).catch(() => ({}) as FoundSymbols);
    if (found.sym || found.pdb) out.push(key);
  }
  return out;
}

function groupOpts(o: ScanOptions): GroupOptions {
  return o.now !== undefined ? { now: o.now } : {};
}

/** A reused report names the file where it is now (the share may have been moved). */
function rewritePath(json: string | undefined, path: string): string | undefined {
  if (json === undefined) return undefined;
  const r = JSON.parse(json) as TriageReport;
  if (r.input && r.input.path !== path) {
    r.input.path = path;
    return JSON.stringify(r);
  }
  return json;
}

/**
 * Scan a dump share. Yields one result per dump (and per non-dump file with `includeSkipped`),
 * in completion order unless `ordered`. Never throws for one file: failures are results.
 */
export async function* scanDumps(root: string, opts: ScanOptions = {}): AsyncGenerator<ScanResult> {
  const scan = new ShareScan(root, opts);
  for await (const item of scan) {
    const d = item.digest;
    if (d.status === 'ok') {
      const json = item.reportJson();
      if (json === undefined) {
        const lean = (d as { reportStored?: boolean }).reportStored === false;
        yield { path: item.path, rel: d.rel, ok: false, error: { code: 'IndexError', message: lean ? 'the report is not stored (index mode lean): rescan to read the dump again' : 'the index has no stored report for this file (use rescan)' }, skipped: false, digest: d, reused: item.reused };
        continue;
      }
      yield { path: item.path, rel: d.rel, ok: true, report: JSON.parse(json) as TriageReport, digest: d, reused: item.reused };
    } else if (d.status === 'error' || opts.includeSkipped) {
      yield { path: item.path, rel: d.rel, ok: false, error: d.error ?? { code: 'Unknown', message: 'unknown failure' }, skipped: d.status === 'skipped', digest: d, reused: item.reused };
    }
  }
}
