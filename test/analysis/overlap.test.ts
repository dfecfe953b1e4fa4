// Issue 18, finding 8: a module moved onto another's range was still blamed with confidence 0.9
// and no warning. Overlapping loaded modules now give a ModulesOverlap warning, and blame on one
// of them is capped (0.4) with the reason saying why.

import { describe, expect, it } from 'vitest';
import { SynthMinidump } from '../synth/minidump.js';
import { openDumpFromBytes, triage } from '../../src/core.js';

const BASE = 0x7ff6_0000_0000n;

function dump(overlap: boolean): Uint8Array {
  const stack = new Uint8Array(0x100);
  return new SynthMinidump({ arch: 'x64', timestamp: 1_700_000_000 })
    .addSystemInfo({ arch: 'x64', major: 10, minor: 0, build: 19045, cpus: 2 })
    .addModule({ name: 'C:\\app\\app.exe', base: BASE, size: 0x20000 })
    .addModule({ name: 'C:\\app\\moved.dll', base: overlap ? BASE + 0x10000n : BASE + 0x100000n, size: 0x20000 })
    .addThread({ id: 1, context: { rip: BASE + 0x18000n, rsp: 0x10000n }, stack: { start: 0x10000n, bytes: stack } })
    .addException({ threadId: 1, code: 0xc0000005, address: BASE + 0x18000n, parameters: [0n, 0x10n] })
    .build();
}

describe('overlapping modules', () => {
  it('are flagged, and blame on them is capped with the reason', async () => {
    const d = await openDumpFromBytes(dump(true), 'overlap.dmp');
    try {
      const r = await triage(d);
      expect(r.warnings.filter((w) => w.code === 'ModulesOverlap')).toHaveLength(1);
      expect(r.verdict.probableCause.confidence).toBeLessThanOrEqual(0.4);
      expect(r.verdict.probableCause.reason).toMatch(/overlaps .*'s in the module list/);
    } finally {
      await d.close();
    }
  });

  it('a module list without overlaps keeps its confidence and has no such warning', async () => {
    const d = await openDumpFromBytes(dump(false), 'plain.dmp');
    try {
      const r = await triage(d);
      expect(r.warnings.some((w) => w.code === 'ModulesOverlap')).toBe(false);
      expect(r.verdict.probableCause).toMatchObject({ image: 'app.exe', confidence: 0.9 });
    } finally {
      await d.close();
    }
  });
});
