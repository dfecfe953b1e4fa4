// What `--report` lists of every file, kept out of the heap while the scan runs: the analysed
// dumps go to a private temporary SQLite database (an anonymous one: SQLite keeps a few MiB of
// it in its page cache, spills the rest to a file in the temporary folder and deletes that file
// when it is closed), the failures are counted and the first MAX_FAILURE_ROWS kept. The report
// then reads each bucket's dumps back, newest first, in the order the page lists them.

import Database from 'better-sqlite3';
import type { DumpDigest } from './digest.js';
import { MAX_FAILURE_ROWS, reportDump, type ReportDump, type ReportDumpSource } from './report-html.js';

/** Rows written per transaction. */
const BATCH = 512;

export class ReportDumpStore implements ReportDumpSource {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[number, string, number, string]>;
  private readonly insertBatch: Database.Transaction<(rows: Array<[number, string, number, string]>) => void>;
  private pending: Array<[number, string, number, string]> = [];
  /** Bucket keys by number (a number in the table: a string there would go through UTF-8, which merges lone surrogates). */
  private readonly buckets = new Map<string, number>();
  private seq = 0;
  private indexed = false;
  failureCount = 0;
  readonly failures: DumpDigest[] = [];
  /** Analysed dumps stored (for tests). */
  stored = 0;

  constructor() {
    // '' = an anonymous temporary database on disk, private to this connection.
    this.db = new Database('');
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('cache_size = -2048');
    this.db.exec('CREATE TABLE dumps (bucket INTEGER NOT NULL, time TEXT NOT NULL, seq INTEGER NOT NULL, dump TEXT NOT NULL)');
    this.insert = this.db.prepare('INSERT INTO dumps (bucket, time, seq, dump) VALUES (?, ?, ?, ?)');
    this.insertBatch = this.db.transaction((rows) => {
      for (const r of rows) this.insert.run(...r);
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
    this.insertBatch(this.pending);
    this.pending = [];
  }

  /** Newest first; equal times in the order added (as a stable sort of the list would give). */
  *bucketDumps(bucketId: string): Generator<ReportDump> {
    this.flush();
    const b = this.buckets.get(bucketId);
    if (b === undefined) return;
    if (!this.indexed) {
      this.db.exec('CREATE INDEX dumps_order ON dumps (bucket, time DESC, seq)');
      this.indexed = true;
    }
    const rows = this.db.prepare('SELECT dump FROM dumps WHERE bucket = ? ORDER BY time DESC, seq').pluck().iterate(b) as IterableIterator<string>;
    for (const json of rows) yield JSON.parse(json) as ReportDump;
  }

  close(): void {
    this.pending = [];
    if (this.db.open) this.db.close();
  }
}
