import { describe, expect, it } from 'vitest';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelReport } from '../helpers/kernel-report.js';
import { loadVmEvents } from '../../src/vmlog/load.js';
import { CONCLUSION, correlateAllCrashes, dumpTimeMs, matchDumpToEvents } from '../../src/vmlog/correlate.js';
import { correlateReport } from '../../src/vmlog/correlate-report.js';
import { renderHypervisorText } from '../../src/vmlog/render.js';
import type { HypervisorCorrelation } from '../../src/vmlog/types.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A kernel dump report built by hand: only what correlation reads. */
const report = kernelReport;

const NMI_ARGS: [string, string, string, string] = ['0x4f4454', '0x0', '0x0', '0x0'];

describe('vmlog verdicts (no dump)', () => {
  it('guest: no NMI, no hypervisor event in the window (the 13:31 snapshot is an hour before)', async () => {
    const [h] = correlateAllCrashes(await loadVmEvents([join(FIX, 'guest')]), 10);
    expect(h!.conclusion).toBe(CONCLUSION.guest);
    expect(h!.conclusionId).toBe('guest');
    expect(h!.events).toEqual([]);
    expect(h!.crashDetected?.time).toBe('2024-03-12T14:27:46.488Z');
    // A 70-minute window reaches the snapshot: hypervisor-side events.
    const [wide] = correlateAllCrashes(await loadVmEvents([join(FIX, 'guest')]), 70);
    expect(wide!.conclusionId).toBe('hypervisor-events');
    expect(wide!.events.map((e) => e.category)).toEqual(['stun-snapshot', 'stun-snapshot', 'stun-snapshot', 'stun-snapshot', 'stun-snapshot']);
  });
  it('nmi-hang: vm-support HungVM:Send_NMI_To_Guest 4 s before the 0x80', async () => {
    const [h] = correlateAllCrashes(await loadVmEvents([join(FIX, 'nmi')]), 10);
    expect(h!.conclusion).toBe('NMI sent from the host at 2019-08-14T02:10:58.087Z by vm-support: a hang dump, analyse as a hang');
    expect(h!.nmi).toMatchObject({ who: 'administrator', count: 1 });
    expect(h!.mistakes).toEqual([]);
  });
  it('hypervisor-events: storage trouble before a 0x133', async () => {
    const [h] = correlateAllCrashes(await loadVmEvents([join(FIX, 'storage')]), 10);
    expect(h!.conclusion).toBe(CONCLUSION.hypervisor);
    // Outside ±10 min: the MCE a day before and the link-up 2 h after.
    expect(h!.events.map((e) => `${e.category}@${e.time}`)).toEqual([
      'storage@2024-06-03T21:38:02.440Z',
      'storage@2024-06-03T21:38:02.440Z',
      'storage@2024-06-03T21:40:19.002Z',
      'storage@2024-06-03T21:40:19.002Z',
      'device@2024-06-03T21:41:44.718Z',
      'storage@2024-06-03T21:42:51.337Z',
      'storage@2024-06-03T21:44:10.118Z',
      'storage@2024-06-03T21:47:30.771Z',
    ]);
    const [narrow] = correlateAllCrashes(await loadVmEvents([join(FIX, 'storage')]), 1);
    expect(narrow!.conclusionId).toBe('guest');
  });
  it('two NMIs in a row, with Coredump_VM and Suspend_VM ticked', async () => {
    const hs = correlateAllCrashes(await loadVmEvents([join(FIX, 'two-nmis')]), 10);
    expect(hs.map((h) => h.conclusionId)).toEqual(['nmi-hang', 'nmi-hang']);
    expect(hs[1]!.nmi).toMatchObject({ time: '2024-05-02T11:07:40.118Z', count: 2 });
    expect(hs[1]!.mistakes.map((m) => m.id)).toEqual(['two-nmis', 'coredump-or-suspend-with-nmi']);
  });
});

describe('matchDumpToEvents', () => {
  it('matches code + args + time, converting the dump time zone', async () => {
    const ev = await loadVmEvents([join(FIX, 'guest')]);
    // 16:27:50+02:00 is 14:27:50Z, 4.1 s after the WinBSOD line.
    const h = matchDumpToEvents(report({ code: '0xd1', args: ['0xffffd40c1a2b3010', '0x2', '0x0', '0xfffff8052d7a1c44'], crashTime: '2024-03-12T16:27:50+02:00' }), ev, 10);
    expect(h.msrMatch).toBe('match');
    expect(h.matchedEvent).toMatchObject({ matchedBy: ['code', 'args', 'time'], deltaSeconds: -4.1, alsoMatched: 0 });
    expect(h.conclusionId).toBe('guest');
  });
  it('code-only when the arguments differ; no-event when nothing fits', async () => {
    const ev = await loadVmEvents([join(FIX, 'guest')]);
    const h = matchDumpToEvents(report({ code: '0xd1', args: ['0x1', '0x2', '0x0', '0x3'], crashTime: '2024-03-12T14:28:00Z' }), ev, 10);
    expect(h.msrMatch).toBe('code-only');
    const none = matchDumpToEvents(report({ code: '0x50', args: ['0x1', '0x0', '0x0', '0x0'], crashTime: '2024-03-20T14:28:00Z' }), ev, 10);
    expect(none.msrMatch).toBe('no-event');
    expect(none.matchedEvent).toBeNull();
  });
  it('for 0x80 (identical arguments every time) the time picks the crash', async () => {
    const ev = await loadVmEvents([join(FIX, 'two-nmis')]);
    const first = matchDumpToEvents(report({ code: '0x80', args: NMI_ARGS, crashTime: '2024-05-02T11:02:20Z' }), ev, 10);
    expect(first.matchedEvent?.time).toBe('2024-05-02T11:02:15.640Z');
    expect(first.matchedEvent?.alsoMatched).toBe(1);
    const second = matchDumpToEvents(report({ code: '0x80', args: NMI_ARGS, crashTime: '2024-05-02T11:07:44Z' }), ev, 10);
    expect(second.matchedEvent?.time).toBe('2024-05-02T11:07:42.903Z');
    // A day later: the NMI events do not match by time, and 0x80 arguments prove nothing.
    const later = matchDumpToEvents(report({ code: '0x80', args: NMI_ARGS, crashTime: '2024-05-03T11:07:44Z' }), ev, 10);
    expect(later.matchedEvent).toBeNull();
  });
  it('distinctive arguments match even with a wrong guest clock', async () => {
    const ev = await loadVmEvents([join(FIX, 'rotation')]);
    const h = matchDumpToEvents(report({ code: '0x3b', args: ['0xc0000005', '0xfffff80612c41a7e', '0xffffb0812f5c6920', '0x0'], crashTime: '2023-01-10T10:44:19Z' }), ev, 10);
    expect(h.msrMatch).toBe('match');
    expect(h.matchedEvent?.matchedBy).toEqual(['code', 'args']);
    expect(h.matchedEvent?.deltaSeconds).toBe(21600);
  });
  it('dump times without a zone are UTC', () => {
    expect(dumpTimeMs('2024-05-02T11:07:44')).toBe(Date.parse('2024-05-02T11:07:44Z'));
    expect(dumpTimeMs('not a time')).toBeUndefined();
  });
});

describe('correlateReport (the --vm-logs hook)', () => {
  it('0x80 + administrator NMI → hang, trigger nmi-from-hypervisor, each change in the trail', async () => {
    const r = report({ code: '0x80', args: NMI_ARGS, crashTime: '2019-08-14T02:11:04Z' });
    await correlateReport(r, [join(FIX, 'nmi')]);
    const h = r.verdict.hypervisor as HypervisorCorrelation;
    expect(h.matchedEvent?.file).toBe(join(FIX, 'nmi', 'vmware.log'));
    expect(h.nmi?.how).toBe('vm-support HungVM:Send_NMI_To_Guest');
    expect(h.conclusion).toBe('NMI sent from the host at 2019-08-14T02:10:58.087Z by vm-support: a hang dump, analyse as a hang');
    expect(r.verdict.kind).toBe('hang');
    expect(r.verdict.trigger).toBe('nmi-from-hypervisor');
    expect(r.verdict.category).toBe('unknown');
    expect(r.verdict.trail!.map((t) => [t.stage, t.field, t.from, t.to])).toEqual([
      ['vmlog-correlation', 'hypervisor', null, 'nmi-hang'],
      ['hypervisor', 'kind', 'crash', 'hang'],
      ['hypervisor', 'trigger', 'bugcheck', 'nmi-from-hypervisor'],
      ['hypervisor', 'category', 'hardware', 'unknown'],
      ['hypervisor', 'bucketId', 'X', 'NMI_HARDWARE_FAILURE_FROM_HYPERVISOR'],
      ['hypervisor', 'summary', 'before', r.verdict.summary],
    ]);
    expect(r.verdict.summary).toContain('vm-support HungVM:Send_NMI_To_Guest at 2019-08-14T02:10:58.087Z');
    const text = renderHypervisorText(r).join('\n');
    expect(text).toContain('HYPERVISOR (VMware logs, ±10 min):');
    expect(text).toContain(`VERDICT:            ${h.conclusion}`);
    expect(text).toContain('MSR_MATCH:          match by code+args+time');
  });
  it('a small dump of an NMI hang gets the kernel-dump / NMICrashDump advice', async () => {
    const r = report({ code: '0x80', args: NMI_ARGS, crashTime: '2024-05-02T11:07:44Z', dumpType: 'small' });
    await correlateReport(r, [join(FIX, 'two-nmis')]);
    const h = r.verdict.hypervisor as HypervisorCorrelation;
    expect(h.mistakes.map((m) => m.id)).toEqual(['two-nmis', 'coredump-or-suspend-with-nmi', 'small-dump-of-hang']);
    expect(r.verdict.advice.join('\n')).toMatch(/NMICrashDump=1/);
  });
  it('a guest crash keeps its verdict; storage events add the support-bundle advice', async () => {
    const r = report({ code: '0x133', args: ['0x1', '0x1e00', '0xfffff8036cdfb320', '0x0'], crashTime: '2024-06-03T21:45:33Z', category: 'unknown' });
    await correlateReport(r, [join(FIX, 'storage')], { windowMinutes: 10 });
    expect(r.verdict.kind).toBe('crash');
    expect((r.verdict.hypervisor as HypervisorCorrelation).conclusion).toBe(CONCLUSION.hypervisor);
    expect(r.verdict.advice.join('\n')).toMatch(/support bundle/);
  });
  it('log warnings reach report.warnings', async () => {
    const r = report({ code: '0xd1', args: ['0x0', '0x0', '0x0', '0x0'] });
    await correlateReport(r, [join(FIX, 'no-such-folder')]);
    expect(r.warnings.map((w) => w.code)).toEqual(['VmLogNotFound']);
    expect((r.verdict.hypervisor as HypervisorCorrelation).conclusionId).toBe('no-crash-time');
  });
});
