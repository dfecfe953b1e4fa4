// The main thread's read-ahead for a cold cache: when it turns on, what it reads, what it skips,
// and that a file it cannot read is left for the worker (no throw, no unhandled rejection); and
// that only block reads, not a busy machine's waits, make a share cold (diskStall).

import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { COLD_IO_MS, ReadAhead, diskStall, stallMs } from '../../src/scan/read-ahead.js';
import { ShareScan } from '../../src/scan/scan.js';
import { appCrash } from '../synth/crash.js';
import { SyncFileSource } from '../../src/reader/file-source.js';

const WORKER_JS = resolve(__dirname, '..', '..', 'dist', 'src', 'scan', 'worker.js');

const settle = (ra: ReadAhead, n: number) =>
  new Promise<void>((resolve, reject) => {
    const t0 = Date.now();
    const poll = () => (ra.done >= n ? resolve() : Date.now() - t0 > 5000 ? reject(new Error(`read ahead ${ra.done} of ${n}`)) : setTimeout(poll, 5));
    poll();
  });

describe('ReadAhead', () => {
  it('turns on from the median of the last results, not from one slow file, and stays on', () => {
    const ra = new ReadAhead(0.1, 4);
    for (const ms of [0.02, 5, 0.02, 0.02, 0.02, 0.03]) ra.observe(ms);
    expect(ra.on).toBe(false);
    // missing and absurd figures are ignored; window 0.02 0.02 0.03 0.3: median (upper) 0.03
    for (const ms of [undefined, Number.NaN, 0.3]) ra.observe(ms);
    expect(ra.on).toBe(false);
    // window 0.02 0.03 0.3 0.4: median 0.3, cold
    ra.observe(0.4);
    expect(ra.on).toBe(true);
    for (let i = 0; i < 10; i++) ra.observe(0.01);
    expect(ra.on).toBe(true);
  });

  it('reads nothing while off; once on reads the files not yet started, and skips the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dt-ra-'));
    try {
      const files = Array.from({ length: 6 }, (_, i) => {
        const p = join(dir, `f${i}.dmp`);
        writeFileSync(p, Buffer.alloc(100_000, i));
        return p;
      });
      const ra = new ReadAhead(0.1, 2);
      ra.want(files[0]!, 100_000, () => false);
      expect(ra.done).toBe(0);
      ra.observe(0.5);
      ra.observe(0.5);
      expect(ra.on).toBe(true);
      const asked: string[] = [];
      for (const [i, f] of files.entries()) {
        ra.want(f, 100_000, () => {
          asked.push(f);
          return i === 2; // already begun by a worker
        });
      }
      // a vanished file and an empty one: left for the worker's own read
      ra.want(join(dir, 'missing.dmp'), 10, () => false);
      ra.want(files[5]!, 0, () => false);
      await settle(ra, 6);
      expect(ra.done).toBe(6); // five files + the missing one (tried); f2 skipped, size 0 never queued
      expect(asked).toEqual(files);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('stallMs: the blocked time a warm cache does not explain', () => {
  it('calls a real dump read warm (0.19 ms in 113 calls for 304 KB) and a small dump read cold', () => {
    // ue4-editor-ensure on a warm cache: 109 reads, 304,473 bytes, 0.17-0.19 ms blocked
    expect(stallMs(0.19, 113, 304_473)).toBe(0);
    expect(stallMs(0.19, 113, 304_473)).toBeLessThan(COLD_IO_MS);
    // an 8.7 KB dump: 5 calls; warm ~0.02 ms, cold (a disk read) 0.3 ms
    expect(stallMs(0.02, 5, 8718)).toBe(0);
    expect(stallMs(0.3, 5, 8718)).toBeCloseTo(0.3 - 5 * 0.004 - 0.008718, 6);
    expect(stallMs(0.3, 5, 8718)).toBeGreaterThan(COLD_IO_MS);
  });

  it('counts what a SyncFileSource paid for: calls and bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dt-stall-'));
    try {
      const p = join(dir, 'a.dmp');
      writeFileSync(p, Buffer.alloc(10_000, 1));
      const statted = SyncFileSource.open(p, { statted: true });
      expect(statted.calls).toBe(2); // open, fstat (the walk has stat'ed it)
      await statted.close();
      const s = SyncFileSource.open(p);
      expect(s.calls).toBe(3); // stat, open, fstat
      await s.read(0, 4000);
      await s.readAvailable(9000, 5000); // 1,000 bytes left
      s.state();
      await s.close();
      expect(s.calls).toBe(8); // + 2 reads, fstat, and the close: its fstat (the state kept) and the close itself
      expect(s.bytes).toBe(5000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('diskStall: a stall counts only when the process read from a block device meanwhile', () => {
  it('zeroes a stall the page cache explains, keeps one with block reads, and keeps every stall where the counter is blind', () => {
    let blocks = 100;
    const counter = () => blocks;
    const local = () => false;
    const network = () => true;
    diskStall(0, '/x/a.dmp', counter, local); // sets the thread's last reading
    // a busy machine: blocked 0.4 ms beyond a cached read's cost, no block read: the page cache served it
    expect(diskStall(0.4, '/x/a.dmp', counter, local)).toBe(0);
    // the next file read 16 blocks from the disk: a cold file
    blocks += 16;
    expect(diskStall(0.4, '/x/b.dmp', counter, local)).toBe(0.4);
    // a network mount (or FUSE, a VM shared folder, not Linux): its waits never move the counter
    expect(diskStall(3, '/mnt/nfs/c.dmp', counter, network)).toBe(3);
    // no stall stays no stall; an unreadable counter leaves the stall as it was
    expect(diskStall(0, '/x/d.dmp', counter, local)).toBe(0);
    expect(
      diskStall(0.4, '/x/e.dmp', () => {
        throw new Error('no getrusage');
      }, local),
    ).toBe(0.4);
  });
});

describe.skipIf(!existsSync(WORKER_JS))('a warm share is not read ahead', () => {
  it('readAhead 0 even with the cold threshold at 1 µs (every warm file stalls a few µs; none reads a block)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dt-warm-ra-'));
    try {
      // Just written: in the page cache.
      for (let i = 0; i < 96; i++) writeFileSync(join(dir, `m${String(i).padStart(2, '0')}.dmp`), appCrash({ module: `m${i % 3}.dll`, base: 0x7ff600000000n + BigInt(i % 3) * 0x100000n, timestamp: 1_711_000_000 + i * 60 }));
      // The blocked time beyond a cached read's cost is a few µs per file here (more on a busy
      // machine): judged on it alone, a threshold of 1 µs calls this share cold after 8 files.
      const scan = new ShareScan(dir, { index: false, workers: 'threads', workerScript: WORKER_JS, jobs: 2, keepWorkersMs: 0, coldIoMs: 0.001 });
      for await (const _ of scan);
      expect(scan.summary!.ok).toBe(96);
      expect(scan.summary!.readAhead).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
