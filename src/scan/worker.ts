// Worker thread entry: runs file jobs posted by pool.ts. Loaded as compiled JS
// (dist/src/scan/worker.js); the pool falls back to in-process work when that file is absent.

import { parentPort, workerData } from 'node:worker_threads';
import { errorInfo, runFileJob, type FileJob, type JobOptions, type JobOutcome } from './file-job.js';

export interface JobMessage {
  id: number;
  job: FileJob;
}
export interface ResultMessage {
  id: number;
  outcome: JobOutcome;
}

const port = parentPort;
if (port) {
  const opts = workerData as JobOptions;
  port.on('message', (msg: JobMessage) => {
    runFileJob(msg.job, opts).then(
      (outcome) => port.postMessage({ id: msg.id, outcome } satisfies ResultMessage),
      (e: unknown) =>
        port.postMessage({
          id: msg.id,
          outcome: { status: 'error', error: errorInfo(e), isDump: true, cacheable: false, bytesRead: 0 },
        } satisfies ResultMessage),
    );
  });
}
