// Issue 18, finding 1 (memory tables): legal minidumps whose memory tables hold 10^6 entries with
// their data present (test/synth/many-ranges.ts). The stack pointer lies in the first range, so
// triage reads the memory map.
//
// Measured with the compiled CLI (/usr/bin/time, whole process; Node alone is 0.05 s, 45 MiB):
//
//                                          before                        after
//   `dumptriage F --json`, 10^6 MemoryList   1.34 s, 509 MiB              0.39 s, 126 MiB
//   ... 10^6 Memory64List (64 GiB sparse)    1.37 s, 658 MiB              0.40 s, 137 MiB
//   ... 10^6-entry MemoryInfoList            0.26 s, 71 MiB (not read)    0.26 s, 70 MiB
//   `dump --json`, MemoryList                0.53 s, 276 MiB, 148 KB      0.29 s, 76 MiB, 152 KB
//   `dump --json`, MemoryInfoList            1.41 s, 338 MiB, 333 KB      0.29 s, 82 MiB, 337 KB
//   `dump --json`, Memory64List              0.90 s, 404 MiB, 133 KB      0.29 s, 76 MiB, 137 KB
//   `dump --json --all` (user's choice)      2.7-3.4 s, 0.9-1.1 GiB, 114-141 MB (unchanged)
//
// The memory map is now columns of numbers (src/formats/minidump/range-table.ts, 24 bytes a
// range) filled straight from the stream's pages, and `dump` decodes the big tables only up to its
// list budget. Asserted here: what is read, what is kept (live heap after a collection), and the
// shape of the cut; the timeouts are hang guards.

import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDumpFromBytes, triage } from '../../src/core.js';
import { openDump } from '../../src/index.js';
import { DUMP_LIST_BUDGET } from '../../src/util/list-budget.js';
import type { MinidumpDump } from '../../src/formats/minidump/minidump.js';
import { settle, usedBytes } from '../helpers/live-memory.js';
import { manyInfoMinidump, manyMemory64Head, manyModulesMinidump, manyRangesMinidump, MEMORY64_RANGE, RANGES_BASE } from '../synth/many-ranges.js';

const N = 1_000_000;
const GUARD_MS = 30_000;
const MiB = 1024 * 1024;

async function liveAfter<T>(work: () => Promise<T>): Promise<{ value: T; grew: number }> {
  await settle();
  const before = usedBytes();
  const value = await work();
  await settle();
  return { value, grew: usedBytes() - before };
}

describe('10^6 MemoryList ranges sharing one 4 KiB block (a 16 MB file)', () => {
  let bytes: Uint8Array;
  beforeAll(() => {
    bytes = manyRangesMinidump(N);
  });

  it('triage keeps the map as columns: under 40 MiB live for 10^6 ranges, every one findable', async () => {
    const dump = (await openDumpFromBytes(bytes, 'ranges.dmp')) as MinidumpDump;
    try {
      const { value: report, grew } = await liveAfter(() => triage(dump));
      // The stack walk read the first range (the context frame's sp is there).
      expect(report.threads[0]?.frames?.[0]?.sp).toBe('0x10000100');
      // Before: ~10^6 descriptor objects (memoized) + 10^6 range objects with two bigints each.
      expect(grew).toBeLessThan(40 * MiB);
      const mem = dump.memory();
      expect(await mem.rangeCount()).toBe(N);
      expect(await mem.fileOffsetOf(RANGES_BASE + BigInt(N - 1) * 0x2000n + 0xfffn)).toBeGreaterThan(0);
      expect(await mem.fileOffsetOf(RANGES_BASE + BigInt(N - 1) * 0x2000n + 0x1000n)).toBeUndefined();
    } finally {
      await dump.close();
    }
  }, GUARD_MS);

  it('dump data under the list budget reads 1,000 descriptors, not 10^6, and says how many were cut', async () => {
    const dump = (await openDumpFromBytes(bytes, 'ranges.dmp')) as MinidumpDump;
    try {
      const before = dump.source.bytesRead;
      const tree = (await dump.describe({ listBudget: DUMP_LIST_BUDGET })) as { streams: { memoryList: unknown[] } };
      expect(dump.source.bytesRead - before).toBeLessThan(256 * 1024);
      const list = tree.streams.memoryList;
      expect(list).toHaveLength(DUMP_LIST_BUDGET + 1);
      expect(list[DUMP_LIST_BUDGET]).toEqual({ truncated: true, omitted: N - DUMP_LIST_BUDGET, total: N, summary: '... 999,000 more memory ranges; --all lists every one' });
      expect(list[DUMP_LIST_BUDGET - 1]).toEqual({ startOfMemoryRange: RANGES_BASE + BigInt(DUMP_LIST_BUDGET - 1) * 0x2000n, memory: { dataSize: 4096, rva: expect.any(Number) } });
    } finally {
      await dump.close();
    }
  }, GUARD_MS);
});

describe('a 10^6-entry MemoryInfoList (48 MB)', () => {
  it('dump data under the list budget stops at the budget; the whole table is still there for --all', async () => {
    const dump = (await openDumpFromBytes(manyInfoMinidump(N), 'info.dmp')) as MinidumpDump;
    try {
      const before = dump.source.bytesRead;
      const cut = (await dump.describe({ listBudget: DUMP_LIST_BUDGET })) as { streams: { memoryInfoList: Array<Record<string, unknown>> } };
      expect(dump.source.bytesRead - before).toBeLessThan(256 * 1024);
      const list = cut.streams.memoryInfoList;
      expect(list).toHaveLength(DUMP_LIST_BUDGET + 1);
      // LIMITS.streamReadCap (16 MiB) / 48 bytes: the entries the whole-table decoder would take.
      expect(list[DUMP_LIST_BUDGET]).toMatchObject({ truncated: true, total: 349_525, omitted: 349_525 - DUMP_LIST_BUDGET });
      expect(list[1]).toMatchObject({ baseAddress: RANGES_BASE + 0x1000n, protectName: 'ExecuteRead' });
      expect(dump.warnings.map((w) => w.code)).toContain('CountClamped');
    } finally {
      await dump.close();
    }
  }, GUARD_MS);
});

describe('10^6 Memory64List ranges of 64 KiB in a 64 GiB sparse file', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dumptriage-mem64-'));
    file = join(dir, 'mem64.dmp');
    const m = manyMemory64Head(N);
    const fd = openSync(file, 'w');
    try {
      writeSync(fd, m.head);
      ftruncateSync(fd, m.fileSize);
    } finally {
      closeSync(fd);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('triage builds the map from 16 MB of descriptors, reads one stack page, keeps under 40 MiB live', async () => {
    const dump = (await openDump(file)) as MinidumpDump;
    try {
      const { value: report, grew } = await liveAfter(() => triage(dump));
      expect(report.threads[0]?.frames?.[0]?.sp).toBe('0x10000100');
      expect(grew).toBeLessThan(40 * MiB);
      expect(await dump.memory().rangeCount()).toBe(N);
      const last = RANGES_BASE + BigInt(N - 1) * BigInt(MEMORY64_RANGE * 2);
      expect(await dump.memory().fileOffsetOf(last)).toBe(dump.source.size - MEMORY64_RANGE);
      // Positioned reads only: the descriptors and a few pages, never the 64 GiB.
      expect(dump.source.bytesRead).toBeLessThan(20 * MiB);
    } finally {
      await dump.close();
    }
  }, GUARD_MS);

  it('dump data under the list budget reads 1,000 descriptors', async () => {
    const dump = (await openDump(file)) as MinidumpDump;
    try {
      const tree = (await dump.describe({ listBudget: DUMP_LIST_BUDGET })) as { streams: { memory64List: { ranges: unknown[] } } };
      const ranges = tree.streams.memory64List.ranges;
      expect(ranges).toHaveLength(DUMP_LIST_BUDGET + 1);
      expect(ranges[DUMP_LIST_BUDGET]).toMatchObject({ truncated: true, omitted: N - DUMP_LIST_BUDGET, total: N });
      expect(ranges[0]).toEqual({ startOfMemoryRange: RANGES_BASE, dataSize: BigInt(MEMORY64_RANGE), rva: expect.any(Number) });
      expect(dump.source.bytesRead).toBeLessThan(256 * 1024);
    } finally {
      await dump.close();
    }
  }, GUARD_MS);
});

// 16,384 modules (LIMITS.maxModules) with 250-character paths and CodeView records: the names were
// read ahead all at once into a 1 MiB cache that kept only the last 1 MiB of 9 MB, so every name
// and record was then read again on its own: 32,768 reads, 2.3 s (1.2 s of it waiting). Now the
// read-ahead goes a cache-full at a time (MinidumpFile.prefetchEach): 0.5 s.
describe('16,384 modules with long paths', () => {
  it('names and CodeView records are read in cache-sized batches, not one read each', async () => {
    const dump = (await openDumpFromBytes(manyModulesMinidump(16_384), 'modules.dmp')) as MinidumpDump;
    try {
      const facts = await dump.facts();
      expect(facts.modules).toHaveLength(16_384);
      expect(facts.modules[16_383]!.pdb?.name).toBe('mod16383.pdb');
      // 8 MB of UTF-16 paths: past LIMITS.maxStringBytesPerDump (1 MiB) the names are cut, once warned.
      expect(facts.modules[0]!.path.endsWith('mod00000.dll')).toBe(true);
      expect(facts.warnings.filter((w) => w.code === 'StringBudgetExceeded')).toHaveLength(1);
      // ~9 MB of names and records in windows of up to 256 KiB (before: 32,768 + 90 reads).
      expect(dump.source.reads).toBeLessThan(400);
    } finally {
      await dump.close();
    }
  }, GUARD_MS);
});
