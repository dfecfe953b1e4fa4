// Worker thread entry: runs file jobs posted by pool.ts. Loaded as compiled JS
// (dist/src/scan/worker.js); the pool falls back to in-process work when that file is absent.
//
// Jobs arrive in batches and run one at a time, in arrival order, with blocking reads: on a
// local disk or a warm cache a system call costs microseconds and the libuv round trip of an
// async one costs more than the call. When the files stall the workers COLD_IO_MS or more
// (median of the last 8 `stallMs`: the blocked time a warm cache does not explain) the cache is
// cold: the pool's main thread then reads the heads of the files ahead, several at once
// (read-ahead.ts). If that does not bring a worker's median blocked time under SLOW_IO_MS (a
// network mount), it turns to async reads with up to PER_WORKER files in flight,
// for the rest of the scan. (Then the pool's "oldest unanswered job is the one running" is the
// oldest started.)
//
// Each result goes back as soon as its job ends (its report bytes moved, not copied): the pool
// takes the first unanswered job of a worker for the one running, which is what lets it blame
// the right file when a worker hangs or dies; a result held back for batching would be blamed.

import { parentPort, workerData } from 'node:worker_threads';
import { setSymIndexProvider, type SymbolModule } from '../formats/breakpad-sym/store.js';
import { setRemoteLocate, setRemotePdb, type RemotePdbOp } from '../unwind/symbol-path.js';
import type { LocatedFile, LocateKind, LocatorLookup } from '../symbols/locate.js';
import type { SymIndexSnapshot } from '../formats/breakpad-sym/sym-file.js';
import { IoMeter, SLOW_IO_MS } from './read-ahead.js';
import { PER_WORKER, errorInfo, failedOutcome, preloadLibrary, runFileJob, type FileJob, type JobOptions, type JobOutcome } from './file-job.js';

export interface JobMessage {
  /** A job's `fsPath` posted as a Buffer (a name that is not valid UTF-8) arrives as a Uint8Array: runFileJob takes either. */
  jobs: Array<{ id: number; job: FileJob }>;
  /**
   * The job options of a new pool, sent with its first batch to a worker it adopted warm from an
   * earlier pool (a new worker has them in workerData). They hold until the next such message.
   */
  options?: JobOptions;
}
export interface ResultMessage {
  id: number;
  outcome: JobOutcome;
}
/** A worker asks the main thread for a .sym index (so that each file is parsed once per scan). */
export interface SymRequestMessage {
  symRequest: { id: number; path: string; size: number; mtimeMs: number };
}
/** The main thread's answer: the index as data, or nothing (the worker indexes it itself). */
export interface SymReplyMessage {
  symReply: { id: number; snapshot?: SymIndexSnapshot };
}
/** A worker asks the main thread's symbol locator for a file (one locator, one request per file per scan). */
export interface LocateRequestMessage {
  locateRequest: { id: number; module: SymbolModule; kind: LocateKind };
}
/** A worker asks the main thread for a PDB lookup (each PDB is opened once per scan, there). */
export interface PdbRequestMessage {
  pdbRequest: { id: number; path: string; debugId: string; op: RemotePdbOp };
}
export interface PdbReplyMessage {
  pdbReply: { id: number; result: unknown };
}
export interface LocateReplyMessage {
  locateReply: { id: number; found?: LocatedFile; lookups: LocatorLookup[] };
}

const port = parentPort;
if (port) {
  let opts = workerData as JobOptions;
  // Load the decoders and the engine before the first job arrives (a failure shows in that job).
  if (!opts.triageModule) preloadLibrary().catch(() => undefined);
  let asyncOpts: JobOptions = { ...opts, syncIo: false };
  // The share's speed is judged afresh for each pool (each scan): another share, another verdict.
  let meter = new IoMeter(opts.slowIoMs ?? SLOW_IO_MS);
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
      .catch((e: unknown) => failedOutcome(errorInfo(e)))
      .then((outcome) => {
        meter.add(outcome.ioMs, outcome.stallMs);
        const msg: ResultMessage = { id: item.id, outcome };
        port.postMessage(msg, outcome.status === 'ok' ? [outcome.report.buffer as ArrayBuffer] : []);
        active--;
        setImmediate(pump);
      });
  };
  // Symbols come from the main thread: each .sym index built once for every worker, each file
  // located once (a server is asked once per scan, not once per worker), each PDB opened once.
  // One table of questions in flight, by id, for the three kinds.
  const pending = new Map<number, (answer: unknown) => void>();
  let ids = 0;
  const ask = <T>(message: (id: number) => SymRequestMessage | LocateRequestMessage | PdbRequestMessage): Promise<T> =>
    new Promise<T>((resolve) => {
      const id = ++ids;
      pending.set(id, resolve as (answer: unknown) => void);
      port.postMessage(message(id));
    });
  const answer = (id: number, value: unknown): void => {
    const done = pending.get(id);
    pending.delete(id);
    done?.(value);
  };
  setSymIndexProvider((path, size, mtimeMs) => ask((id) => ({ symRequest: { id, path, size, mtimeMs } })));
  setRemoteLocate((module, kind) => ask((id) => ({ locateRequest: { id, module, kind } })));
  setRemotePdb((path, debugId, op) => ask((id) => ({ pdbRequest: { id, path, debugId, op } })));
  port.on('message', (msg: JobMessage | SymReplyMessage | LocateReplyMessage | PdbReplyMessage) => {
    if ('symReply' in msg) return answer(msg.symReply.id, msg.symReply.snapshot);
    if ('locateReply' in msg) return answer(msg.locateReply.id, msg.locateReply);
    if ('pdbReply' in msg) return answer(msg.pdbReply.id, msg.pdbReply.result);
    if (msg.options) {
      // A new scan adopted this worker: nothing of the last one is queued or running (the pool
      // parks only idle workers).
      opts = msg.options;
      asyncOpts = { ...opts, syncIo: false };
      meter = new IoMeter(opts.slowIoMs ?? SLOW_IO_MS);
    }
    queue.push(...msg.jobs);
    pump();
  });
}
