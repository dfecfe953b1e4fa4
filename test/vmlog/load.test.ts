import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { bugcheckName } from '../../src/analysis/knowledge.js';
import { loadVmEvents } from '../../src/vmlog/load.js';
import { BlockSplitter } from '../../src/vmlog/lines.js';
import { kindFromName } from '../../src/vmlog/sources.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'dt-vmlog-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('BlockSplitter', () => {
  const split = (chunks: string[], max = 64) => {
    const s = new BlockSplitter(max);
    const out: string[] = [];
    let expectLine = 1;
    const take = (b: ReturnType<BlockSplitter['push']>) => {
      if (!b) return;
      expect(b.firstLine).toBe(expectLine);
      const lines = b.buf.toString('latin1').split('\n').slice(0, -1);
      expect(lines).toHaveLength(b.count);
      expectLine += b.count;
      out.push(...lines);
    };
    for (const c of chunks) take(s.push(Buffer.from(c, 'latin1')));
    take(s.end());
    return { out, overlong: s.overlongLines };
  };
  it('joins lines split across chunks, keeps empty lines and a last line without newline', () => {
    expect(split(['ab', 'c\r\nde', 'f\n', '\nlast']).out).toEqual(['abc\r', 'def', '', 'last']);
  });
  it('cuts lines that straddle reads at the limit and counts every overlong line', () => {
    const long = 'x'.repeat(100);
    const r = split([`${long}\nok\n`, long.slice(0, 50), long.slice(50), '\nend'], 16);
    expect(r.out).toEqual([long, 'ok', 'x'.repeat(16), 'end']);
    expect(r.overlong).toBe(2);
  });
});

describe('kindFromName', () => {
  it('knows rotations', () => {
    expect(['vmware.log', 'vmware-1.log', 'vmware-12.log', 'vmware-2.log.gz'].map(kindFromName)).toEqual(['vmware', 'vmware', 'vmware', 'vmware']);
    expect(['hostd.log', 'hostd.0.gz', 'hostd.1.gz', 'hostd.log.2'].map(kindFromName)).toEqual(['hostd', 'hostd', 'hostd', 'hostd']);
    expect(['vmkernel.log', 'vmkernel.3.gz', 'vmkwarning.log'].map(kindFromName)).toEqual(['vmkernel', 'vmkernel', 'vmkernel']);
    expect(['vmware.vmx', 'hostd', 'notes.txt', 'vmware.log.bak'].map(kindFromName)).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('loadVmEvents on the fixtures', () => {
  it('modern ESXi 8 vmware.log: one 0xD1 crash on vcpu-1 with its four arguments, VM facts', async () => {
    const e = await loadVmEvents([join(FIX, 'guest', 'vmware.log')]);
    expect(e.crashes).toHaveLength(1);
    expect(e.crashes[0]).toMatchObject({
      time: '2024-03-12T14:27:45.902Z',
      vcpu: 'vcpu-1',
      code: '0xd1',
      name: bugcheckName(0xd1),
      args: ['0xffffd40c1a2b3010', '0x2', '0x0', '0xfffff8052d7a1c44'],
      msrLines: 5,
      line: 26,
    });
    const s = e.sources[0]!;
    expect(s).toMatchObject({ kind: 'vmware', format: 'vmware-modern', lines: 38, gzip: false });
    expect(s.vm).toMatchObject({ displayName: 'FILESRV-02', guestOS: 'windows2019srvNext-64', numVcpus: 4, memsizeMb: 16384, product: 'VMware ESX', productVersion: '8.0.2' });
    // The snapshot at 13:31 is read (it is outside the crash window, the correlation drops it).
    expect(e.hostEvents.map((h) => h.category)).toEqual(['stun-snapshot', 'stun-snapshot', 'stun-snapshot']);
    expect(e.nmis).toEqual([]);
  });
  it('legacy ESXi 6.7 vmware.log + hostd: 0x80 0x4f4454 and the vm-support NMI', async () => {
    const e = await loadVmEvents([join(FIX, 'nmi')]);
    expect(e.sources.map((s) => [s.kind, s.format])).toEqual([
      ['hostd', 'hostd'],
      ['vmware', 'vmware-legacy'],
    ]);
    expect(e.crashes.map((c) => [c.code, c.args, c.vcpu])).toEqual([['0x80', ['0x4f4454', '0x0', '0x0', '0x0'], 'vcpu-0']]);
    expect(e.nmis).toHaveLength(1);
    expect(e.nmis[0]).toMatchObject({ who: 'administrator', how: 'vm-support HungVM:Send_NMI_To_Guest', time: '2019-08-14T02:10:58.087Z', line: 3 });
    expect(e.crashDetections.map((d) => d.time)).toEqual(['2019-08-14T02:11:03.115Z']);
  });
  it('vmkernel: SCSI abort, APD, heartbeat, latency as storage; MCE as memory', async () => {
    const e = await loadVmEvents([join(FIX, 'storage', 'vmkernel.log')]);
    expect(e.sources[0]).toMatchObject({ kind: 'vmkernel', format: 'vmkernel' });
    expect(e.hostEvents.map((h) => `${h.category}:${h.line}`)).toEqual(['memory:1', 'storage:2', 'storage:3', 'storage:4', 'storage:5', 'storage:6', 'storage:7', 'storage:8']);
  });
  it('rotations in a folder, oldest first, the oldest gzip-compressed', async () => {
    const dir = join(tmp, 'rot');
    mkdirSync(dir);
    copyFileSync(join(FIX, 'rotation', 'vmware.log'), join(dir, 'vmware.log'));
    copyFileSync(join(FIX, 'rotation', 'vmware-1.log'), join(dir, 'vmware-1.log'));
    writeFileSync(join(dir, 'vmware-2.log.gz'), gzipSync(readFileSync(join(FIX, 'rotation', 'vmware-2.log'))));
    writeFileSync(join(dir, 'vmware.vmx'), 'guestOS = "windows9srv-64"\n');
    const e = await loadVmEvents([dir]);
    expect(e.sources.map((s) => [s.file.slice(dir.length + 1), s.gzip])).toEqual([
      ['vmware-2.log.gz', true],
      ['vmware-1.log', false],
      ['vmware.log', false],
    ]);
    expect(e.crashes).toHaveLength(1);
    expect(e.crashes[0]).toMatchObject({ code: '0x3b', args: ['0xc0000005', '0xfffff80612c41a7e', '0xffffb0812f5c6920', '0x0'], file: join(dir, 'vmware-2.log.gz'), line: 4 });
    expect(e.warnings).toEqual([]);
  });
  it('a vm-support bundle layout: logs found by name at any depth, other files ignored', async () => {
    const b = join(tmp, 'esx-host-2024-05-02--11.10-123456');
    mkdirSync(join(b, 'var', 'run', 'log'), { recursive: true });
    mkdirSync(join(b, 'vmfs', 'volumes', 'ds1', 'WEB-03'), { recursive: true });
    copyFileSync(join(FIX, 'two-nmis', 'hostd.log'), join(b, 'var', 'run', 'log', 'hostd.log'));
    writeFileSync(join(b, 'var', 'run', 'log', 'hostd.0.gz'), gzipSync('2024-05-01T00:00:00.000Z In(166) Hostd[1]: nothing\n'));
    copyFileSync(join(FIX, 'two-nmis', 'vmware.log'), join(b, 'vmfs', 'volumes', 'ds1', 'WEB-03', 'vmware.log'));
    writeFileSync(join(b, 'var', 'run', 'log', 'syslog.log'), 'HungVM:Send_NMI_To_Guest not a hostd log\n');
    const e = await loadVmEvents([b]);
    expect(e.sources.map((s) => s.kind).sort()).toEqual(['hostd', 'hostd', 'vmware']);
    expect(e.crashes).toHaveLength(2);
    expect(e.nmis).toHaveLength(2);
    expect(e.requests.map((r) => r.request)).toEqual(['Coredump_VM', 'Suspend_VM', 'Coredump_VM', 'Suspend_VM']);
  });
  it('garbage: binary junk, an overlong line, impossible timestamps, orphan MSR lines, truncated gzip', async () => {
    const f = join(tmp, 'vmware.log');
    const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256).map((b) => (b === 10 || b === 13 ? 0 : b)));
    const lines = [
      '2024-01-01T00:00:00.000Z In(05) vmx - Log for VMware ESX pid=1 version=8.0.0 build=build-1 option=Release',
      junk.toString('latin1'),
      `2024-01-01T00:00:01.000Z In(05) vmx - ${'WinBSOD '.repeat(10_000)}`,
      '2024-13-45T99:00:00.000Z Wa(03) vcpu-0 - WinBSOD: Synthetic MSR[0x40000100] 0x50',
      '2024-01-01T00:00:02.000Z Wa(03) vcpu-0 - WinBSOD: Synthetic MSR[0x40000102] 0x2',
      '2024-01-01T00:00:03.000Z Wa(03) vcpu-2 - WinBSOD: Synthetic MSR[0x40000100] 0x1e',
      '2024-01-01T00:00:03.000Z Wa(03) vcpu-2 - WinBSOD: Synthetic MSR[0x40000101] 0xc0000005',
      '2024-01-01T00:00:03.000Z Wa(03) vcpu-2 - WinBSOD: Synthetic MSR[0x40000101] 0xffffffff',
    ];
    writeFileSync(f, Buffer.concat([Buffer.from(lines.slice(0, 1).join('\n') + '\n'), junk, Buffer.from('\n' + lines.slice(2).join('\n'))]));
    const e = await loadVmEvents([f], { maxLineBytes: 16 * 1024 });
    const s = e.sources[0]!;
    expect(s.lines).toBe(8);
    expect(s.overlongLines).toBe(1);
    expect(s.badTimestamps).toBe(1);
    // The 0x50 has a bad time but is still an event (args missing are "?"); the orphan 0x102 is not;
    // the repeated 0x40000101 on vcpu-2 closes the first 0x1e event.
    expect(e.crashes.map((c) => [c.code, c.args.join(' '), c.msrLines, c.time ?? null])).toEqual([
      ['0x1e', '0xc0000005 ? ? ?', 2, '2024-01-01T00:00:03.000Z'],
      ['0x50', '? 0x2 ? ?', 2, null],
    ]);
    expect(e.warnings.map((w) => w.code).sort()).toEqual(['VmLogBadTimestamps', 'VmLogLongLines', 'VmLogOrphanMsr']);
    const gz = join(tmp, 'vmkernel.1.gz');
    const full = gzipSync(readFileSync(join(FIX, 'storage', 'vmkernel.log')));
    writeFileSync(gz, full.subarray(0, full.length - 30));
    const g = await loadVmEvents([gz]);
    expect(g.sources[0]!.gzip).toBe(true);
    expect(g.warnings.map((w) => w.code)).toContain('VmLogGzipError');
  });
  it('missing paths and empty folders are warnings, not throws', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const e = await loadVmEvents([join(tmp, 'nope.log'), empty]);
    expect(e.warnings.map((w) => w.code)).toEqual(['VmLogNotFound', 'VmLogNoLogs']);
    expect(e.sources).toEqual([]);
  });
});
