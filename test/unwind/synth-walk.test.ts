// The walker on dumps built for it (test/synth/unwind.ts): each unwinder, a loop, a truncated
// stack, SP outside its memory, and execution outside every module. Every expected frame was laid
// out by hand in the builder; here the walk must find exactly those, with the same trust.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { triageFile } from '../../src/triage-file.js';
import { closeAllSymbolFiles } from '../../src/formats/breakpad-sym/store.js';
import { SynthMinidump } from '../synth/minidump.js';
import { openDumpFromBytes, triage } from '../../src/core.js';
import { UNWIND_CASES, x64ChainLoop, type UnwindCase } from '../synth/unwind.js';
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

describe('hostile unwind data', () => {
  it('a chain that loops: a typed warning naming the thread, then the next method (leaf return)', async () => {
    const c = x64ChainLoop();
    const r = await walk(c);
    const t = r.threads.find((x) => x.id === c.threadId)!;
    expect((t.frames ?? []).map((f) => `${f.address} ${f.trust}`)).toEqual(c.expected.map((f) => `${hex(f.address)} ${f.trust}`));
    const w = r.warnings.filter((x) => x.code === 'UnwindLoop' || x.code === 'ChainTooDeep');
    expect(w.length).toBeGreaterThan(0);
    expect(w[0]!.message).toContain(`thread ${c.threadId}`);
  });
});

describe('x86 STACK WIN (FPO and frame-data programs) from a .sym file', () => {
  // fpo.exe at 0x400000: A (0x1000) has no frame pointer (FPO record, 0x20 bytes of locals, 8 of
  // parameters); B (0x2000) has a frame-data program; C (0x3000) has no record: the EBP chain.
  const BASE = 0x400000n;
  const S = 0x0012_f000n;
  const GUID = '0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0';
  const DEBUG_ID = '0F1E2D3C4B5A69788796A5B4C3D2E1F01';
  const dir = mkdtempSync(join(tmpdir(), 'dt-stackwin-'));
  afterAll(async () => {
    await closeAllSymbolFiles();
    rmSync(dir, { recursive: true, force: true });
  });

  it('walks A by its FPO record and B by its program, then C by the EBP chain', async () => {
    mkdirSync(join(dir, 'fpo.pdb', DEBUG_ID), { recursive: true });
    writeFileSync(
      join(dir, 'fpo.pdb', DEBUG_ID, 'fpo.sym'),
      [
        `MODULE windows x86 ${DEBUG_ID} fpo.pdb`,
        'FUNC 1000 100 8 A',
        'FUNC 2000 100 0 B',
        'FUNC 3000 100 0 C',
        'FUNC 4000 100 0 D',
        'STACK WIN 0 1000 100 0 0 8 0 20 0 0 0',
        'STACK WIN 4 2000 100 0 0 0 0 0 0 1 $T0 $ebp = $eip $T0 4 + ^ = $ebp $T0 ^ = $esp $T0 8 + =',
        '',
      ].join('\n'),
    );
    const stack = new Uint8Array(0x200);
    const dv = new DataView(stack.buffer);
    const put = (at: bigint, v: number) => dv.setUint32(Number(at - S), v, true);
    put(S + 0x08n, 0x403055); // a stale return address inside A's locals (C's code): the FPO record skips it
    put(S + 0x20n, 0x402025); // A's return into B
    put(S + 0x40n, Number(S + 0x80n)); // B's saved EBP (B's frame: EBP = S + 0x40)
    put(S + 0x44n, 0x403030); // B's return into C
    put(S + 0x80n, 0); // C's saved EBP: the chain ends
    put(S + 0x84n, 0x404040); // C's return into D
    const bytes = new SynthMinidump({ arch: 'x86', timestamp: 1_700_000_000 })
      .addSystemInfo({ arch: 'x86', major: 10, minor: 0, build: 19045, cpus: 4 })
      .addModule({ name: 'C:\\app\\fpo.exe', base: BASE, size: 0x10000, pdb: { name: 'fpo.pdb', guid: GUID, age: 1 } })
      .addThread({ id: 0x99, context: { eip: 0x401010, esp: Number(S), ebp: Number(S + 0x40n) }, stack: { start: S, bytes: stack } })
      .addException({ threadId: 0x99, code: 0xc0000005, address: 0x401010n, parameters: [0n, 0n] })
      .build();
    const path = join(dir, 'fpo.dmp');
    writeFileSync(path, bytes);
    const r = await triageFile(path, { symbolPaths: [dir] });
    const t = r.threads.find((x) => x.id === 0x99)!;
    expect(t.frames!.map((f) => `${f.address} ${f.trust}`)).toEqual(['0x401010 context', '0x402025 cfi', '0x403030 cfi', '0x404040 frame-pointer']);
    // Without the .sym the EBP chain starts at B's frame record and A's caller is lost.
    const plain = await triageFile(path);
    expect(plain.threads.find((x) => x.id === 0x99)!.frames!.map((f) => f.address)).not.toContain('0x402025');
  });
});
