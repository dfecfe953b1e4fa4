// Worker thread entry: runs file jobs posted by pool.ts. Loaded as compiled JS
// (dist/src/scan/worker.js); the pool falls back to in-process work when that file is absent.
//
// Jobs arrive in batches and run one at a time, in arrival order. Each result goes back as soon
// as its job ends (its report bytes moved, not copied): the pool takes the first unanswered job
// of a worker for the one running, which is what lets it blame the right file when a worker
// hangs or dies; a result held back for batching would be blamed instead.

import { parentPort, workerData } from 'node:worker_threads';
import { errorInfo, runFileJob, type FileJob, type JobOptions, type JobOutcome } from './file-job.js';

export interface JobMessage {
  jobs: Array<{ id: number; job: FileJob }>;
}
export interface ResultMessage {
  results: Array<{ id: number; outcome: JobOutcome }>;
}

const port = parentPort;
if (port) {
  const opts = workerData as JobOptions;
  // Between two jobs the event loop turns, so that new jobs can arrive meanwhile. (Running the
  // jobs of a batch interleaved only kept more reports alive at once.)
  const queue: JobMessage['jobs'] = [];
  let running = false;
  const next = (): void => {
    const item = queue.shift();
    if (!item) {
      running = false;
      return;
    }
    runFileJob(item.job, opts)
      .catch((e: unknown): JobOutcome => ({ status: 'error', error: errorInfo(e), isDump: true, cacheable: false, bytesRead: 0 }))
      .then((outcome) => {
        const msg: ResultMessage = { results: [{ id: item.id, outcome }] };
        port.postMessage(msg, outcome.status === 'ok' ? [outcome.report.buffer as ArrayBuffer] : []);
        setImmediate(next);
      });
  };
  port.on('message', (msg: JobMessage) => {
    queue.push(...msg.jobs);
    if (!running) {
      running = true;
      next();
    }
  });
}
