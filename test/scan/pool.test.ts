// The worker pool when a job misbehaves: a triage that never returns is failed with Timeout and
// a triage that ends its worker thread fails that one file; the jobs queued behind either one
// in the same worker are run by its replacement, and every other file is analysed. And the
// switch from blocking to async reads when the share is slow.

import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ShareScan, type ScanItem, type ScanOptions } from '../../src/scan/scan.js';
import { IoMeter } from '../../src/scan/worker.js';
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
      const digests = async (opts: ScanOptions) => {
        const scan = new ShareScan(dir, { index: false, ordered: true, workers: 'threads', workerScript: WORKER_JS, jobs: 2, ...opts });
        const out: unknown[] = [];
        for await (const it of scan) out.push({ rel: it.digest.rel, status: it.digest.status, bucket: it.digest.bucketId, image: it.digest.image, bytes: JSON.parse(it.reportJson()!).input.bytesRead });
        expect(scan.summary!.ok).toBe(40);
        return out;
      };
      const blocking = await digests({});
      const switched = await digests({ slowIoMs: 0 });
      expect(switched).toEqual(blocking);
      expect(new Set(blocking.map((d) => (d as { image: string }).image))).toEqual(new Set(['m0.dll', 'm1.dll', 'm2.dll']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

function synthCrash(i: number): Uint8Array {
  return appCrash({ module: `m${i % 3}.dll`, base: 0x7ff600000000n + BigInt(i % 3) * 0x100000n, timestamp: 1_711_000_000 + i * 60 });
}
