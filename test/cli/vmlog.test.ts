// `dumptriage vmlog ...` and `dumptriage <dump> --vm-logs ...` end to end: hand-written logs
// (test/vmlog/fixtures) and a synthetic small dump of an 0x80 built by test/synth/kernel.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import { SynthKernelDump } from '../synth/kernel.js';
import { populate } from '../formats/kernel/populate.js';

const FIX = join(PROJECT_ROOT, 'test', 'vmlog', 'fixtures');
const filetime = (iso: string): bigint => (BigInt(Date.parse(iso)) + 11_644_473_600_000n) * 10_000n;

let dir = '';
let nmiDump = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dt-vmlog-cli-'));
  nmiDump = join(dir, 'Mini081419-01.dmp');
  // The guest wrote its dump 2 s after the WinBSOD lines of fixtures/nmi/vmware.log.
  const s = populate(new SynthKernelDump({ dumpType: 4, bugcheck: { code: 0x80, args: [0x4f4454, 0, 0, 0] }, systemTime: filetime('2019-08-14T02:11:04.000Z') }));
  await writeFile(nmiDump, s.build());
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('dumptriage vmlog', () => {
  it('text: lists the crash, the NMI and the verdict sentence', async () => {
    const r = await cli('vmlog', join(FIX, 'nmi'));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('GUEST CRASHES (WinBSOD): 1');
    expect(r.stdout).toMatch(/#1 2019-08-14T02:11:02\.430Z vcpu-0 0x00000080 .* \(0x4f4454, 0x0, 0x0, 0x0\)/);
    expect(r.stdout).toContain('2019-08-14T02:10:58.087Z by the administrator via vm-support HungVM:Send_NMI_To_Guest');
    expect(r.stdout).toContain('VERDICT:            NMI sent from the host at 2019-08-14T02:10:58.087Z by vm-support: a hang dump, analyse as a hang');
    expect(r.stdout).toContain('"APP-07", guestOS windows9srv-64, 2 vCPUs, VMware ESX 6.7.0');
  });
  it('--json: one document with crashes, nmis and one verdict per crash; --window changes step 4', async () => {
    const r = await cli('vmlog', join(FIX, 'storage'), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.schemaVersion).toBe(1);
    expect(j.windowMinutes).toBe(10);
    expect(j.crashes.map((c: { code: string }) => c.code)).toEqual(['0x133']);
    expect(j.verdicts).toHaveLength(1);
    expect(j.verdicts[0].conclusion).toBe('hypervisor-side events found: collect a support bundle');
    expect(j.verdicts[0].events).toHaveLength(8);
    const narrow = JSON.parse((await cli('vmlog', join(FIX, 'storage'), '--json', '--window', '1')).stdout);
    expect(narrow.verdicts[0].conclusion).toBe('originated in the guest: continue with the OS vendor');
  });
  it('--dump: the dump is matched and becomes a hang; the small-dump mistake is reported', async () => {
    const r = await cli('vmlog', join(FIX, 'nmi'), '--dump', nmiDump, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.dump.dumpType).toBe('small');
    expect(j.dump.verdict.kind).toBe('hang');
    expect(j.dump.verdict.trigger).toBe('nmi-from-hypervisor');
    expect(j.dump.hypervisor.msrMatch).toBe('match');
    expect(j.dump.hypervisor.matchedEvent.deltaSeconds).toBe(-1.6);
    expect(j.dump.hypervisor.mistakes.map((m: { id: string }) => m.id)).toEqual(['small-dump-of-hang']);
  });
  it('exit codes: 2 for a bad --window, 1 for a missing log path (the rest still read)', async () => {
    expect((await cli('vmlog', join(FIX, 'nmi'), '--window', '-3')).code).toBe(2);
    const r = await cli('vmlog', join(FIX, 'nmi'), join(dir, 'missing.log'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('missing.log');
    expect(r.stdout).toContain('GUEST CRASHES (WinBSOD): 1');
  });
});

describe('dumptriage <dump> --vm-logs', () => {
  it('folds the correlation into the report JSON: verdict.hypervisor, hang, trail', async () => {
    const r = await cli(nmiDump, '--vm-logs', join(FIX, 'nmi'), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.verdict.kind).toBe('hang');
    expect(j.verdict.trigger).toBe('nmi-from-hypervisor');
    expect(j.verdict.hypervisor.conclusion).toBe('NMI sent from the host at 2019-08-14T02:10:58.087Z by vm-support: a hang dump, analyse as a hang');
    expect(j.verdict.hypervisor.nmi.who).toBe('administrator');
    expect(j.verdict.hypervisor.matchedEvent.line).toBe(14);
    expect(j.verdict.trail.filter((t: { stage: string }) => t.stage === 'hypervisor').map((t: { field: string }) => t.field)).toContain('trigger');
    expect(j.verdict.advice.join('\n')).toMatch(/NMICrashDump/);
  });
});
