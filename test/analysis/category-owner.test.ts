// Issue 14, item 11: a kernel verdict's owner category (`third-party-driver`, `microsoft`) follows
// the owner of the image actually blamed, whatever rule hinted it. A real 0x1C7
// STORE_DATA_STRUCTURE_CORRUPTION dump came out `third-party-driver` while blaming ntoskrnl.exe.
import { describe, expect, it } from 'vitest';
import { openDumpFromBytes, triage } from '../../src/core.js';
import { analyze, ownerTable } from '../../src/analysis/engine.js';
import { knowledge } from '../../src/analysis/knowledge.js';
import { triageFile } from '../../src/index.js';
import type { Category } from '../../src/analysis/report.js';
import { SynthKernelDump } from '../synth/kernel.js';
import { FakeMemory, kernelFacts, unloaded } from '../helpers/facts.js';
import { corpusOrSkipMessage, corpusPath, HAVE_CORPUS } from '../helpers/corpus.js';
import { readdirSync } from 'node:fs';

/** What the category may be for a blamed image: an owner category must name the image's owner. */
function ownerProblem(category: Category, image: string | null): string | undefined {
  const owners = ownerTable();
  if (category === 'third-party-driver' && (!image || owners.isMicrosoft(image))) return `third-party-driver blaming ${image ?? 'no image'}`;
  if (category === 'microsoft' && (!image || !owners.isMicrosoft(image))) return `microsoft blaming ${image ?? 'no image'}`;
  return undefined;
}

const NT = 0xfffff804_7ba00000n;

/** The bug-checking thread of synthetic facts running at `ip`, with its stack (no return addresses in it) in memory. */
function runningAt(ip: bigint) {
  const sp = 0xffff800000100000n;
  return {
    memory: new FakeMemory().pointers(sp, [0x42n, 0n, 0n, 0n]),
    threads: [{ id: 4, crashing: true, context: { arch: 'x64' as const, ip, sp, registers: {} }, stack: { startAddress: sp - 0x1000n, size: 0x2000 } }],
  };
}

/** A small dump whose bug-checking thread runs in ntoskrnl.exe and whose stack holds only nt return addresses. */
function ntOnlySmallDump(code: number, args: bigint[]): Uint8Array {
  const s = new SynthKernelDump({ dumpType: 4, bugcheck: { code, args } });
  s.addDriver({ name: 'ntoskrnl.exe', path: '\\SystemRoot\\system32\\ntoskrnl.exe', base: NT, size: 0x1046000, timestamp: 0x5fa1b2c3 });
  s.addDriver({ name: 'hal.dll', base: NT + 0x2000000n, size: 0x6000, timestamp: 0x1a7c3be9 });
  s.addDriver({ name: 'vendorfilter.sys', base: 0xfffff804_8b580000n, size: 0x2e000, timestamp: 0x60a1b2c4 });
  const sp = s.kva(0x50000) - 0x800n;
  const stack = new Uint8Array(0x800);
  const dv = new DataView(stack.buffer);
  [0x2a1f40n, 0x30b5c0n, 0x41d2e8n].forEach((o, i) => dv.setBigUint64(0x28 + i * 0x40, NT + o, true));
  s.setStack(sp, stack);
  s.setContext({ ip: NT + 0x3f5a80n, sp, fp: sp + 0x100n });
  return s.build();
}

describe('the category follows the blamed image (issue 14, item 11)', () => {
  it('a 0x1C7 STORE_DATA_STRUCTURE_CORRUPTION small dump blaming ntoskrnl.exe is not third-party-driver', async () => {
    const dump = await openDumpFromBytes(ntOnlySmallDump(0x1c7, [0x9n, 0xffffc30f4d2a1000n, 0x1n, 0n]), 'Mini-1c7.dmp');
    try {
      const r = await triage(dump);
      expect(r.bugcheck?.name).toBe('STORE_DATA_STRUCTURE_CORRUPTION');
      expect(r.verdict.probableCause.image).toBe('ntoskrnl.exe');
      expect(r.verdict.category).not.toBe('third-party-driver');
      expect(ownerProblem(r.verdict.category, r.verdict.probableCause.image)).toBeUndefined();
      // The store manager's own corruption check: memory corruption, as the bug check list says;
      // Driver Verifier has no part in it.
      expect(r.verdict.category).toBe('memory-corruption');
      expect(r.verdict.bucketId).toBe('0x1C7_ntoskrnl.exe');
      expect(r.verdict.findings.map((f) => f.ruleId)).not.toContain('driver-verifier');
      expect(r.verdict.advice.join(' ')).not.toMatch(/Update ntoskrnl\.exe .* from its vendor/);
    } finally {
      await dump.close();
    }
  });

  it('a rule that says third-party-driver does not stand when the blame lands on a Microsoft image', async () => {
    // 0xC4 (Driver Verifier) with only nt on the stack: Verifier was on, but nothing blames a driver.
    const c4 = await analyze(kernelFacts(0xc4, [0x62n, 0n, 0n, 0n], runningAt(0xfffff80000001000n)));
    expect(c4.probableCause.image).toBe('ntoskrnl.exe');
    expect(c4.category).toBe('microsoft');
    expect(c4.trail!.some((t) => t.stage === 'category' && t.from === 'third-party-driver' && t.to === 'microsoft')).toBe(true);
    // A Microsoft driver's old range (an unloaded mrxsmb20.sys) is Microsoft's code.
    const unl = await analyze(kernelFacts(0xd1, [0n, 2n, 8n, 0xfffff80009000040n], { unloadedModules: [unloaded('mrxsmb20.sys', 0xfffff80009000000n)] }));
    expect(unl.probableCause.image).toBe('mrxsmb20.sys');
    expect(unl.category).toBe('microsoft');
    // ...and a vendor's still is the vendor's.
    const gone = await analyze(kernelFacts(0xd1, [0n, 2n, 8n, 0xfffff80009000040n], { unloadedModules: [unloaded('gone.sys', 0xfffff80009000000n)] }));
    expect(gone.category).toBe('third-party-driver');
  });

  it('for every known bug check, blaming nt or a vendor driver, an owner category names the blamed image\'s owner', async () => {
    const NTB = 0xfffff80000000000n;
    const DRV = 0xfffff80003000000n; // mydriver.sys in KERNEL_MODULES
    const problems: string[] = [];
    for (const code of [...knowledge().bugchecks.keys()].sort((a, b) => a - b)) {
      for (const ip of [NTB + 0x1000n, DRV + 0x1234n]) {
        const v = await analyze(kernelFacts(code, [0x62n, 0n, 0n, 0n], runningAt(ip)));
        const p = ownerProblem(v.category, v.probableCause.image);
        if (p) problems.push(`0x${code.toString(16)}: ${p}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe.skipIf(!HAVE_CORPUS)('the real kernel small dumps: category and blamed image agree', () => {
  corpusOrSkipMessage();
  const files = HAVE_CORPUS ? readdirSync(corpusPath('kernel')).filter((f) => f.endsWith('.dmp')).sort() : [];
  it('the corpus holds the 22 kernel small dumps', () => {
    expect(files).toHaveLength(22);
  });
  it.each(files)('%s', async (file) => {
    const r = await triageFile(corpusPath('kernel', file));
    expect(r.input.format).toBe('kernel');
    expect(ownerProblem(r.verdict.category, r.verdict.probableCause.image)).toBeUndefined();
  });
});
