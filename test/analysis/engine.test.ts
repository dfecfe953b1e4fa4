// The whole engine over synthetic facts: every trigger and category, bucket ids, stack scan,
// triage.ini override, trail, and the hypervisor hook.
import { describe, expect, it } from 'vitest';
import { analyze, applyHypervisorNmi } from '../../src/analysis/engine.js';
import { FakeMemory, kernelFacts, mod, unloaded, userFacts } from '../helpers/facts.js';

const DRV = 0xfffff80003000000n; // mydriver.sys
const NT = 0xfffff80000000000n;

describe('engine verdicts', () => {
  it.each([
    ['0xD1 in a third-party driver', kernelFacts(0xd1, [0x10n, 2n, 0n, DRV + 0x1234n]), { kind: 'crash', trigger: 'bugcheck', category: 'third-party-driver', bucketId: '0xD1_mydriver.sys' }],
    ['0xE2 keyboard', kernelFacts(0xe2, [0n, 0n, 0n, 0n]), { kind: 'hang', trigger: 'manual-keyboard', bucketId: 'MANUALLY_INITIATED_CRASH' }],
    ['0xDEADDEAD', kernelFacts(0xdeaddead, [0n, 0n, 0n, 0n]), { kind: 'hang', trigger: 'manual-debugger' }],
    ['0x1C8', kernelFacts(0x1c8, [7000n, 0n, 0n, 0n]), { kind: 'hang', trigger: 'power-button', bucketId: 'MANUALLY_INITIATED_POWER_BUTTON_HOLD' }],
    ['0x80 diagnostic', kernelFacts(0x80, [0x4f4454n, 0n, 0n, 0n]), { kind: 'hang', trigger: 'nmi', category: 'unknown' }],
    ['0x80 hardware', kernelFacts(0x80, [0n, 0n, 0n, 0n]), { kind: 'crash', category: 'hardware', bucketId: 'NMI_HARDWARE_FAILURE' }],
    ['0x124 WHEA', kernelFacts(0x124, [4n, 0n, 0n, 0n]), { category: 'hardware' }],
    ['0x139 list corruption', kernelFacts(0x139, [3n, 0n, 0n, 0n]), { category: 'memory-corruption' }],
    ['0x133 DPC watchdog', kernelFacts(0x133, [0n, 0x501n, 0x500n, 0n]), { kind: 'hang', trigger: 'watchdog' }],
    ['0x7E AV in nt', kernelFacts(0x7e, [0xc0000005n, NT + 0x5000n, 0n, 0n]), { category: 'microsoft', bucketId: 'AV_ntoskrnl.exe' }],
    ['user AV in plugin', userFacts({ address: 0x180000010n, parameters: [0n, 0n] }), { kind: 'crash', trigger: 'exception', category: 'application', bucketId: 'NULL_POINTER_READ_c0000005_plugin.dll' }],
    ['user hang dump', userFacts(undefined), { kind: 'hang', trigger: 'hang-dump', category: 'application' }],
  ])('%s', async (_name, facts, want) => {
    const v = await analyze(facts);
    expect(v).toMatchObject(want);
    expect(v.summary.length).toBeGreaterThan(10);
    expect(v.trail!.length).toBeGreaterThan(2);
  });

  it('blames the driver on a 0xD1 with the fault frame first and a one-sentence reason', async () => {
    const v = await analyze(kernelFacts(0xd1, [0x10n, 2n, 0n, DRV + 0x1234n]));
    expect(v.probableCause).toMatchObject({ module: 'mydriver', image: 'mydriver.sys', offset: '0x1234', address: '0xfffff80003001234' });
    expect(v.probableCause.confidence).toBeGreaterThanOrEqual(0.8);
    expect(v.frames[0]).toMatchObject({ trust: 'fault', symbol: 'mydriver.sys+0x1234' });
    expect(v.followup).toBe('MachineOwner');
    expect(v.advice.join(' ')).toMatch(/verifier \/standard \/driver mydriver\.sys/);
    expect(v.probableCause.reason).toMatch(/^mydriver\.sys is blamed because .*\.$/);
  });

  it('a fault address in an unloaded driver blames that driver', async () => {
    const v = await analyze(kernelFacts(0xd1, [0n, 2n, 8n, 0xfffff80009000040n], { unloadedModules: [unloaded('gone.sys', 0xfffff80009000000n)] }));
    expect(v.probableCause.image).toBe('gone.sys');
    expect(v.category).toBe('third-party-driver');
    expect(v.bucketId).toBe('UNLOADED_MODULE_gone.sys');
  });

  it('scans the stack past nt and framework frames to the third-party driver', async () => {
    const sp = 0xffff800000100000n;
    const memory = new FakeMemory().pointers(sp, [0x42n, NT + 0x2000n, 0xfffff80002001100n, 0n, DRV + 0x1500n, NT + 0x3000n]);
    const facts = kernelFacts(0x133, [1n, 0x1e00n, 0n, 0n], {
      memory,
      threads: [{ id: 4, crashing: true, context: { arch: 'x64', ip: NT + 0x1000n, sp, registers: {} }, stack: { startAddress: sp - 0x1000n, size: 0x2000 } }],
    });
    const v = await analyze(facts);
    expect(v.frames.map((f) => `${f.trust}:${f.module}`)).toEqual(['context:ntoskrnl.exe', 'scan:ntoskrnl.exe', 'scan:Wdf01000.sys', 'scan:mydriver.sys', 'scan:ntoskrnl.exe']);
    expect(v.frames[3]!.stackAddress).toBe('0xffff800000100020');
    expect(v.probableCause.image).toBe('mydriver.sys');
    expect(v.probableCause.confidence).toBeLessThanOrEqual(0.4); // cumulative 0x133 caps it
    expect(v.bucketId).toBe('0x133_CUMULATIVE_mydriver.sys');
    expect(v.kind).toBe('hang');
  });

  it('says so when the focus thread\'s stack is not in the dump (missing is not zeros)', async () => {
    const sp = 0xffff800000100000n;
    const facts = kernelFacts(0x133, [1n, 0x1e00n, 0n, 0n], {
      memory: new FakeMemory(),
      threads: [{ id: 4, crashing: true, context: { arch: 'x64', ip: 0x1000n, sp, registers: {} }, stack: { startAddress: sp - 0x1000n, size: 0x2000 } }],
    });
    const v = await analyze(facts);
    expect(v.frames.filter((f) => f.trust === 'scan')).toEqual([]);
    expect(v.probableCause.module).toBeNull();
    expect(v.probableCause.reason).toContain('stack of thread 4 (at 0xffff800000100000) is not in the dump');
    expect(v.trail?.some((t) => t.field === 'note' && String(t.to).includes('not in the dump'))).toBe(true);
  });

  it('a user triage.ini wins over the built-in list', async () => {
    const facts = kernelFacts(0xd1, [0x10n, 2n, 0n, DRV + 0x1234n]);
    const v = await analyze(facts, { triageIniText: 'mydriver=Contoso Support\n' });
    expect(v.followup).toBe('Contoso Support');
    const ignored = await analyze(facts, { triageIniText: 'mydriver=ignore\n' });
    expect(ignored.probableCause.image).not.toBe('mydriver.sys');
  });

  it('small-dump hangs say a kernel dump is needed', async () => {
    const v = await analyze(kernelFacts(0xe2, [0n, 0n, 0n, 0n]));
    expect(v.advice.join(' ')).toMatch(/Kernel memory dump.*!analyze -hang/);
    expect(v.probableCause.module).toBeNull();
  });

  it('the hypervisor hook turns a 0x80 into an nmi-from-hypervisor hang', async () => {
    const v = applyHypervisorNmi(await analyze(kernelFacts(0x80, [0n, 0n, 0n, 0n])), { platform: 'VMware ESXi', evidence: 'hostd.log:12 Send_NMI_To_Guest' });
    expect(v).toMatchObject({ kind: 'hang', trigger: 'nmi-from-hypervisor', category: 'unknown' });
    expect(v.trail!.some((t) => t.stage === 'hypervisor' && t.field === 'trigger')).toBe(true);
  });

  it('a user exception in KERNELBASE (RaiseException) is blamed on the caller found by scanning', async () => {
    const memory = new FakeMemory().pointers(0x2000n, [0x7ff810001000n, 0x7ff820002000n, 0x180002000n]);
    const v = await analyze(userFacts({ code: 0xe06d7363, address: 0x7ff810000500n, parameters: [0x19930520n, 0n, 0n, 0n] }, { memory }));
    expect(v.probableCause.image).toBe('plugin.dll');
    expect(v.bucketId).toBe('CPP_EXCEPTION_e06d7363_plugin.dll');
  });

  it('rule selection by id', async () => {
    const v = await analyze(kernelFacts(0xe2, [0n, 0n, 0n, 0n]), { rules: ['nmi'] });
    expect(v.kind).toBe('crash');
    expect(v.findings).toEqual([]);
  });

  it('a module list with an own module only has mod factory defaults', () => {
    expect(mod('x.sys', 1n).size).toBe(0x10000);
  });
});
