// The walker on dumps built for it (test/synth/unwind.ts): each unwinder, a loop, a truncated
// stack, SP outside its memory, and execution outside every module. Every expected frame was laid
// out by hand in the builder; here the walk must find exactly those, with the same trust.

import { describe, expect, it } from 'vitest';
import { openDumpFromBytes, triage } from '../../src/core.js';
import { UNWIND_CASES, type UnwindCase } from '../synth/unwind.js';
import { hex } from '../../src/util/hex.js';

async function walk(c: UnwindCase) {
  const dump = await openDumpFromBytes(c.bytes, 'synth.dmp');
  try {
    return await triage(dump);
  } finally {
    await dump.close();
  }
}

describe('the walker on synthetic dumps', () => {
  for (const [name, build] of Object.entries(UNWIND_CASES)) {
    it(`${name}`, async () => {
      const c = build();
      const r = await walk(c);
      const t = r.threads.find((x) => x.id === c.threadId)!;
      const got = (t.frames ?? []).map((f) => `${f.address} ${f.trust}`);
      const want = c.expected.map((f) => `${hex(f.address)} ${f.trust}`);
      expect(got, c.note).toEqual(want);
      for (const [i, f] of c.expected.entries()) expect(t.frames![i]!.module, `frame ${i}`).toBe(f.module);
    });
  }

  it('SP outside its memory: the walk ends at once, says why, and the verdict says the stack is not in the dump', async () => {
    const c = UNWIND_CASES.spOutsideStack();
    const r = await walk(c);
    const t = r.threads.find((x) => x.id === c.threadId)!;
    expect(t.stackEnd).toBe('no-stack');
    expect(r.verdict.probableCause.reason).toContain('is not in the dump');
  });

  it('a frame-pointer loop ends the walk on the stack pointer that does not grow', async () => {
    const c = UNWIND_CASES.stackLoop();
    const r = await walk(c);
    expect(r.threads.find((x) => x.id === c.threadId)!.stackEnd).toBe('sp-not-increasing');
  });

  it('execution outside every module: frame 0 has no module and the caller blamed is one a trusted frame gives', async () => {
    const c = UNWIND_CASES.execOutsideModules();
    const r = await walk(c);
    const t = r.threads.find((x) => x.id === c.threadId)!;
    expect(t.frames![0]!.module).toBeUndefined();
    const trusted = t.frames!.find((f) => f.trust === 'cfi')!;
    expect(r.verdict.probableCause.image).toBe(trusted.module);
  });
});
