// Issue 14, item 4: a Windows 10+ image's TimeDateStamp is a build hash, not a link date, and a
// crash time from a corrupt header is not a date. linkTimestamp() decides; the report (JSON and
// text), the advice, the scan's module timestamps, the CSV and the trends all follow it.

import { describe, expect, it } from 'vitest';
import { openDumpFromBytes, triage } from '../../src/core.js';
import { triageFile } from '../../src/index.js';
import { renderHuman } from '../../src/cli/render/human.js';
import { crashTimeCheck, digestLinkTimestamp, isReproducibleImage, linkTimestamp } from '../../src/analysis/timestamps.js';
import { groupDigests } from '../../src/scan/group.js';
import { csvHeader, csvRow } from '../../src/scan/csv.js';
import { renderGroupsText } from '../../src/scan/render-text.js';
import type { DumpDigest } from '../../src/scan/digest.js';
import { SynthKernelDump } from '../synth/kernel.js';
import { HAVE_CORPUS, corpusOrSkipMessage, corpusPath } from '../helpers/corpus.js';

const sec = (iso: string) => Date.parse(iso) / 1000;
const CRASH = '2022-10-26T22:20:37.602Z';

describe('linkTimestamp', () => {
  it('a third-party driver linked before the crash is a date', () => {
    expect(linkTimestamp(sec('2020-12-29T07:26:53Z'), 'amdkmdag.sys', { crashTime: CRASH, osBuild: 19041 })).toEqual({ kind: 'date', value: sec('2020-12-29T07:26:53Z'), iso: '2020-12-29T07:26:53.000Z' });
  });
  it('before 1995 or after the crash + 1 day is a build id, whatever the image', () => {
    // kd.dll of 10.0.19041 reads 2105-02-02, hal.dll 1984-01-30 (corpus kernel/daimuvg-*.dmp).
    expect(linkTimestamp(sec('2105-02-02T09:30:16Z'), 'vendor.sys', { crashTime: CRASH })).toMatchObject({ kind: 'build-id', reason: 'implausible', hex: '0x' + sec('2105-02-02T09:30:16Z').toString(16) });
    expect(linkTimestamp(sec('1984-01-30T16:29:29Z'), 'vendor.sys', { crashTime: CRASH })).toMatchObject({ kind: 'build-id', reason: 'implausible' });
    expect(linkTimestamp(sec('2022-10-28T00:00:00Z'), 'vendor.sys', { crashTime: CRASH })).toMatchObject({ kind: 'build-id' });
    expect(linkTimestamp(sec('2022-10-27T00:00:00Z'), 'vendor.sys', { crashTime: CRASH })).toMatchObject({ kind: 'date' });
  });
  it('Windows 10+ system images are build ids even inside the window', () => {
    // ntoskrnl.exe of 10.0.26100 reads 2002-01-24 (corpus kernel/rts-training-13a.dmp).
    const v = 0x3c5028de;
    expect(linkTimestamp(v, 'ntoskrnl.exe', { crashTime: '2024-11-23T03:49:27.558Z', osBuild: 26100 })).toEqual({ kind: 'build-id', value: v, hex: '0x3c5028de', reason: 'reproducible' });
    // The same value on Windows 8.1 (no reproducible builds) is a date.
    expect(linkTimestamp(v, 'ntoskrnl.exe', { crashTime: '2024-11-23T03:49:27.558Z', osBuild: 9600 })?.kind).toBe('date');
    expect(isReproducibleImage('ntfs.sys', { osBuild: 19041 })).toBe(true); // Microsoft's, by triage.ini
    expect(isReproducibleImage('hal.dll', { osBuild: 19041 })).toBe(true);
    expect(isReproducibleImage('kdnet.dll', { osBuild: 19041 })).toBe(true);
    expect(isReproducibleImage('foo.dll', { osBuild: 19041, path: 'C:\\Windows\\System32\\foo.dll' })).toBe(true);
    expect(isReproducibleImage('nvlddmkm.sys', { osBuild: 19041, path: '\\SystemRoot\\System32\\DriverStore\\FileRepository\\nv.inf_amd64\\nvlddmkm.sys' })).toBe(false);
    expect(isReproducibleImage('nvlddmkm.sys', { osBuild: 19041 })).toBe(false);
    expect(isReproducibleImage('app.exe', { osBuild: 19041, path: 'C:\\Program Files\\App\\app.exe' })).toBe(false);
  });
  it('without a believable crash time the window ends at the clock + 1 day', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(linkTimestamp(sec('2023-06-01T00:00:00Z'), 'v.sys', { crashTime: '1972-01-01T00:00:00Z', now })?.kind).toBe('date');
    expect(linkTimestamp(sec('2024-06-01T00:00:00Z'), 'v.sys', { now })?.kind).toBe('build-id');
    expect(linkTimestamp(0, 'v.sys', {})).toBeUndefined();
  });
  it('crash times before 1995 or after the clock + 1 day are flagged', () => {
    expect(crashTimeCheck('1972-05-06T11:01:31.000Z')).toEqual({ plausible: false, text: 'unknown (header says 1972-05-06T11:01:31.000Z)' });
    expect(crashTimeCheck(new Date(Date.now() + 3 * 86_400_000).toISOString())?.plausible).toBe(false);
    expect(crashTimeCheck(CRASH)).toEqual({ plausible: true, text: CRASH });
  });
});

describe('a 1972 crash time in a kernel header', () => {
  // 1972-05-06T11:01:31Z as FILETIME.
  const ft = (BigInt(Date.parse('1972-05-06T11:01:31Z')) + 11_644_473_600_000n) * 10_000n;
  it('is flagged with a warning, kept raw in JSON, shown as unknown in text', async () => {
    const bytes = new SynthKernelDump({ arch: 'x64', dumpType: 5, systemTime: ft, bugcheck: { code: 0xd1 } }).build();
    const dump = await openDumpFromBytes(bytes);
    const r = await triage(dump);
    await dump.close();
    expect(r.system?.crashTime).toBe('1972-05-06T11:01:31.000Z');
    expect(r.system?.crashTimeKind).toBe('implausible');
    expect(r.warnings.map((w) => w.code)).toContain('ImplausibleCrashTime');
    expect(renderHuman(r)).toContain('CRASH_TIME:         unknown (header says 1972-05-06T11:01:31.000Z)');
  });
  it('a believable one is a date, with no warning', async () => {
    const bytes = new SynthKernelDump({ arch: 'x64', dumpType: 5, bugcheck: { code: 0xd1 } }).build();
    const dump = await openDumpFromBytes(bytes);
    const r = await triage(dump);
    await dump.close();
    expect(r.system?.crashTimeKind).toBe('date');
    expect(r.warnings.map((w) => w.code)).not.toContain('ImplausibleCrashTime');
  });
});

describe.skipIf(!HAVE_CORPUS)('real dumps: hashes are not shown as dates', () => {
  corpusOrSkipMessage();
  it('rz-triage_x64: ntoskrnl.exe "1977-03-08" and amdppm.sys "2077" are build ids; advice cites no date', async () => {
    const r = await triageFile(corpusPath('kernel', 'rz-triage_x64.dmp'));
    const nt = r.modules.find((m) => m.name === 'ntoskrnl.exe')!;
    expect(nt.timestampIso?.slice(0, 10)).toBe('1977-03-08'); // the raw value is unchanged
    expect(nt.timestampKind).toBe('build-id');
    const text = renderHuman(r, { allModules: true });
    expect(text).toMatch(new RegExp(`ntoskrnl\\.exe\\s+build id 0x${nt.timestamp!.toString(16).padStart(8, '0')}`));
    expect(text).not.toMatch(/1977-03-08/);
    expect(r.verdict.probableCause.image).toBe('amdppm.sys');
    expect(r.verdict.probableCause.imageTimestamp).toBeUndefined();
    expect(r.verdict.probableCause.imageBuildId).toBe('0xc9c03000');
    expect(text).toContain('IMAGE_TIMESTAMP:    build id 0xc9c03000');
    expect(r.verdict.advice.join(' ')).toContain('amdppm.sys (build id 0xc9c03000)');
    expect(r.verdict.advice.join(' ')).not.toMatch(/built \d{4}/);
  });
  it('rts-training-13a (10.0.26100): ntoskrnl.exe "2002-01-24" falls in the window by chance and is still a build id; nvlddmkm.sys keeps its date', async () => {
    const r = await triageFile(corpusPath('kernel', 'rts-training-13a.dmp'));
    const nt = r.modules.find((m) => m.name === 'ntoskrnl.exe')!;
    expect(nt.timestampIso?.slice(0, 10)).toBe('2002-01-24');
    expect(nt.timestampKind).toBe('build-id');
    const nv = r.modules.find((m) => m.name === 'nvlddmkm.sys')!;
    expect(nv.timestampKind).toBe('date');
    const text = renderHuman(r, { allModules: true });
    expect(text).toContain('build id 0x3c5028de');
    expect(text).toMatch(/nvlddmkm\.sys\s+2024-11-06T20:08:59\.000Z/);
  });
  it('daimuvg: kd.dll "2105-02-02" is a build id', async () => {
    const r = await triageFile(corpusPath('kernel', 'daimuvg-102622-12000-01.dmp'));
    const kd = r.modules.find((m) => m.name === 'kd.dll')!;
    expect(kd.timestampIso?.slice(0, 10)).toBe('2105-02-02');
    expect(kd.timestampKind).toBe('build-id');
    expect(renderHuman(r, { allModules: true })).not.toContain('2105-02-02');
  });
  it('unity-rimworld: twinapi.appcore.dll "1990" is a build id, the game executable keeps its date', async () => {
    const r = await triageFile(corpusPath('user-windows', 'unity-rimworld-2020-crash.dmp'));
    const tw = r.modules.find((m) => m.name.toLowerCase() === 'twinapi.appcore.dll')!;
    expect(tw.timestampIso?.slice(0, 4)).toBe('1990');
    expect(tw.timestampKind).toBe('build-id');
    expect(r.verdict.probableCause.imageTimestamp?.slice(0, 10)).toBe('2017-12-13');
    expect(r.verdict.advice.join(' ')).toContain('built 2017-12-13');
  });
});

function digest(over: Partial<DumpDigest>): DumpDigest {
  return { rel: 'a.dmp', status: 'ok', size: 1, mtimeMs: 0, host: null, hostSource: null, time: CRASH, timeSource: 'dump', bucketId: 'B', kind: 'crash', image: 'ntoskrnl.exe', module: 'nt', ...over };
}

describe('scan: link timestamps, CSV, trends', () => {
  it('module timestamps and the CSV show build ids, not dates', () => {
    const ds = [
      digest({ rel: 'a.dmp', imageTimestamp: '2071-10-02T01:58:27.000Z', crashTime: CRASH, osVersion: '10.0.19041' }),
      digest({ rel: 'b.dmp', image: 'ntoskrnl.exe', imageTimestamp: '2002-01-24T15:31:42.000Z', crashTime: '2024-11-23T03:49:27.558Z', time: '2024-11-23T03:49:27.558Z', osVersion: '10.0.26100' }),
      digest({ rel: 'c.dmp', bucketId: 'C', image: 'nvlddmkm.sys', module: 'nvlddmkm', imageTimestamp: '2024-10-15T13:54:46.000Z', crashTime: '2024-11-04T12:20:44.732Z', time: '2024-11-04T12:20:44.732Z', osVersion: '10.0.19041' }),
    ];
    const g = groupDigests(ds);
    const nt = g.modules.find((m) => m.module === 'ntoskrnl.exe')!;
    expect(nt.timestamps.map((x) => x.timestamp).sort()).toEqual([`build id 0x${sec('2002-01-24T15:31:42Z').toString(16)}`, `build id 0x${sec('2071-10-02T01:58:27Z').toString(16)}`]);
    expect(g.modules.find((m) => m.module === 'nvlddmkm.sys')!.timestamps).toEqual([{ timestamp: '2024-10-15T13:54:46.000Z', count: 1 }]);
    const text = renderGroupsText(g);
    expect(text).not.toContain('2071-10-02');
    expect(text).toContain('build id 0x');
    const cols = csvHeader().trim().split(',');
    const row = (d: DumpDigest) => Object.fromEntries(csvRow(d).trim().split(',').map((c, i) => [cols[i], c]));
    expect(row(ds[0]!)).toMatchObject({ image_timestamp: `build id 0x${sec('2071-10-02T01:58:27Z').toString(16)}`, image_timestamp_kind: 'build-id' });
    expect(row(ds[2]!)).toMatchObject({ image_timestamp: '2024-10-15T13:54:46.000Z', image_timestamp_kind: 'date' });
    expect(digestLinkTimestamp({ imageTimestamp: '2002-01-24T15:31:42.000Z', image: 'ntoskrnl.exe', osVersion: '10.0.19041' })?.kind).toBe('build-id');
  });

  it("a file's mtime and an impossible header time never set 'now' nor the trends", () => {
    const ds = [
      digest({ rel: 'a.dmp', time: '2024-03-01T00:00:00.000Z' }),
      digest({ rel: 'b.dmp', time: '2024-03-02T00:00:00.000Z' }),
      // A dump without a crash time, copied to the share much later: its mtime.
      digest({ rel: 'c.dmp', time: '2024-09-01T00:00:00.000Z', timeSource: 'mtime' }),
      // A corrupt header: 1972.
      digest({ rel: 'd.dmp', time: '1972-05-06T11:01:31.000Z' }),
    ];
    const g = groupDigests(ds);
    expect(g.now).toBe('2024-03-02T00:00:00.000Z');
    const b = g.buckets[0]!;
    expect(b.count).toBe(4);
    expect(b.trend).toEqual({ last7: 2, prev7: 0, direction: 'new' });
    // Only mtime-sourced dumps: no reference time, no trend.
    const only = groupDigests([digest({ time: '2024-09-01T00:00:00.000Z', timeSource: 'mtime' })]);
    expect(only.now).toBeNull();
    expect(only.buckets[0]!.trend.direction).toBe('quiet');
  });
});

describe('a scan does not take an implausible header time for the crash time', () => {
  it('the file time stands (time_source mtime)', async () => {
    const { mkdtempSync, writeFileSync, rmSync, utimesSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { scanDumps } = await import('../../src/index.js');
    const { SynthMinidump } = await import('../synth/minidump.js');
    const dir = mkdtempSync(join(tmpdir(), 'dumptriage-1972-'));
    try {
      const bytes = new SynthMinidump({ arch: 'x64', timestamp: 86400 * 365 * 2 }) // 1972-01-01
        .addSystemInfo({ arch: 'x64', os: 'windows' })
        .addThread({ id: 1, context: { rip: 0x1000n, rsp: 0x2000n } })
        .addException({ threadId: 1, code: 0xc0000005, address: 0x1000n, parameters: [0n, 0n] })
        .build();
      writeFileSync(join(dir, 'a.dmp'), bytes);
      utimesSync(join(dir, 'a.dmp'), new Date('2024-03-01T00:00:00Z'), new Date('2024-03-01T00:00:00Z'));
      const got = [];
      for await (const r of scanDumps(dir, { index: false, workers: 'inline' })) got.push(r);
      expect(got).toHaveLength(1);
      expect(got[0]!.digest.timeSource).toBe('mtime');
      expect(got[0]!.digest.time).toBe('2024-03-01T00:00:00.000Z');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
