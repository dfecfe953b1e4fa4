// What `--report` lists of every file, kept out of the heap while the scan runs: the analysed
// dumps go to a private temporary SQLite database (an anonymous one: SQLite keeps a few MiB of
// it in its page cache, spills the rest to a file in the temporary folder and deletes that file
// when it is closed), the failures are counted and the first MAX_FAILURE_ROWS kept. The report
// then reads each bucket's dumps back, newest first, in the order the page lists them.
// Without better-sqlite3 (an optional dependency) the rows stay in the heap instead: the same
// page, with memory that grows with the share.

import type Database from 'better-sqlite3';
import type { DumpDigest } from './digest.js';
import { loadSqlite, SqliteUnavailableError } from './sqlite.js';
import { MAX_FAILURE_ROWS, reportDump, type ReportDump, type ReportDumpSource } from './report-html.js';

/** Rows written per transaction. */
const BATCH = 512;

export class ReportDumpStore implements ReportDumpSource {
  private readonly db: Database.Database | undefined;
  private readonly insertBatch: Database.Transaction<(rows: Array<[number, string, number, string]>) => void> | undefined;
  /** Without SQLite: the rows of each bucket (by number), in the order added. */
  private readonly inHeap: Array<Array<[number, string, number, string]>> | undefined;
  private pending: Array<[number, string, number, string]> = [];
  /** Bucket keys by number (a number in the table: a string there would go through UTF-8, which merges lone surrogates). */
  private readonly buckets = new Map<string, number>();
  private seq = 0;
  private indexed = false;
  failureCount = 0;
  readonly failures: DumpDigest[] = [];
  /** Analysed dumps stored (for tests). */
  stored = 0;

  /** `inHeap`: keep the rows in the heap, as without better-sqlite3 (tests compare the two). */
  constructor(opts: { inHeap?: boolean } = {}) {
    let Sqlite;
    try {
      if (opts.inHeap) throw new SqliteUnavailableError('inHeap');
      Sqlite = loadSqlite();
    } catch (e) {
      if (!(e instanceof SqliteUnavailableError)) throw e;
      this.inHeap = [];
      return;
    }
    // '' = an anonymous temporary database on disk, private to this connection.
    const db = (this.db = new Sqlite(''));
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -2048');
    db.exec('CREATE TABLE dumps (bucket INTEGER NOT NULL, time TEXT NOT NULL, seq INTEGER NOT NULL, dump TEXT NOT NULL)');
    const insert = db.prepare<[number, string, number, string]>('INSERT INTO dumps (bucket, time, seq, dump) VALUES (?, ?, ?, ?)');
    this.insertBatch = db.transaction((rows) => {
      for (const r of rows) insert.run(...r);
    });
  }

  /** One file of the scan, in the order the report would have listed it. Skipped files are left out. */
  add(d: DumpDigest): void {
    if (d.status === 'error') {
      this.failureCount++;
      if (this.failures.length < MAX_FAILURE_ROWS) this.failures.push(d);
      return;
    }
    if (d.status !== 'ok') return;
    const key = d.bucketId || '(no bucket)';
    let b = this.buckets.get(key);
    if (b === undefined) this.buckets.set(key, (b = this.buckets.size));
    this.pending.push([b, d.time, this.seq++, JSON.stringify(reportDump(d))]);
    this.stored++;
    if (this.pending.length >= BATCH) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    if (this.inHeap) for (const r of this.pending) (this.inHeap[r[0]] ??= []).push(r);
    else this.insertBatch!(this.pending);
    this.pending = [];
  }

  /** Newest first; equal times in the order added (as a stable sort of the list would give). */
  *bucketDumps(bucketId: string): Generator<ReportDump> {
    this.flush();
    const b = this.buckets.get(bucketId);
    if (b === undefined) return;
    if (this.inHeap) {
      // Rows are in seq order: a stable sort by time, newest first, keeps ties in that order.
      const rows = [...(this.inHeap[b] ?? [])].sort((x, y) => (x[1] < y[1] ? 1 : x[1] > y[1] ? -1 : 0));
      for (const r of rows) yield JSON.parse(r[3]) as ReportDump;
      return;
    }
    const db = this.db!;
    if (!this.indexed) {
      db.exec('CREATE INDEX dumps_order ON dumps (bucket, time DESC, seq)');
      this.indexed = true;
    }
    const rows = db.prepare('SELECT dump FROM dumps WHERE bucket = ? ORDER BY time DESC, seq').pluck().iterate(b) as IterableIterator<string>;
    for (const json of rows) yield JSON.parse(json) as ReportDump;
  }

  close(): void {
    this.pending = [];
    if (this.inHeap) this.inHeap.length = 0;
    if (this.db?.open) this.db.close();
  }
}
