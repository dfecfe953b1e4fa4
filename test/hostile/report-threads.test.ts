// Issue 18, finding 1: a legal minidump of 65,536 threads sharing one CONTEXT made an 18 MB
// report listing every thread. The report now lists LIMITS.maxReportThreads of them (the crashing
// thread always), counts the rest in threadsOmitted, and says so in a warning.

import { describe, expect, it } from 'vitest';
import { sharedThreadsMinidump } from '../synth/shared-threads.js';
import { openDumpFromBytes, triage } from '../../src/core.js';
import { toJson } from '../../src/cli/render/json.js';
import { LIMITS } from '../../src/limits.js';

describe('a report of a dump with 65,536 threads', () => {
  it('lists 4,096 threads, the crashing one among them, and counts the rest', async () => {
    const d = await openDumpFromBytes(sharedThreadsMinidump(65_536), 'threads.dmp');
    try {
      const r = await triage(d);
      expect(r.threads).toHaveLength(LIMITS.maxReportThreads);
      expect(r.threadsOmitted).toBe(65_536 - LIMITS.maxReportThreads);
      expect(r.threads.some((t) => t.id === r.exception?.threadId)).toBe(true);
      expect(r.warnings.filter((w) => w.code === 'ReportThreadsCut')).toHaveLength(1);
      expect(toJson(r, false).length).toBeLessThan(2 * 1024 * 1024);
    } finally {
      await d.close();
    }
  }, 30_000);
});
