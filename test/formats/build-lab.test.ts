// Build lab strings in the three shapes real dumps hold (src/formats/build-lab.ts).
import { describe, expect, it } from 'vitest';
import { buildLabFacts, parseBuildLab } from '../../src/formats/build-lab.js';

describe('parseBuildLab', () => {
  it.each([
    // KDBG NtBuildLab / dbgcore's MINIDUMP_MISC_INFO_4 BuildString (corpus: kernel/*.dmp, moz-windows-*.dmp, ...)
    ['19041.1.amd64fre.vb_release.191206-1406', { build: 19041, revision: 1, branch: 'vb_release' }],
    ['22000.1.arm64fre.co_release.210604-1628', { build: 22000, revision: 1, branch: 'co_release' }],
    ['17763.1.x86fre.rs5_release.180914-1434', { build: 17763, revision: 1, branch: 'rs5_release' }],
    ['16299.637.amd64fre.rs3_release_svc.180808-1748', { build: 16299, revision: 637, branch: 'rs3_release_svc' }],
    // A serviced branch's kernel: the shape WinDbg's "OS_VERSION 10.0.22621.2506 / BUILDLAB_STR ni_release_svc_prod3" comes from.
    ['22621.2506.amd64fre.ni_release_svc_prod3.231001-0000', { build: 22621, revision: 2506, branch: 'ni_release_svc_prod3' }],
    // FileVersion shape (older dbgcore / dbgeng writers: bo4-dwserver-crash.dmp, rz-calc.dmp)
    ['10.0.14393.6343 (rs1_release.230913-1727)', { majorMinor: '10.0', build: 14393, revision: 6343, branch: 'rs1_release' }],
    ['6.1.7601.18015 (win7sp1_gdr.121129-1432)', { majorMinor: '6.1', build: 7601, revision: 18015, branch: 'win7sp1_gdr' }],
    // Crashpad (bp-tiny-exe-with-cet-xsave.dmp): no branch
    ['Windows NT 10.0.22000.282', { majorMinor: '10.0', build: 22000, revision: 282 }],
  ])('%s', (text, want) => {
    expect(parseBuildLab(text)).toEqual(want);
  });

  it.each([
    '',
    'Linux 5.10.28-1rodete2-amd64 #1 SMP Debian 5.10.28-1rodete2 (2021-05-12) x86_64',
    '16.2.0 22C65; iOS Simulator (iPhone15,3)',
    '19041.1.amd64fre',
    'PAGEPAGEPAGEPAGE',
    '19041.1.amd64fre.vb_release.191206-1406\x1b[31m',
  ])('takes nothing from %j', (text) => {
    expect(parseBuildLab(text)).toBeUndefined();
    expect(buildLabFacts(text, 'X', '10.0.19041')).toBeUndefined();
  });
});

describe('buildLabFacts', () => {
  it('an NtBuildLab string takes major.minor from the system version and keeps its own build', () => {
    // Windows 10 22H2: the system record says 19045, the lab string 19041.1 (WinDbg prints 10.0.19041.1).
    expect(buildLabFacts('19041.1.amd64fre.vb_release.191206-1406', 'MINIDUMP_MISC_INFO_4.BuildString', '10.0.19045')).toEqual({
      buildLab: '19041.1.amd64fre.vb_release.191206-1406',
      buildLabSource: 'MINIDUMP_MISC_INFO_4.BuildString',
      buildLabBranch: 'vb_release',
      osVersionFull: '10.0.19041.1',
      osVersionFullSource: 'MINIDUMP_MISC_INFO_4.BuildString',
    });
  });
  it('without a major.minor anywhere, no OS_VERSION is made up', () => {
    const f = buildLabFacts('19041.1.amd64fre.vb_release.191206-1406', 'KDDEBUGGER_DATA64.NtBuildLab', undefined);
    expect(f).toEqual({ buildLab: '19041.1.amd64fre.vb_release.191206-1406', buildLabSource: 'KDDEBUGGER_DATA64.NtBuildLab', buildLabBranch: 'vb_release' });
  });
  it('a FileVersion string carries its own major.minor', () => {
    expect(buildLabFacts('10.0.14393.6343 (rs1_release.230913-1727)', 'S', '10.0.14393')?.osVersionFull).toBe('10.0.14393.6343');
  });
});
