// Scale-out (issue 15): throughput of `worker --db` processes (1, 2 and 4, one thread each)
// draining a queue of N dumps, against `scan --no-index -j 1` of the same share (the one-machine
// baseline, in the same run), and the database's own cost per file: the CPU time of every
// PostgreSQL server process (from /proc) over the enqueue and over the whole drain, and the
// wall time of the queue's SQL alone (enqueue, claim, complete with a fixed result, no triage).
// Figures and the projection to 10^6 dumps a day: docs/scale.md.
// Run: `npm run build && node dist/bench/fleet.bench.js` (BENCH_FILES, default 3000).

import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from '../test/helpers/postgres.js';
import { makeShare } from '../test/fleet/share.js';
import { PgStore } from '../src/fleet/pg-store.js';
import { enqueueShare } from '../src/fleet/fleet-scan.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..', '..');
const CLI = join(root, 'dist', 'cli', 'main.js');
const FILES = Number(process.env.BENCH_FILES ?? 3000);
const TICK = 100; // USER_HZ on Linux

/**
 * User + system CPU (ms) of the cluster: its live server processes (named postgres) and, through
 * the postmaster's cutime/cstime, the backends that have exited (a worker's connections).
 */
function postgresCpuMs(postmasterPid: number): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (name !== 'postgres') continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14-17 of stat: utime, stime, cutime, cstime (here from index 11, after pid and comm).
      ticks += Number(f[11]) + Number(f[12]);
      if (Number(pid) === postmasterPid) ticks += Number(f[13]) + Number(f[14]);
    } catch {
      // Gone meanwhile.
    }
  }
  return (ticks * 1000) / TICK;
}

function runCli(args: string[]): void {
  const r = spawnSync(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dumptriage ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
}

function worker(url: string): Promise<void> {
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, [CLI, 'worker', '--db', url, '--once', '-j', '1', '--poll', '0.1', '-q'], { stdio: 'ignore' });
    c.on('exit', (code) => (code === 0 ? res() : rej(new Error(`worker exit ${code}`))));
  });
}

const pg = await startPostgres();
if ('why' in pg) {
  console.log(`PostgreSQL not available (${pg.why}): fleet bench skipped`);
  process.exit(0);
}
const postmaster = Number(readFileSync(join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
const cpu = (): number => postgresCpuMs(postmaster);
const share = makeShare(FILES, { hosts: 50, prefix: 'dt-fleet-bench-' });
try {
  console.log(`${FILES} dumps (the 4 sample dumps of dumps-fixtures, hard-linked), ${readdirSync(share.root).length} host folders`);
  // Baseline: one machine, no database, one worker thread.
  let t = performance.now();
  runCli(['scan', share.root, '--no-index', '-j', '1']);
  const local = performance.now() - t;
  console.log(`scan --no-index -j 1 (baseline): ${(local / 1000).toFixed(2)} s, ${((FILES / local) * 1000).toFixed(0)} files/s`);
  for (const n of [1, 2, 4]) {
    const url = await pg.createDatabase(`bench_w${n}`);
    const cpu0 = cpu();
    t = performance.now();
    runCli(['scan', share.root, '--db', url]);
    const enqueue = performance.now() - t;
    const cpu1 = cpu();
    t = performance.now();
    await Promise.all(Array.from({ length: n }, () => worker(url)));
    const drain = performance.now() - t;
    const cpu2 = cpu();
    const done = Number(await pg.sql("SELECT count(*) FROM dt_jobs WHERE state = 'done'", { database: `bench_w${n}` }));
    if (done !== FILES) throw new Error(`${n} workers: ${done} of ${FILES} done`);
    console.log(
      `${n} worker${n > 1 ? 's' : ' '}: scan --db ${(enqueue / 1000).toFixed(2)} s (db CPU ${((cpu1 - cpu0) / FILES).toFixed(3)} ms/file); ` +
        `drain ${(drain / 1000).toFixed(2)} s, ${((FILES / drain) * 1000).toFixed(0)} files/s, ${(drain / local).toFixed(2)}x the baseline's time; db CPU ${((cpu2 - cpu1) / FILES).toFixed(3)} ms/file`,
    );
  }
  // The queue's SQL alone: no triage, a fixed result.
  const url = await pg.createDatabase('bench_sql');
  const store = await PgStore.open({ url, shown: 'bench' });
  try {
    t = performance.now();
    await enqueueShare(store, share.root);
    const enq = performance.now() - t;
    const digest = { rel: 'x', status: 'ok' as const, size: 0, mtimeMs: 0, host: 'h', hostSource: 'path' as const, time: '2024-01-01T00:00:00.000Z', timeSource: 'dump' as const, bucketId: 'B' };
    // A real report: the sample x64 crash's --json (10 KB).
    const report = spawnSync(process.execPath, [CLI, '--json', join(root, 'dumps-fixtures', 'sample-app-crash-x64.dmp')], { encoding: 'utf8' }).stdout.trim();
    const cpu0 = cpu();
    t = performance.now();
    for (;;) {
      const jobs = await store.claim('bench', 32, 60_000);
      if (jobs.length === 0) break;
      await store.completeMany(jobs.map((job) => ({ job, digest, report })), 'bench');
    }
    const work = performance.now() - t;
    const cpu1 = cpu();
    console.log(`queue SQL alone, one connection: enqueue ${(enq / FILES).toFixed(3)} ms/file; claim and commit 32 at a time ${(work / FILES).toFixed(3)} ms/file wall, db CPU ${((cpu1 - cpu0) / FILES).toFixed(3)} ms/file`);
  } finally {
    await store.close();
  }
} finally {
  share.remove();
  await pg.stop();
}
