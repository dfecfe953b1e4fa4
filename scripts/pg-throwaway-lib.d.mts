// Types of scripts/pg-throwaway-lib.mjs (throwaway PostgreSQL clusters for tests and benches).

export interface StartPostgresOptions {
  /** Directory holding initdb, pg_ctl and postgres; default: what scripts/ensure-postgres.sh prints. */
  binDir?: string;
  /** Parent of the cluster's temp dir; default os.tmpdir(). */
  tmpRoot?: string;
  /** A fixed port instead of a free one (no retry on collision). */
  port?: number;
  /** postgresql.conf settings added to, or overriding, DEFAULT_SETTINGS. */
  settings?: Record<string, string | number | boolean>;
  /** Default 120 s. */
  initdbTimeoutMs?: number;
  /** Until the server says it is ready; default 30 s. */
  startTimeoutMs?: number;
}

export interface PgCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Superuser, trust auth: `postgres`. */
  readonly user: string;
  readonly database: string;
  readonly binDir: string;
  /** The temp dir (data/, postgres.log, the server's unix socket); deleted by stop(). */
  readonly dir: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** Milliseconds spent finding the binaries, in initdb, and starting the server. */
  readonly timings: { ensureMs: number; initdbMs: number; startMs: number };
  /** Settles when the current server process exits (whoever stopped it). */
  readonly exited: Promise<void>;
  /** The URL of another database of this cluster. */
  urlFor(database: string): string;
  /** Runs SQL through psql (-A -t: unaligned, tuples only) and returns its output without the last newline; throws on error. */
  sql(query: string, opts?: { database?: string; timeoutMs?: number }): Promise<string>;
  /** CREATE DATABASE name (letters, digits, _), returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** pg_ctl stop -m fast, then the server again on the same port and data. Throws on failure. */
  restart(): Promise<void>;
  /** pg_ctl stop -m immediate, then deletes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export const DEFAULT_SETTINGS: Readonly<Record<string, string | number>>;

/** Where the server binaries are (installs Debian's package when missing and allowed), or why not. Once per process. */
export function ensurePostgres(): Promise<{ binDir: string } | { why: string }>;

/** Starts a throwaway cluster, or says why it cannot. */
export function startPostgres(opts?: StartPostgresOptions): Promise<PgCluster | { why: string }>;

/** Stops the cluster in a dir made by startPostgres (any process) and deletes the dir. */
export function stopDir(dir: string, opts?: { binDir?: string }): Promise<void>;
