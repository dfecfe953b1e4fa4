// A real PostgreSQL for the tests (issue 15): a throwaway cluster per caller, from
// scripts/pg-throwaway-lib.mjs (shared with the CLI scripts/pg-throwaway.mjs). Its binaries come
// from scripts/ensure-postgres.sh (apt-get when missing, where it can); without them, or when the
// server cannot start, startPostgres returns { why } and the test skips with a visible message:
//
//   const pg = await startPostgres();
//   if ('why' in pg) console.warn(`\n*** PostgreSQL not available (${pg.why}): ... SKIPPED ***\n`);
//   describe.skipIf('why' in pg)(...); afterAll(() => pg.stop());
//
// The library is loaded by path from the project root, so this works from test/ (vitest) and from
// dist/test/ (the compiled benches), where a relative import of scripts/ would not resolve.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Lib from '../../scripts/pg-throwaway-lib.mjs';
import { PROJECT_ROOT } from './corpus.js';

export type { PgCluster, StartPostgresOptions } from '../../scripts/pg-throwaway-lib.mjs';

let lib: Promise<typeof Lib> | undefined;
function load(): Promise<typeof Lib> {
  lib ??= import(pathToFileURL(join(PROJECT_ROOT, 'scripts', 'pg-throwaway-lib.mjs')).href) as Promise<typeof Lib>;
  return lib;
}

/** Starts a throwaway cluster (initdb in a temp dir, a free port on 127.0.0.1), or says why it cannot. */
export async function startPostgres(opts?: Lib.StartPostgresOptions): Promise<Lib.PgCluster | { why: string }> {
  return (await load()).startPostgres(opts);
}

/** The message a skipping test prints. */
export function postgresSkipMessage(why: string, what: string): string {
  return `\n*** PostgreSQL not available (${why}): ${what} SKIPPED ***\n`;
}
