// Issue 14, item 5: a dump missing its exception because it is cut short or damaged is not a
// hang. r2-trunc_memory64.dmp (76 bytes: one Memory64List stream) and rm-invalid-range.dmp (its
// directory overlaps the header, every stream lies past the end) were "Hang, a dump written
// without an exception".

import { describe, expect, it } from 'vitest';
import { corpusOrSkipMessage, corpusPath } from '../helpers/corpus.js';
import { openDumpFromBytes, triage } from '../../src/core.js';
import { triageFile } from '../../src/index.js';
import { StreamType } from '../../native-structs/constants/minidump.js';
import { SynthMinidump } from '../synth/minidump.js';

const have = corpusOrSkipMessage();

async function verdictOf(bytes: Uint8Array) {
  const d = await openDumpFromBytes(bytes, 'x.dmp');
  try {
    return (await triage(d)).verdict;
  } finally {
    await d.close();
  }
}

const base = () => new SynthMinidump({ arch: 'x64' }).addSystemInfo({ arch: 'x64', os: 'windows' }).addModule({ name: 'C:\\app\\app.exe', base: 0x1_4000_0000n, size: 0x10000 });

describe('incomplete dumps', () => {
  for (const f of ['r2-trunc_memory64.dmp', 'rm-invalid-range.dmp']) {
    it.skipIf(!have)(`${f} is incomplete, not a hang`, async () => {
      const v = (await triageFile(corpusPath('user-other', f))).verdict;
      expect(v.kind).toBe('incomplete');
      expect(v.trigger).toBe('incomplete');
      expect(v.bucketId.startsWith('INCOMPLETE_DUMP_')).toBe(true);
      expect(v.summary.startsWith('Incomplete dump')).toBe(true);
    });
  }

  it('no exception and no thread list: incomplete', async () => {
    const v = await verdictOf(base().build());
    expect(v.kind).toBe('incomplete');
    expect(v.findings.find((x) => x.ruleId === 'hang-dump')?.message).toBe('No exception and no thread list: the dump is cut short or damaged, not a hang dump');
  });

  it('an exception stream past the end of the file: incomplete, even with threads', async () => {
    const bytes = base().addThread({ id: 7, context: { rip: 0x1_4000_1000n, rsp: 0x1000n } }).addRawDirectoryEntry(StreamType.Exception, 0x7fff_0000, 168).build();
    const v = await verdictOf(bytes);
    expect(v.kind).toBe('incomplete');
  });

  it('no exception, threads present, nothing damaged: still a hang dump', async () => {
    const v = await verdictOf(base().addThread({ id: 7, context: { rip: 0x1_4000_1000n, rsp: 0x1000n } }).build());
    expect(v.kind).toBe('hang');
    expect(v.trigger).toBe('hang-dump');
  });
});

describe('a scan counts incomplete dumps apart', () => {
  it('neither crash nor hang', async () => {
    const { Grouper } = await import('../../src/scan/group.js');
    const g = new Grouper();
    const d = (kind: 'crash' | 'hang' | 'incomplete', i: number) =>
      ({ status: 'ok', kind, time: `2024-01-0${i}T00:00:00.000Z`, host: 'h', bucketId: `B_${kind}`, rel: `f${i}`, path: `f${i}` }) as never;
    g.add(d('crash', 1));
    g.add(d('hang', 2));
    g.add(d('incomplete', 3));
    const s = g.result();
    expect([s.dumps, s.crash, s.hang, s.incomplete]).toEqual([3, 1, 1, 1]);
  });
});
