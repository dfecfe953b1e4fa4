// The shared store on PostgreSQL: files and their results (what `query` and `--report` read),
// and the job queue the scanners fill and the workers drain. Schema: migrations.ts.
//
// The queue is plain SQL: a worker claims jobs with `SELECT ... FOR UPDATE SKIP LOCKED` (no two
// workers get one job, none waits for another's locks), stamps each with a fresh claim number
// and a lease, and renews the leases with its heartbeat. A result is committed only together
// with its job's change to done, and only while the claim is still the worker's: a worker that
// lost its lease (it stalled, its connection dropped and another took the job) commits nothing.
// Rows are locked in one order everywhere (a file before its job; several jobs by path), and a
// deadlock or serialization failure is retried, so concurrent scanners and workers never stall.

import type { Pool, PoolClient } from 'pg';
import { hostname } from 'node:os';
import type { DumpDigest } from '../scan/digest.js';
import { DatabaseUnavailableError, dbErrorText, inTransaction, isConnectionError, openPool, type DbTarget } from './connection.js';
import { migrate } from './migrations.js';

export interface FileFound {
  /** The path as the scanner shows it (the key). */
  path: string;
  root: string;
  rel: string;
  size: number;
  mtimeMs: number;
}

export interface ClaimedJob {
  path: string;
  root: string;
  rel: string;
  size: number;
  mtimeMs: number;
  claim: number;
  attempts: number;
}

export interface ScanRow {
  id: number;
  root: string;
  host: string;
  started: string;
  finished: string | null;
  counts: Record<string, number>;
}

export interface QueueStatus {
  jobs: Record<'queued' | 'running' | 'done' | 'failed' | 'dead', number>;
  files: number;
  analysed: number;
  workers: Array<{ id: string; host: string; pid: number; started: string; lastSeen: string; state: string; secondsSinceSeen: number; running: number }>;
  dead: Array<{ path: string; attempts: number; lastError: string | null }>;
  failed: Array<{ path: string; attempts: number; lastError: string | null; retryAt: string }>;
}

export interface DigestFilter {
  bucket?: string;
  host?: string;
  /** Only files under this folder (a scanner's root, or any folder above files). */
  under?: string;
}

/** Rows read per round trip when streaming digests. */
const PAGE = 1000;
/** Tries of one transaction that hit a deadlock or a serialization failure. */
const TX_TRIES = 5;

function isRetryable(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === '40P01' || code === '40001';
}

const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));

/** `dir/` and `dir0`: the bounds of every path under `dir` ('0' follows '/'). */
function underBounds(dir: string): [string, string] {
  const d = dir.endsWith('/') ? dir.slice(0, -1) : dir;
  return [`${d}/`, `${d}0`];
}

export class PgStore {
  private constructor(
    private readonly pool: Pool,
    readonly shown: string,
  ) {}

  /**
   * Connect and bring the schema up to date. A database that cannot be reached is a
   * DatabaseUnavailableError (the message names it without its password).
   */
  static async open(target: DbTarget, opts: { max?: number; applicationName?: string } = {}): Promise<PgStore> {
    const pool = await openPool(target, opts);
    let c: PoolClient;
    try {
      c = await pool.connect();
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw new DatabaseUnavailableError(target.shown, dbErrorText(e));
    }
    c.on('error', () => undefined);
    try {
      await migrate(c);
    } catch (e) {
      c.release(true);
      await pool.end().catch(() => undefined);
      if (isConnectionError(e)) throw new DatabaseUnavailableError(target.shown, dbErrorText(e));
      throw new Error(`cannot prepare the database ${target.shown}: ${dbErrorText(e)}`);
    }
    c.release();
    return new PgStore(pool, target.shown);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  private q<R extends object = Record<string, unknown>>(sql: string, args: unknown[] = []): Promise<R[]> {
    return this.pool.query(sql, args).then((r) => r.rows as R[]);
  }

  private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await inTransaction(this.pool, fn);
      } catch (e) {
        if (!isRetryable(e) || i >= TX_TRIES) throw e;
        await new Promise((r) => setTimeout(r, 10 * i + Math.random() * 20));
      }
    }
  }

  // ---- scans ----

  async beginScan(root: string): Promise<number> {
    const rows = await this.q<{ id: number }>('INSERT INTO dt_scans (root, host) VALUES ($1, $2) RETURNING id', [root, hostname()]);
    return Number(rows[0]!.id);
  }

  /** The database's clock: what a scan compares `seen_at` with. */
  async now(): Promise<Date> {
    const rows = await this.q<{ now: Date }>('SELECT now() AS now');
    return rows[0]!.now;
  }

  async finishScan(id: number, counts: Record<string, number>): Promise<void> {
    await this.q('UPDATE dt_scans SET finished = now(), counts = $2 WHERE id = $1', [id, JSON.stringify(counts)]);
  }

  async lastScan(under?: string): Promise<ScanRow | undefined> {
    const rows = under
      ? await this.q<Record<string, unknown>>('SELECT * FROM dt_scans WHERE root = $1 OR (root >= $2 AND root < $3) ORDER BY id DESC LIMIT 1', [under, ...underBounds(under)])
      : await this.q<Record<string, unknown>>('SELECT * FROM dt_scans ORDER BY id DESC LIMIT 1');
    const r = rows[0];
    if (!r) return undefined;
    return { id: Number(r.id), root: String(r.root), host: String(r.host), started: iso(r.started), finished: r.finished ? iso(r.finished) : null, counts: r.counts ? (JSON.parse(String(r.counts)) as Record<string, number>) : {} };
  }

  // ---- enqueue (scanners) ----

  /**
   * Record files found and queue those whose stored result is not of their current size and
   * mtime (all, with `rescan`). A file already queued, running or dead for that version is left
   * as it is: however many scanners find it, it is analysed once. Returns how many were queued.
   */
  async enqueue(files: readonly FileFound[], rescan = false): Promise<number> {
    if (files.length === 0) return 0;
    // One lock order for everyone: by path.
    const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const rows = await this.tx((c) =>
      c.query(
        `WITH input AS (
           SELECT DISTINCT ON (path) * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::float8[]) AS t(path, root, rel, size, mtime_ms) ORDER BY path
         ), f AS (
           INSERT INTO dt_files AS f (path, root, rel, size, mtime_ms, seen_at)
           SELECT path, root, rel, size, mtime_ms, now() FROM input
           ON CONFLICT (path) DO UPDATE SET root = excluded.root, rel = excluded.rel, size = excluded.size, mtime_ms = excluded.mtime_ms, seen_at = excluded.seen_at
           RETURNING f.path, f.size, f.mtime_ms, f.result_size, f.result_mtime_ms
         )
         INSERT INTO dt_jobs AS j (path, size, mtime_ms, state)
         SELECT path, size, mtime_ms, 'queued' FROM f
         WHERE $6 OR f.result_size IS DISTINCT FROM f.size OR f.result_mtime_ms IS DISTINCT FROM f.mtime_ms
         ORDER BY path
         ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, state = 'queued', attempts = 0,
           run_after = now(), enqueued_at = now(), claimed_by = NULL, claim = NULL, lease_until = NULL, finished_at = NULL, last_error = NULL
         WHERE $6 OR j.size <> excluded.size OR j.mtime_ms <> excluded.mtime_ms OR j.state = 'done'
         RETURNING j.path`,
        [sorted.map((f) => f.path), sorted.map((f) => f.root), sorted.map((f) => f.rel), sorted.map((f) => f.size), sorted.map((f) => f.mtimeMs), rescan],
      ),
    );
    const n = rows.rowCount ?? 0;
    if (n > 0) await this.q("SELECT pg_notify('dt_jobs', $1)", [String(n)]).catch(() => undefined);
    return n;
  }

  /**
   * Forget the files under `root` that no scanner has seen since `since` (this scan's start):
   * they are gone. Rows another scanner saw meanwhile stay. Returns how many.
   */
  async removeUnseen(root: string, since: Date): Promise<number> {
    const [lo, hi] = underBounds(root);
    const rows = await this.q<{ n: number }>(
      `WITH gone AS (DELETE FROM dt_files WHERE path >= $1 AND path < $2 AND seen_at < $3 RETURNING 1) SELECT count(*)::int AS n FROM gone`,
      [lo, hi, since],
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * Files the walk could not read or that are no files (a FIFO, an unfollowed link): their
   * digest is the result, no job needed. Kept until a scan sees them gone.
   */
  async recordUnqueued(entries: ReadonlyArray<{ file: FileFound; digest: DumpDigest }>): Promise<void> {
    if (entries.length === 0) return;
    const sorted = [...entries].sort((a, b) => (a.file.path < b.file.path ? -1 : a.file.path > b.file.path ? 1 : 0));
    await this.tx(async (c) => {
      for (const { file, digest } of sorted) {
        await c.query(
          `INSERT INTO dt_files (path, root, rel, size, mtime_ms, status, host, bucket, time, digest, result_size, result_mtime_ms, analysed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $4, $5, now())
           ON CONFLICT (path) DO UPDATE SET root = excluded.root, rel = excluded.rel, size = excluded.size, mtime_ms = excluded.mtime_ms, seen_at = now(),
             status = excluded.status, host = excluded.host, bucket = NULL, time = excluded.time, digest = excluded.digest, report = NULL,
             result_size = excluded.result_size, result_mtime_ms = excluded.result_mtime_ms, analysed_at = now()`,
          [file.path, file.root, file.rel, file.size, file.mtimeMs, digest.status, digest.host, digest.time, JSON.stringify(digest)],
        );
        await c.query('DELETE FROM dt_jobs WHERE path = $1', [file.path]);
      }
    });
  }

  // ---- the queue (workers) ----

  async registerWorker(id: string, pid: number): Promise<void> {
    await this.q(
      `INSERT INTO dt_workers (id, host, pid, state) VALUES ($1, $2, $3, 'running')
       ON CONFLICT (id) DO UPDATE SET last_seen = now(), state = 'running'`,
      [id, hostname(), pid],
    );
  }

  /** The worker is alive: its heartbeat, and its jobs' leases renewed (in path order). */
  async heartbeat(workerId: string, leaseMs: number): Promise<void> {
    await this.tx(async (c) => {
      await c.query('UPDATE dt_workers SET last_seen = now() WHERE id = $1', [workerId]);
      await c.query(
        `UPDATE dt_jobs SET lease_until = now() + $2 * interval '1 millisecond'
         WHERE path IN (SELECT path FROM dt_jobs WHERE claimed_by = $1 AND state = 'running' ORDER BY path FOR UPDATE)`,
        [workerId, leaseMs],
      );
    });
  }

  /**
   * Jobs whose worker stopped renewing its lease (it died, or lost the database for longer
   * than the lease) go back to the queue at once, or to dead after `maxAttempts`.
   */
  async reclaimExpired(maxAttempts: number): Promise<number> {
    const rows = await this.q(
      `UPDATE dt_jobs SET state = CASE WHEN attempts >= $1 THEN 'dead' ELSE 'failed' END,
         last_error = 'its worker ' || coalesce(claimed_by, '?') || ' stopped renewing the lease', claimed_by = NULL, claim = NULL, lease_until = NULL,
         run_after = now(), finished_at = CASE WHEN attempts >= $1 THEN now() END
       WHERE path IN (SELECT path FROM dt_jobs WHERE state = 'running' AND lease_until < now() ORDER BY path FOR UPDATE SKIP LOCKED)
       RETURNING 1`,
      [maxAttempts],
    );
    return rows.length;
  }

  /** Up to `n` jobs that are due, for `workerId`, with a lease of `leaseMs`. */
  async claim(workerId: string, n: number, leaseMs: number): Promise<ClaimedJob[]> {
    const rows = await this.q<Record<string, unknown>>(
      `WITH c AS (
         SELECT path FROM dt_jobs WHERE state IN ('queued', 'failed') AND run_after <= now()
         ORDER BY run_after, path LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       UPDATE dt_jobs j SET state = 'running', claimed_by = $1, claim = nextval('dt_claims'), attempts = j.attempts + 1,
         lease_until = now() + $3 * interval '1 millisecond'
       FROM c, dt_files f WHERE j.path = c.path AND f.path = c.path
       RETURNING j.path, f.root, f.rel, j.size, j.mtime_ms, j.claim, j.attempts`,
      [workerId, n, leaseMs],
    );
    return rows
      .map((r) => ({ path: String(r.path), root: String(r.root), rel: String(r.rel), size: Number(r.size), mtimeMs: Number(r.mtime_ms), claim: Number(r.claim), attempts: Number(r.attempts) }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * Store a job's result and mark it done, in one transaction, if the claim is still this
   * worker's; false (nothing written) when it is not.
   */
  async complete(job: ClaimedJob, workerId: string, d: DumpDigest, report: string | null): Promise<boolean> {
    return (await this.completeMany([{ job, digest: d, report }], workerId))[0]!;
  }

  /**
   * complete() for several jobs in one transaction (a worker's group commit): one round trip
   * for the files, one for the jobs. When a claim of the batch is no longer ours, the batch is
   * rolled back and (for more than one job) each job completed alone, so that only that one is
   * dropped. Returns, per job, whether its result was stored.
   */
  async completeMany(items: ReadonlyArray<{ job: ClaimedJob; digest: DumpDigest; report: string | null }>, workerId: string): Promise<boolean[]> {
    if (items.length === 0) return [];
    const sorted = [...items].sort((a, b) => (a.job.path < b.job.path ? -1 : a.job.path > b.job.path ? 1 : 0));
    const col = <T>(f: (i: (typeof sorted)[number]) => T): T[] => sorted.map(f);
    const all = await this.tx(async (c) => {
      await c.query(
        `UPDATE dt_files f SET status = u.status, host = u.host, bucket = u.bucket, time = u.time, digest = u.digest, report = u.report,
           analyses = CASE WHEN f.result_size = u.size AND f.result_mtime_ms = u.mtime_ms THEN f.analyses + 1 ELSE 1 END,
           result_size = u.size, result_mtime_ms = u.mtime_ms, size = u.size, mtime_ms = u.mtime_ms, analysed_at = now(), analysed_by = $10
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::float8[])
           AS u(path, status, host, bucket, time, digest, report, size, mtime_ms)
         WHERE f.path = u.path`,
        [
          col((i) => i.job.path),
          col((i) => i.digest.status),
          col((i) => i.digest.host),
          col((i) => i.digest.bucketId ?? null),
          col((i) => i.digest.time),
          col((i) => JSON.stringify(i.digest)),
          col((i) => i.report),
          col((i) => i.job.size),
          col((i) => i.job.mtimeMs),
          workerId,
        ],
      );
      const done = await c.query(
        `UPDATE dt_jobs j SET state = 'done', finished_at = now(), claimed_by = NULL, claim = NULL, lease_until = NULL, last_error = NULL, size = u.size, mtime_ms = u.mtime_ms
         FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::float8[]) AS u(path, claim, size, mtime_ms)
         WHERE j.path = u.path AND j.claim = u.claim AND j.state = 'running'`,
        [col((i) => i.job.path), col((i) => i.job.claim), col((i) => i.job.size), col((i) => i.job.mtimeMs)],
      );
      if (done.rowCount !== sorted.length) throw new ClaimLost();
      await c.query('UPDATE dt_workers SET done = done + $2 WHERE id = $1', [workerId, sorted.length]);
      return true;
    }).catch((e: unknown) => {
      if (e instanceof ClaimLost) return false;
      throw e;
    });
    if (all) return items.map(() => true);
    if (items.length === 1) return [false];
    const out: boolean[] = [];
    for (const i of items) out.push((await this.completeMany([i], workerId))[0]!);
    return out;
  }

  /**
   * A failure that may pass (an I/O error, a timeout, a crashed thread): retry after a backoff
   * of `retryBaseMs` × 2^(attempts-1) (at most an hour), or dead after `maxAttempts`, keeping the
   * error. Returns the state the job went to, or 'lost' when the claim was no longer ours.
   */
  async fail(job: ClaimedJob, workerId: string, error: string, maxAttempts: number, retryBaseMs: number): Promise<'failed' | 'dead' | 'lost'> {
    const rows = await this.q<{ state: 'failed' | 'dead' }>(
      `UPDATE dt_jobs SET state = CASE WHEN attempts >= $3 THEN 'dead' ELSE 'failed' END, last_error = $4, claimed_by = NULL, claim = NULL, lease_until = NULL,
         run_after = now() + least(3600000, $5 * power(2, greatest(attempts - 1, 0))) * interval '1 millisecond',
         finished_at = CASE WHEN attempts >= $3 THEN now() END
       WHERE path = $1 AND claim = $2 AND state = 'running' RETURNING state`,
      [job.path, job.claim, maxAttempts, error.slice(0, 2000), retryBaseMs],
    );
    if (rows[0]) await this.q('UPDATE dt_workers SET failed = failed + 1 WHERE id = $1', [workerId]).catch(() => undefined);
    return rows[0]?.state ?? 'lost';
  }

  /** The file is gone: forget it (and its job), if the claim is still ours. */
  async forget(job: ClaimedJob): Promise<boolean> {
    const rows = await this.q('DELETE FROM dt_files WHERE path = $1 AND EXISTS (SELECT 1 FROM dt_jobs WHERE path = $1 AND claim = $2) RETURNING 1', [job.path, job.claim]);
    return rows.length > 0;
  }

  /** Give claimed jobs back, as if never claimed (a worker stopping). */
  async release(jobs: readonly ClaimedJob[]): Promise<number> {
    if (jobs.length === 0) return 0;
    const rows = await this.q(
      `UPDATE dt_jobs SET state = 'queued', attempts = greatest(attempts - 1, 0), claimed_by = NULL, claim = NULL, lease_until = NULL, run_after = now()
       WHERE path IN (SELECT path FROM dt_jobs WHERE claim = ANY($1::bigint[]) AND state = 'running' ORDER BY path FOR UPDATE) RETURNING 1`,
      [jobs.map((j) => j.claim)],
    );
    return rows.length;
  }

  async stopWorker(id: string): Promise<void> {
    await this.q("UPDATE dt_workers SET state = 'stopped', last_seen = now() WHERE id = $1", [id]);
  }

  /** Work left: jobs due now, running anywhere, or waiting for a retry. */
  async pending(): Promise<{ due: number; running: number; waiting: number }> {
    const rows = await this.q<{ due: number; running: number; waiting: number }>(
      `SELECT count(*) FILTER (WHERE state IN ('queued', 'failed') AND run_after <= now())::int AS due,
              count(*) FILTER (WHERE state = 'running')::int AS running,
              count(*) FILTER (WHERE state = 'failed' AND run_after > now())::int AS waiting
       FROM dt_jobs WHERE state IN ('queued', 'failed', 'running')`,
    );
    return rows[0] ?? { due: 0, running: 0, waiting: 0 };
  }

  async status(limit = 20): Promise<QueueStatus> {
    const jobs: QueueStatus['jobs'] = { queued: 0, running: 0, done: 0, failed: 0, dead: 0 };
    for (const r of await this.q<{ state: keyof QueueStatus['jobs']; n: number }>('SELECT state, count(*)::int AS n FROM dt_jobs GROUP BY state')) jobs[r.state] = r.n;
    const files = await this.q<{ n: number; analysed: number }>('SELECT count(*)::int AS n, count(status)::int AS analysed FROM dt_files');
    const workers = await this.q<Record<string, unknown>>(
      `SELECT w.*, extract(epoch FROM now() - w.last_seen)::float8 AS since,
              (SELECT count(*)::int FROM dt_jobs j WHERE j.claimed_by = w.id AND j.state = 'running') AS running
       FROM dt_workers w ORDER BY w.last_seen DESC LIMIT $1`,
      [limit],
    );
    const dead = await this.q<Record<string, unknown>>("SELECT path, attempts, last_error FROM dt_jobs WHERE state = 'dead' ORDER BY finished_at DESC NULLS LAST, path LIMIT $1", [limit]);
    const failed = await this.q<Record<string, unknown>>("SELECT path, attempts, last_error, run_after FROM dt_jobs WHERE state = 'failed' ORDER BY run_after, path LIMIT $1", [limit]);
    return {
      jobs,
      files: files[0]?.n ?? 0,
      analysed: files[0]?.analysed ?? 0,
      workers: workers.map((w) => ({ id: String(w.id), host: String(w.host), pid: Number(w.pid), started: iso(w.started), lastSeen: iso(w.last_seen), state: String(w.state), secondsSinceSeen: Math.round(Number(w.since) * 10) / 10, running: Number(w.running) })),
      dead: dead.map((r) => ({ path: String(r.path), attempts: Number(r.attempts), lastError: r.last_error === null ? null : String(r.last_error) })),
      failed: failed.map((r) => ({ path: String(r.path), attempts: Number(r.attempts), lastError: r.last_error === null ? null : String(r.last_error), retryAt: iso(r.run_after) })),
    };
  }

  // ---- reading results ----

  /** Analysed files' digests, in path order, streamed a page at a time. */
  async *digests(where: DigestFilter = {}): AsyncGenerator<{ path: string; digest: DumpDigest }> {
    const conds = ['digest IS NOT NULL', 'path > $1'];
    const args: unknown[] = [''];
    if (where.bucket !== undefined) {
      args.push(where.bucket);
      conds.push(`bucket = $${args.length}`);
    }
    if (where.host !== undefined) {
      args.push(where.host);
      conds.push(`lower(host) = lower($${args.length})`);
    }
    if (where.under !== undefined) {
      const [lo, hi] = underBounds(where.under);
      args.push(lo, hi);
      conds.push(`path >= $${args.length - 1} AND path < $${args.length}`);
    }
    const sql = `SELECT path, digest FROM dt_files WHERE ${conds.join(' AND ')} ORDER BY path LIMIT ${PAGE}`;
    for (;;) {
      const rows = await this.q<{ path: string; digest: string }>(sql, args);
      for (const r of rows) yield { path: r.path, digest: JSON.parse(r.digest) as DumpDigest };
      if (rows.length < PAGE) return;
      args[0] = rows[rows.length - 1]!.path;
    }
  }

  async report(path: string): Promise<string | undefined> {
    const rows = await this.q<{ report: string | null }>('SELECT report FROM dt_files WHERE path = $1', [path]);
    return rows[0]?.report ?? undefined;
  }

  /** For tests and `query status`: how often each file's current result was committed. */
  async analysisCounts(under?: string): Promise<Map<string, number>> {
    const rows = under
      ? await this.q<{ path: string; analyses: number }>('SELECT path, analyses FROM dt_files WHERE path >= $1 AND path < $2', underBounds(under))
      : await this.q<{ path: string; analyses: number }>('SELECT path, analyses FROM dt_files');
    return new Map(rows.map((r) => [r.path, Number(r.analyses)]));
  }
}

class ClaimLost extends Error {}
