// `dumptriage scan DIR --db URL`: queue the share's new and changed files in the shared
// database (src/fleet/fleet-scan.ts); with -j N also work the queue until it is drained; then
// the share's buckets, as the database has them, and --report from the database.

import type { FileHandle } from 'node:fs/promises';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { escapeTerminal } from '../../util/escape.js';
import type { DbTarget } from '../../fleet/connection.js';
import type { PgStore } from '../../fleet/pg-store.js';
import { Grouper } from '../../scan/group.js';
import { renderGroupsText } from '../../scan/render-text.js';
import type { TriageFileOptions } from '../../triage-file.js';
import { isDatabaseGone, openStoreOption } from '../db-option.js';

export interface ScanDbOptions {
  dir: string;
  target: DbTarget;
  include?: string[];
  exclude?: string[];
  followSymlinks: boolean;
  rescan: boolean;
  hostPattern?: RegExp;
  hostFrom: 'auto' | 'path' | 'dump';
  /** Work the queue here with this many threads (scan -j N); undefined: only queue. */
  jobs?: number;
  timeoutMs: number;
  workers: 'auto' | 'threads' | 'inline';
  triage: TriageFileOptions;
  json: boolean;
  now?: string;
  limit?: number;
  /** Already opened (openOutput), written from the database at the end. */
  reportFile?: FileHandle;
  reportPath?: string;
  writeReport(fh: FileHandle, parts: Iterable<string>): Promise<void>;
}

/** Counts, buckets and (for --report) the per-dump rows of the files under `dir`, from the database. */
export async function digestsUnder(store: PgStore, dir: string, now: string | undefined, forReport: boolean) {
  const grouper = new Grouper(now !== undefined ? { now } : {});
  const counts = { found: 0, dumps: 0, ok: 0, failed: 0, skipped: 0 };
  const { ReportDumpStore } = forReport ? await import('../../scan/report-store.js') : { ReportDumpStore: undefined };
  const dumps = ReportDumpStore ? new ReportDumpStore() : undefined;
  for await (const { digest: d } of store.digests({ under: dir })) {
    counts.found++;
    if (d.status === 'ok') counts.ok++;
    else if (d.status === 'error') counts.failed++;
    else counts.skipped++;
    if (d.status === 'ok' || d.error?.code !== 'NotADump') counts.dumps++;
    grouper.add(d);
    dumps?.add(d);
  }
  return { counts, groups: grouper.result(now !== undefined ? { now } : {}), dumps };
}

export async function scanIntoDb(o: ScanDbOptions, io: CliIo): Promise<number> {
  const prog = 'dumptriage scan';
  const store = await openStoreOption(o.target, io, prog, 'dumptriage-scan');
  if (!store) {
    await o.reportFile?.close().catch(() => undefined);
    return EXIT.database;
  }
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const { enqueueShare } = await import('../../fleet/fleet-scan.js');
    const previous = await store.lastScan(o.dir);
    const s = await enqueueShare(store, o.dir, {
      ...(o.include ? { include: o.include } : {}),
      ...(o.exclude ? { exclude: o.exclude } : {}),
      followSymlinks: o.followSymlinks,
      rescan: o.rescan,
      ...(o.hostPattern ? { hostPattern: o.hostPattern } : {}),
      hostFrom: o.hostFrom,
      onWarning: (m) => io.stderr.write(`${prog}: warning: ${escapeTerminal(m)}\n`),
    });
    let worked: import('../../fleet/fleet-worker.js').FleetWorkerResult | undefined;
    if (o.jobs !== undefined) {
      const { runFleetWorker } = await import('../../fleet/fleet-worker.js');
      worked = await runFleetWorker(store, {
        jobs: o.jobs,
        once: true,
        timeoutMs: o.timeoutMs,
        workers: o.workers,
        triage: o.triage,
        hostFrom: o.hostFrom,
        ...(o.hostPattern ? { hostPattern: o.hostPattern } : {}),
        signal: stop.signal,
        onLog: (m) => io.stderr.write(`${prog}: ${escapeTerminal(m)}\n`),
      });
    }
    const { counts, groups, dumps } = await digestsUnder(store, s.root, o.now, o.reportFile !== undefined);
    const queue = await store.pending();
    if (o.json) {
      io.stdout.write(`${JSON.stringify({ type: 'summary', db: o.target.shown, ...s, worked: worked ?? null, queue, ...counts, ...groups })}\n`);
    } else {
      io.stdout.write(
        `Scanned ${escapeTerminal(s.root)} into ${escapeTerminal(o.target.shown)}: ${s.found} files found, ${s.queued} queued (new or changed), ${s.unchanged} unchanged, ${s.removed} removed${s.unreadable ? `, ${s.unreadable} unreadable` : ''}${s.tooLong ? `, ${s.tooLong} with too long a path` : ''}\n`,
      );
      if (worked) io.stdout.write(`Worked here: ${worked.done} done, ${worked.failed} failed (to retry), ${worked.dead} dead\n`);
      io.stdout.write(`Queue: ${queue.due} due, ${queue.running} running, ${queue.waiting} waiting for a retry${queue.due + queue.running > 0 && !worked ? ' (dumptriage worker --db ... works them)' : ''}\n\n`);
      io.stdout.write(renderGroupsText(groups, { limit: o.limit ?? 20 }));
    }
    if (o.reportFile && dumps) {
      try {
        const { htmlReportParts } = await import('../../scan/report-html.js');
        const parts = htmlReportParts({
          root: s.root,
          generated: new Date().toISOString(),
          counts: { ...counts, read: s.queued, reused: s.unchanged, removed: s.removed },
          groups,
          dumps,
          previousScan: previous?.finished ? previous.started : null,
        });
        await o.writeReport(o.reportFile, parts);
      } catch (e) {
        io.stderr.write(`${prog}: cannot write the HTML report to ${escapeTerminal(o.reportPath ?? '')}: ${escapeTerminal((e as NodeJS.ErrnoException).code ?? (e as Error).message)}\n`);
        return EXIT.badInput;
      } finally {
        dumps.close();
      }
      if (!o.json) io.stdout.write(`\nHTML report: ${escapeTerminal(o.reportPath ?? '')}\n`);
    }
    return EXIT.ok;
  } catch (e) {
    if (await isDatabaseGone(e)) {
      const { dbErrorText } = await import('../../fleet/connection.js');
      io.stderr.write(`${prog}: lost the database ${escapeTerminal(o.target.shown)}: ${escapeTerminal(dbErrorText(e))}\n`);
      return EXIT.database;
    }
    throw e;
  } finally {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    await o.reportFile?.close().catch(() => undefined);
    await store.close();
  }
}
