// Worker thread of a parallel campaign (compiled only: dist/test/hostile/fuzz/worker.js).
// Loads the seeds once, then runs the ranges the main thread sends, publishing the index of the
// input in progress in a shared cell so that the main thread can spot a hang.

import { parentPort, workerData } from 'node:worker_threads';
import { runRange, type WorkerInit } from './campaign.js';
import { donorMap, loadSeeds } from './seeds.js';

const init = workerData as WorkerInit;
const cell = new Int32Array(init.cell);
const seeds = await loadSeeds(init.corpusDir);
const donors = donorMap(seeds);

parentPort!.on('message', async (m: { from: number; to: number }) => {
  const stats = await runRange(init.seed, m.from, m.to, seeds, donors, init.run, (i) => {
    Atomics.store(cell, 0, i);
    Atomics.add(cell, 1, 1);
  });
  parentPort!.postMessage({ type: 'done', stats });
});
parentPort!.postMessage({ type: 'ready' });
