// Hostile kernel memory (synthetic full dumps, see fuzz/kernel-seeds.ts): a module list that loops
// without returning to its head, an entry linked to itself, a PML4 entry pointing at the PML4, a
// PTE past the end of the dump, a bogus large-page PDE. Each gives a bounded, partial result with
// the loop reported, never a hang or duplicated modules.

import { describe, expect, it } from 'vitest';
import { openDumpFromBytes, triage } from '../../src/core.js';
import { kernelSeeds } from './fuzz/kernel-seeds.js';
import { runOne } from './fuzz/run-one.js';

const seeds = new Map(kernelSeeds().map((s) => [s.name, s.bytes]));

async function report(name: string) {
  const dump = await openDumpFromBytes(seeds.get(name)!, name);
  try {
    return await triage(dump);
  } finally {
    await dump.close();
  }
}

describe('hostile kernel memory', () => {
  it('the clean synthetic full dump lists its three drivers (the baseline the others break)', async () => {
    const r = await report('synth:kernel-x64-full');
    expect(r.modules.map((m) => m.name)).toEqual(['ntoskrnl.exe', 'hal.dll', 'evil.sys']);
  });

  it('a list looping back to entry 0 is walked once, reported as a cycle', async () => {
    const r = await report('synth:kernel-x64-list-loop');
    expect(r.modules.map((m) => m.name)).toEqual(['ntoskrnl.exe', 'hal.dll', 'evil.sys']);
    expect(r.warnings.map((w) => w.code)).toContain('ModuleListCycle');
  });

  it('an entry linked to itself stops the walk with a cycle warning', async () => {
    const r = await report('synth:kernel-x64-list-self');
    expect(r.modules.map((m) => m.name)).toEqual(['ntoskrnl.exe', 'hal.dll']);
    expect(r.warnings.map((w) => w.code)).toContain('ModuleListCycle');
  });

  it.each(['synth:kernel-x64-pml4-self', 'synth:kernel-x64-pde-large-bogus'])('%s: translation fails cleanly, modules reported missing', async (name) => {
    const r = await report(name);
    expect(r.bugcheck?.code).toBe('0xd1');
    expect(r.warnings.map((w) => w.code)).toContain('ModuleListMissing');
  });

  it.each([...seeds.keys()])('%s: no failure through the whole pipeline', async (name) => {
    const o = await runOne(seeds.get(name)!, { budgetMs: 10_000 });
    expect(o.failure, JSON.stringify(o.failure)).toBeUndefined();
  });
});
