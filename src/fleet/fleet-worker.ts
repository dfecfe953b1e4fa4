// `dumptriage worker`: takes jobs from the shared queue and triages them, on any machine that
// sees the share (at the same path, or through `--path-map FROM=TO`). The analysis runs in the
// same worker-thread pool as a scan; this loop claims a few jobs per thread, commits each
// result with its job, and keeps its claims alive with a heartbeat.
//
// - A lost database connection: the loop logs it once, waits (0.5 s doubling to 10 s) and goes
//   on; a finished result waits in memory and is committed once the database is back, if its
//   claim is still ours (else another worker has the job, and this result is dropped).
// - A stop (SIGTERM, or `signal` in the library): no new claims; the jobs claimed and not yet
//   committed go back to the queue as they were, and the worker is marked stopped.
// - `once`: stop when the queue has nothing due, nothing running anywhere and nothing waiting
//   for a retry (a job of a dead worker comes back when its lease runs out).

import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createPool, type JobPool, type PoolMode } from '../scan/pool.js';
import type { TriageFileOptions } from '../triage-file.js';
import { digestFromOutcome, hostResolver } from '../scan/outcome-digest.js';
import { nameBytes } from '../scan/walk.js';
import { DEFAULT_HOST_PATTERN } from '../scan/scan.js';
import { errorInfo, failedOutcome, type JobOutcome } from '../scan/file-job.js';
import { dbErrorText, isConnectionError } from './connection.js';
import type { ClaimedJob, PgStore } from './pg-store.js';
import type { DumpDigest } from '../scan/digest.js';

/** Results committed in one transaction at most. */
const COMMIT_BATCH = 64;
/** How long a result waits for others to share its commit (ms). */
const COMMIT_DELAY_MS = 25;
/** Jobs claimed per worker thread at most: a commit's worth, so the threads never wait for a claim. */
const CLAIMS_PER_THREAD = 32;

export interface FleetWorkerOptions {
  /** Worker threads (default: the number of cores). */
  jobs?: number;
  /** Stop when the queue is drained (see above) instead of waiting for more. */
  once?: boolean;
  /** How long a claim lasts without a heartbeat (ms); default 30 000. */
  leaseMs?: number;
  /** Attempts before a job is dead; default 5. */
  maxAttempts?: number;
  /** First retry delay (ms), doubled at each attempt, at most an hour; default 10 000. */
  retryBaseMs?: number;
  /** Wait between looks at an empty queue (ms); default 1 000. */
  pollMs?: number;
  /** Path prefixes to rewrite, stored path → local path (first match wins). */
  pathMap?: ReadonlyArray<readonly [string, string]>;
  hostPattern?: string | RegExp;
  hostFrom?: 'auto' | 'path' | 'dump';
  triage?: TriageFileOptions;
  /** Per-file time limit (ms); default 120 000. */
  timeoutMs?: number;
  workers?: PoolMode;
  workerScript?: string | URL;
  /** Aborting stops the worker (see above). */
  signal?: AbortSignal;
  /** This worker's id in dt_workers; default `host:pid:random`. */
  workerId?: string;
  /** One line per notable event (connection lost/back, a job dead). */
  onLog?: (message: string) => void;
  /** After each job. */
  onJob?: (job: ClaimedJob, outcome: 'done' | 'failed' | 'dead' | 'lost' | 'gone') => void;
}

export interface FleetWorkerResult {
  workerId: string;
  done: number;
  failed: number;
  dead: number;
  /** Results dropped because the claim had passed to another worker. */
  lost: number;
  /** Files found gone (forgotten). */
  gone: number;
  /** Claims given back at the stop. */
  released: number;
}

/** Wait `ms`, or less: until `signal` aborts or the returned wake() is called. Leaves no listener behind. */
function waiter(ms: number, signal?: AbortSignal): { done: Promise<void>; wake: () => void } {
  let wake: () => void = () => undefined;
  const done = new Promise<void>((res) => {
    const t = setTimeout(end, ms);
    function end(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', end);
      res();
    }
    wake = end;
    if (signal?.aborted) end();
    else signal?.addEventListener('abort', end, { once: true });
  });
  return { done, wake };
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> => waiter(ms, signal).done;

/** The local path of a stored one (`--path-map`), as the bytes to open when it had escapes. */
export function localPath(path: string, map: ReadonlyArray<readonly [string, string]> = []): { path: string; fsPath: string | Buffer } {
  let p = path;
  for (const [from, to] of map) {
    if (p === from || p.startsWith(from.endsWith('/') ? from : `${from}/`)) {
      p = to + p.slice(from.length);
      break;
    }
  }
  // A stored path shows a name that is not valid UTF-8 with escapes (walk.ts displayName).
  return { path: p, fsPath: p.includes('\\') ? nameBytes(p) : p };
}

/** Outcomes that may pass by themselves: the job is retried later. */
function isTransient(out: JobOutcome): boolean {
  return out.status === 'error' && !out.cacheable;
}

export async function runFleetWorker(store: PgStore, opts: FleetWorkerOptions = {}): Promise<FleetWorkerResult> {
  const id = opts.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const leaseMs = opts.leaseMs ?? 30_000;
  const maxAttempts = opts.maxAttempts ?? 5;
  const retryBaseMs = opts.retryBaseMs ?? 10_000;
  const pollMs = opts.pollMs ?? 1_000;
  const log = opts.onLog ?? (() => undefined);
  const signal = opts.signal;
  const pattern = opts.hostPattern ?? DEFAULT_HOST_PATTERN;
  const hostOf = hostResolver(typeof pattern === 'string' ? new RegExp(pattern, 'i') : pattern, opts.hostFrom);
  const result: FleetWorkerResult = { workerId: id, done: 0, failed: 0, dead: 0, lost: 0, gone: 0, released: 0 };

  // The database may be away: every call goes through here, which waits and retries while the
  // failure is a lost connection (and the worker is not stopping).
  let away = false;
  let backoff = 500;
  const db = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    for (;;) {
      try {
        const v = await fn();
        if (away) log(`database connection back (${what})`);
        away = false;
        backoff = 500;
        return v;
      } catch (e) {
        if (!isConnectionError(e)) throw e;
        if (!away) log(`database connection lost (${dbErrorText(e)}); reconnecting`);
        away = true;
        if (signal?.aborted) return undefined;
        await sleep(backoff + Math.random() * 250, signal);
        backoff = Math.min(10_000, backoff * 2);
      }
    }
  };

  await db('register', () => store.registerWorker(id, process.pid));
  const claimed = new Map<number, ClaimedJob>();
  const beat = setInterval(() => {
    if (!away) void store.heartbeat(id, leaseMs).catch(() => undefined);
  }, Math.max(100, Math.floor(leaseMs / 3)));
  beat.unref();

  let pool: JobPool | undefined;
  const running = new Set<Promise<void>>();
  let wake: (() => void) | undefined;

  // Group commit: results wait up to COMMIT_DELAY_MS (or until COMMIT_BATCH are ready) and go
  // in one transaction, as do those that arrive while a commit is under way. The database's
  // cost per file falls with the batch (bench/fleet.bench.ts: 10 KB reports, 1.37 ms a file
  // one at a time, 0.51 by 8, 0.40 by 32).
  type Pending = { job: ClaimedJob; digest: DumpDigest; report: string | null; settle: (stored: boolean) => void };
  const queue: Pending[] = [];
  let committing = false;
  let timer: NodeJS.Timeout | undefined;
  const drainCommits = async (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    committing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, COMMIT_BATCH);
        const stored = await db('complete', () => store.completeMany(batch, id)).catch((e: unknown) => {
          log(`could not store ${batch.length} results: ${dbErrorText(e)}`);
          return undefined;
        });
        batch.forEach((p, i) => p.settle(stored?.[i] ?? false));
      }
    } finally {
      committing = false;
    }
  };
  const commit = (item: Omit<Pending, 'settle'>): Promise<boolean> =>
    new Promise<boolean>((settle) => {
      queue.push({ ...item, settle });
      if (committing) return;
      // Nothing else running: no reason to wait for more.
      if (queue.length >= COMMIT_BATCH || queue.length >= claimed.size) void drainCommits();
      else timer ??= setTimeout(() => void drainCommits(), COMMIT_DELAY_MS);
    });

  const finish = async (job: ClaimedJob, out: JobOutcome): Promise<void> => {
    let outcome: 'done' | 'failed' | 'dead' | 'lost' | 'gone';
    if (isTransient(out)) {
      const err = out.status === 'error' ? out.error : { code: 'Unknown', message: '' };
      const state = await db('fail', () => store.fail(job, id, `${err.code}: ${err.message}`, maxAttempts, retryBaseMs));
      outcome = state ?? 'lost';
      if (state === 'dead') log(`gave up on ${job.path} after ${job.attempts} attempts: ${err.code}: ${err.message}`);
    } else {
      const d = digestFromOutcome(job, out, hostOf);
      const report = out.status === 'ok' ? Buffer.from(out.report.buffer, out.report.byteOffset, out.report.byteLength).toString('utf8') : null;
      outcome = (await commit({ job, digest: d, report })) ? 'done' : 'lost';
    }
    if (outcome === 'done') result.done++;
    else if (outcome === 'failed') result.failed++;
    else if (outcome === 'dead') result.dead++;
    else result.lost++;
    claimed.delete(job.claim);
    opts.onJob?.(job, outcome);
  };

  const work = async (job: ClaimedJob): Promise<void> => {
    const local = localPath(job.path, opts.pathMap);
    // The file as it is now: its version is what the result will be of (the share may have
    // changed since the scanner saw it); a file gone is forgotten.
    try {
      const st = await stat(local.fsPath);
      if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
      job.size = st.size;
      job.mtimeMs = st.mtimeMs;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        const forgot = await db('forget', () => store.forget(job));
        claimed.delete(job.claim);
        if (forgot) result.gone++;
        else result.lost++;
        opts.onJob?.(job, forgot ? 'gone' : 'lost');
        return;
      }
      // Permission denied, a share away: may pass.
    }
    const out = await pool!.run({ path: local.path, fsPath: local.fsPath, size: job.size, mtimeMs: job.mtimeMs }).catch((e: unknown) => failedOutcome(errorInfo(e)));
    if (signal?.aborted) return; // released below, as never claimed
    await finish(job, out);
  };

  try {
    pool = createPool({ jobs: opts.jobs, mode: opts.workers, workerScript: opts.workerScript, timeoutMs: opts.timeoutMs, keepWorkersMs: 0, jobOptions: { triage: opts.triage ?? {} } });
    // Jobs held at once: enough that the threads never wait for a claim round trip.
    const capacity = pool.size * CLAIMS_PER_THREAD;
    let lastReclaim = 0;
    while (!signal?.aborted) {
      let got = 0;
      if (claimed.size <= capacity / 2) {
        if (Date.now() - lastReclaim >= Math.min(leaseMs / 2, 5_000)) {
          lastReclaim = Date.now();
          await db('reclaim', () => store.reclaimExpired(maxAttempts));
        }
        if (signal?.aborted) break;
        const jobs = (await db('claim', () => store.claim(id, capacity - claimed.size, leaseMs))) ?? [];
        got = jobs.length;
        for (const job of jobs) {
          claimed.set(job.claim, job);
          const p: Promise<void> = work(job)
            .catch((e: unknown) => log(`internal error on ${job.path}: ${(e as Error).message}`))
            .finally(() => {
              running.delete(p);
              wake?.();
            });
          running.add(p);
        }
      }
      if (signal?.aborted) break;
      if (got === 0 && running.size === 0) {
        if (opts.once) {
          const left = await db('pending', () => store.pending());
          if (left && left.due + left.running + left.waiting === 0) break;
        }
        await sleep(pollMs, signal);
        continue;
      }
      if (got === 0 || claimed.size >= capacity) {
        // Wait for a job to end (or, with nothing new to claim, for the poll interval).
        const w = waiter(got === 0 ? pollMs : 60_000, signal);
        wake = w.wake;
        await w.done;
        wake = undefined;
      }
    }
  } finally {
    clearInterval(beat);
    // Results already made are stored before anything is given back (a few ms: the group commit's wait).
    for (let i = 0; (queue.length > 0 || committing) && i < 400; i++) {
      if (!committing) await drainCommits();
      else await sleep(5);
    }
    if (signal?.aborted && claimed.size > 0) {
      // Give the unfinished claims back first, then stop the threads.
      const back = [...claimed.values()];
      result.released = (await store.release(back).catch(() => 0)) ?? 0;
      claimed.clear();
    }
    await pool?.close();
    if (!signal?.aborted) await Promise.allSettled([...running]);
    await store.stopWorker(id).catch(() => undefined);
  }
  return result;
}
