// The PostgreSQL store and job queue, through the library (src/fleet/), against a real
// PostgreSQL (a throwaway cluster: test/helpers/postgres.ts). Each test has a database of its own.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { postgresSkipMessage, startPostgres } from '../helpers/postgres.js';
import { PgStore, type ClaimedJob } from '../../src/fleet/pg-store.js';
import { enqueueShare } from '../../src/fleet/fleet-scan.js';
import { runFleetWorker } from '../../src/fleet/fleet-worker.js';
import { redactDbUrl, resolveDbTarget, DatabaseUnavailableError } from '../../src/fleet/connection.js';
import { makeShare, touch, type Share } from './share.js';
import { copyFileSync, mkdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_DUMPS } from './share.js';
import { localPath } from '../../src/fleet/fleet-worker.js';

const pg = await startPostgres();
const cluster = 'why' in pg ? undefined : pg;
if ('why' in pg) console.warn(postgresSkipMessage(pg.why, 'the PostgreSQL queue tests are'));
afterAll(() => cluster?.stop());

let dbs = 0;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freshStore(): Promise<{ store: PgStore; url: string }> {
  const url = await cluster!.createDatabase(`q${process.pid}_${++dbs}`);
  const store = await PgStore.open({ url, shown: redactDbUrl(url) });
  cleanups.push(() => store.close());
  return { store, url };
}

function share(count: number, opts: Parameters<typeof makeShare>[1] = {}): Share {
  const s = makeShare(count, opts);
  cleanups.push(() => s.remove());
  return s;
}

const sql = (url: string, q: string): Promise<string> => cluster!.sql(q, { database: new URL(url).pathname.slice(1) });

describe.skipIf(!cluster)('PostgreSQL store and queue', () => {
  it('queues each file once, however many scanners find it, and only new or changed files on a rescan', async () => {
    const { store, url } = await freshStore();
    const s = share(40, { hosts: 4, extra: 2 });
    // A scanner of one host's folder, then one of the whole share: the overlap is not queued twice.
    const a = await enqueueShare(store, `${s.root}/host01`);
    expect(a).toMatchObject({ found: 10, queued: 10, unchanged: 0 });
    const b = await enqueueShare(store, s.root);
    expect(b).toMatchObject({ found: 42, queued: 32, unchanged: 10, removed: 0 });
    expect(await sql(url, "SELECT count(*) FROM dt_jobs WHERE state = 'queued'")).toBe('42');
    // Work them all.
    const r = await runFleetWorker(store, { once: true, workers: 'inline', jobs: 2, pollMs: 50 });
    expect(r).toMatchObject({ done: 42, failed: 0, dead: 0, lost: 0 });
    expect([...(await store.analysisCounts(s.root)).values()].every((n) => n === 1)).toBe(true);
    // Nothing changed: nothing queued. Ten files touched: ten queued, ten analysed again.
    expect(await enqueueShare(store, s.root)).toMatchObject({ queued: 0, unchanged: 42 });
    const touched = s.files.filter((f) => f.endsWith('.dmp')).slice(5, 15);
    for (const f of touched) touch(f, new Date('2026-01-02T03:04:05Z'));
    expect(await enqueueShare(store, s.root)).toMatchObject({ queued: 10, unchanged: 32 });
    const again = await runFleetWorker(store, { once: true, workers: 'inline', jobs: 2, pollMs: 50 });
    expect(again.done).toBe(10);
    const counts = await store.analysisCounts(s.root);
    // A new version counts from 1 again: every file's current result was committed once.
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(await sql(url, `SELECT count(*) FROM dt_files WHERE mtime_ms = ${Date.parse('2026-01-02T03:04:05Z')} AND result_mtime_ms = mtime_ms`)).toBe('10');
    // A file deleted from the share is forgotten by the next scan.
    unlinkSync(touched[0]!);
    expect(await enqueueShare(store, s.root)).toMatchObject({ found: 41, removed: 1, queued: 0 });
  });

  it('gives concurrent claims disjoint jobs, and a result only to the claim that holds the job', async () => {
    const { store } = await freshStore();
    const s = share(30);
    await enqueueShare(store, s.root);
    const [a, b, c] = await Promise.all([store.claim('w1', 12, 60_000), store.claim('w2', 12, 60_000), store.claim('w3', 12, 60_000)]);
    const all = [...a, ...b, ...c].map((j) => j.path);
    expect(all.length).toBe(30);
    expect(new Set(all).size).toBe(30);
    // w1's lease runs out (made to, here): the job goes back and w2 takes it; w1's late result is refused.
    const job = a[0]!;
    await store['pool'].query("UPDATE dt_jobs SET lease_until = now() - interval '1 second' WHERE path = $1", [job.path]);
    expect(await store.reclaimExpired(5)).toBe(1);
    const [retaken] = await store.claim('w2', 1, 60_000);
    expect(retaken?.path).toBe(job.path);
    const digest = { rel: 'x', status: 'ok', size: job.size, mtimeMs: job.mtimeMs, host: null, hostSource: null, time: '2024-01-01T00:00:00.000Z', timeSource: 'mtime' } as const;
    expect(await store.complete(job, 'w1', { ...digest }, '{}')).toBe(false);
    expect(await store.complete(retaken!, 'w2', { ...digest }, '{}')).toBe(true);
    expect((await store.analysisCounts()).get(job.path)).toBe(1);
    // A worker that stops gives its claims back untouched.
    expect(await store.release(b)).toBe(b.length);
    const st = await store.status();
    expect(st.jobs.running).toBe(a.length - 1 + c.length);
    expect(st.jobs.queued).toBe(b.length);
  });

  it('retries a failing file with a backoff and keeps it dead with its last error after the last attempt', async () => {
    const { store } = await freshStore();
    const s = share(3);
    await enqueueShare(store, s.root);
    const [job] = (await store.claim('w', 1, 60_000)) as [ClaimedJob];
    expect(await store.fail(job, 'w', 'IoError: permission denied', 3, 60_000)).toBe('failed');
    let st = await store.status();
    expect(st.jobs.failed).toBe(1);
    // Not due before its backoff: the next claims take the others.
    const next = await store.claim('w', 5, 60_000);
    expect(next.map((j) => j.path)).not.toContain(job.path);
    expect(Date.parse(st.failed[0]!.retryAt) - Date.now()).toBeGreaterThan(50_000);
    // Due again (made to), failing twice more: dead, with the error.
    for (let i = 0; i < 2; i++) {
      await store['pool'].query('UPDATE dt_jobs SET run_after = now() WHERE path = $1', [job.path]);
      const [again] = await store.claim('w', 1, 60_000);
      expect(again?.path).toBe(job.path);
      expect(await store.fail(again!, 'w', `IoError: permission denied (${i})`, 3, 10)).toBe(i === 1 ? 'dead' : 'failed');
    }
    st = await store.status();
    expect(st.jobs.dead).toBe(1);
    expect(st.dead[0]).toMatchObject({ path: job.path, attempts: 3, lastError: 'IoError: permission denied (1)' });
    // The same version found again stays dead; a rescan queues it again.
    expect((await enqueueShare(store, s.root)).queued).toBe(0);
    expect((await enqueueShare(store, s.root, { rescan: true })).queued).toBe(3);
  });

  it('a worker stopped mid-way leaves no job claimed', async () => {
    const { store } = await freshStore();
    const s = share(200);
    await enqueueShare(store, s.root);
    const stop = new AbortController();
    let n = 0;
    const r = await runFleetWorker(store, {
      workers: 'inline',
      jobs: 2,
      pollMs: 50,
      signal: stop.signal,
      onJob: () => {
        if (++n === 20) stop.abort();
      },
    });
    expect(r.done).toBeGreaterThanOrEqual(20);
    expect(r.done).toBeLessThan(200);
    const st = await store.status();
    expect(st.jobs.running).toBe(0);
    expect(st.jobs.done + st.jobs.queued).toBe(200);
    expect(st.workers[0]).toMatchObject({ state: 'stopped', running: 0 });
  });

  it('finds the share where --path-map says it is mounted on the worker\'s machine', async () => {
    expect(localPath('/mnt/dumps/hostA/x.dmp', [['/mnt/dumps', '/srv/d']]).path).toBe('/srv/d/hostA/x.dmp');
    expect(localPath('/mnt/dumpsX/y.dmp', [['/mnt/dumps', '/srv/d']]).path).toBe('/mnt/dumpsX/y.dmp');
    // A name that is not valid UTF-8 is stored escaped; the worker opens its bytes.
    expect(localPath('/s/h/caf\\xe9.dmp').fsPath).toEqual(Buffer.from([...Buffer.from('/s/h/caf'), 0xe9, ...Buffer.from('.dmp')]));
    const { store } = await freshStore();
    const s = share(8);
    // The scanner sees the share through a link (its mount point); the worker's machine has it elsewhere.
    const mount = `${s.root}-mnt`;
    symlinkSync(s.root, mount);
    cleanups.push(() => unlinkSync(mount));
    await enqueueShare(store, mount);
    unlinkSync(mount);
    cleanups.pop();
    const lost = await runFleetWorker(store, { once: true, workers: 'inline', pollMs: 20, retryBaseMs: 1, maxAttempts: 1 });
    expect(lost.gone).toBe(8); // not there: forgotten
    expect((await store.status()).files).toBe(0);
    symlinkSync(s.root, mount);
    cleanups.push(() => unlinkSync(mount));
    await enqueueShare(store, mount);
    unlinkSync(mount);
    cleanups.pop();
    const r = await runFleetWorker(store, { once: true, workers: 'inline', pollMs: 20, pathMap: [[mount, s.root]] });
    expect(r).toMatchObject({ done: 8, gone: 0 });
    const files = [];
    for await (const f of store.digests()) files.push(f);
    expect(files.map((f) => f.path.startsWith(`${mount}/`))).toEqual(Array(8).fill(true));
    expect(files.every((f) => f.digest.status === 'ok')).toBe(true);
  });

  it('keeps hostile file names as escaped text, and a path too long to key out of the queue with a warning', async () => {
    const { store } = await freshStore();
    const s = share(2);
    // A name that is not UTF-8, with a newline and an escape sequence in it.
    const odd = Buffer.concat([Buffer.from(join(s.root, 'host00', 'a')), Buffer.from([0xff, 0x0a, 0x1b]), Buffer.from('[31mx.dmp')]);
    copyFileSync(FIXTURE_DUMPS[0]!, odd);
    let deep = join(s.root, 'host01');
    while (Buffer.byteLength(deep) < 2100) deep = join(deep, 'd'.repeat(200));
    mkdirSync(deep, { recursive: true });
    copyFileSync(FIXTURE_DUMPS[1]!, join(deep, 'Mini.dmp'));
    const warnings: string[] = [];
    const sum = await enqueueShare(store, s.root, { onWarning: (m) => warnings.push(m) });
    expect(sum).toMatchObject({ found: 4, queued: 3, tooLong: 1 });
    expect(warnings[0]).toMatch(/longer than 2048 bytes cannot be queued/);
    const r = await runFleetWorker(store, { once: true, workers: 'inline', pollMs: 20 });
    expect(r.done).toBe(3);
    const paths: string[] = [];
    for await (const f of store.digests()) paths.push(f.path);
    expect(paths).toContain(`${join(s.root, 'host00')}/a\\xff\\x0a\\x1b[31mx.dmp`);
    expect(paths.join('')).not.toMatch(/[\x00-\x1f]/);
  });

  it('never shows a password, and names an unreachable database', async () => {
    expect(redactDbUrl('postgres://alice:s3cr%40t@db.example:5432/crashes?sslmode=require')).toBe('postgres://alice:***@db.example:5432/crashes?sslmode=require');
    expect(redactDbUrl('postgres://alice:pw@h/db?password=other')).not.toMatch(/pw@|other/);
    expect(redactDbUrl('host=db user=alice password=hunter2 dbname=x')).toBe('host=db user=alice password=*** dbname=x');
    expect(resolveDbTarget('', { DATABASE_URL: 'postgresql://bob:pw@h/x' }).shown).toBe('postgresql://bob:***@h/x');
    expect(resolveDbTarget('', { PGHOST: 'dbhost', PGUSER: 'carol', PGPASSWORD: 'pw' }).shown).toBe('postgres://carol@dbhost:5432/carol (PG* variables)');
    expect(() => resolveDbTarget('/srv/share')).toThrow(/postgres:\/\//);
    // Nothing listens on port 9 of 127.0.0.1.
    const err = await PgStore.open({ url: 'postgres://alice:hunter2@127.0.0.1:9/x', shown: redactDbUrl('postgres://alice:hunter2@127.0.0.1:9/x') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(String((err as Error).message)).toMatch(/^cannot reach the database postgres:\/\/alice:\*\*\*@127\.0\.0\.1:9\/x: .*ECONNREFUSED/);
    expect(String((err as Error).message)).not.toContain('hunter2');
  });
});
