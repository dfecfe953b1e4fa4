// Many machines, one database (issue 15), through the built CLI in child processes against a
// real PostgreSQL: `scan --db` queues a share, `worker --db` processes drain it. A worker killed
// with SIGKILL mid-way loses nothing (its jobs come back when its lease runs out) and nothing is
// analysed twice; a worker whose connection the server drops reconnects; SIGTERM gives the
// claimed jobs back; a second scanner of an overlapping share adds no work; a rescan after 10
// files changed triages those 10.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { BUILT_CLI } from '../helpers/built-cli.js';
import { postgresSkipMessage, startPostgres } from '../helpers/postgres.js';
import { makeShare, touch, type Share } from './share.js';

const pg = await startPostgres();
const cluster = 'why' in pg ? undefined : pg;
if ('why' in pg) console.warn(postgresSkipMessage(pg.why, 'the PostgreSQL worker tests are'));
afterAll(() => cluster?.stop());

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let dbs = 0;
async function database(): Promise<{ url: string; name: string }> {
  const name = `w${process.pid}_${++dbs}`;
  return { url: await cluster!.createDatabase(name), name };
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BUILT_CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Running {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
}
function startWorker(url: string, extra: string[] = []): Running {
  const child = spawn(process.execPath, [BUILT_CLI, 'worker', '--db', url, '-j', '1', '--lease', '2', '--poll', '0.2', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, stderr: () => err, exit };
}

async function q(name: string, sql: string): Promise<string> {
  return cluster!.sql(sql, { database: name });
}

async function until(what: string, fn: () => Promise<boolean>, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function share(count: number): Share {
  const s = makeShare(count, { hosts: 20 });
  cleanups.push(() => s.remove());
  return s;
}

describe.skipIf(!cluster)('scan --db and worker --db', () => {
  it('3 workers over 2,000 dumps, one killed with SIGKILL mid-way: every file analysed exactly once', async () => {
    const { url, name } = await database();
    const s = share(2000);
    const scan = cli(['scan', s.root, '--db', url]);
    expect(scan.stderr).toBe('');
    expect(scan.status).toBe(0);
    expect(scan.stdout).toContain('2000 files found, 2000 queued (new or changed), 0 unchanged');
    const workers = [startWorker(url, ['--once']), startWorker(url, ['--once']), startWorker(url, ['--once'])];
    // Kill one once it has committed some results and holds claims.
    await until('the first worker to commit 100 results', async () => Number(await q(name, "SELECT coalesce(max(done), 0) FROM dt_workers")) >= 100);
    const victimId = await q(name, 'SELECT id FROM dt_workers ORDER BY done DESC LIMIT 1');
    const victimPid = Number(victimId.split(':')[1]);
    const victim = workers.find((w) => w.child.pid === victimPid)!;
    expect(victim).toBeDefined();
    victim.child.kill('SIGKILL');
    const held = Number(await q(name, `SELECT count(*) FROM dt_jobs WHERE claimed_by = '${victimId}' AND state = 'running'`));
    expect(held).toBeGreaterThan(0);
    const others = workers.filter((w) => w !== victim);
    const codes = await Promise.all(others.map((w) => w.exit));
    expect(codes).toEqual([0, 0]);
    expect(await q(name, "SELECT state || ' ' || count(*) FROM dt_jobs GROUP BY state")).toBe('done 2000');
    // Exactly once: one committed result per file, none lost, none twice.
    expect(await q(name, 'SELECT count(*) || ' + "' '" + ' || min(analyses) || ' + "' '" + ' || max(analyses) FROM dt_files WHERE status IS NOT NULL')).toBe('2000 1 1');
    // The victim's claims went back to the queue (its lease ran out) and were done by the others.
    expect(others.map((w) => w.stderr()).join('')).not.toMatch(/internal error|Error:/);
    const status = JSON.parse(cli(['query', 'status', '--db', url, '--json']).stdout) as { jobs: Record<string, number>; workers: Array<{ id: string; state: string }> };
    expect(status.jobs).toEqual({ queued: 0, running: 0, done: 2000, failed: 0, dead: 0 });
    expect(status.workers.find((w) => w.id === victimId)?.state).toBe('running'); // it never said goodbye
    expect(status.workers.filter((w) => w.state === 'stopped').length).toBe(2);
  }, 180_000);

  it('a worker whose database connection is dropped reconnects and finishes', async () => {
    const { url, name } = await database();
    const s = share(1500);
    expect(cli(['scan', s.root, '--db', url]).status).toBe(0);
    const w = startWorker(url, ['--once']);
    await until('100 results', async () => Number(await q(name, 'SELECT count(*) FROM dt_files WHERE status IS NOT NULL')) >= 100);
    // Its connections dropped by the server, then the server away for a moment (a restart).
    expect(Number(await q(name, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'dumptriage-worker'"))).toBeGreaterThan(0);
    await cluster!.restart();
    expect(await w.exit, w.stderr()).toBe(0);
    expect(w.stderr()).toMatch(/database connection lost .*; reconnecting/);
    expect(w.stderr()).toMatch(/database connection back/);
    expect(await q(name, "SELECT count(*) FROM dt_jobs WHERE state = 'done'")).toBe('1500');
    expect(await q(name, 'SELECT max(analyses) FROM dt_files')).toBe('1');
  }, 120_000);

  it('SIGTERM gives the claimed jobs back and stops cleanly', async () => {
    const { url, name } = await database();
    const s = share(600);
    expect(cli(['scan', s.root, '--db', url]).status).toBe(0);
    const w = startWorker(url);
    await until('30 results', async () => Number(await q(name, 'SELECT count(*) FROM dt_files WHERE status IS NOT NULL')) >= 30);
    w.child.kill('SIGTERM');
    expect(await w.exit).toBe(0);
    expect(w.stderr()).toMatch(/SIGTERM: giving the unfinished jobs back/);
    expect(await q(name, "SELECT count(*) FROM dt_jobs WHERE state = 'running' OR claimed_by IS NOT NULL")).toBe('0');
    expect(await q(name, "SELECT state FROM dt_workers")).toBe('stopped');
    const left = Number(await q(name, "SELECT count(*) FROM dt_jobs WHERE state = 'queued'"));
    expect(left).toBeGreaterThan(0);
    expect(left + Number(await q(name, "SELECT count(*) FROM dt_jobs WHERE state = 'done'"))).toBe(600);
  }, 120_000);

  it('a second scanner of an overlapping share adds no work; a rescan after 10 files changed triages 10', async () => {
    const { url, name } = await database();
    const s = share(200);
    expect(cli(['scan', `${s.root}/host03`, '--db', url]).stdout).toContain('10 files found, 10 queued');
    // The whole share, worked here with -j 1: the 10 already queued are not queued again.
    const all = cli(['scan', s.root, '--db', url, '-j', '1']);
    expect(all.status).toBe(0);
    expect(all.stdout).toContain('200 files found, 190 queued (new or changed), 10 unchanged');
    expect(all.stdout).toContain('Worked here: 200 done');
    expect(await q(name, 'SELECT count(*) FROM dt_jobs')).toBe('200');
    const touched = s.files.slice(100, 110);
    for (const f of touched) touch(f, new Date('2026-06-01T00:00:00Z'));
    const re = cli(['scan', s.root, '--db', url, '-j', '1', '--json']);
    const summary = JSON.parse(re.stdout) as { found: number; queued: number; unchanged: number; worked: { done: number } };
    expect(summary).toMatchObject({ found: 200, queued: 10, unchanged: 190, worked: { done: 10 } });
    expect(await q(name, 'SELECT count(*) FROM dt_files WHERE analyses = 1')).toBe('200');
    expect(await q(name, `SELECT count(*) FROM dt_files WHERE result_mtime_ms = ${Date.parse('2026-06-01T00:00:00Z')}`)).toBe('10');
  }, 120_000);

  it('an unreachable database is exit 3 with its address and no password; a bare --db reads DATABASE_URL', async () => {
    const s = share(4);
    const bad = cli(['scan', s.root, '--db', 'postgres://alice:hunter2@127.0.0.1:9/crashes']);
    expect(bad.status).toBe(3);
    expect(bad.stderr).toMatch(/^dumptriage scan: cannot reach the database postgres:\/\/alice:\*\*\*@127\.0\.0\.1:9\/crashes: /);
    expect(bad.stderr + bad.stdout).not.toContain('hunter2');
    expect(cli(['worker', '--db', 'postgres://u:hunter2@127.0.0.1:9/x', '--once']).status).toBe(3);
    expect(cli(['query', '--db', 'postgres://u:hunter2@127.0.0.1:9/x']).status).toBe(3);
    const { url } = await database();
    const viaEnv = cli(['scan', s.root, '--db'], { DATABASE_URL: url });
    expect(viaEnv.status).toBe(0);
    expect(viaEnv.stdout).toContain('4 files found, 4 queued');
    // `scan --db DIR`: the folder is taken for the connection string and the scan has no folder: usage.
    const folderFirst = cli(['scan', '--db', s.root]);
    expect(folderFirst.status).toBe(2);
    expect(folderFirst.stderr).toMatch(/need at least 1/);
    const noUrl = cli(['worker', '--db', s.root]);
    expect(noUrl.status).toBe(2);
    expect(noUrl.stderr).toMatch(/--db wants a postgres:\/\/ connection string .*a folder goes before --db/);
  }, 60_000);
});
