// `dumptriage query`: reads what scans stored, no rescanning: the SQLite index of a scanned
// folder (--dir, --index) or the shared PostgreSQL database (--db). Buckets (default), modules,
// hosts, failures, the dumps of one bucket (--bucket), a host's history (--host), and the job
// queue (`status`, PostgreSQL); --json for machines.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandDef } from '../command.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { ScanIndex } from '../../scan/index-db.js';
import { SqliteUnavailableError } from '../../scan/sqlite.js';
import { cacheIndexPath, defaultIndexPath } from '../../scan/scan.js';
import { Grouper } from '../../scan/group.js';
import type { DumpDigest } from '../../scan/digest.js';
import { renderDigestList, renderGroupsText } from '../../scan/render-text.js';
import { escapeTerminal } from '../../util/escape.js';
import { DB_OPTION_DESCRIPTION, dbTargetOption, isDatabaseGone, openStoreOption } from '../db-option.js';
import { pgDumpStore, sqliteDumpStore, type DumpStore } from '../../fleet/dump-store.js';
import type { QueueStatus } from '../../fleet/pg-store.js';

const PROG = 'dumptriage query';

/** The store named by the arguments; a number is the exit code after a message. */
async function openQueryStore(args: Record<string, unknown>, io: CliIo): Promise<DumpStore | number> {
  const target = await dbTargetOption(args.db, io, PROG);
  if (target === null) return EXIT.usage;
  if (target) {
    const store = await openStoreOption(target, io, PROG, 'dumptriage-query');
    if (!store) return EXIT.database;
    return pgDumpStore(store, args.dir !== undefined ? resolve(String(args.dir)) : undefined);
  }
  let path: string;
  if (args.index) path = resolve(String(args.index));
  else if (args.dir) {
    // A read-only share's scan keeps its index in the per-user cache (docs/scan.md).
    path = defaultIndexPath(String(args.dir));
    const cached = cacheIndexPath(String(args.dir));
    if (!existsSync(path) && existsSync(cached)) path = cached;
  } else {
    io.stderr.write(`${PROG}: give --index FILE or --dir DIR (a folder scanned before), or --db URL (the shared database)\n`);
    return EXIT.usage;
  }
  if (!existsSync(path)) {
    io.stderr.write(`${PROG}: no index at ${escapeTerminal(path)} (run dumptriage scan first)\n`);
    return EXIT.usage;
  }
  try {
    return sqliteDumpStore(ScanIndex.open(path, { readonly: true }), path);
  } catch (e) {
    io.stderr.write(`${PROG}: cannot open the index ${escapeTerminal(path)}: ${escapeTerminal((e as Error).message)}\n`);
    // No better-sqlite3 (an optional dependency): this installation cannot read an index.
    return e instanceof SqliteUnavailableError ? EXIT.usage : EXIT.badInput;
  }
}

function ago(s: number): string {
  return s < 120 ? `${Math.round(s)} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

function renderStatus(where: string, st: QueueStatus, limit: number): string {
  const t = escapeTerminal;
  const j = st.jobs;
  const out = [`Database ${t(where)}: ${st.files} files, ${st.analysed} analysed`, `Jobs: ${j.queued} queued, ${j.running} running, ${j.done} done, ${j.failed} failed (to retry), ${j.dead} dead`, ''];
  out.push(st.workers.length ? 'Workers (last heartbeat):' : 'No worker seen yet.');
  for (const w of st.workers.slice(0, limit)) {
    const lost = w.state === 'running' && w.secondsSinceSeen > 120;
    out.push(`  ${t(w.id).padEnd(36)} ${(lost ? 'lost?' : w.state).padEnd(8)} ${ago(w.secondsSinceSeen).padEnd(12)} ${w.running} running, since ${w.started}`);
  }
  if (st.dead.length) {
    out.push('', 'Dead (gave up; a changed file or scan --rescan queues it again):');
    for (const d of st.dead.slice(0, limit)) out.push(`  ${t(d.path)}  after ${d.attempts} attempts: ${t(d.lastError ?? '')}`);
  }
  if (st.failed.length) {
    out.push('', 'Failed, to retry:');
    for (const d of st.failed.slice(0, limit)) out.push(`  ${t(d.path)}  attempt ${d.attempts}, retry at ${d.retryAt}: ${t(d.lastError ?? '')}`);
  }
  return `${out.join('\n')}\n`;
}

export const queryCommand: CommandDef = {
  command: 'query [what]',
  describe: 'Query the scan index or the shared database without rescanning: buckets, the dumps of a bucket, a host\'s history, the job queue',
  builder: (y) =>
    y
      .positional('what', { choices: ['buckets', 'modules', 'hosts', 'failures', 'status'], default: 'buckets', describe: 'what to list (status: the job queue and workers of --db)' })
      .option('index', { type: 'string', describe: 'index file written by dumptriage scan' })
      .option('dir', { type: 'string', describe: 'scanned folder (its index is <dir>/.dumptriage/index.sqlite, or in the per-user cache for a read-only share); with --db: only files under it' })
      .option('db', { type: 'string', describe: DB_OPTION_DESCRIPTION })
      .option('bucket', { type: 'string', describe: 'the dumps of this bucket id' })
      .option('host', { type: 'string', describe: 'this host\'s history' })
      .option('json', { type: 'boolean', default: false, describe: 'JSON output' })
      .option('reports', { type: 'boolean', default: false, describe: 'with --json and --bucket/--host: include each stored report' })
      .option('now', { type: 'string', describe: 'reference date for trends (default: the newest crash)' })
      .option('limit', { type: 'number', default: 50, describe: 'rows in human tables' }),
  run: async (args, io) => {
    const opened = await openQueryStore(args, io);
    if (typeof opened === 'number') return opened;
    const store = opened;
    try {
      return await runQuery(store, args, io);
    } catch (e) {
      if (store.kind === 'postgres' && (await isDatabaseGone(e))) {
        const { dbErrorText } = await import('../../fleet/connection.js');
        io.stderr.write(`${PROG}: lost the database ${escapeTerminal(store.where)}: ${escapeTerminal(dbErrorText(e))}\n`);
        return EXIT.database;
      }
      throw e;
    } finally {
      await store.close();
    }
  },
};

async function runQuery(store: DumpStore, args: Record<string, unknown>, io: CliIo): Promise<number> {
  const what = String(args.what ?? 'buckets');
  const where = store.where;
  const whereKey = store.kind === 'postgres' ? 'db' : 'index';
  if (what === 'status') {
    const st = await store.queueStatus();
    const last = await store.lastScan();
    if (!st) {
      const text = `Index ${escapeTerminal(where)}: a one-machine SQLite index has no job queue (scan --db and worker --db have one)${last ? `; last scan ${last.finished ?? last.started} of ${escapeTerminal(last.root)}` : ''}\n`;
      io.stdout.write(args.json ? `${JSON.stringify({ type: 'status', [whereKey]: where, queue: null, lastScan: last ?? null })}\n` : text);
      return EXIT.ok;
    }
    io.stdout.write(args.json ? `${JSON.stringify({ type: 'status', [whereKey]: where, lastScan: last ?? null, ...st })}\n` : renderStatus(where, st, Number(args.limit)));
    return EXIT.ok;
  }
  const last = await store.lastScan();
  const root = last?.root ?? '';
  if (args.bucket !== undefined || args.host !== undefined) {
    const filter: { bucket?: string; host?: string } = {};
    if (args.bucket !== undefined) filter.bucket = String(args.bucket);
    if (args.host !== undefined) filter.host = String(args.host);
    const files: Array<{ digest: DumpDigest; report(): Promise<string | undefined> }> = [];
    for await (const f of store.files(filter)) files.push(f);
    files.sort((a, b) => (a.digest.time < b.digest.time ? -1 : a.digest.time > b.digest.time ? 1 : 0));
    const list = files.map((f) => f.digest);
    if (args.json) {
      for (const f of files) {
        const rep = args.reports && f.digest.status === 'ok' ? await f.report() : undefined;
        const line = JSON.stringify({ type: 'file', ...f.digest });
        io.stdout.write(rep ? `${line.slice(0, -1)},"report":${rep}}\n` : `${line}\n`);
      }
      const g = new Grouper();
      list.forEach((d) => g.add(d));
      io.stdout.write(`${JSON.stringify({ type: 'summary', root, [whereKey]: where, files: list.length, ...g.result(args.now ? { now: String(args.now) } : {}) })}\n`);
    } else {
      const title = args.bucket !== undefined ? `Bucket ${escapeTerminal(String(args.bucket))}: ${list.length} files` : `Host ${escapeTerminal(String(args.host))}: ${list.length} files`;
      io.stdout.write(list.length ? renderDigestList(title, list) : `${title}\n`);
    }
    return list.length ? EXIT.ok : EXIT.badInput;
  }
  const g = new Grouper();
  const failures: DumpDigest[] = [];
  let files = 0;
  for await (const { digest: d } of store.files()) {
    files++;
    g.add(d);
    if (d.status === 'error') failures.push(d);
  }
  const groups = g.result(args.now ? { now: String(args.now) } : {});
  if (args.json) {
    const base = { type: 'summary', root, [whereKey]: where, lastScan: last ?? null, files };
    if (what === 'failures') io.stdout.write(`${JSON.stringify({ ...base, failures })}\n`);
    else io.stdout.write(`${JSON.stringify({ ...base, ...groups })}\n`);
    return EXIT.ok;
  }
  io.stdout.write(`${store.kind === 'postgres' ? 'Database' : 'Index'} ${escapeTerminal(where)}: ${files} files${last ? `, last scan ${last.finished ?? last.started} of ${escapeTerminal(root)}` : ''}\n\n`);
  if (what === 'failures') {
    io.stdout.write(failures.length ? renderDigestList(`${failures.length} failed files`, failures.slice(0, Number(args.limit))) : 'no failed files\n');
  } else if (what === 'modules') {
    io.stdout.write(renderGroupsText(groups, { limit: Number(args.limit), sections: ['modules', 'spray'] }));
  } else if (what === 'hosts') {
    io.stdout.write(renderGroupsText(groups, { limit: Number(args.limit), sections: ['hosts'] }));
  } else {
    io.stdout.write(renderGroupsText(groups, { limit: Number(args.limit) }));
  }
  return EXIT.ok;
}
