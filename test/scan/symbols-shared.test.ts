// A scan with --symbols: the worker threads get each .sym index from the main thread (built once
// there, its arrays in shared memory), so a file is parsed once per scan however many workers
// walk with it, and the stacks are the same as an in-process scan's.

import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ShareScan } from '../../src/scan/scan.js';
import { releaseWorkers } from '../../src/scan/pool.js';
import { closeAllSymbolFiles, symbolCacheStats } from '../../src/formats/breakpad-sym/store.js';
import { closeSymbolPathBinaries } from '../../src/unwind/symbol-path.js';
import { corpusOrSkipMessage, corpusPath } from '../helpers/corpus.js';

const WORKER_JS = resolve(__dirname, '..', '..', 'dist', 'src', 'scan', 'worker.js');
if (!existsSync(WORKER_JS)) console.warn(`\n*** ${WORKER_JS} not built: the shared symbol index test is SKIPPED (npm run build first) ***\n`);

const DUMPS = ['moz-windows-x86_64.dmp', 'bp-minidump2.dmp', 'electron-windows.dmp'];

describe.runIf(corpusOrSkipMessage() && existsSync(WORKER_JS))('symbols in a threaded scan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dt-symscan-'));
  // Each dump twice, in two host folders, so that both workers need the same symbol files.
  for (const host of ['A', 'B']) {
    mkdirSync(join(dir, host));
    for (const d of DUMPS) copyFileSync(corpusPath('user-windows', d), join(dir, host, d));
  }
  afterAll(async () => {
    await releaseWorkers();
    await closeAllSymbolFiles();
    await closeSymbolPathBinaries();
    rmSync(dir, { recursive: true, force: true });
  });

  const stacks = async (workers: 'threads' | 'inline') => {
    const scan = new ShareScan(dir, { index: false, ordered: true, workers, workerScript: WORKER_JS, jobs: 2, keepWorkersMs: 0, symbolPaths: [corpusPath('symbols')] });
    const out: Record<string, unknown> = {};
    for await (const it of scan) {
      const r = JSON.parse(it.reportJson()!) as { verdict: { frameThreadId: number }; threads: Array<{ id: number; frames?: Array<{ address: string; trust: string }> }> };
      out[it.digest.rel] = r.threads.find((t) => t.id === r.verdict.frameThreadId)!.frames!.slice(0, 10).map((f) => `${f.address} ${f.trust}`);
    }
    return out;
  };

  it('parses each .sym once in the main thread for both workers, and walks as an in-process scan does', async () => {
    await closeAllSymbolFiles();
    const before = symbolCacheStats().loads;
    const threaded = await stacks('threads');
    const loads = symbolCacheStats().loads - before;
    // Every thread of every dump is walked, so many modules' files are used; each was indexed
    // once (in the main thread: the workers built none), however many dumps and workers used it.
    expect(loads).toBeGreaterThan(5);
    expect(symbolCacheStats().files).toBe(loads);
    const inline = await stacks('inline');
    // The in-process scan finds them all in the same cache.
    expect(symbolCacheStats().loads - before).toBe(loads);
    expect(threaded).toEqual(inline);
    // With symbols moz-windows-x86_64's frame 6 comes from STACK CFI (see breakpad-parity.test.ts).
    expect((threaded['A/moz-windows-x86_64.dmp'] as string[])[6]).toBe('0x7ffac5b140be cfi');
  }, 120_000);
});
