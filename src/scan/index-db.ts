// The incremental scan index: SQLite through better-sqlite3. One row per file found, keyed by
// its path relative to the scan root, with the size and mtime it had when read, its digest and
// (for dumps) the full report JSON, so that queries need no re-read. A rescan reads only files
// whose size or mtime changed, or that are new; rows of files no longer found are removed.
//
// One writer per index at a time: a scan holds `IndexLock` (SQLite's own lock on the file
// `<index>-lock`, which the operating system drops when the process ends, SIGKILL included) from
// before it opens the index until it closes it. `query` opens the index read-only and, the
// index being in WAL mode, reads the last committed batch while a scan writes.
//
// better-sqlite3 is an optional dependency, loaded on first use (sqlite.ts); without it a scan
// runs with NoIndex (ScanIndex.memory()), which needs no SQLite.

import type Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync, readSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { DumpDigest, FileStatus } from './digest.js';
import { loadSqlite } from './sqlite.js';

/** Bump when the table layout or the digest changes: older indexes are then rebuilt. */
export const INDEX_LAYOUT = 2;

/** Page cache of a scan's connection to the index (KiB). */
const WRITER_CACHE_KIB = 4096;

export interface IndexRow {
  rel: string;
  size: number;
  mtimeMs: number;
  status: FileStatus;
  digest: DumpDigest;
}

export interface ScanRecord {
  id: number;
  root: string;
  started: string;
  finished: string | null;
  counts: Record<string, number>;
}

type Db = Database.Database;

/** The owner record beside an index: a few hundred bytes; at most 4 KiB read (a bigger file is not ours). */
function readOwnerFile(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** What a scan asks of its index: ScanIndex (SQLite), or NoIndex when it keeps none. */
export interface ScanStore {
  /** See ScanIndex.storeReports. */
  storeReports: boolean;
  lookup(rel: string, size: number, mtimeMs: number): IndexRow | undefined;
  report(rel: string): string | undefined;
  beginScan(root: string): number;
  put(scanId: number, d: DumpDigest, reportJson: string | Uint8Array | undefined, cacheable?: boolean): void;
  touch(scanId: number, rel: string): void;
  removeUnseen(scanId: number): number;
  missingSymbolKeys(limit: number): string[];
  invalidateForSymbols(keys: readonly string[]): number;
  takeMoves(scanId: number, limit: number): { files: number; moves: Array<{ from: string; to: string; count: number }> };
  finishScan(scanId: number, counts: Record<string, number>): void;
  close(): void;
}

export class ScanIndex implements ScanStore {
  private readonly db: Db;
  private readonly getStmt: Database.Statement<[string]>;
  private readonly putStmt: Database.Statement<unknown[]>;
  private readonly touchStmt: Database.Statement<[number, string]>;
  private pending: Array<() => void> = [];
  private clearMissingStmt: Database.Statement<[string]> | undefined;
  private addMissingStmt: Database.Statement<[string, string]> | undefined;
  private flushTx: Database.Transaction<() => void>;
  /** The writer lock, released by close(). */
  private lock: IndexLock | undefined;
  /** True when the stored fingerprint differed and old rows were dropped. */
  readonly invalidated: boolean;

  private constructor(db: Db, fingerprint: string | undefined, readonly = false) {
    this.db = db;
    // The set-up (tables, layout and fingerprint checks, the rows they drop) is one transaction:
    // a scan killed in the middle of it leaves the index as it was.
    const setup = (): boolean => this.setup(fingerprint, readonly);
    this.invalidated = readonly ? setup() : db.transaction(setup).immediate();
    this.getStmt = db.prepare('SELECT rel, size, mtime_ms AS mtimeMs, status, digest, report IS NOT NULL AS hasReport FROM files WHERE rel = ?');
    this.putStmt = db.prepare(
      `INSERT INTO files (rel, size, mtime_ms, status, host, bucket, time, digest, report, scan_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT), ?)
       ON CONFLICT(rel) DO UPDATE SET size=excluded.size, mtime_ms=excluded.mtime_ms, status=excluded.status,
         host=excluded.host, bucket=excluded.bucket, time=excluded.time, digest=excluded.digest,
         report=excluded.report, scan_id=excluded.scan_id`,
    );
    this.touchStmt = db.prepare('UPDATE files SET scan_id = ? WHERE rel = ?');
    if (!readonly) {
      this.clearMissingStmt = db.prepare('DELETE FROM missing_symbols WHERE rel = ?');
      this.addMissingStmt = db.prepare('INSERT INTO missing_symbols (rel, key) VALUES (?, ?)');
    }
    this.flushTx = db.transaction(() => {
      for (const op of this.pending) op();
    });
  }

  /** Tables, layout and fingerprint; true when stored rows were dropped. */
  private setup(fingerprint: string | undefined, readonly: boolean): boolean {
    const db = this.db;
    if (!readonly) db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS files (
        rel TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        status TEXT NOT NULL,
        host TEXT,
        bucket TEXT,
        time TEXT,
        digest TEXT NOT NULL,
        report TEXT,
        scan_id INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS files_bucket ON files(bucket);
      CREATE INDEX IF NOT EXISTS files_host ON files(host);
      CREATE INDEX IF NOT EXISTS files_scan ON files(scan_id);
      CREATE TABLE IF NOT EXISTS missing_symbols (rel TEXT NOT NULL, key TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS missing_symbols_rel ON missing_symbols(rel);
      CREATE INDEX IF NOT EXISTS missing_symbols_key ON missing_symbols(key);
      CREATE TABLE IF NOT EXISTS previous (rel TEXT PRIMARY KEY, bucket TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS scans (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        root TEXT NOT NULL,
        started TEXT NOT NULL,
        finished TEXT,
        counts TEXT
      );
    `);
    const layout = this.meta('layout');
    let invalidated = false;
    if (readonly) {
      if (layout !== undefined && layout !== String(INDEX_LAYOUT)) throw new Error(`index layout ${layout} is not ${INDEX_LAYOUT}: run dumptriage scan again`);
    } else if (layout !== undefined && layout !== String(INDEX_LAYOUT)) {
      db.exec('DELETE FROM files; DELETE FROM missing_symbols; DELETE FROM previous;');
      invalidated = true;
    }
    if (!readonly) this.setMeta('layout', String(INDEX_LAYOUT));
    if (fingerprint !== undefined && !readonly) {
      const old = this.meta('fingerprint');
      if (old !== undefined && old !== fingerprint) {
        // The buckets before the change are kept, so that this scan can say which moved.
        db.exec(`DELETE FROM previous;
          INSERT INTO previous (rel, bucket) SELECT rel, bucket FROM files WHERE status = 'ok' AND bucket IS NOT NULL;
          DELETE FROM files; DELETE FROM missing_symbols;`);
        invalidated = true;
      }
      this.setMeta('fingerprint', fingerprint);
    }
    return invalidated;
  }

  /**
   * Open (creating when `create`) the index at `path`. `fingerprint` names the engine and the
   * options that shape a report: when it differs from the stored one, every row is dropped.
   */
  static open(path: string, opts: { create?: boolean; readonly?: boolean; fingerprint?: string } = {}): ScanIndex {
    const Sqlite = loadSqlite();
    if (opts.create) mkdirSync(dirname(path), { recursive: true });
    const db = new Sqlite(path, { readonly: opts.readonly ?? false, fileMustExist: !opts.create });
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // A scan writes rows in path order and looks each up once: a small page cache does (the
      // default of better-sqlite3's build, 16 MB, filled up as a first scan of a large share
      // wrote its ~5 KB reports, and stayed in the scan's RSS).
      db.pragma(`cache_size = -${WRITER_CACHE_KIB}`);
    }
    try {
      return new ScanIndex(db, opts.readonly ? undefined : opts.fingerprint, opts.readonly ?? false);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /**
   * Open the index for a scan: first take the writer lock (waiting for another scan to finish
   * with the index when `wait`, else failing with `IndexBusyError`), then open (creating) the
   * index. The lock is released by close().
   */
  static async openForScan(
    path: string,
    opts: { fingerprint?: string; wait?: boolean; onWait?: (message: string) => void; root?: string; pollMs?: number },
  ): Promise<ScanIndex> {
    loadSqlite();
    mkdirSync(dirname(path), { recursive: true });
    const lock = await IndexLock.acquire(path, opts);
    try {
      const idx = ScanIndex.open(path, { create: true, ...(opts.fingerprint !== undefined ? { fingerprint: opts.fingerprint } : {}) });
      idx.lock = lock;
      return idx;
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /**
   * No index (`--no-index`, or better-sqlite3 missing): a NoIndex, which stores nothing, so that
   * memory stays flat (reports are not kept) and every lookup misses. It needs no SQLite.
   */
  static memory(): ScanStore {
    return new NoIndex();
  }

  /**
   * False in `--index-mode lean`: rows keep the digest (bucket, host, time, cause: all that
   * grouping and `query` need) but not the report JSON, about a tenth of the bytes. A dump's row
   * is then marked `"reportStored":false` in its digest, and an unchanged dump whose row has no
   * report is still reused. A full-mode scan reads such dumps again, to store their reports.
   */
  storeReports = true;

  meta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** The stored row, when the file is unchanged (same size and mtime). */
  lookup(rel: string, size: number, mtimeMs: number): IndexRow | undefined {
    const row = this.getStmt.get(rel) as { rel: string; size: number; mtimeMs: number; status: FileStatus; digest: string; hasReport: number } | undefined;
    if (!row || row.size !== size || row.mtimeMs !== mtimeMs) return undefined;
    if (row.status === 'ok' && !row.hasReport && this.storeReports) return undefined;
    return { rel: row.rel, size: row.size, mtimeMs: row.mtimeMs, status: row.status, digest: JSON.parse(row.digest) as DumpDigest };
  }

  /** Stored report JSON of a file. */
  report(rel: string): string | undefined {
    const row = this.db.prepare('SELECT report FROM files WHERE rel = ?').get(rel) as { report: string | null } | undefined;
    return row?.report ?? undefined;
  }

  beginScan(root: string): number {
    const info = this.db.prepare('INSERT INTO scans (root, started) VALUES (?, ?)').run(root, new Date().toISOString());
    return Number(info.lastInsertRowid);
  }

  /**
   * Queue a row write (flushed in batches, one transaction each). A row that is not `cacheable`
   * (an I/O error, a file still being written) is stored for queries but never matches a lookup,
   * so the next scan reads the file again. The report is JSON text, or its UTF-8 bytes (stored
   * as text all the same).
   */
  put(scanId: number, d: DumpDigest, reportJson: string | Uint8Array | undefined, cacheable = true): void {
    const mtime = cacheable ? d.mtimeMs : -1;
    const lean = !this.storeReports && d.status === 'ok';
    const report = lean ? null : (reportJson ?? null);
    this.pending.push(() => {
      const digest = JSON.stringify(d);
      this.putStmt.run(d.rel, d.size, mtime, d.status, d.host, d.bucketId ?? null, d.time, lean && (d as { reportStored?: boolean }).reportStored !== false ? `${digest.slice(0, -1)},"reportStored":false}` : digest, report, scanId);
      this.clearMissingStmt!.run(d.rel);
      for (const k of d.missingSymbols ?? []) this.addMissingStmt!.run(d.rel, k);
    });
    if (this.pending.length >= 256) this.flush();
  }

  /** Mark an unchanged row as seen by this scan. */
  touch(scanId: number, rel: string): void {
    this.pending.push(() => this.touchStmt.run(scanId, rel));
    if (this.pending.length >= 256) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    this.flushTx.immediate();
    this.pending = [];
  }

  /**
   * Delete the rows of files the scan `scanId` did not find; returns how many. Only the holder
   * of the writer lock writes, so a row another scan touched cannot look unseen. Rows under a
   * folder the walk could not list are kept: the walk did not look there, so it did not find
   * them missing (a walk error row has size 0 and no mtime; for a file such a row has nothing
   * under it). When the root itself could not be listed (`.`) nothing is removed.
   */
  removeUnseen(scanId: number): number {
    this.flush();
    const n = this.db
      .transaction((): number => {
        const dirs = (
          this.db.prepare(`SELECT rel FROM files WHERE scan_id = ? AND status = 'error' AND size = 0 AND mtime_ms = -1`).all(scanId) as Array<{ rel: string }>
        ).map((r) => r.rel);
        if (dirs.includes('.')) return 0;
        let removed: number;
        if (dirs.length === 0) removed = this.db.prepare('DELETE FROM files WHERE scan_id <> ?').run(scanId).changes;
        else {
          // rel >= 'dir/' AND rel < 'dir0' ('0' follows '/') is every path under dir/.
          this.db.exec('CREATE TEMP TABLE IF NOT EXISTS keep_under (lo TEXT NOT NULL, hi TEXT NOT NULL); DELETE FROM temp.keep_under;');
          const add = this.db.prepare('INSERT INTO temp.keep_under (lo, hi) VALUES (?, ?)');
          for (const d of dirs) add.run(`${d}/`, `${d}0`);
          removed = this.db
            .prepare('DELETE FROM files WHERE scan_id <> ? AND NOT EXISTS (SELECT 1 FROM temp.keep_under k WHERE files.rel >= k.lo AND files.rel < k.hi)')
            .run(scanId).changes;
          this.db.exec('DELETE FROM temp.keep_under');
        }
        this.db.exec('DELETE FROM missing_symbols WHERE rel NOT IN (SELECT rel FROM files)');
        return removed;
      })
      .immediate();
    return n;
  }

  /** Symbol files the stored reports missed (`debugFile/DEBUGID`), distinct, at most `limit`. */
  missingSymbolKeys(limit: number): string[] {
    return (this.db.prepare('SELECT DISTINCT key FROM missing_symbols LIMIT ?').all(limit) as Array<{ key: string }>).map((r) => r.key);
  }

  /**
   * The files whose reports missed one of `keys` (symbols that have since appeared) are read
   * again by this scan: their rows stop matching, and their buckets are kept to compare.
   * Returns how many files.
   */
  invalidateForSymbols(keys: readonly string[]): number {
    if (keys.length === 0) return 0;
    this.flush();
    let n = 0;
    const tx = this.db.transaction(() => {
      const keep = this.db.prepare(`INSERT OR REPLACE INTO previous (rel, bucket)
        SELECT f.rel, f.bucket FROM files f WHERE f.status = 'ok' AND f.bucket IS NOT NULL AND f.rel IN (SELECT rel FROM missing_symbols WHERE key = ?)`);
      const stale = this.db.prepare('UPDATE files SET mtime_ms = -1 WHERE mtime_ms <> -1 AND rel IN (SELECT rel FROM missing_symbols WHERE key = ?)');
      for (const k of keys) {
        keep.run(k);
        n += stale.run(k).changes;
      }
    });
    tx();
    return n;
  }

  /**
   * Buckets that changed for files this scan triaged again (after a change of options or symbol
   * path, or symbols that appeared): from → to with counts, most first; the comparison is then
   * forgotten. At most `limit` pairs; `files` counts them all.
   */
  takeMoves(scanId: number, limit: number): { files: number; moves: Array<{ from: string; to: string; count: number }> } {
    this.flush();
    const sql = `FROM previous p JOIN files f ON f.rel = p.rel WHERE f.scan_id = ? AND f.status = 'ok' AND f.bucket IS NOT NULL AND f.bucket <> p.bucket`;
    const files = (this.db.prepare(`SELECT count(*) AS n ${sql}`).get(scanId) as { n: number }).n;
    const moves = this.db.prepare(`SELECT p.bucket AS "from", f.bucket AS "to", count(*) AS count ${sql} GROUP BY p.bucket, f.bucket ORDER BY count DESC, p.bucket, f.bucket LIMIT ?`).all(scanId, limit) as Array<{ from: string; to: string; count: number }>;
    this.db.prepare('DELETE FROM previous WHERE rel IN (SELECT rel FROM files WHERE scan_id = ? AND mtime_ms <> -1)').run(scanId);
    return { files, moves };
  }

  finishScan(scanId: number, counts: Record<string, number>): void {
    this.flush();
    this.db.prepare('UPDATE scans SET finished = ?, counts = ? WHERE id = ?').run(new Date().toISOString(), JSON.stringify(counts), scanId);
  }

  lastScan(): ScanRecord | undefined {
    const row = this.db.prepare('SELECT id, root, started, finished, counts FROM scans ORDER BY id DESC LIMIT 1').get() as
      | { id: number; root: string; started: string; finished: string | null; counts: string | null }
      | undefined;
    if (!row) return undefined;
    return { id: row.id, root: row.root, started: row.started, finished: row.finished, counts: row.counts ? (JSON.parse(row.counts) as Record<string, number>) : {} };
  }

  /** Every digest, in path order (streamed). */
  *digests(where: { bucket?: string; host?: string } = {}): Generator<DumpDigest> {
    let sql = 'SELECT digest FROM files';
    const args: string[] = [];
    const conds: string[] = [];
    if (where.bucket !== undefined) {
      conds.push('bucket = ?');
      args.push(where.bucket);
    }
    if (where.host !== undefined) {
      conds.push('lower(host) = lower(?)');
      args.push(where.host);
    }
    if (conds.length) sql += ` WHERE ${conds.join(' AND ')}`;
    sql += ' ORDER BY rel';
    for (const row of this.db.prepare(sql).iterate(...args) as IterableIterator<{ digest: string }>) {
      yield JSON.parse(row.digest) as DumpDigest;
    }
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM files').get() as { n: number }).n;
  }

  close(): void {
    try {
      this.flush();
    } finally {
      this.db.close();
      this.lock?.release();
      this.lock = undefined;
    }
  }
}

/**
 * The scan's stand-in when it keeps no index: every lookup misses, writes are dropped, nothing is
 * remembered between scans (and no SQLite is needed).
 */
export class NoIndex implements ScanStore {
  storeReports = true;
  private scans = 0;
  lookup(): IndexRow | undefined {
    return undefined;
  }
  report(): string | undefined {
    return undefined;
  }
  beginScan(): number {
    return ++this.scans;
  }
  put(): void {}
  touch(): void {}
  removeUnseen(): number {
    return 0;
  }
  missingSymbolKeys(): string[] {
    return [];
  }
  invalidateForSymbols(): number {
    return 0;
  }
  takeMoves(): { files: number; moves: Array<{ from: string; to: string; count: number }> } {
    return { files: 0, moves: [] };
  }
  finishScan(): void {}
  close(): void {}
}

/** Who holds an index's writer lock (`<index>-owner`, JSON; for messages only). */
export interface IndexOwner {
  pid: number;
  host: string;
  started: string;
  root?: string;
}

/** Another scan holds the index and the scan was told not to wait (`waitForIndex: false`). */
export class IndexBusyError extends Error {
  readonly code = 'IndexBusy';
  constructor(
    readonly indexPath: string,
    readonly owner: IndexOwner | undefined,
  ) {
    super(`the index ${indexPath} is in use by ${describeOwner(owner)}; wait for it to finish (--wait, waitForIndex: true) or use another --index`);
    this.name = 'IndexBusyError';
  }
}

function describeOwner(o: IndexOwner | undefined): string {
  if (!o) return 'another scan';
  return `another scan (pid ${o.pid}${o.host !== hostname() ? ` on ${o.host}` : ''}, started ${o.started}${o.root ? `, scanning ${o.root}` : ''})`;
}

/** False only when `pid` is known not to run on this host. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The writer lock of one index: a RESERVED lock that SQLite takes on the (empty) database
 * `<index>-lock` with BEGIN IMMEDIATE and holds until release(). The lock is the operating
 * system's (fcntl / LockFileEx), so it goes away with its process however that ends: a scan
 * killed with SIGKILL leaves no stale lock, only files that the next owner reuses. Scans of one
 * process exclude each other too (SQLite tracks its connections to one file). The owner's pid,
 * host and start time go to `<index>-owner` so that a waiting scan can say whom it waits for; a
 * dead pid there (this host) is a leftover and is not named.
 */
export class IndexLock {
  private constructor(
    private db: Db | undefined,
    private readonly ownerPath: string,
    private readonly owner: IndexOwner,
  ) {}

  static lockPath(indexPath: string): string {
    return `${indexPath}-lock`;
  }

  static ownerPath(indexPath: string): string {
    return `${indexPath}-owner`;
  }

  /** The recorded owner, when its record is readable and (on this host) its pid alive. */
  static owner(indexPath: string): IndexOwner | undefined {
    try {
      const o = JSON.parse(readOwnerFile(IndexLock.ownerPath(indexPath))) as IndexOwner;
      if (typeof o.pid !== 'number' || typeof o.host !== 'string') return undefined;
      if (o.host === hostname() && !pidAlive(o.pid)) return undefined;
      return o;
    } catch {
      return undefined;
    }
  }

  /** One attempt: the lock, or undefined when another connection holds it. */
  static tryAcquire(indexPath: string, root?: string): IndexLock | undefined {
    const Sqlite = loadSqlite();
    const db = new Sqlite(IndexLock.lockPath(indexPath), { timeout: 0 });
    try {
      // No journal file: nothing is ever written to this database.
      db.pragma('journal_mode = MEMORY');
      db.exec('BEGIN IMMEDIATE');
    } catch (e) {
      db.close();
      const code = (e as { code?: string }).code ?? '';
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return undefined;
      throw e;
    }
    const owner: IndexOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString(), ...(root !== undefined ? { root } : {}) };
    const ownerPath = IndexLock.ownerPath(indexPath);
    try {
      writeFileSync(ownerPath, `${JSON.stringify(owner)}\n`);
    } catch {
      // Messages only.
    }
    return new IndexLock(db, ownerPath, owner);
  }

  /**
   * Take the lock. While another scan holds it: with `wait` (the default) poll every `pollMs`
   * (default 200) and say once through `onWait` whom we wait for; without, throw IndexBusyError.
   */
  static async acquire(indexPath: string, opts: { wait?: boolean; onWait?: (message: string) => void; root?: string; pollMs?: number } = {}): Promise<IndexLock> {
    let said = false;
    for (;;) {
      const lock = IndexLock.tryAcquire(indexPath, opts.root);
      if (lock) return lock;
      const owner = IndexLock.owner(indexPath);
      if (opts.wait === false) throw new IndexBusyError(indexPath, owner);
      if (!said) {
        said = true;
        opts.onWait?.(`the index ${indexPath} is in use by ${describeOwner(owner)}; waiting for it to finish (--no-wait to stop instead)`);
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
    }
  }

  /** Let go (idempotent). The owner record is removed first, while the lock still guards it. */
  release(): void {
    const db = this.db;
    if (!db) return;
    this.db = undefined;
    try {
      const o = JSON.parse(readOwnerFile(this.ownerPath)) as IndexOwner;
      if (o.pid === this.owner.pid && o.started === this.owner.started) unlinkSync(this.ownerPath);
    } catch {
      // Already gone, or never written.
    }
    try {
      db.exec('ROLLBACK');
    } finally {
      db.close();
    }
  }
}
