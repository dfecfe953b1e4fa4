// Issue 18, finding 8: a stream type word of 0xFFFFFFFF on the exception or module stream silently
// turned a crash into a hang or left "0 modules". The damaged entry is now a warning that says
// which stream the dump lacks.

import { describe, expect, it } from 'vitest';
import { SynthMinidump } from '../synth/minidump.js';
import { openDumpFromBytes, triage } from '../../src/core.js';

function crash(): Uint8Array {
  return new SynthMinidump({ arch: 'x64', timestamp: 1_700_000_000 })
    .addSystemInfo({ arch: 'x64', major: 10, minor: 0, build: 19045, cpus: 2 })
    .addModule({ name: 'C:\\app\\app.exe', base: 0x140000000n, size: 0x20000 })
    .addThread({ id: 1, context: { rip: 0x140001000n, rsp: 0x10000n }, stack: { start: 0x10000n, bytes: new Uint8Array(0x100) } })
    .addException({ threadId: 1, code: 0xc0000005, address: 0x140001000n, parameters: [0n, 0n] })
    .build();
}

/** The bytes with the directory entry of `type` retyped to 0xFFFFFFFF. */
function damage(bytes: Uint8Array, type: number): Uint8Array {
  const out = bytes.slice();
  const dv = new DataView(out.buffer);
  const n = dv.getUint32(8, true);
  const dir = dv.getUint32(12, true);
  for (let i = 0; i < n; i++) if (dv.getUint32(dir + i * 12, true) === type) dv.setUint32(dir + i * 12, 0xffffffff, true);
  return out;
}

describe('a directory entry whose stream type is 0xFFFFFFFF', () => {
  it.each([
    [6, 'exception stream'],
    [4, 'module list'],
  ])('stream type %i lost: a DamagedStreamType warning names the %s', async (type, name) => {
    const d = await openDumpFromBytes(damage(crash(), type), 'damaged.dmp');
    try {
      const r = await triage(d);
      const w = r.warnings.filter((x) => x.code === 'DamagedStreamType');
      expect(w).toHaveLength(1);
      expect(w[0]!.message).toContain(`no ${name}`);
    } finally {
      await d.close();
    }
  });

  it('an intact dump has no such warning', async () => {
    const d = await openDumpFromBytes(crash(), 'ok.dmp');
    try {
      expect((await triage(d)).warnings.some((x) => x.code === 'DamagedStreamType')).toBe(false);
    } finally {
      await d.close();
    }
  });
});
