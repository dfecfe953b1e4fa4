// Where the shared database is and how to reach it: the connection string from `--db URL`, or,
// for a bare `--db`, from DATABASE_URL, else libpq's own PG* variables (PGHOST, PGPORT,
// PGUSER, PGPASSWORD, PGDATABASE, ...), which node-postgres reads itself. A connection string
// is shown only through `redactDbUrl`: its password (and any `password=` parameter) never
// reaches a log, a report or an error message.
//
// node-postgres (`pg`) is loaded only when a database is used, so that a one-machine scan
// does not pay for it at start-up.

import { createRequire } from 'node:module';
import type { Pool, PoolClient, PoolConfig } from 'pg';

/** The database could not be reached, or the connection was lost and could not be restored. */
export class DatabaseUnavailableError extends Error {
  readonly code = 'DatabaseUnavailable';
  constructor(
    readonly where: string,
    readonly reason: string,
  ) {
    super(`cannot reach the database ${where}: ${reason}`);
    this.name = 'DatabaseUnavailableError';
  }
}

/** What `--db` resolves to: a connection string, or the PG* variables (`url` undefined). */
export interface DbTarget {
  url?: string;
  /** For messages: the target without its password. */
  shown: string;
}

/**
 * `--db VALUE`: the value when it is a connection string; empty (a bare `--db`): DATABASE_URL,
 * else the PG* variables. Throws a usage-style Error for a value that is no connection string.
 */
export function resolveDbTarget(value: string, env: NodeJS.ProcessEnv = process.env): DbTarget {
  const v = value.trim();
  if (v) {
    if (!/^postgres(ql)?:\/\//i.test(v)) throw new Error('--db wants a postgres:// connection string (or nothing: then DATABASE_URL or the PG* variables)');
    return { url: v, shown: redactDbUrl(v) };
  }
  const fromEnv = env.DATABASE_URL?.trim();
  if (fromEnv) return { url: fromEnv, shown: redactDbUrl(fromEnv) };
  const host = env.PGHOST ?? 'localhost';
  const port = env.PGPORT ?? '5432';
  const db = env.PGDATABASE ?? env.PGUSER ?? '';
  return { shown: `postgres://${env.PGUSER ? `${env.PGUSER}@` : ''}${host}:${port}/${db} (PG* variables)` };
}

/** A connection string fit to show: no password, in the URL or as a parameter. */
export function redactDbUrl(url: string): string {
  let out = url;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const k of [...u.searchParams.keys()]) if (/pass|secret|key|token/i.test(k)) u.searchParams.set(k, '***');
    out = u.toString();
  } catch {
    // Not a URL: a libpq "key=value" string; the replacements below still apply.
  }
  return out.replace(/(password\s*=\s*)('[^']*'|[^\s&]*)/gi, '$1***').replace(/(:\/\/[^:/@\s]*:)[^@/\s]*@/, '$1***@');
}

/** Errors that mean the connection or the server went away (not a bad query). */
export function isConnectionError(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err?.code === 'string' ? err.code : '';
  // SQLSTATE class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown,
  // cannot connect now), and the socket errors node reports.
  // 53300 (too many connections: a restarting server's slots not yet free), 57P04-05.
  if (/^08/.test(code) || /^57P0[1-5]$/.test(code) || code === '53300') return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(code)) return true;
  const m = typeof err?.message === 'string' ? err.message : '';
  if ((e as { errors?: unknown[] })?.errors?.some?.((x) => isConnectionError(x))) return true; // AggregateError of a connect
  return /Connection terminated|connection is closed|Client has encountered a connection error|not queryable|timeout exceeded when trying to connect|the database system is (shutting down|starting up|not yet accepting|in recovery)|terminating connection/i.test(m);
}

/** The message of a database error, without anything that could hold a credential. */
export function dbErrorText(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  const msg = typeof err?.message === 'string' ? err.message : String(e);
  const code = typeof err?.code === 'string' ? ` (${err.code})` : '';
  return redactDbUrl(msg).slice(0, 500) + code;
}

type PgModule = typeof import('pg');
let pgModule: PgModule | undefined;

async function loadPg(): Promise<PgModule> {
  if (pgModule) return pgModule;
  // pg is CommonJS: required, not imported, so that the bundled CLI (a classic script run from
  // V8's code cache, where a dynamic import() needs an experimental loader) loads it as well.
  const m = createRequire(import.meta.url)('pg') as PgModule & { default?: PgModule };
  pgModule = m.default ?? m;
  // BIGINT columns (sizes) as numbers: dump sizes stay far below 2^53.
  pgModule.types.setTypeParser(20, (v: string) => Number(v));
  return pgModule;
}

/** A pool of connections (few: each process does one thing at a time). */
export async function openPool(target: DbTarget, opts: { max?: number; applicationName?: string } = {}): Promise<Pool> {
  const pg = await loadPg();
  const cfg: PoolConfig = {
    max: opts.max ?? 4,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: opts.applicationName ?? 'dumptriage',
  };
  if (target.url) cfg.connectionString = target.url;
  const pool = new pg.Pool(cfg);
  // An idle connection the server drops emits 'error' on the pool: without a listener that
  // would end the process. The next query notices and reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** Run `fn` in a transaction on one connection of `pool`. */
export async function inTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  // A connection that breaks while checked out emits 'error' on the client.
  const onError = (): void => undefined;
  c.on('error', onError);
  let broken = false;
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (e) {
    broken = isConnectionError(e);
    if (!broken) await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.removeListener('error', onError);
    c.release(broken ? true : undefined);
  }
}
