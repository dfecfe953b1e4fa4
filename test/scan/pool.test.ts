// The worker pool when a job misbehaves: a triage that never returns is failed with Timeout and
// a triage that ends its worker thread fails that one file; the jobs queued behind either one
// in the same worker are run by its replacement, and every other file is analysed. And the
// switch from blocking to async reads when the share is slow.

import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { ShareScan, type ScanItem, type ScanOptions } from '../../src/scan/scan.js';
import { IoMeter } from '../../src/scan/read-ahead.js';
import { defaultJobs, releaseWorkers, workerExecArgv } from '../../src/scan/pool.js';
import { appCrash } from '../synth/crash.js';
import { FAKE_TRIAGE, Share, standIn } from './share.js';

const WORKER_JS = resolve(__dirname, '..', '..', 'dist', 'src', 'scan', 'worker.js');
if (!existsSync(WORKER_JS)) console.warn(`\n*** ${WORKER_JS} not built: the worker pool tests are SKIPPED (npm run build first) ***\n`);

describe.skipIf(!existsSync(WORKER_JS))('worker pool: hung and crashing jobs', () => {
  const share = new Share('dt-pool-');
  for (let i = 0; i < 24; i++) {
    const name = `HOST${i % 3}/d${String(i).padStart(2, '0')}.dmp`;
    if (i === 5) share.write(name, standIn({ bucket: 'X', hang: true }), 'error');
    else if (i === 14) share.write(name, standIn({ bucket: 'X', crash: true }), 'error');
    else share.write(name, standIn({ bucket: `B${i % 4}`, image: 'ok.sys' }), 'ok');
  }
  afterAll(() => rmSync(share.root, { recursive: true, force: true }));

  it.each([1, 2])('with %i worker(s): one Timeout, one worker failure, 22 analysed', async (jobs) => {
    const scan = new ShareScan(share.root, { index: false, workers: 'threads', workerScript: WORKER_JS, jobs, triageModule: FAKE_TRIAGE, timeoutMs: 1500, ordered: true });
    const items: ScanItem[] = [];
    for await (const it of scan) items.push(it);
    const s = scan.summary!;
    expect(s.found).toBe(24);
    expect(s.ok).toBe(22);
    expect(s.failed).toBe(2);
    expect(s.errors).toEqual({ Timeout: 1, Internal: 1 });
    const byRel = new Map(items.map((i) => [i.digest.rel, i.digest]));
    expect(byRel.get('HOST2/d05.dmp')?.error?.code).toBe('Timeout');
    expect(byRel.get('HOST2/d14.dmp')?.error).toMatchObject({ code: 'Internal', message: expect.stringContaining('worker thread failed') });
    for (const [rel, d] of byRel) if (rel !== 'HOST2/d05.dmp' && rel !== 'HOST2/d14.dmp') expect(d.status, rel).toBe('ok');
  }, 30_000);

  it('a worker that cannot start fails the files it was given, and the scan still ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dt-badworker-'));
    const script = join(dir, 'broken-worker.js');
    writeFileSync(script, "throw new Error('cannot start');\n");
    try {
      const scan = new ShareScan(share.root, { index: false, workers: 'threads', workerScript: script, jobs: 2, triageModule: FAKE_TRIAGE, timeoutMs: 5000 });
      let n = 0;
      for await (const it of scan) {
        n++;
        expect(it.digest.error).toMatchObject({ code: 'Internal', message: expect.stringContaining('cannot start') });
      }
      expect(n).toBe(24);
      expect(scan.summary!.errors).toEqual({ Internal: 24 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('blocking reads until the share is slow, then async reads with several files in flight', () => {
  it("IoMeter judges the share slow from the median of the last files, not from one slow file", () => {
    const m = new IoMeter(2, 4);
    expect([m.add(0.05), m.add(30), m.add(0.05), m.add(0.05)]).toEqual([false, false, false, false]);
    // one 30 ms file among fast ones does not make the share slow
    for (let i = 0; i < 20; i++) m.add(0.05);
    expect(m.slow).toBe(false);
    const slow = new IoMeter(2, 4);
    // four slow files: cold (read ahead from now on); four more, still slow: a slow share
    expect([slow.add(3), slow.add(3), slow.add(3), slow.add(3)]).toEqual([false, false, false, false]);
    expect(slow.cold).toBe(true);
    expect([slow.add(3), slow.add(3), slow.add(3), slow.add(3)]).toEqual([false, false, false, true]);
    // a cold disk whose latency the read-ahead hides stays in blocking reads
    const hidden = new IoMeter(2, 4);
    for (const ms of [0.4, 0.4, 0.4, 0.4, 0.03, 0.03, 0.03, 0.03, 0.03]) hidden.add(ms);
    expect([hidden.cold, hidden.slow]).toEqual([true, false]);
    // real dumps on a warm cache: blocked 3 ms each (many calls, many bytes) but no stall: neither
    // cold nor slow, the same verdict as the pool's read-ahead, which judges on the stall too
    const warmReal = new IoMeter(2, 4);
    for (let i = 0; i < 12; i++) warmReal.add(3, 0);
    expect([warmReal.cold, warmReal.slow]).toEqual([false, false]);
    // once slow, it stays so for the scan; missing or absurd figures are ignored
    expect(slow.add(0)).toBe(true);
    const odd = new IoMeter(2, 1);
    expect(odd.add(undefined)).toBe(false);
    expect(odd.add(Number.NaN)).toBe(false);
  });

  it.skipIf(!existsSync(WORKER_JS))('gives the same results either way (slowIoMs 0 switches every worker after 8 files)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dt-slowio-'));
    try {
      for (let i = 0; i < 40; i++) writeFileSync(join(dir, `m${String(i).padStart(2, '0')}.dmp`), synthCrash(i));
      const readAhead: number[] = [];
      const digests = async (opts: ScanOptions) => {
        const scan = new ShareScan(dir, { index: false, ordered: true, workers: 'threads', workerScript: WORKER_JS, jobs: 2, ...opts });
        const out: unknown[] = [];
        for await (const it of scan) out.push({ rel: it.digest.rel, status: it.digest.status, bucket: it.digest.bucketId, image: it.digest.image, bytes: JSON.parse(it.reportJson()!).input.bytesRead });
        expect(scan.summary!.ok).toBe(40);
        readAhead.push(scan.summary!.readAhead);
        return out;
      };
      // The cold-cache verdict reads the clock (how long reads kept a worker waiting): on a busy
      // machine a warm share's first reads could stall past the 0.1 ms threshold (seen: 7 or 13 of
      // 40 files read ahead). The threshold is injected instead: never cold for the blocking run,
      // so the comparison below cannot depend on the machine's load.
      const blocking = await digests({ coldIoMs: Number.POSITIVE_INFINITY });
      const switched = await digests({ slowIoMs: 0 });
      // slowIoMs 0 has the main thread read ahead after the first 8 results.
      expect(readAhead[1]).toBeGreaterThan(0);
      expect(readAhead[0]).toBe(0);
      expect(switched).toEqual(blocking);
      expect(new Set(blocking.map((d) => (d as { image: string }).image))).toEqual(new Set(['m0.dll', 'm1.dll', 'm2.dll']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe.skipIf(!existsSync(WORKER_JS))('warm workers: a closed scan parks its workers for the next one', () => {
  const share = new Share('dt-warm-');
  for (let i = 0; i < 12; i++) share.write(`HOST${i % 2}/d${String(i).padStart(2, '0')}.dmp`, standIn({ bucket: `B${i % 3}`, image: 'ok.sys' }), 'ok');
  const real = mkdtempSync(join(tmpdir(), 'dt-warm-real-'));
  // More files than one worker's batch (PER_WORKER), so that both workers run some.
  for (let i = 0; i < 18; i++) writeFileSync(join(real, `m${String(i).padStart(2, '0')}.dmp`), synthCrash(i));
  afterAll(async () => {
    await releaseWorkers();
    rmSync(share.root, { recursive: true, force: true });
    rmSync(real, { recursive: true, force: true });
  });
  const scan = async (root: string, opts: ScanOptions) => {
    const s = new ShareScan(root, { index: false, ordered: true, workers: 'threads', workerScript: WORKER_JS, jobs: 2, ...opts });
    const out: Array<{ rel: string; bucket?: string; image?: string | null }> = [];
    for await (const it of s) out.push({ rel: it.digest.rel, bucket: it.digest.bucketId, image: it.digest.image });
    return { out, summary: s.summary! };
  };

  it('the next scan adopts them and runs with its own options, not the last scan\'s', async () => {
    await releaseWorkers();
    const first = await scan(share.root, { triageModule: FAKE_TRIAGE });
    expect(first.summary.warmWorkers).toBe(0);
    expect(first.out.map((d) => d.bucket)).toEqual(first.out.map((d) => `B${Number(d.rel.slice(-6, -4)) % 3}`));
    // Same workers, now with the library's own triage: real verdicts, not the stand-in's.
    const second = await scan(real, {});
    expect(second.summary.warmWorkers).toBe(2);
    expect(second.summary.ok).toBe(18);
    expect(second.out.map((d) => d.image)).toEqual(Array.from({ length: 18 }, (_, i) => `m${i % 3}.dll`));
    // And back: the stand-in again, same answers as the first time.
    const third = await scan(share.root, { triageModule: FAKE_TRIAGE });
    expect(third.summary.warmWorkers).toBe(2);
    expect(third.out).toEqual(first.out);
  }, 30_000);

  it('keepWorkersMs 0 parks nothing; a worker that hung or died is never parked', async () => {
    await releaseWorkers();
    await scan(share.root, { triageModule: FAKE_TRIAGE, keepWorkersMs: 0 });
    expect((await scan(share.root, { triageModule: FAKE_TRIAGE })).summary.warmWorkers).toBe(0);
    await releaseWorkers();
    // One worker; it hangs on its last file: terminated, replaced by a worker that never ran a job.
    const hung = new Share('dt-warm-hung-');
    try {
      hung.write('a.dmp', standIn({ bucket: 'A', image: 'ok.sys' }), 'ok');
      hung.write('z.dmp', standIn({ bucket: 'X', hang: true }), 'error');
      const h = await scan(hung.root, { triageModule: FAKE_TRIAGE, jobs: 1, timeoutMs: 500 });
      expect(h.summary.errors).toEqual({ Timeout: 1 });
      expect((await scan(share.root, { triageModule: FAKE_TRIAGE, jobs: 1 })).summary.warmWorkers).toBe(0);
    } finally {
      rmSync(hung.root, { recursive: true, force: true });
    }
  }, 30_000);

  it('workers inherit Node options, but not those about the entry code (a scan from node -e works)', () => {
    expect(workerExecArgv(['--input-type=module', '-e', 'code', '--stack-size=900', '--input-type', 'commonjs', '-p', 'x', '--eval=y'])).toEqual(['--stack-size=900']);
    // nothing to drop: inherit as Node does (an explicit list may not hold V8 options like --expose-gc)
    expect(workerExecArgv(['--enable-source-maps', '--expose-gc'])).toBeUndefined();
  });

  it('a parked worker does not keep the process alive', () => {
    const child = spawnSync(
      process.execPath,
      // -e and --input-type are not passed on to the workers; --expose-gc (a V8 flag) makes Node refuse an explicit list: they get none
      ['--expose-gc', '--input-type=module', '-e', `import { ShareScan } from ${JSON.stringify(pathToFileURL(join(WORKER_JS, '..', 'scan.js')).href)};
const run = async () => { const s = new ShareScan(process.argv[1], { index: false, workers: 'threads', jobs: 2, keepWorkersMs: 600000 }); for await (const _ of s) {} return s.summary; };
await run();
const s = await run();
console.log(s.ok, s.warmWorkers);`, real],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(child.error).toBeUndefined();
    expect(child.status).toBe(0);
    // the second scan adopted both workers; both were parked again (for 10 minutes), and still the process ended
    expect(child.stdout.trim()).toBe('18 2');
  }, 30_000);
});

function synthCrash(i: number): Uint8Array {
  return appCrash({ module: `m${i % 3}.dll`, base: 0x7ff600000000n + BigInt(i % 3) * 0x100000n, timestamp: 1_711_000_000 + i * 60 });
}

describe('the default number of workers, and small shares triaged in the main thread', () => {
  it('--jobs defaults to the cores less one, at least one (one worker on two cores)', () => {
    expect([defaultJobs(1), defaultJobs(2), defaultJobs(4), defaultJobs(16)]).toEqual([1, 1, 3, 15]);
    expect(defaultJobs()).toBe(Math.max(1, availableParallelism() - 1));
  });

  it.skipIf(!existsSync(WORKER_JS))('a scan without --jobs starts defaultJobs() workers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dt-jobs-'));
    try {
      for (let i = 0; i < 4; i++) writeFileSync(join(dir, `m${i}.dmp`), synthCrash(i));
      const scan = new ShareScan(dir, { index: false, workers: 'threads', workerScript: WORKER_JS, keepWorkersMs: 0 });
      for await (const _ of scan);
      expect(scan.summary!).toMatchObject({ mode: 'threads', jobs: defaultJobs(), ok: 4 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  describe.skipIf(!existsSync(WORKER_JS))("'auto': the main thread first, workers once the walk has found more than inlineFiles", () => {
    const dir = mkdtempSync(join(tmpdir(), 'dt-auto-'));
    for (const host of ['HOST0', 'HOST1']) mkdirSync(join(dir, host));
    for (let i = 0; i < 20; i++) writeFileSync(join(dir, `HOST${i % 2}`, `m${String(i).padStart(2, '0')}.dmp`), synthCrash(i));
    // a file that is no dump, and a truncated one: their outcomes must match too
    writeFileSync(join(dir, 'notes.txt'), 'not a dump');
    writeFileSync(join(dir, 'cut.dmp'), synthCrash(99).subarray(0, 20));
    afterAll(async () => {
      await releaseWorkers();
      rmSync(dir, { recursive: true, force: true });
    });
    const run = async (opts: ScanOptions) => {
      const scan = new ShareScan(dir, { index: false, ordered: true, includeSkipped: true, workerScript: WORKER_JS, keepWorkersMs: 0, now: '2024-03-22T00:00:00Z', ...opts });
      const out: Array<{ digest: unknown; report: string | undefined }> = [];
      for await (const it of scan) out.push({ digest: it.digest, report: it.reportJson() });
      const { mode, jobs, warmWorkers, readAhead, durationMs, ...rest } = scan.summary!;
      return { out, mode, jobs, warmWorkers, rest };
    };

    it('a small share stays in the main thread and gives exactly what the workers give', async () => {
      await releaseWorkers();
      const main = await run({ workers: 'auto' });
      const threads = await run({ workers: 'threads', jobs: 2 });
      expect([main.mode, main.jobs, main.warmWorkers]).toEqual(['inline', 1, 0]);
      expect(threads.mode).toBe('threads');
      expect(main.out).toHaveLength(22);
      expect(main.out).toEqual(threads.out);
      expect(main.rest).toEqual(threads.rest);
      expect(main.rest).toMatchObject({ ok: 20, failed: 1, skipped: 1 });
    }, 60_000);

    it('past inlineFiles the rest goes to a worker thread (the main thread beside it), with the same results', async () => {
      await releaseWorkers();
      const main = await run({ workers: 'auto' });
      const mixed = await run({ workers: 'auto', inlineFiles: 5, jobs: 1 });
      expect([mixed.mode, mixed.jobs]).toEqual(['threads', 1]);
      expect(mixed.out).toEqual(main.out);
      expect(mixed.rest).toEqual(main.rest);
    }, 60_000);

    it.skipIf(availableParallelism() < 2)('a worker per core (--jobs N >= cores) starts the workers at once, as before', async () => {
      await releaseWorkers();
      const all = await run({ workers: 'auto', jobs: availableParallelism() });
      expect([all.mode, all.jobs]).toEqual(['threads', availableParallelism()]);
    }, 60_000);

    it('warm workers parked by an earlier scan of the process are used at once', async () => {
      await releaseWorkers();
      await run({ workers: 'threads', jobs: 1, keepWorkersMs: 60_000 });
      const again = await run({ workers: 'auto', jobs: 1 });
      expect([again.mode, again.warmWorkers]).toEqual(['threads', 1]);
      await releaseWorkers();
    }, 60_000);
  });
});
