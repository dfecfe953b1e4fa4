// ReportDumpStore keeps what `scan --report` lists in a temporary SQLite database, or, without
// better-sqlite3 (an optional dependency), in the heap: both give the same rows in the same order.

import { describe, expect, it } from 'vitest';
import type { DumpDigest } from '../../src/scan/digest.js';
import { ReportDumpStore } from '../../src/scan/report-store.js';

function digest(i: number, bucketId: string | undefined, time: string, status: DumpDigest['status'] = 'ok'): DumpDigest {
  return { rel: `h/${i}.dmp`, status, size: 100 + i, mtimeMs: 0, host: 'h', hostSource: 'path', time, timeSource: 'dump', ...(bucketId !== undefined ? { bucketId } : {}) };
}

describe('ReportDumpStore', () => {
  const digests: DumpDigest[] = [];
  for (let i = 0; i < 1200; i++) {
    // Few distinct times, so that ties (kept in the order added) are many; some without a bucket.
    const bucket = i % 7 === 0 ? undefined : `B${i % 5}`;
    digests.push(digest(i, bucket, `2024-05-0${1 + (i % 4)}T00:00:00.000Z`, i % 50 === 3 ? 'error' : i % 60 === 5 ? 'skipped' : 'ok'));
  }

  it('the heap and the database list every bucket the same way: newest first, ties in the order added', () => {
    const onDisk = new ReportDumpStore();
    const inHeap = new ReportDumpStore({ inHeap: true });
    try {
      for (const d of digests) {
        onDisk.add(d);
        inHeap.add(d);
      }
      for (const b of ['B0', 'B1', 'B2', 'B3', 'B4', '(no bucket)', 'nothing']) {
        const want = [...onDisk.bucketDumps(b)];
        expect([...inHeap.bucketDumps(b)], b).toEqual(want);
        // Read twice per bucket (report-html.ts): the same both times.
        expect([...inHeap.bucketDumps(b)], b).toEqual(want);
      }
      expect([...inHeap.bucketDumps('B1')].map((d) => d.time)).toEqual([...inHeap.bucketDumps('B1')].map((d) => d.time).sort().reverse());
      expect(inHeap.stored).toBe(onDisk.stored);
      expect(inHeap.failureCount).toBe(onDisk.failureCount);
      expect(inHeap.failures).toEqual(onDisk.failures);
    } finally {
      onDisk.close();
      inHeap.close();
    }
  });
});
