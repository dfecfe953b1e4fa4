// Worker thread entry: runs file jobs posted by pool.ts. Loaded as compiled JS
// (dist/src/scan/worker.js); the pool falls back to in-process work when that file is absent.
//
// Jobs arrive in batches and run one at a time, in arrival order, with blocking reads: on a
// local disk or a warm cache a system call costs microseconds and the libuv round trip of an
// async one costs more than the call. On a slow share (a network mount) one file at a time would
// leave the worker waiting, so a worker whose files keep it blocked SLOW_IO_MS or more (median
// of its last 8 files) turns to async reads with up to PER_WORKER files in flight, for the rest
// of the scan. (Then the pool's "oldest unanswered job is the one running" is the oldest started.)
//
// Each result goes back as soon as its job ends (its report bytes moved, not copied): the pool
// takes the first unanswered job of a worker for the one running, which is what lets it blame
// the right file when a worker hangs or dies; a result held back for batching would be blamed.

import { parentPort, workerData } from 'node:worker_threads';
import { PER_WORKER, errorInfo, preloadLibrary, runFileJob, type FileJob, type JobOptions, type JobOutcome } from './file-job.js';

export interface JobMessage {
  jobs: Array<{ id: number; job: FileJob }>;
}
export interface ResultMessage {
  results: Array<{ id: number; outcome: JobOutcome }>;
}

/** Average blocked time per file (ms) above which a worker switches to async reads. */
export const SLOW_IO_MS = 2;
/** Files measured before deciding. */
const SLOW_IO_SAMPLE = 8;

/** Tracks the blocked time per file and says when to switch to async reads. */
export class IoMeter {
  private readonly recent: number[] = [];
  slow = false;
  constructor(private readonly thresholdMs = SLOW_IO_MS, private readonly sample = SLOW_IO_SAMPLE) {}
  /** Record one file's blocked time; true once the share is judged slow. */
  add(ioMs: number | undefined): boolean {
    if (this.slow || ioMs === undefined || !Number.isFinite(ioMs)) return this.slow;
    this.recent.push(ioMs);
    if (this.recent.length > this.sample) this.recent.shift();
    // The median of the last few files: one slow file among fast ones (a cold directory, a
    // big dump) does not flip it; a share where most files are slow does.
    if (this.recent.length === this.sample) {
      const sorted = [...this.recent].sort((a, b) => a - b);
      if (sorted[Math.floor(this.sample / 2)]! >= this.thresholdMs) this.slow = true;
    }
    return this.slow;
  }
}

const port = parentPort;
if (port) {
  const opts = workerData as JobOptions;
  // Load the decoders and the engine before the first job arrives (a failure shows in that job).
  if (!opts.triageModule) preloadLibrary().catch(() => undefined);
  const asyncOpts: JobOptions = { ...opts, syncIo: false };
  const meter = new IoMeter(opts.slowIoMs ?? SLOW_IO_MS);
  const queue: JobMessage['jobs'] = [];
  let active = 0;
  // Between two jobs the event loop turns, so that new jobs can arrive meanwhile. (Running the
  // jobs of a batch interleaved with blocking reads only kept more reports alive at once.)
  const pump = (): void => {
    const limit = meter.slow || !opts.syncIo ? PER_WORKER : 1;
    while (active < limit && queue.length > 0) start(queue.shift()!);
  };
  const start = (item: JobMessage['jobs'][number]): void => {
    active++;
    runFileJob(item.job, meter.slow ? asyncOpts : opts)
      .catch((e: unknown): JobOutcome => ({ status: 'error', error: errorInfo(e), isDump: true, cacheable: false, bytesRead: 0 }))
      .then((outcome) => {
        meter.add(outcome.ioMs);
        const msg: ResultMessage = { results: [{ id: item.id, outcome }] };
        port.postMessage(msg, outcome.status === 'ok' ? [outcome.report.buffer as ArrayBuffer] : []);
        active--;
        setImmediate(pump);
      });
  };
  port.on('message', (msg: JobMessage) => {
    queue.push(...msg.jobs);
    pump();
  });
}
