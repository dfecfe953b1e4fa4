// The PostgreSQL test harness (issue 15): test/helpers/postgres.ts starts a throwaway cluster
// (initdb in a temp dir, a free port on 127.0.0.1), SQL reaches it through psql and through the
// `pg` client when it is installed, databases can be created, a restart keeps the data, and stop()
// frees the port and deletes the dir. Without PostgreSQL (scripts/ensure-postgres.sh could not
// install it) or when it cannot start, the suite says so and skips.

import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { postgresSkipMessage, startPostgres } from '../helpers/postgres.js';

const pg = await startPostgres();
const cluster = 'why' in pg ? undefined : pg;
if ('why' in pg) console.warn(postgresSkipMessage(pg.why, 'the PostgreSQL harness test is'));

/** Resolves true when nothing listens on 127.0.0.1:port (we can bind it ourselves). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

interface PgClient {
  connect(): Promise<void>;
  query(q: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}
/** The npm `pg` client when node_modules has it (the name in a variable keeps it optional for Vite). */
async function pgClient(url: string): Promise<PgClient | undefined> {
  const name = 'pg';
  let mod: { default?: { Client: new (o: { connectionString: string }) => PgClient } };
  try {
    mod = (await import(name)) as typeof mod;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (module|package)|Failed to load url/.test((e as Error).message)) return undefined;
    throw e;
  }
  const Client = mod.default?.Client;
  return Client ? new Client({ connectionString: url }) : undefined;
}

describe.skipIf(!cluster)('throwaway PostgreSQL cluster', () => {
  const c = cluster!;
  afterAll(() => c.stop());

  it('starts quickly, on 127.0.0.1, with the throwaway settings', async () => {
    console.log(`throwaway PostgreSQL: find ${c.timings.ensureMs.toFixed(0)} ms, initdb ${c.timings.initdbMs.toFixed(0)} ms, start ${c.timings.startMs.toFixed(0)} ms (${c.url})`);
    expect(c.url).toBe(`postgres://postgres@127.0.0.1:${c.port}/postgres`);
    expect(await c.sql('select 1')).toBe('1');
    expect(await c.sql(`select current_setting('fsync') || ' ' || current_setting('listen_addresses') || ' ' || current_setting('unix_socket_directories')`)).toBe(`off 127.0.0.1 ${c.dir}`);
  });

  it('answers the pg client too, when it is installed', async (ctx) => {
    const client = await pgClient(c.url);
    if (!client) ctx.skip();
    await client!.connect();
    try {
      expect((await client!.query('select $1::int + 1 as n', [41])).rows).toEqual([{ n: 42 }]);
    } finally {
      await client!.end();
    }
  });

  it('creates databases, and keeps their data across a restart', async () => {
    const url = await c.createDatabase('jobs_test');
    expect(url).toBe(c.urlFor('jobs_test'));
    await c.sql('create table job (id serial primary key, name text not null); insert into job (name) values ($$a$$), ($$b$$)', { database: 'jobs_test' });
    await c.restart();
    expect(await c.sql('select string_agg(name, \',\' order by id) from job', { database: 'jobs_test' })).toBe('a,b');
    await expect(c.createDatabase('no"quotes')).rejects.toThrow(/database name/);
    await expect(c.sql('select * from missing_table')).rejects.toThrow(/missing_table/);
  });

  it('stops: the port is free and the temp dir is gone', async () => {
    const t = performance.now();
    await c.stop();
    console.log(`throwaway PostgreSQL: stop ${(performance.now() - t).toFixed(0)} ms`);
    expect(existsSync(c.dir)).toBe(false);
    expect(await portFree(c.port)).toBe(true);
    await c.stop(); // idempotent
  });
});
