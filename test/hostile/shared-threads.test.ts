// Issue 18, finding 1 (threads): a 3.15 MB minidump whose 65,536 MINIDUMP_THREAD entries all
// point at ONE CONTEXT and ONE stack range (built by test/synth/shared-threads.ts).
//
// Measured on the dev container, Node 20. In-process (time after building the input; RSS is the
// vitest worker's maxRSS, vitest included):
//
//                                    before                      after
//   default triage (triage+toJson)   1.2 s, 410 MiB, 18.2 MB     0.6 s, 254 MiB, 18.2 MB
//   dump data (describe+JSON)        4.1 s, 1,308 MiB, 264.4 MB  0.23 s, 159 MiB, 0.55 MB
//   dump data, --all                 (as above)                  0.44 s, 250 MiB, 35.7 MB
//   dump.facts() alone (plain node)  0.75 s, 276 MiB             0.17 s, 133 MiB
//
// The compiled CLI (/usr/bin/time, whole process):
//   `dumptriage FILE --json`         1.55 s, 436 MiB, 18.2 MB    0.95 s, 290 MiB, 18.2 MB
//   `dumptriage dump FILE --json`    14.0 s, 2.1 GiB, 264.6 MB   0.92 s, 148 MiB, 0.55 MB
//   `dumptriage dump FILE --json --all`  (no flag)               1.63 s, 339 MiB, 35.7 MB
//   `dumptriage dump FILE` (text)    6.4 s, 869 MiB, 35.2 MB     0.54 s, 150 MiB, 0.44 MB
//
// The CONTEXT is decoded once (MinidumpFile.decodeOnce, keyed kind:rva:size), the stack range
// enters the memory map once, `dump` gives a CONTEXT shown by an earlier thread by reference
// ({sameAsIndex, sameAsThreadId}) and cuts every list at DUMP_LIST_BUDGET entries plus a summary
// entry unless --all. The triage report still lists every thread (18 MB of JSON): that part is
// the report builder's, not this file's. Only deterministic things are asserted; the 20 s
// timeouts are hang guards, not speed assertions.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDumpFromBytes, triage } from '../../src/core.js';
import { toJson } from '../../src/cli/render/json.js';
import { applyListBudget, DUMP_LIST_BUDGET, type CutSummary } from '../../src/cli/commands/dump.js';
import type { MinidumpDump } from '../../src/formats/minidump/minidump.js';
import { cli } from '../helpers/cli.js';
import { sharedThreadsMinidump } from '../synth/shared-threads.js';

const N = 65_536;
const GUARD_MS = 20_000;

describe('65,536 threads sharing one CONTEXT and one stack range', () => {
  let bytes: Uint8Array;
  beforeAll(() => {
    bytes = sharedThreadsMinidump(N);
  });

  it('the input is what the issue describes', () => {
    expect(bytes.length).toBeGreaterThan(3_100_000);
    expect(bytes.length).toBeLessThan(3_200_000);
  });

  it('default triage decodes the shared CONTEXT once', async () => {
    const dump = await openDumpFromBytes(bytes, 'shared-threads.dmp');
    try {
      const report = await triage(dump);
      const json = toJson(report);
      // The report lists LIMITS.maxReportThreads of them (test/hostile/report-threads.test.ts).
      expect(report.threads.length + (report.threadsOmitted ?? 0)).toBe(N);
      expect(report.exception?.threadId).toBe(1);
      // The shared thread CONTEXT and the exception's own CONTEXT: two locations, two decodes.
      expect((dump as MinidumpDump).file.decodeCounts.get('CONTEXT')).toBe(2);
      expect(json.length).toBeLessThan(2 * 1024 * 1024);
      // The shared stack range is one range of the memory map.
      expect(await (dump as MinidumpDump).memory().ranges()).toHaveLength(1);
    } finally {
      await dump.close();
    }
  }, GUARD_MS);

  it('dump data: cut at the budget with a summary entry, each CONTEXT decoded once', async () => {
    const dump = await openDumpFromBytes(bytes, 'shared-threads.dmp');
    try {
      const full = (await dump.describe()) as { streams: { threadList: { count: number; threads: Array<Record<string, unknown>> } } };
      expect((dump as MinidumpDump).file.decodeCounts.get('CONTEXT (full)')).toBe(2);
      const threads = full.streams.threadList.threads;
      expect(threads).toHaveLength(N);
      expect(threads[0]!.context).toMatchObject({ layout: 'CONTEXT_AMD64', fields: { rip: 0x7ff7_1234_5678n } });
      expect(threads[N - 1]!.context).toEqual({ sameAsIndex: 0, sameAsThreadId: 1 });

      const cut = applyListBudget(full) as typeof full;
      const shown = cut.streams.threadList.threads;
      expect(shown).toHaveLength(DUMP_LIST_BUDGET + 1);
      const last = shown[DUMP_LIST_BUDGET] as unknown as CutSummary;
      expect(last).toEqual({
        truncated: true,
        omitted: N - DUMP_LIST_BUDGET,
        total: N,
        distinctContexts: 1,
        distinctStacks: 1,
        summary: '... 64,536 more threads, 64,535 sharing a CONTEXT with another (1 distinct); --all lists every one',
      });
      const json = toJson(cut, true);
      expect(JSON.parse(json).streams.threadList.threads).toHaveLength(DUMP_LIST_BUDGET + 1);
      expect(json.length).toBeLessThan(2 * 1024 * 1024);
      // --all: every thread, the CONTEXT given once and referenced after.
      expect(toJson(full, true).length).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await dump.close();
    }
  }, GUARD_MS);
});

describe('dumptriage dump: list budget and --all', () => {
  let dir: string;
  let file: string;
  const M = DUMP_LIST_BUDGET + 500;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dumptriage-shared-'));
    file = join(dir, 'shared.dmp');
    writeFileSync(file, sharedThreadsMinidump(M));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json cuts the thread list and ends it with a summary entry', async () => {
    const r = await cli('dump', '--json', file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const threads = JSON.parse(r.stdout).streams.threadList.threads;
    expect(threads).toHaveLength(DUMP_LIST_BUDGET + 1);
    expect(threads[DUMP_LIST_BUDGET]).toMatchObject({ truncated: true, omitted: 500, total: M, distinctContexts: 1 });
  }, GUARD_MS);

  it('--all lists every thread', async () => {
    const r = await cli('dump', '--json', '--all', file);
    expect(r.code).toBe(0);
    const threads = JSON.parse(r.stdout).streams.threadList.threads;
    expect(threads).toHaveLength(M);
    expect(threads[M - 1].context).toEqual({ sameAsIndex: 0, sameAsThreadId: 1 });
  }, GUARD_MS);

  it('the text tree shows the summary entry', async () => {
    const r = await cli('dump', file);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('... 500 more threads, 499 sharing a CONTEXT with another (1 distinct); --all lists every one');
  }, GUARD_MS);
});
