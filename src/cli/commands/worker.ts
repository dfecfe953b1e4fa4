// `dumptriage worker --db URL`: triage jobs from the shared queue (src/fleet/fleet-worker.ts)
// until stopped (SIGTERM, SIGINT), or until the queue is drained with --once.

import { listOption } from '../list-options.js';
import { ANALYSIS_FLAGS, SYMBOL_FLAGS, analysisCliOptions, withAnalysisOptions } from '../analysis-options.js';
import type { CommandDef } from '../command.js';
import { EXIT } from '../io.js';
import { escapeTerminal } from '../../util/escape.js';
import { DB_OPTION_DESCRIPTION, dbTargetOption, isDatabaseGone, openStoreOption, pathMapOption } from '../db-option.js';

const PROG = 'dumptriage worker';

function positive(v: unknown, name: string, whole: boolean): string | undefined {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (whole && !Number.isInteger(n))) return `--${name} wants a ${whole ? 'whole number' : 'number'} > 0`;
  return undefined;
}

export const workerCommand: CommandDef = {
  command: 'worker',
  describe: 'Triage files from the shared PostgreSQL queue (filled by scan --db) until stopped',
  builder: (y) =>
    withAnalysisOptions(y)
      .option('db', { type: 'string', describe: DB_OPTION_DESCRIPTION })
      .option('jobs', { alias: 'j', type: 'number', describe: 'parallel worker threads (default: the cores less one, at least one)' })
      .option('once', { type: 'boolean', default: false, describe: 'stop once nothing is queued, running or waiting for a retry' })
      .option('path-map', { type: 'string', requiresArg: true, describe: 'FROM=TO: the share is at TO here where the database says FROM (repeatable)' })
      .option('lease', { type: 'number', default: 30, describe: 'seconds a claimed job stays ours without a heartbeat (a dead worker\'s jobs come back after it)' })
      .option('max-attempts', { type: 'number', default: 5, describe: 'attempts before a failing file is dead (query status lists it with its last error)' })
      .option('retry-delay', { type: 'number', default: 10, describe: 'seconds before the first retry of a failed file; doubled at each attempt' })
      .option('poll', { type: 'number', default: 1, describe: 'seconds between looks at an empty queue' })
      .option('timeout', { type: 'number', default: 120, describe: 'seconds per file before giving up on it (0 = none)' })
      .option('host-pattern', { type: 'string', describe: 'regex over the path relative to the scanned folder; group 1 is the host (default "^([^/]+)/")' })
      .option('host-from', { choices: ['auto', 'path', 'dump'], default: 'auto', describe: 'host name: the dump\'s own when it has one (auto), or only the path, or only the dump' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no line per event on stderr' })
      .option('workers', { choices: ['auto', 'threads', 'inline'], default: 'auto', hidden: true })
      .group(['db', 'jobs', 'once', 'path-map', 'lease', 'max-attempts', 'retry-delay', 'poll', 'timeout', 'host-pattern', 'host-from', 'quiet'], 'Worker:')
      .group([...ANALYSIS_FLAGS], 'Analysis:')
      .group([...SYMBOL_FLAGS], 'Symbols:'),
  run: async (args, io) => {
    const target = await dbTargetOption(args.db, io, PROG);
    if (target === null) return EXIT.usage;
    if (target === undefined) {
      io.stderr.write(`${PROG}: give --db URL (or a bare --db with DATABASE_URL or the PG* variables set)\n`);
      return EXIT.usage;
    }
    for (const [name, whole] of [['lease', false], ['max-attempts', true], ['retry-delay', false], ['poll', false]] as const) {
      const key = name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
      const bad = positive(args[key], name, whole);
      if (bad) {
        io.stderr.write(`${PROG}: ${bad}\n`);
        return EXIT.usage;
      }
    }
    if (args.jobs !== undefined && (!Number.isInteger(args.jobs) || (args.jobs as number) < 1)) {
      io.stderr.write(`${PROG}: --jobs wants a whole number ≥ 1\n`);
      return EXIT.usage;
    }
    const pathMap = pathMapOption(listOption(args.pathMap), io, PROG);
    if (pathMap === null) return EXIT.usage;
    let hostPattern: RegExp | undefined;
    if (args.hostPattern !== undefined) {
      try {
        hostPattern = new RegExp(String(args.hostPattern), 'i');
      } catch (e) {
        io.stderr.write(`${PROG}: bad --host-pattern: ${(e as Error).message}\n`);
        return EXIT.usage;
      }
    }
    const triage = await analysisCliOptions(args, io, PROG);
    if (triage === null) return EXIT.usage;

    const store = await openStoreOption(target, io, PROG, 'dumptriage-worker');
    if (!store) return EXIT.database;
    const quiet = Boolean(args.quiet);
    const say = (m: string): void => {
      if (!quiet) io.stderr.write(`${PROG}: ${escapeTerminal(m)}\n`);
    };
    const stop = new AbortController();
    const onSignal = (sig: NodeJS.Signals): void => {
      if (stop.signal.aborted) process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
      say(`${sig}: giving the unfinished jobs back and stopping`);
      stop.abort();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    const { runFleetWorker } = await import('../../fleet/fleet-worker.js');
    try {
      say(`working for ${target.shown}${args.once ? ' until the queue is drained' : ' (SIGTERM or Ctrl-C to stop)'}`);
      const r = await runFleetWorker(store, {
        ...(args.jobs !== undefined ? { jobs: Number(args.jobs) } : {}),
        once: Boolean(args.once),
        leaseMs: Number(args.lease) * 1000,
        maxAttempts: Number(args.maxAttempts),
        retryBaseMs: Number(args.retryDelay) * 1000,
        pollMs: Number(args.poll) * 1000,
        timeoutMs: Math.max(0, Number(args.timeout ?? 120)) * 1000,
        pathMap,
        ...(hostPattern ? { hostPattern } : {}),
        hostFrom: args.hostFrom as 'auto' | 'path' | 'dump',
        workers: args.workers as 'auto' | 'threads' | 'inline',
        triage,
        signal: stop.signal,
        onLog: say,
      });
      say(`${r.workerId}: ${r.done} done, ${r.failed} failed (to retry), ${r.dead} dead, ${r.gone} gone, ${r.lost} lost to another worker${r.released ? `, ${r.released} given back` : ''}`);
      return EXIT.ok;
    } catch (e) {
      if (await isDatabaseGone(e)) {
        io.stderr.write(`${PROG}: lost the database ${escapeTerminal(target.shown)}: ${escapeTerminal((e as Error).message)}\n`);
        return EXIT.database;
      }
      throw e;
    } finally {
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
      await store.close();
    }
  },
};
