// The PostgreSQL schema, as versioned migrations the tool applies itself. Each runs once, in
// order, in its own transaction, under an advisory lock so that several scanners and workers
// starting at once do not race; `dt_schema` records what has been applied. A database whose
// schema is newer than this build knows is refused rather than written with old assumptions.
//
// Tables (all prefixed `dt_`, so the tool can share a database with others):
// - dt_files: one row per file found, keyed by its path (as the scanner saw it), with its size
//   and mtime, and the result of the last analysis (digest, report JSON) with the size and mtime
//   it was made of. `analyses` counts results committed for that version: 1 when a file was
//   analysed exactly once.
// - dt_jobs: one row per file that needs (or needed) an analysis: the queue. State queued →
//   running (claimed by a worker, with a lease) → done; on a failure that may pass, failed
//   (waiting for its retry after a backoff), then queued again; dead after too many attempts.
// - dt_workers: who works, with a heartbeat; dt_scans: the scans that enqueued.

import type { PoolClient } from 'pg';

/** Text columns that order paths compare bytes ("C"), as SQLite does: the same order from both stores. */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'files, jobs, workers, scans',
    sql: `
      CREATE TABLE dt_files (
        path TEXT COLLATE "C" PRIMARY KEY,
        root TEXT COLLATE "C" NOT NULL,
        rel TEXT COLLATE "C" NOT NULL,
        size BIGINT NOT NULL,
        mtime_ms DOUBLE PRECISION NOT NULL,
        seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        status TEXT,
        host TEXT,
        bucket TEXT COLLATE "C",
        time TEXT,
        digest TEXT,
        report TEXT,
        result_size BIGINT,
        result_mtime_ms DOUBLE PRECISION,
        analysed_at TIMESTAMPTZ,
        analysed_by TEXT,
        analyses INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX dt_files_bucket ON dt_files (bucket);
      CREATE INDEX dt_files_host ON dt_files (lower(host));
      CREATE TABLE dt_jobs (
        path TEXT COLLATE "C" PRIMARY KEY REFERENCES dt_files (path) ON DELETE CASCADE,
        size BIGINT NOT NULL,
        mtime_ms DOUBLE PRECISION NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        run_after TIMESTAMPTZ NOT NULL DEFAULT now(),
        enqueued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        claimed_by TEXT,
        claim BIGINT,
        lease_until TIMESTAMPTZ,
        finished_at TIMESTAMPTZ,
        last_error TEXT
      );
      CREATE INDEX dt_jobs_ready ON dt_jobs (run_after) WHERE state IN ('queued', 'failed');
      CREATE INDEX dt_jobs_lease ON dt_jobs (lease_until) WHERE state = 'running';
      CREATE INDEX dt_jobs_worker ON dt_jobs (claimed_by) WHERE state = 'running';
      CREATE SEQUENCE dt_claims;
      CREATE TABLE dt_workers (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started TIMESTAMPTZ NOT NULL DEFAULT now(),
        last_seen TIMESTAMPTZ NOT NULL DEFAULT now(),
        state TEXT NOT NULL,
        done BIGINT NOT NULL DEFAULT 0,
        failed BIGINT NOT NULL DEFAULT 0
      );
      CREATE TABLE dt_scans (
        id BIGSERIAL PRIMARY KEY,
        root TEXT NOT NULL,
        host TEXT NOT NULL,
        started TIMESTAMPTZ NOT NULL DEFAULT now(),
        finished TIMESTAMPTZ,
        counts TEXT
      );
    `,
  },
];

/** The newest schema version this build knows. */
export const SCHEMA_VERSION_PG = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Any number: the advisory lock that serialises migrations of one database. */
const MIGRATION_LOCK = 0x64745f6d; // "dt_m"

/** Bring the schema up to date; returns the versions applied now. */
export async function migrate(c: PoolClient): Promise<number[]> {
  const applied: number[] = [];
  await c.query('BEGIN');
  try {
    await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await c.query('CREATE TABLE IF NOT EXISTS dt_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const have = new Set((await c.query<{ version: number }>('SELECT version FROM dt_schema')).rows.map((r) => r.version));
    const newest = Math.max(0, ...have);
    if (newest > SCHEMA_VERSION_PG) throw new Error(`the database's schema is version ${newest}, newer than this dumptriage knows (${SCHEMA_VERSION_PG}): upgrade dumptriage`);
    for (const m of MIGRATIONS) {
      if (have.has(m.version)) continue;
      await c.query(m.sql);
      await c.query('INSERT INTO dt_schema (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
  return applied;
}
