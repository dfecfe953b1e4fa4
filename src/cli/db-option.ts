// `--db [URL]` of scan, worker and query: the shared PostgreSQL store. A bare `--db` takes
// DATABASE_URL, else the PG* variables. The URL is shown only without its password.

import type { CliIo } from './io.js';
import { escapeTerminal } from '../util/escape.js';
import type { DbTarget } from '../fleet/connection.js';
import type { PgStore } from '../fleet/pg-store.js';

export const DB_OPTION_DESCRIPTION =
  'shared PostgreSQL store and job queue: a postgres:// URL, or nothing to use DATABASE_URL or the PG* variables (PGHOST, PGUSER, ...); passwords are never printed';

/** The --db target; undefined when absent; null after a usage error. */
export async function dbTargetOption(v: unknown, io: CliIo, prog: string): Promise<DbTarget | undefined | null> {
  if (v === undefined || v === null || v === false) return undefined;
  const { resolveDbTarget } = await import('../fleet/connection.js');
  try {
    return resolveDbTarget(v === true ? '' : String(v));
  } catch (e) {
    io.stderr.write(`${prog}: ${escapeTerminal((e as Error).message)}${String(v).startsWith('/') || String(v).startsWith('.') ? ' (a folder goes before --db: `dumptriage scan DIR --db URL`)' : ''}\n`);
    return null;
  }
}

/** Connect (and migrate); null after saying why (exit EXIT.database). */
export async function openStoreOption(target: DbTarget, io: CliIo, prog: string, applicationName: string): Promise<PgStore | null> {
  const { PgStore } = await import('../fleet/pg-store.js');
  try {
    return await PgStore.open(target, { applicationName });
  } catch (e) {
    io.stderr.write(`${prog}: ${escapeTerminal((e as Error).message)}\n`);
    return null;
  }
}

/** Whether an error is the database going away (the command then exits EXIT.database). */
export async function isDatabaseGone(e: unknown): Promise<boolean> {
  const { isConnectionError, DatabaseUnavailableError } = await import('../fleet/connection.js');
  return e instanceof DatabaseUnavailableError || isConnectionError(e);
}

/** `--path-map FROM=TO`, repeatable; null after a usage error. */
export function pathMapOption(values: string[] | undefined, io: CliIo, prog: string): Array<[string, string]> | null {
  const out: Array<[string, string]> = [];
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) {
      io.stderr.write(`${prog}: --path-map wants FROM=TO (the share's path in the database = its path here), not ${escapeTerminal(v)}\n`);
      return null;
    }
    out.push([v.slice(0, eq), v.slice(eq + 1)]);
  }
  return out;
}
