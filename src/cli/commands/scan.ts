// `dumptriage scan <dir>`: bulk scan of a dump share — parallel, incremental, grouped.
// Summary table on stdout (or NDJSON with --json), progress on a TTY stderr, --csv / --report files.

import { listOption } from '../list-options.js';
import { ANALYSIS_FLAGS, SYMBOL_FLAGS, analysisCliOptions, withAnalysisOptions } from '../analysis-options.js';
import { PathFilter } from '../../scan/glob.js';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { symbolProgressPrinter } from '../symbol-options.js';
import { resolve } from 'node:path';
import type { CommandDef } from '../command.js';
import { EXIT, type CliIo } from '../io.js';
import { ShareScan, type ScanOptions } from '../../scan/scan.js';
import type { DumpDigest } from '../../scan/digest.js';
import { ProgressBar } from '../../scan/progress.js';
import { renderScanText } from '../../scan/render-text.js';
import { csvHeader, csvRow } from '../../scan/csv.js';
import { htmlReportParts } from '../../scan/report-html.js';
import { ReportDumpStore } from '../../scan/report-store.js';
import { SqliteUnavailableError } from '../../scan/sqlite.js';
import { escapeTerminal } from '../../util/escape.js';
import { DB_OPTION_DESCRIPTION, dbTargetOption } from '../db-option.js';

/** NDJSON line of one file: the report is the same JSON as `dumptriage --json`. */
export function fileLine(path: string, d: DumpDigest, reused: boolean, reportJson: string | undefined): string {
  const head = { type: 'file', path, rel: d.rel, status: d.status, host: d.host, hostSource: d.hostSource, time: d.time, timeSource: d.timeSource, size: d.size, reused };
  const base = JSON.stringify(head).slice(0, -1);
  if (d.status === 'ok' && reportJson !== undefined) return `${base},"bucketId":${JSON.stringify(d.bucketId ?? null)},"report":${reportJson}}\n`;
  // --index-mode lean: a dump reused from the index has its digest but no stored report.
  if (d.status === 'ok') return `${base},"bucketId":${JSON.stringify(d.bucketId ?? null)},"report":null,"reportStored":false}\n`;
  return `${base},"error":${JSON.stringify(d.error ?? null)}}\n`;
}

/**
 * Write to stdout, waiting for it to drain when it says so (a pipe to a slow reader): the NDJSON
 * of a share is hundreds of MiB, which must not pile up in this process.
 */
function writeOut(out: CliIo['stdout'], text: string): Promise<void> | undefined {
  if (out.write(text) !== false) return undefined;
  const s = out as Partial<NodeJS.WritableStream>;
  if (typeof s.once !== 'function' || typeof s.removeListener !== 'function') return undefined;
  return new Promise<void>((res) => {
    const done = (): void => {
      s.removeListener!('drain', done);
      s.removeListener!('error', done);
      res();
    };
    s.once!('drain', done);
    s.once!('error', done);
  });
}

/**
 * An output file named by --csv or --report, opened before the scan starts: a path that cannot be
 * written is a usage error at once, not a trace (or a whole scan thrown away) at the end.
 */
export async function openOutput(path: string, what: string, io: CliIo): Promise<FileHandle | null> {
  try {
    return await open(path, 'w');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'its folder does not exist' : err.code === 'EISDIR' ? 'it is a folder' : err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied' : (err.code ?? err.message);
    io.stderr.write(`dumptriage scan: cannot write the ${what} to ${escapeTerminal(path)}: ${why}\n`);
    return null;
  }
}

/** The HTML report, written as it is rendered (a page of 100,000 dumps is ~30 MiB). */
export async function writeReport(fh: FileHandle, parts: Iterable<string>): Promise<void> {
  try {
    let buf = '';
    for (const part of parts) {
      buf += part;
      if (buf.length >= 1 << 18) {
        await fh.write(buf);
        buf = '';
      }
    }
    if (buf) await fh.write(buf);
  } finally {
    await fh.close();
  }
}

function endStream(s: WriteStream): Promise<void> {
  return new Promise((res, rej) => {
    s.once('error', rej);
    s.end(() => res());
  });
}

export const scanCommand: CommandDef = {
  command: 'scan <dir>',
  describe: 'Scan a dump share: parallel, incremental, grouped in buckets',
  builder: (y) =>
    withAnalysisOptions(y)
      .positional('dir', { type: 'string', describe: 'folder to scan (e.g. a share with one folder per host)' })
      .option('json', { type: 'boolean', default: false, describe: 'NDJSON: one line per file found, then a summary line' })
      .option('csv', { type: 'string', describe: 'also write one CSV row per file to FILE' })
      .option('report', { type: 'string', describe: 'also write a self-contained HTML report to FILE' })
      .option('jobs', { alias: 'j', type: 'number', describe: 'parallel worker threads (default: the cores less one, at least one; a small share is triaged in the main thread)' })
      .option('follow-symlinks', { type: 'boolean', default: false, describe: 'follow symbolic links (loops are detected)' })
      .option('include', { type: 'string', requiresArg: true, describe: 'only files matching this glob (root-relative; no "/" = base name); repeat for more' })
      .option('exclude', { type: 'string', requiresArg: true, describe: 'leave out files and folders matching this glob; repeat for more' })
      .option('host-pattern', { type: 'string', describe: 'regex over the relative path; group 1 is the host (default "^([^/]+)/": first folder)' })
      .option('host-from', { choices: ['auto', 'path', 'dump'], default: 'auto', describe: 'host name: the dump\'s own when it has one (auto), or only the path, or only the dump' })
      .option('db', { type: 'string', describe: `${DB_OPTION_DESCRIPTION}: queue new and changed files there for \`dumptriage worker\` (with -j N, also work them here) instead of the local index` })
      .option('index', { type: 'string', describe: 'index file (default <dir>/.dumptriage/index.sqlite); --no-index keeps nothing' })
      .option('index-mode', { choices: ['full', 'lean'], default: 'full', describe: 'full: the index keeps each report (query --reports, --json of reused dumps); lean: digests only, for big shares' })
      .option('rescan', { type: 'boolean', default: false, describe: 're-read every file, ignoring unchanged entries in the index' })
      .option('wait', { type: 'boolean', default: true, describe: 'when another scan is writing the index, wait for it (default); --no-wait stops with an error (exit 1)' })
      .option('strict', { type: 'boolean', default: false, describe: 'exit 1 when any file failed' })
      .option('ordered', { type: 'boolean', default: false, describe: 'output in walk order instead of completion order' })
      .option('now', { type: 'string', describe: 'reference date for trends (default: the newest crash)' })
      .option('timeout', { type: 'number', default: 120, describe: 'seconds per file before giving up on it (0 = none)' })
      .option('slow-io-ms', { type: 'number', default: 2, describe: 'blocked ms per file from which workers read several files at once (network shares; 0 = from the start)' })
      .option('workers', { choices: ['auto', 'threads', 'inline'], default: 'auto', hidden: true })
      .option('vm-logs', { type: 'string', requiresArg: true, describe: 'a vmware.log / hostd.log / vmkernel.log file or folder to correlate each dump with (repeat for more)' })
      .group(['json', 'csv', 'report', 'strict', 'ordered'], 'Output:')
      .group(['db', 'jobs', 'follow-symlinks', 'include', 'exclude', 'host-pattern', 'host-from', 'index', 'index-mode', 'rescan', 'wait', 'now', 'timeout', 'slow-io-ms'], 'Scan:')
      .group([...ANALYSIS_FLAGS, 'vm-logs'], 'Analysis:')
      .group([...SYMBOL_FLAGS], 'Symbols:'),
  run: async (args, io) => {
    const dir = resolve(String(args.dir));
    try {
      if (!(await stat(dir)).isDirectory()) {
        io.stderr.write(`dumptriage scan: ${escapeTerminal(dir)} is not a folder\n`);
        return EXIT.usage;
      }
    } catch (e) {
      io.stderr.write(`dumptriage scan: cannot open ${escapeTerminal(dir)}: ${(e as Error).message}\n`);
      return EXIT.usage;
    }
    if (args.jobs !== undefined && (!Number.isInteger(args.jobs) || (args.jobs as number) < 1)) {
      io.stderr.write('dumptriage scan: --jobs wants a whole number ≥ 1\n');
      return EXIT.usage;
    }
    const slowIoMs = Number(args.slowIoMs ?? 2);
    if (!Number.isFinite(slowIoMs) || slowIoMs < 0) {
      io.stderr.write('dumptriage scan: --slow-io-ms wants a number of milliseconds ≥ 0\n');
      return EXIT.usage;
    }
    if (args.now !== undefined && !Number.isFinite(Date.parse(String(args.now)))) {
      io.stderr.write(`dumptriage scan: --now is not a date: ${escapeTerminal(String(args.now))}\n`);
      return EXIT.usage;
    }
    const analysis = await analysisCliOptions(args, io, 'dumptriage scan');
    if (analysis === null) return EXIT.usage;
    // A bad glob is a usage error before the index is opened or a file is read.
    try {
      new PathFilter(listOption(args.include), listOption(args.exclude));
    } catch (e) {
      io.stderr.write(`dumptriage scan: ${escapeTerminal((e as Error).message)}\n`);
      return EXIT.usage;
    }
    let hostPattern: RegExp | undefined;
    if (args.hostPattern !== undefined) {
      try {
        hostPattern = new RegExp(String(args.hostPattern), 'i');
      } catch (e) {
        io.stderr.write(`dumptriage scan: bad --host-pattern: ${(e as Error).message}\n`);
        return EXIT.usage;
      }
    }
    if (analysis.symbolPaths || analysis.symbolPath) (await import('../../triage-file.js')).setSymbolProgressListener(symbolProgressPrinter(io, 'dumptriage scan'));
    const dbTarget = await dbTargetOption(args.db, io, 'dumptriage scan');
    if (dbTarget === null) return EXIT.usage;
    if (dbTarget) {
      for (const [flag, given] of [['--csv', args.csv !== undefined], ['--ordered', Boolean(args.ordered)], ['--index', typeof args.index === 'string'], ['--vm-logs', args.vmLogs !== undefined]] as const) {
        if (given) {
          io.stderr.write(`dumptriage scan: ${flag} does not go with --db (query --db --json lists every file)\n`);
          return EXIT.usage;
        }
      }
      const reportFile = args.report !== undefined ? await openOutput(String(args.report), 'HTML report', io) : undefined;
      if (reportFile === null) return EXIT.usage;
      const { scanIntoDb } = await import('./scan-db.js');
      return scanIntoDb(
        {
          dir,
          target: dbTarget,
          include: listOption(args.include),
          exclude: listOption(args.exclude),
          followSymlinks: Boolean(args.followSymlinks),
          rescan: Boolean(args.rescan),
          ...(hostPattern ? { hostPattern } : {}),
          hostFrom: args.hostFrom as 'auto' | 'path' | 'dump',
          ...(args.jobs !== undefined ? { jobs: Number(args.jobs) } : {}),
          timeoutMs: Math.max(0, Number(args.timeout ?? 120)) * 1000,
          workers: args.workers as 'auto' | 'threads' | 'inline',
          triage: analysis,
          json: Boolean(args.json),
          ...(args.now !== undefined ? { now: String(args.now) } : {}),
          ...(reportFile ? { reportFile, reportPath: resolve(String(args.report)) } : {}),
          writeReport,
        },
        io,
      );
    }
    const progress = new ProgressBar(io.stderr);
    const opts: ScanOptions = {
      jobs: args.jobs as number | undefined,
      followSymlinks: Boolean(args.followSymlinks),
      include: listOption(args.include),
      exclude: listOption(args.exclude),
      hostPattern,
      hostFrom: args.hostFrom as 'auto' | 'path' | 'dump',
      index: args.index === false ? false : (args.index as string | undefined),
      indexMode: args.indexMode === 'lean' ? 'lean' : 'full',
      // A total for the progress bar: a counting pass beside the walk, only when a bar is drawn.
      countTotal: progress.enabled,
      rescan: Boolean(args.rescan),
      waitForIndex: args.wait !== false,
      ordered: Boolean(args.ordered),
      now: args.now as string | undefined,
      timeoutMs: Math.max(0, Number(args.timeout ?? 120)) * 1000,
      slowIoMs,
      // One scan per process: nothing would adopt parked workers.
      keepWorkersMs: 0,
      workers: args.workers as 'auto' | 'threads' | 'inline',
      vmLogs: listOption(args.vmLogs),
      ...analysis,
      onProgress: (p) => progress.update(p),
      onWarning: (m) => {
        progress.finish();
        io.stderr.write(`dumptriage scan: warning: ${escapeTerminal(m)}\n`);
      },
    };
    const csvFile = args.csv !== undefined ? await openOutput(String(args.csv), 'CSV', io) : undefined;
    if (csvFile === null) return EXIT.usage;
    const reportFile = args.report !== undefined ? await openOutput(String(args.report), 'HTML report', io) : undefined;
    if (reportFile === null) {
      await csvFile?.close();
      return EXIT.usage;
    }
    const scan = new ShareScan(dir, opts);
    let csv: WriteStream | undefined;
    let csvError: Error | undefined;
    if (csvFile) {
      csv = csvFile.createWriteStream();
      // A write that fails later (a full disk) ends the scan with a message, not an unhandled event.
      csv.on('error', (e) => (csvError ??= e));
      csv.write(csvHeader());
    }
    // --report lists every file: they wait in a temporary database, not in the heap.
    const reportDumps = args.report !== undefined ? new ReportDumpStore() : undefined;
    const failures: DumpDigest[] = [];
    try {
      try {
        for await (const item of scan) {
          const d = item.digest;
          if (args.json) await writeOut(io.stdout, fileLine(item.path, d, item.reused, d.status === 'ok' ? item.reportJson() : undefined));
          if (csvError) throw new Error(`cannot write the CSV to ${String(args.csv)}: ${(csvError as NodeJS.ErrnoException).code ?? csvError.message}`);
          if (csv) await writeOut(csv, csvRow(d));
          reportDumps?.add(d);
          // The summary lists the first 20 failures (the count is the summary's): no more are kept.
          if (d.status === 'error' && failures.length < 20) failures.push(d);
        }
      } catch (e) {
        progress.finish();
        io.stderr.write(`dumptriage scan: ${escapeTerminal((e as Error).message)}${e instanceof SqliteUnavailableError ? '; or scan with --no-index' : ''}\n`);
        if (csv) await endStream(csv).catch(() => undefined);
        // --index PATH without better-sqlite3: this installation cannot do what was asked (as query).
        return e instanceof SqliteUnavailableError ? EXIT.usage : EXIT.badInput;
      }
      progress.finish();
      if (csv) await endStream(csv);
      const summary = scan.summary!;
      if (args.json) {
        io.stdout.write(`${JSON.stringify({ type: 'summary', ...summary })}\n`);
      } else {
        io.stdout.write(renderScanText(summary, failures));
      }
      if (reportFile && reportDumps) {
        const parts = htmlReportParts({ root: dir, generated: new Date().toISOString(), counts: summary, groups: summary.groups, dumps: reportDumps });
        try {
          await writeReport(reportFile, parts);
        } catch (e) {
          io.stderr.write(`dumptriage scan: cannot write the HTML report to ${escapeTerminal(String(args.report))}: ${escapeTerminal((e as NodeJS.ErrnoException).code ?? (e as Error).message)}\n`);
          return EXIT.badInput;
        }
        if (!args.json) io.stdout.write(`\nHTML report: ${escapeTerminal(resolve(String(args.report)))}\n`);
      }
      return args.strict && summary.failed > 0 ? EXIT.badInput : EXIT.ok;
    } finally {
      reportDumps?.close();
      await reportFile?.close().catch(() => undefined);
    }
  },
};
