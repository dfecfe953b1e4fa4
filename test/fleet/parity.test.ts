// One share, two stores: the SQLite index of `scan` and the PostgreSQL database of `scan --db`
// with workers. `query` (buckets, modules, hosts, failures, one bucket, one host) and the HTML
// report must say the same from both (issue 15), through the built CLI.

import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_CLI } from '../helpers/built-cli.js';
import { postgresSkipMessage, startPostgres } from '../helpers/postgres.js';
import { FIXTURE_DUMPS, makeShare } from './share.js';

const pg = await startPostgres();
const cluster = 'why' in pg ? undefined : pg;
if ('why' in pg) console.warn(postgresSkipMessage(pg.why, 'the SQLite/PostgreSQL parity test is'));

const share = makeShare(36, { hosts: 3, extra: 2, prefix: 'dt-parity-' });
// A dump cut after 300 bytes (analysed: an incomplete dump), and a failure: an empty one.
writeFileSync(join(share.root, 'host01', 'Mini-cut.dmp'), readFileSync(FIXTURE_DUMPS[0]!).subarray(0, 300));
writeFileSync(join(share.root, 'host02', 'Mini-empty.dmp'), '');
const out = mkdtempSync(join(tmpdir(), 'dt-parity-out-'));
afterAll(async () => {
  share.remove();
  rmSync(out, { recursive: true, force: true });
  await cluster?.stop();
});

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [BUILT_CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`dumptriage ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** A query's JSON without the fields that name the store. */
function answer(text: string): unknown {
  return text
    .trim()
    .split('\n')
    .map((l) => {
      const { index: _i, db: _d, lastScan: _l, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}

describe.skipIf(!cluster)('the same share in SQLite and in PostgreSQL', () => {
  it('gives the same buckets, modules, hosts, failures and HTML report', async () => {
    const url = await cluster!.createDatabase(`parity${process.pid}`);
    const index = join(out, 'index.sqlite');
    cli(['scan', share.root, '--index', index, '--report', join(out, 'sqlite.html'), '--now', '2024-06-01']);
    cli(['scan', share.root, '--db', url, '-j', '1', '--report', join(out, 'pg.html'), '--now', '2024-06-01']);
    const sqlite = ['--index', index];
    const postgres = ['--db', url];
    const buckets = answer(cli(['query', '--json', '--now', '2024-06-01', ...sqlite])) as Array<{ buckets: Array<{ bucketId: string; count: number }>; files: number; dumps: number }>;
    expect(buckets[0]!.files).toBe(40);
    expect(buckets[0]!.dumps).toBe(37);
    expect(buckets[0]!.buckets.map((b) => b.count).reduce((a, b) => a + b)).toBe(37);
    expect(buckets[0]!.buckets.find((b) => b.bucketId === 'INCOMPLETE_DUMP_Unknown_Image')?.count).toBe(1);
    expect(answer(cli(['query', '--json', '--now', '2024-06-01', ...postgres]))).toEqual(buckets);
    for (const what of ['modules', 'hosts']) {
      expect(cli(['query', what, ...postgres]).split('\n').slice(1)).toEqual(cli(['query', what, ...sqlite]).split('\n').slice(1));
    }
    const failures = answer(cli(['query', 'failures', '--json', ...sqlite])) as Array<{ failures: Array<{ rel: string; error: { code: string } }> }>;
    expect(failures[0]!.failures.map((f) => [f.rel, f.error.code])).toEqual([['host02/Mini-empty.dmp', 'Truncated']]);
    expect(answer(cli(['query', 'failures', '--json', ...postgres]))).toEqual(failures);
    const first = buckets[0]!.buckets[0]!.bucketId;
    expect(answer(cli(['query', '--bucket', first, '--json', '--reports', ...postgres]))).toEqual(answer(cli(['query', '--bucket', first, '--json', '--reports', ...sqlite])));
    expect(answer(cli(['query', '--host', 'host02', '--json', ...postgres]))).toEqual(answer(cli(['query', '--host', 'host02', '--json', ...sqlite])));
    // The pages differ only in the minute they were generated.
    const page = (f: string): string => readFileSync(join(out, f), 'utf8').replace(/generated \d{4}-\d\d-\d\dT[\d:.]+Z/, 'generated T');
    const html = page('pg.html');
    expect(html).toContain(first);
    expect(html).toBe(page('sqlite.html'));
  }, 120_000);
});
