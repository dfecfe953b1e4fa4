// better-sqlite3, loaded on first use. It is an optional dependency: a native module that npm
// builds from source where no prebuilt binary fits, which fails on a machine without a compiler
// (npm then leaves it out), and a binary built for another Node.js fails when loaded. Only the
// scan index (and `query`, which reads it) needs it: `dumptriage FILE`, `scan --no-index` and the
// library's triage work without it, and a default scan goes on without an index, saying so.

import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

export type SqliteDatabase = typeof BetterSqlite3;

/** What a scan without the index cannot do (the warning and the error say it; README too). */
export const LOST_WITHOUT_INDEX =
  'incremental rescans (every file is read again), `dumptriage query`, re-triage of the dumps that missed symbols which have since appeared, bucket moves, and "new since the last scan" in --report';

/** better-sqlite3 is not installed, or is installed but cannot load (no binary, a binary for another Node.js). */
export class SqliteUnavailableError extends Error {
  readonly code = 'SqliteUnavailable';
  constructor(
    /** Why it could not load (the first line of the loader's error). */
    readonly reason: string,
    cause?: unknown,
  ) {
    super(
      `the scan index needs the optional package better-sqlite3, which is not installed or cannot load (${reason}); ` +
        'install it with `npm install better-sqlite3` (built from source, with a C++ compiler, where no prebuilt binary fits this Node.js)',
      cause === undefined ? undefined : { cause },
    );
    this.name = 'SqliteUnavailableError';
  }
}

let loaded: SqliteDatabase | undefined;
let failure: { reason: string; cause: unknown } | undefined;

/**
 * The better-sqlite3 constructor, or SqliteUnavailableError. The first call also opens and
 * closes an in-memory database: better-sqlite3 loads its native binary only then, and a binary
 * that is missing or was built for another Node.js must fail here, with this message, not in the
 * middle of a scan. The outcome is remembered for the process.
 */
export function loadSqlite(): SqliteDatabase {
  if (loaded) return loaded;
  if (!failure) {
    try {
      const Database = createRequire(import.meta.url)('better-sqlite3') as SqliteDatabase;
      new Database(':memory:').close();
      loaded = Database;
      return Database;
    } catch (e) {
      failure = { reason: firstLine(e), cause: e };
    }
  }
  throw new SqliteUnavailableError(failure.reason, failure.cause);
}

/** True when loadSqlite() works. */
export function sqliteAvailable(): boolean {
  try {
    loadSqlite();
    return true;
  } catch (e) {
    if (e instanceof SqliteUnavailableError) return false;
    throw e;
  }
}

function firstLine(e: unknown): string {
  const text = (e as Error)?.message ?? String(e);
  const line = text.split('\n', 1)[0]!.trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
