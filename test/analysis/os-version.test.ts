// Issue 14, item 10: OS_VERSION with the revision and BUILDLAB_STR where the dump holds them
// (a kernel dump's KDDEBUGGER_DATA64.NtBuildLab string, a minidump's MINIDUMP_MISC_INFO_4
// BuildString, Crashpad's CSDVersion), nothing where it does not.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openDumpFromBytes, triage } from '../../src/core.js';
import { triageFile } from '../../src/index.js';
import type { TriageReport } from '../../src/analysis/report.js';
import { renderHuman } from '../../src/cli/render/human.js';
import { SynthKernelDump, type SynthKernelOptions } from '../synth/kernel.js';
import { SynthMinidump, type SynthMiscInfo, type SynthSystemInfo } from '../synth/minidump.js';
import { populate } from '../formats/kernel/populate.js';
import { corpusOrSkipMessage, corpusPath, HAVE_CORPUS } from '../helpers/corpus.js';

const LAB_19041 = '19041.1.amd64fre.vb_release.191206-1406';

async function report(bytes: Uint8Array): Promise<TriageReport> {
  const dump = await openDumpFromBytes(bytes, 'x.dmp');
  try {
    return await triage(dump);
  } finally {
    await dump.close();
  }
}

function kernel(o: SynthKernelOptions): Promise<TriageReport> {
  return report(populate(new SynthKernelDump({ bugcheck: { code: 0xd1, args: [0x10n, 2n, 0n, 0xfffff804_8b58334cn] }, ...o })).build());
}

function minidump(sys: SynthSystemInfo, misc?: SynthMiscInfo): Promise<TriageReport> {
  const m = new SynthMinidump({ arch: 'x64', timestamp: 1_700_000_000 })
    .addSystemInfo({ major: 10, minor: 0, build: 19045, cpus: 4, vendor: 'GenuineIntel', ...sys })
    .addModule({ name: 'C:\\app\\app.exe', base: 0x140000000n, size: 0x10000 })
    .addThread({ id: 1, context: { rip: 0x140001234n, rsp: 0x5000n } })
    .addException({ threadId: 1, code: 0xc0000005, address: 0x140001234n, parameters: [0n, 0x10n] });
  if (misc) m.addMiscInfo(misc);
  return report(m.build());
}

/** The OS_VERSION and BUILDLAB_STR lines of the human report, values only (what WinDbg prints). */
function textLines(r: TriageReport): { OS_VERSION?: string; BUILDLAB_STR?: string; raw: string[] } {
  const raw = renderHuman(r).split('\n').filter((l) => /^(OS_VERSION|BUILDLAB_STR):/.test(l));
  const value = (k: string) => raw.find((l) => l.startsWith(`${k}:`))?.slice(k.length + 1).trim().split(/\s+/)[0];
  const out: { OS_VERSION?: string; BUILDLAB_STR?: string; raw: string[] } = { raw };
  const ov = value('OS_VERSION');
  const bl = value('BUILDLAB_STR');
  if (ov) out.OS_VERSION = ov;
  if (bl) out.BUILDLAB_STR = bl;
  return out;
}

describe('OS_VERSION and BUILDLAB_STR from synthetic dumps', () => {
  it.each([4, 1] as const)('kernel dump (DumpType %i): NtBuildLab through KDDEBUGGER_DATA64', async (dumpType) => {
    const r = await kernel({ dumpType, ntBuildLab: LAB_19041 });
    expect(r.system).toMatchObject({
      osVersion: '10.0.19041',
      buildLab: LAB_19041,
      buildLabSource: 'KDDEBUGGER_DATA64.NtBuildLab',
      buildLabBranch: 'vb_release',
      osVersionFull: '10.0.19041.1',
      osVersionFullSource: 'KDDEBUGGER_DATA64.NtBuildLab',
    });
    const t = textLines(r);
    expect(t).toMatchObject({ OS_VERSION: '10.0.19041.1', BUILDLAB_STR: 'vb_release' });
    expect(t.raw.join('\n')).toContain('KDDEBUGGER_DATA64.NtBuildLab');
    expect(t.raw.join('\n')).toContain(LAB_19041);
  });

  it('kernel dump without the string: OS_VERSION without a revision, no BUILDLAB_STR', async () => {
    const r = await kernel({ dumpType: 4 });
    for (const k of ['buildLab', 'buildLabSource', 'buildLabBranch', 'osVersionFull', 'osVersionFullSource']) expect(r.system).not.toHaveProperty(k);
    expect(textLines(r)).toEqual({ OS_VERSION: '10.0.19041', raw: ['OS_VERSION:         10.0.19041'] });
  });

  it('kernel dump whose NtBuildLab bytes are not a build lab string: nothing taken', async () => {
    const r = await kernel({ dumpType: 4, ntBuildLab: 'PAGEPAGEPAGE' });
    expect(r.system).not.toHaveProperty('buildLab');
    expect(r.system).not.toHaveProperty('osVersionFull');
  });

  it('minidump: MINIDUMP_MISC_INFO_4 BuildString', async () => {
    const r = await minidump({}, { version: 5, processId: 1, buildString: LAB_19041 });
    expect(r.system).toMatchObject({ osVersion: '10.0.19045', buildLab: LAB_19041, buildLabSource: 'MINIDUMP_MISC_INFO_4.BuildString', buildLabBranch: 'vb_release', osVersionFull: '10.0.19041.1' });
    expect(textLines(r)).toMatchObject({ OS_VERSION: '10.0.19041.1', BUILDLAB_STR: 'vb_release' });
  });

  it('minidump: Crashpad\'s update build revision in CSDVersion', async () => {
    const r = await minidump({ build: 22000, csd: '282' });
    expect(r.system).toMatchObject({ osVersionFull: '10.0.22000.282', osVersionFullSource: 'MINIDUMP_SYSTEM_INFO.CSDVersion' });
    expect(r.system).not.toHaveProperty('buildLabBranch');
    expect(textLines(r)).toMatchObject({ OS_VERSION: '10.0.22000.282' });
    expect(textLines(r)).not.toHaveProperty('BUILDLAB_STR');
  });

  it('minidump without either: nothing invented', async () => {
    const r = await minidump({ csd: 'Service Pack 1', major: 6, minor: 1, build: 7601 }, { version: 3, processId: 1 });
    expect(r.system).not.toHaveProperty('osVersionFull');
    expect(r.system).not.toHaveProperty('buildLab');
    expect(textLines(r)).toEqual({ OS_VERSION: '6.1.7601', raw: ['OS_VERSION:         6.1.7601'] });
  });

  it('a Linux minidump\'s BuildString is not a Windows build lab, and no OS_VERSION line is printed', async () => {
    const r = await minidump({ os: 'linux', major: 5, minor: 10, build: 28 }, { version: 4, buildString: 'Linux 5.10.28-1rodete2-amd64 #1 SMP x86_64' });
    expect(r.system).not.toHaveProperty('buildLab');
    expect(textLines(r).raw).toEqual([]);
  });
});

describe.skipIf(!HAVE_CORPUS)('OS_VERSION and BUILDLAB_STR of the real dumps', () => {
  corpusOrSkipMessage();
  const lab = (text: string, source: string, full: string, branch?: string) => ({ buildLab: text, buildLabSource: source, osVersionFull: full, osVersionFullSource: source, ...(branch ? { buildLabBranch: branch } : {}) });
  const KD = 'KDDEBUGGER_DATA64.NtBuildLab';
  const MI = 'MINIDUMP_MISC_INFO_4.BuildString';
  const K19041 = lab(LAB_19041, KD, '10.0.19041.1', 'vb_release');
  // What `dumptriage dump` shows of each dump's KDBG NtBuildLab page, MiscInfo and SystemInfo.
  const ROWS: Array<[string, Record<string, string> | null]> = [
    ['kernel/daimuvg-102622-12000-01.dmp', K19041],
    ['kernel/daimuvg-102622-12546-01.dmp', K19041],
    ['kernel/daimuvg-102622-15671-01.dmp', K19041],
    ['kernel/daimuvg-102622-17265-01.dmp', K19041],
    ['kernel/daimuvg-102622-30093-01.dmp', K19041],
    ['kernel/ojusha-100623-4953-01.dmp', K19041],
    ['kernel/ojusha-100623-6156-01.dmp', K19041],
    ['kernel/rts-training-116_1.dmp', K19041],
    ['kernel/rts-training-1e.dmp', K19041],
    ['kernel/rts-training-7e_1.dmp', K19041],
    ['kernel/rts-training-9f.dmp', K19041],
    ['kernel/rts-training-d1.dmp', K19041],
    ['kernel/rts-training-ef.dmp', K19041],
    ['kernel/rts-training-f7.dmp', K19041],
    ['kernel/rz-triage_x64.dmp', K19041],
    ['kernel/rz-triage_arm64.dmp', lab('22000.1.arm64fre.co_release.210604-1628', KD, '10.0.22000.1', 'co_release')],
    // Kernel-generated triage dumps of 26100: KDBG points at NtBuildLab, but that page is not in the dump.
    ['kernel/rts-training-13a.dmp', null],
    ['kernel/rts-training-1a.dmp', null],
    ['kernel/rts-training-3b_0.dmp', null],
    ['kernel/rts-training-50_1.dmp', null],
    ['kernel/rts-training-7a.dmp', null],
    ['kernel/rts-training-be_0.dmp', null],
    ['user-windows/bo4-dwserver-crash.dmp', lab('10.0.14393.6343 (rs1_release.230913-1727)', MI, '10.0.14393.6343', 'rs1_release')],
    ['user-windows/rz-calc.dmp', lab('6.1.7601.18015 (win7sp1_gdr.121129-1432)', MI, '6.1.7601.18015', 'win7sp1_gdr')],
    ['user-windows/electron-windows.dmp', lab('10.0.14393.0 (rs1_release.160715-1616)', MI, '10.0.14393.0', 'rs1_release')],
    ['user-windows/bp-tiny-exe-with-cet-xsave.dmp', lab('Windows NT 10.0.22000.282', MI, '10.0.22000.282')],
    ['user-windows/bp-thread_name_list.dmp', lab('17763.1.x86fre.rs5_release.180914-1434', MI, '10.0.17763.1', 'rs5_release')],
    ['user-windows/bp-tiny-exe-fastfail.dmp', lab(LAB_19041, MI, '10.0.19041.1', 'vb_release')],
    ['user-windows/bp-tiny-exe-with-cet-xsave-x86.dmp', lab('22621.1.amd64fre.ni_release.220506-1250', MI, '10.0.22621.1', 'ni_release')],
    ['user-windows/lldb-sigsegv-x64.dmp', lab('16299.637.amd64fre.rs3_release_svc.180808-1748', MI, '10.0.16299.637', 'rs3_release_svc')],
    ['user-windows/redfaction-wow64-20260301a.dmp', lab('26100.1.amd64fre.ge_release.240331-1435', MI, '10.0.26100.1', 'ge_release')],
    ['user-windows/unity-ksp-2018-crash.dmp', lab('16299.15.amd64fre.rs3_release.170928-1534', MI, '10.0.16299.15', 'rs3_release')],
    ['user-windows/unity-ksp-2021-crash.dmp', lab('18362.1.amd64fre.19h1_release.190318-1202', MI, '10.0.18362.1', '19h1_release')],
    // No BuildString (MiscInfo v1/v3), CSDVersion a service pack name or empty.
    ['user-windows/bp-minidump2.dmp', null],
    ['user-windows/bp-null_read_av.dmp', null],
    ['user-windows/lldb-fizzbuzz_no_heap-wow64.dmp', null],
  ];
  it.each(ROWS)('%s', async (file, want) => {
    const r = await triageFile(corpusPath(...file.split('/')));
    if (want) expect(r.system).toMatchObject(want);
    else for (const k of ['buildLab', 'buildLabBranch', 'osVersionFull']) expect(r.system).not.toHaveProperty(k);
  });

  it('a Windows 10 19041 kernel dump prints the OS_VERSION and BUILDLAB_STR WinDbg printed for one (logs/varelaia-dxgkrnl-0x3b)', async () => {
    const windbg = readFileSync(corpusPath('logs', 'varelaia-dxgkrnl-0x3b-analyze.txt'), 'utf8');
    const value = (k: string) => new RegExp(`^${k}:\\s+(\\S+)`, 'm').exec(windbg)?.[1];
    expect(value('OS_VERSION')).toBe('10.0.19041.1');
    const t = textLines(await triageFile(corpusPath('kernel', 'rz-triage_x64.dmp')));
    expect(t.OS_VERSION).toBe(value('OS_VERSION'));
    expect(t.BUILDLAB_STR).toBe(value('BUILDLAB_STR'));
  });
});
