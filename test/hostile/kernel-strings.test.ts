// Issue 18, finding 2: kernel dumps had no string budget. A small dump whose 16,384 drivers share
// one 1,024-character name made a 27.7 MB report with no warning; a loader-list name over 2,048
// bytes silently became module@base. Now one budget per dump (LIMITS.maxStringBytesPerDump, as
// minidumps) cuts later names with one StringBudgetExceeded warning, and an over-long name is cut
// with a StringTooLong warning instead of dropped.

import { describe, expect, it } from 'vitest';
import { DumpType } from '../../native-structs/constants/kernel.js';
import { SynthKernelDump } from '../synth/kernel.js';
import { populate } from '../formats/kernel/populate.js';
import { openDumpFromBytes, triage } from '../../src/core.js';
import { LIMITS } from '../../src/limits.js';

const LONG = `${'d'.repeat(1020)}.sys`; // 1,024 characters: the longest DUMP_STRING the triage block holds

describe('kernel dump strings are budgeted', () => {
  it('16,384 drivers sharing one 1,024-character name: the report stays bounded and says names were cut', async () => {
    const s = new SynthKernelDump({ dumpType: DumpType.Triage, cpus: 1, bugcheck: { code: 0xd1, args: [0, 2, 0, 0] } });
    // One string in the pool for all of them would need builder support; distinct entries with the same long name are the same cost to us.
    for (let i = 0; i < 16_384; i++) s.addDriver({ name: LONG, path: LONG, base: 0xfffff800_00000000n + BigInt(i) * 0x10000n, size: 0x10000 });
    const bytes = s.build();
    const dump = await openDumpFromBytes(bytes, 'many-drivers.dmp');
    try {
      const report = await triage(dump);
      const json = JSON.stringify(report);
      expect(report.warnings.filter((w) => w.code === 'StringBudgetExceeded')).toHaveLength(1);
      // Names are UTF-16 in the dump: the budget is in bytes decoded, about half that in characters.
      const nameChars = report.modules.reduce((n, m) => n + m.name.length, 0);
      expect(nameChars * 2).toBeLessThanOrEqual(LIMITS.maxStringBytesPerDump);
      expect(json.length).toBeLessThan(12 * 1024 * 1024);
    } finally {
      await dump.close();
    }
  }, 60_000);
});

describe('a loader-list name over 2,048 bytes', () => {
  it('is cut with a StringTooLong warning, not replaced by module@base', async () => {
    const longPath = `\\SystemRoot\\${'p'.repeat(1100)}\\long.sys`;
    const s = populate(new SynthKernelDump({ dumpType: DumpType.Full, cpus: 2 }));
    s.addDriver({ name: 'x'.repeat(1100), path: longPath, base: 0xfffff806_40000000n, size: 0x10000 });
    const dump = await openDumpFromBytes(s.build(), 'long-name.dmp');
    try {
      const report = await triage(dump);
      const m = report.modules.find((x) => x.base === '0xfffff80640000000');
      expect(m?.name.startsWith('xxxx')).toBe(true);
      expect(m?.name.length).toBe(1024);
      expect(report.warnings.some((w) => w.code === 'StringTooLong')).toBe(true);
    } finally {
      await dump.close();
    }
  });
});
