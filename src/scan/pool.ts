// Bounded concurrency for file jobs: worker threads (the cores less one by default); for a scan
// ('auto' with inlineFiles, AdaptivePool) the main thread alone for a small share, then the
// workers with the main thread beside them; or in-process when the compiled worker is not
// available (running from TypeScript sources) or when asked ('inline').
//
// Each worker holds up to PER_WORKER jobs and runs them in order, one at a time (several at
// once on a slow share: worker.ts). A worker that crashes fails the job it was running, taken to
// be its oldest unanswered one (all its jobs, if it never got going), and is replaced; a worker
// that finishes nothing for the timeout fails that job with code 'Timeout' and is terminated and
// replaced. Either way the jobs waiting behind it are queued again. The scan always goes on.
//
// Warm workers: when a pool closes, its healthy workers are parked for `keepWorkersMs` (default
// KEEP_WORKERS_MS), unreferenced so that they never keep the process alive, and the next pool in
// the same process adopts them. A fresh isolate spends about 1 s of CPU compiling the decoders
// and the engine and runs its first ~2,000 dumps at a third of its later speed; a parked worker
// has done that already. (The CLI scans once per process and parks nothing: keepWorkersMs 0.)

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { PER_WORKER, failedOutcome, runFileJob, type FileJob, type JobOptions, type JobOutcome } from './file-job.js';
import type { JobMessage, LocateReplyMessage, LocateRequestMessage, PdbReplyMessage, PdbRequestMessage, ResultMessage, SymReplyMessage, SymRequestMessage } from './worker.js';
import type { LocatorLookup } from '../symbols/locate.js';
import { COLD_IO_MS, ReadAhead } from './read-ahead.js';
import { defaultTierUp } from '../util/tier-up.js';

export type PoolMode = 'auto' | 'threads' | 'inline';

export interface PoolOptions {
  /** Parallel jobs (worker threads); default defaultJobs(): the cores less one, at least one. */
  jobs?: number;
  /**
   * 'auto' (default): worker threads (with `inlineFiles`, the main thread first: AdaptivePool);
   * in-process when the compiled worker is absent. 'threads': workers from the start. 'inline':
   * in-process, async reads, `jobs` at once.
   */
  mode?: PoolMode;
  /**
   * 'auto' mode with fewer workers than cores (the default jobs): the main thread triages the
   * first files itself, with blocking reads, and worker threads start only once more than this
   * many were handed to the pool ('auto': inlineFilesFor(jobs); the scan's default). Unset:
   * workers from the start (a long-running caller, such as the fleet worker, whose main thread
   * has other work).
   */
  inlineFiles?: number | 'auto';
  /** Compiled worker script; default: worker.js next to this module. */
  workerScript?: string | URL;
  /** Per-file time limit in ms (0 = none). Default 120 s. */
  timeoutMs?: number;
  /**
   * How long the workers stay parked, warm, for the next pool of this process once this one
   * closes (ms; 0 = terminate them at close). Default KEEP_WORKERS_MS.
   */
  keepWorkersMs?: number;
  jobOptions: JobOptions;
}

/** Young generation of a worker thread (MiB): see ThreadPool.spawn. */
export const WORKER_YOUNG_MB = 24;

/** Default time a closed pool's workers wait, warm, for the next pool of the process (ms). */
export const KEEP_WORKERS_MS = 10_000;

export interface JobPool {
  /** Where the files are triaged now ('auto' starts 'inline' and may turn 'threads'). */
  readonly mode: 'threads' | 'inline';
  readonly size: number;
  /** Jobs worth handing the pool at once: each worker's batch and a few more; a few in-process. */
  readonly capacity: number;
  /** Workers adopted warm from an earlier pool of this process (0 for in-process work). */
  readonly warm: number;
  /** Files the main thread read ahead of the workers (a cold cache; 0 for in-process work). */
  readonly readAheadFiles: number;
  run(job: FileJob): Promise<JobOutcome>;
  close(): Promise<void>;
}

export function defaultWorkerScript(): URL {
  return new URL('./worker.js', import.meta.url);
}

/** The worker script, when it exists as runnable JS; undefined otherwise. */
export function resolveWorkerScript(script: string | URL | undefined): string | undefined {
  const url = script ?? defaultWorkerScript();
  const path = typeof url === 'string' ? url : fileURLToPath(url);
  return path.endsWith('.js') && existsSync(path) ? path : undefined;
}

/**
 * The default number of worker threads: the cores less one (the main thread walks, indexes and
 * groups, and V8's compiler and GC threads need CPU too), at least one. On two cores the issue
 * measured one worker at 0.91x the wall time of two on a quiet machine and 0.73-0.76x under load,
 * with 26% less CPU and 49 MiB less memory; bench/README.md (scan-breakeven): one worker 5-13%
 * faster than two with 19-27% less CPU from 35 to 1,120 real dumps, 6% slower at 10,000 synthetic
 * ones.
 */
export function defaultJobs(cores: number = availableParallelism()): number {
  return Math.max(1, Math.floor(cores) - 1);
}

export function createPool(opts: PoolOptions): JobPool {
  const jobs = Math.max(1, Math.floor(opts.jobs && opts.jobs > 0 ? opts.jobs : defaultJobs()));
  const mode = opts.mode ?? 'auto';
  const timeoutMs = opts.timeoutMs ?? 120_000;
  if (mode !== 'inline') {
    const script = resolveWorkerScript(opts.workerScript);
    const keepMs = opts.keepWorkersMs ?? KEEP_WORKERS_MS;
    const jobOptions = { ...opts.jobOptions, syncIo: true };
    // The main thread triages only beside fewer workers than cores (the default): `--jobs N` with
    // a worker per core leaves it free, as before (the 10,000-dump bench's `--jobs 2` on 2 cores
    // was 4.0 s with workers from the start and 4.4-6.2 s with 500 files in the main thread first).
    const cores = availableParallelism();
    if (script && mode === 'auto' && opts.inlineFiles !== undefined && (jobs < cores || cores === 1)) {
      return new AdaptivePool(script, jobs, timeoutMs, jobOptions, keepMs, opts.inlineFiles === 'auto' ? inlineFilesFor(jobs) : opts.inlineFiles);
    }
    if (script) return new ThreadPool(script, jobs, timeoutMs, jobOptions, keepMs);
    if (mode === 'threads') throw new Error(`worker script not found or not compiled JS: ${String(opts.workerScript ?? defaultWorkerScript())} (run npm run build)`);
  }
  return new InlinePool(jobs, timeoutMs, opts.jobOptions);
}

/**
 * The Node options for a worker: undefined (inherit the process's, Node's default) unless they
 * hold options about the process's own entry code (`-e`, `-p`, `--input-type`), which are then
 * dropped: the worker has a script of its own, and `--input-type` with a script stops it from
 * starting (a scan run from `node --input-type=module -e ...` failed every file).
 */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] | undefined {
  const out: string[] = [];
  let dropped = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print' || a === '--input-type') {
      i++; // and its value
      dropped = true;
      continue;
    }
    if (a.startsWith('--input-type=') || a.startsWith('--eval=') || a.startsWith('--print=')) {
      dropped = true;
      continue;
    }
    out.push(a);
  }
  return dropped ? out : undefined;
}

/**
 * A worker with the given options; if Node refuses them (an explicit list may not hold V8 or
 * process-wide options such as --expose-gc, which inheritance passes over), with none.
 */
function newWorker(script: string, opts: WorkerOptions): Worker {
  const execArgv = workerExecArgv();
  if (!execArgv) return new Worker(script, opts);
  try {
    return new Worker(script, { ...opts, execArgv });
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    return new Worker(script, { ...opts, execArgv: [] });
  }
}

function timeoutOutcome(ms: number): JobOutcome {
  return failedOutcome({ code: 'Timeout', message: `gave up after ${Math.round(ms / 1000)} s` });
}

class InlinePool implements JobPool {
  readonly mode = 'inline' as const;
  readonly warm = 0;
  readonly readAheadFiles = 0;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(readonly size: number, private readonly timeoutMs: number, private readonly jobOptions: JobOptions) {}
  get capacity(): number {
    return this.size * 4;
  }

  async run(job: FileJob): Promise<JobOutcome> {
    if (this.active >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await inProcess(job, this.jobOptions, this.timeoutMs);
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  async close(): Promise<void> {}
}

/** One job in this thread. In-process work cannot be stopped: after timeoutMs the scan stops waiting for it. */
async function inProcess(job: FileJob, jobOptions: JobOptions, timeoutMs: number): Promise<JobOutcome> {
  const work = runFileJob(job, jobOptions);
  if (!timeoutMs) return work;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<JobOutcome>((r) => {
    timer = setTimeout(() => r(timeoutOutcome(timeoutMs)), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Files the main thread of an 'auto' pool triages alone before worker threads start, with one
 * worker: a small share never pays for them. A fresh worker isolate loads the library and
 * compiles it again (0.3-0.4 s of CPU for a few dozen real dumps), and each result crosses
 * threads; the main thread has the library loaded anyway. Measured on 2 cores (bench/README.md,
 * scan-breakeven), one process per scan: the main thread alone was the fastest up to ~3,000
 * files (1,120 real dumps: 2.79 s against 2.93 s with one worker and 3.07 s with two; 1,000
 * synthetic dumps: 0.88 s against 1.17 and 1.23 s) and always the cheapest in CPU; at 10,000
 * synthetic dumps workers pay (4.94 s alone, 4.52 s with this pool's worker beside it, 4.27 s with
 * two). Workers start after 1,000 so that a big share has their help early; with more workers the
 * start is sooner (inlineFilesFor: divided by the workers; an estimate, more cores could not be
 * measured here).
 */
export const INLINE_FILES = 1000;

/** The 'auto' threshold for `jobs` workers: INLINE_FILES divided among them. */
export function inlineFilesFor(jobs: number): number {
  return Math.max(1, Math.round(INLINE_FILES / Math.max(1, jobs)));
}

/** A file that keeps the main thread longer than this (ms) sends the rest of the scan to workers, where a hang can be stopped. */
export const INLINE_SLOW_MS = 1000;

/**
 * 'auto': the first files in this thread, one at a time, with blocking reads (a job runs to its
 * end without a turn of the event loop: one system call per read, no thread-pool round trip);
 * once the walk has handed it more than `inlineFiles` (or one file took INLINE_SLOW_MS), worker
 * threads too. Warm workers parked by an earlier scan of the process are used from the start.
 * While workers run, this thread still takes a file whenever it has none, if the machine has a
 * core for it (createPool uses this pool for fewer workers than cores, or on one core): on 2
 * cores one worker and the main thread were 0.92-0.94x the wall time of one worker alone and
 * 0.9x its CPU (10,000 synthetic dumps, 2,988 real ones).
 */
class AdaptivePool implements JobPool {
  private threads: ThreadPool | undefined;
  private submitted = 0;
  /** Files queued or running in this thread. */
  private inlineQueued = 0;
  /** This thread takes no more files (one was too slow). */
  private stopped = false;
  /** This thread keeps taking files once workers run: fewer workers than cores. */
  private readonly shares: boolean;
  private closed = false;
  /** The main thread's files run one after the other: the promise of the last one queued. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly script: string,
    private readonly jobs: number,
    private readonly timeoutMs: number,
    private readonly jobOptions: JobOptions,
    private readonly keepMs: number,
    private readonly inlineFiles: number,
  ) {
    this.shares = jobs < availableParallelism();
    if ((parked.get(script)?.length ?? 0) > 0) this.startThreads();
  }

  get mode(): 'threads' | 'inline' {
    return this.threads ? 'threads' : 'inline';
  }
  get size(): number {
    return this.threads?.size ?? 1;
  }
  get capacity(): number {
    return this.threads ? this.threads.capacity + (this.shares ? 2 : 0) : 4;
  }
  get warm(): number {
    return this.threads?.warm ?? 0;
  }
  get readAheadFiles(): number {
    return this.threads?.readAheadFiles ?? 0;
  }

  private startThreads(): ThreadPool {
    return (this.threads ??= new ThreadPool(this.script, this.jobs, this.timeoutMs, this.jobOptions, this.keepMs));
  }

  run(job: FileJob): Promise<JobOutcome> {
    if (!this.threads && ++this.submitted > this.inlineFiles) this.startThreads();
    if (this.threads && (!this.shares || this.inlineQueued > 0 || this.stopped)) return this.threads.run(job);
    this.inlineQueued++;
    const out = this.tail.then(async () => {
      // The scan was abandoned (the consumer stopped iterating): the files still queued are not run.
      if (this.closed) return failedOutcome({ code: 'Internal', message: 'the scan ended before this file was read' });
      const t0 = performance.now();
      try {
        return await inProcess(job, this.jobOptions, this.timeoutMs);
      } finally {
        this.inlineQueued--;
        if (performance.now() - t0 > INLINE_SLOW_MS) {
          // A slow file here: the rest go to workers, where a hang can be stopped.
          this.stopped = true;
          this.startThreads();
        }
      }
    });
    this.tail = out.catch(() => undefined);
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
    await this.threads?.close();
  }
}

interface Pending {
  id: number;
  job: FileJob;
  resolve: (o: JobOutcome) => void;
  slot?: Slot;
  /** Answered (or failed): reading it ahead is pointless. */
  settled?: boolean;
}

interface Slot {
  worker: Worker;
  /** Has this pool sent the worker its job options yet? */
  configured: boolean;
  /** Jobs sent to the worker, in the order it runs them: the first is the one running. */
  inFlight: Map<number, Pending>;
  dead: boolean;
  /** Has the worker sent back any result? (A worker that dies before that failed to start.) */
  answered: boolean;
  /** Fires when the worker has finished nothing for timeoutMs while it had work. */
  watchdog?: NodeJS.Timeout;
  /** Remove this pool's listeners (the worker is parked for the next pool). */
  detach: () => void;
}

class ThreadPool implements JobPool {
  readonly mode = 'threads' as const;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  /** Reads the files ahead of the workers once they report a cold cache. */
  readonly readAhead: ReadAhead;
  get readAheadFiles(): number {
    return this.readAhead.done;
  }

  constructor(
    private readonly script: string,
    readonly size: number,
    private readonly timeoutMs: number,
    private readonly jobOptions: JobOptions,
    private readonly keepMs: number,
  ) {
    // Workers are a long run: V8's own tier-up budget (the CLI raises it for short runs).
    defaultTierUp();
    // slowIoMs below the cold threshold lowers it too (slowIoMs 0: read ahead after 8 files).
    this.readAhead = new ReadAhead(jobOptions.coldIoMs ?? Math.min(COLD_IO_MS, jobOptions.slowIoMs ?? COLD_IO_MS));
    for (let i = 0; i < size; i++) this.slots.push(this.attach(adopt(script) ?? this.spawn()));
  }

  /** Workers this pool adopted warm from an earlier one. */
  get warm(): number {
    return this.adoptedCount;
  }
  private adoptedCount = 0;

  get capacity(): number {
    return this.size * (PER_WORKER + 2);
  }

  private spawn(): Worker {
    // Heap limits that keep RSS flat. The young generation was capped at 48 MiB (semi-spaces of
    // 16 MiB, V8's own 64-bit maximum) rather than 16: a real dump allocates about 1.1 MiB while it is
    // triaged (module lists, CodeView records, registers, the report and its JSON), and with a
    // 16 MiB cap each worker scavenged every 3-4 files, copying the live half-built report each
    // time. On a share of the corpus's real dumps (1,220 files, 2 workers, warm) a pass took
    // 760-1,050 ms with 16 and 655-680 ms with 48 (median of passes 5-9, three runs each); a
    // 10,000-dump synthetic share peaked at 167-172 MiB RSS with either (its small dumps never grow
    // the semi-spaces), and the real share 10 times over at 213-226 MiB with 16 and 234-244 MiB
    // with 48. An old generation of at most 1 GiB (not the process default, 4 GiB here) puts V8
    // in its thrifty heap-growing mode: a busy worker, which never idles for V8 to collect,
    // otherwise let its old space grow with garbage (RSS 169 → 207 MiB over 30,000 dumps; with
    // the cap 166 → 180 MiB, and no slower). A full GC after every 5,000 dumps left 13.4 MB live
    // throughout: growth, not a leak. 1 GiB is far above what one triage needs within LIMITS; a
    // file that needed more would fail, its worker out of memory (alone, unless it was that
    // worker's first file: a worker that never answered fails all it was given).
    //
    // Then capped at 24 MiB (semi-spaces of 8 MiB; issue 18, finding 7): over a long scan the
    // semi-spaces do grow to their cap (at 50,000 small dumps each worker held 32 MiB of young
    // generation), and with two workers the 48 MiB cap alone put `dumptriage scan` at 220-228 MiB
    // of RSS from 50,000 files on (24 MiB: 197 MiB at 50,000). A real dump's ~1.1 MiB then
    // scavenges every ~7 files instead of every 3-4 with 16 MiB.
    return newWorker(this.script, { workerData: this.jobOptions, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB, maxOldGenerationSizeMb: 1024 } });
  }

  /** Serve this pool with `worker`, new or adopted warm (it is then sent the options first). */
  private attach(parked: Worker | ParkedWorker): Slot {
    const warm = !(parked instanceof Worker);
    const worker = warm ? parked.worker : parked;
    if (warm) this.adoptedCount++;
    // A new worker has its options in workerData; a parked one has an earlier pool's.
    const slot: Slot = { worker, configured: !warm, inFlight: new Map(), dead: false, answered: warm, detach: () => undefined };
    const onMessage = (msg: ResultMessage | SymRequestMessage | LocateRequestMessage | PdbRequestMessage): void => {
      if ('pdbRequest' in msg) {
        // A worker's PDB lookup: the PDB is opened here, once for every worker.
        const r = msg.pdbRequest;
        void import('../unwind/symbol-path.js')
          .then((m) => m.servePdbRequest(r.path, r.debugId, r.op))
          .catch((e: unknown) => ({ error: (e as Error)?.message ?? String(e) }))
          .then((result) => {
            const reply: PdbReplyMessage = { pdbReply: { id: r.id, result } };
            if (!slot.dead) worker.postMessage(reply);
          });
        return;
      }
      if ('locateRequest' in msg) {
        // A worker wants a symbol file: the main thread's one locator finds (or downloads) it.
        const r = msg.locateRequest;
        const lookups: LocatorLookup[] = [];
        void import('../triage-file.js')
          .then((m) => m.symbolLocatorFor(this.jobOptions.triage ?? {}).locate(r.module, r.kind, (l) => lookups.push(l)))
          .catch(() => undefined)
          .then((found) => {
            const reply: LocateReplyMessage = { locateReply: { id: r.id, ...(found ? { found } : {}), lookups } };
            if (!slot.dead) worker.postMessage(reply);
          });
        return;
      }
      if ('symRequest' in msg) {
        // A worker wants a .sym index: built here once (the main thread's cache), sent as data.
        const r = msg.symRequest;
        void import('../formats/breakpad-sym/store.js')
          .then((m) => m.symIndexSnapshot(r.path, r.size, r.mtimeMs))
          .catch(() => undefined)
          .then((snapshot) => {
            const reply: SymReplyMessage = { symReply: snapshot ? { id: r.id, snapshot } : { id: r.id } };
            if (!slot.dead) worker.postMessage(reply);
          });
        return;
      }
      slot.answered = true;
      this.readAhead.observe(msg.outcome.stallMs);
      const p = slot.inFlight.get(msg.id);
      if (p) {
        slot.inFlight.delete(msg.id);
        p.resolve(msg.outcome);
      }
      this.arm(slot, true);
      this.pump();
    };
    const die = (why: string): void => {
      if (slot.dead) return;
      // The job it was running failed; the ones queued behind it go to another worker. A worker
      // that never answered failed to start: all its jobs fail, so that a broken install ends
      // the scan quickly instead of respawning a worker per file.
      this.retire(slot, failedOutcome({ code: 'Internal', message: `worker thread failed: ${why}` }), slot.answered);
    };
    const onError = (e: Error): void => die(e?.message ?? String(e));
    const onExit = (code: number): void => die(`exited with code ${code}`);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    // Only this pool's own listeners: Node's internal ones on the Worker must stay.
    slot.detach = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    return slot;
  }

  /**
   * (Re)start the slot's watchdog: on progress (`progress`: a result came back), or when work
   * arrives at an idle worker. The worker runs its jobs one at a time, so the clock measures the
   * job at the head, not the time the others wait behind it.
   */
  private arm(slot: Slot, progress: boolean): void {
    if (!this.timeoutMs) return;
    if (slot.watchdog && !progress) return;
    if (slot.watchdog) clearTimeout(slot.watchdog);
    slot.watchdog = undefined;
    if (slot.inFlight.size === 0 || slot.dead) return;
    slot.watchdog = setTimeout(() => {
      slot.watchdog = undefined;
      if (slot.dead || slot.inFlight.size === 0) return;
      this.retire(slot, timeoutOutcome(this.timeoutMs), true);
      void slot.worker.terminate();
    }, this.timeoutMs);
    slot.watchdog.unref();
  }

  /**
   * Take a slot out of service: its running job (or, unless `requeue`, every job) gets `outcome`;
   * the rest are queued again, first in line; a new worker takes its place.
   */
  private retire(slot: Slot, outcome: JobOutcome, requeue: boolean): void {
    slot.dead = true;
    if (slot.watchdog) clearTimeout(slot.watchdog);
    slot.watchdog = undefined;
    const jobs = [...slot.inFlight.values()];
    slot.inFlight.clear();
    const failed = requeue ? jobs.slice(0, 1) : jobs;
    for (const p of failed) p.resolve(outcome);
    const again = requeue ? jobs.slice(1) : [];
    for (const p of again) p.slot = undefined;
    this.queue.unshift(...again);
    this.replace(slot);
  }

  private replace(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i === -1 || this.closed) return;
    this.slots[i] = this.attach(this.spawn());
    this.pump();
  }

  /** Fill every worker up to PER_WORKER jobs, one message per worker. */
  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.dead || slot.inFlight.size >= PER_WORKER) continue;
      const batch: JobMessage['jobs'] = [];
      while (this.queue.length > 0 && slot.inFlight.size < PER_WORKER) {
        const p = this.queue.shift()!;
        p.slot = slot;
        slot.inFlight.set(p.id, p);
        batch.push({ id: p.id, job: p.job });
      }
      const msg: JobMessage = { jobs: batch };
      if (!slot.configured) {
        msg.options = this.jobOptions;
        slot.configured = true;
      }
      slot.worker.postMessage(msg);
      this.arm(slot, false);
    }
  }

  private pumpSoon = false;

  run(job: FileJob): Promise<JobOutcome> {
    return new Promise<JobOutcome>((resolve) => {
      const p: Pending = {
        id: this.nextId++,
        job,
        resolve: (o) => {
          p.settled = true;
          resolve(o);
        },
      };
      this.queue.push(p);
      // Started already: answered, or the first of its worker's jobs (the one running).
      // (A file named by bytes, not valid UTF-8, is not read ahead: read-ahead.ts opens path strings.)
      const fsPath = job.fsPath ?? job.path;
      if (typeof fsPath === 'string') this.readAhead.want(fsPath, job.size, () => p.settled === true || (p.slot !== undefined && p.slot.inFlight.keys().next().value === p.id));
      // The jobs queued in this turn of the event loop go out together.
      if (!this.pumpSoon) {
        this.pumpSoon = true;
        setImmediate(() => {
          this.pumpSoon = false;
          this.pump();
        });
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.slots.map((s) => {
        // Only a worker that has run jobs and has none left is known good enough to keep.
        const healthy = !s.dead && s.answered && s.inFlight.size === 0;
        s.dead = true;
        if (s.watchdog) clearTimeout(s.watchdog);
        s.detach();
        if (healthy && this.keepMs > 0 && park(this.script, s.worker, this.keepMs)) return undefined;
        return terminateQuietly(s.worker);
      }),
    );
  }
}

interface ParkedWorker {
  worker: Worker;
  timer: NodeJS.Timeout;
  detach?: () => void;
}

/** Idle warm workers by script. At most one per core is kept; the process may exit meanwhile. */
const parked = new Map<string, ParkedWorker[]>();

function park(script: string, worker: Worker, keepMs: number): boolean {
  const list = parked.get(script) ?? [];
  if (list.length >= availableParallelism()) return false;
  const entry: ParkedWorker = {
    worker,
    timer: setTimeout(() => {
      unpark(script, entry);
      void dismiss(entry);
    }, keepMs),
  };
  entry.timer.unref();
  // A parked worker that dies (out of memory, killed) just leaves the list.
  const gone = (): void => {
    clearTimeout(entry.timer);
    unpark(script, entry);
  };
  entry.detach = () => {
    worker.off('exit', gone);
    worker.off('error', gone);
  };
  worker.on('exit', gone);
  worker.on('error', gone);
  worker.unref();
  list.push(entry);
  parked.set(script, list);
  return true;
}

/** Terminate a worker; an error from it on its way out (one that failed to start) is of no interest now. */
function terminateQuietly(worker: Worker): Promise<number> {
  worker.on('error', () => undefined);
  return worker.terminate();
}

/** Terminate a parked worker (its time is up, or the embedder wants its threads back). */
function dismiss(entry: ParkedWorker): Promise<number> {
  clearTimeout(entry.timer);
  entry.detach?.();
  return terminateQuietly(entry.worker);
}

function unpark(script: string, entry: ParkedWorker): void {
  const list = parked.get(script);
  const i = list?.indexOf(entry) ?? -1;
  if (list && i !== -1) list.splice(i, 1);
  if (list?.length === 0) parked.delete(script);
}

function adopt(script: string): ParkedWorker | undefined {
  const entry = parked.get(script)?.pop();
  if (!entry) return undefined;
  if (parked.get(script)?.length === 0) parked.delete(script);
  clearTimeout(entry.timer);
  entry.detach?.();
  entry.worker.ref();
  return entry;
}

/** Terminate every parked worker now (tests; an embedder that wants its threads back). */
export async function releaseWorkers(): Promise<void> {
  const all = [...parked.values()].flat();
  parked.clear();
  await Promise.all(all.map(dismiss));
}
