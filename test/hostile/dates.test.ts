// Times from a dump past year 9999 (found by the fuzzer: a flipped SystemTime) must not reach the
// report as "+0xxxxx-..." strings, which are not the ISO 8601 the JSON Schema promises.

import { describe, expect, it } from 'vitest';
import { openDumpFromBytes, triage } from '../../src/core.js';
import { SynthKernelDump } from '../synth/kernel.js';
import { runOne } from './fuzz/run-one.js';

describe('out-of-range times', () => {
  it.each([0x7fffffffffffffffn, 0x4547415045474150n, 2_650_467_744_000_000_000n])('SystemTime %s: no crashTime, schema-valid report', async (systemTime) => {
    const bytes = new SynthKernelDump({ arch: 'x64', dumpType: 5, systemTime, bugcheck: { code: 0xd1 } }).build();
    const o = await runOne(bytes, { budgetMs: 10_000 });
    expect(o.failure, JSON.stringify(o.failure)).toBeUndefined();
    const dump = await openDumpFromBytes(bytes);
    const r = await triage(dump);
    await dump.close();
    expect(r.system?.crashTime).toBeUndefined();
  });

  it('a year-9999 time is still shown', async () => {
    // 9999-12-31T00:00:00Z as FILETIME.
    const ft = (253_402_214_400_000n + 11_644_473_600_000n) * 10_000n;
    const bytes = new SynthKernelDump({ arch: 'x64', dumpType: 5, systemTime: ft, bugcheck: { code: 0xd1 } }).build();
    const dump = await openDumpFromBytes(bytes);
    const r = await triage(dump);
    await dump.close();
    expect(r.system?.crashTime).toBe('9999-12-31T00:00:00.000Z');
  });
});
