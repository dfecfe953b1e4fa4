import { describe, expect, it } from 'vitest';
import { parseLine, parseLogTime } from '../../src/vmlog/parse-line.js';
import { classifyLine } from '../../src/vmlog/classify.js';

describe('parseLogTime', () => {
  it('reads UTC and offset timestamps as UTC', () => {
    expect(parseLogTime('2024-03-12T14:27:45.902Z rest').timeMs).toBe(Date.parse('2024-03-12T14:27:45.902Z'));
    // Workstation logs carry the host offset: 20:05:59.865 at -07:00 is 03:05:59.865 UTC the next day.
    expect(new Date(parseLogTime('2020-05-21T20:05:59.865-07:00| vmx| I125: x').timeMs!).toISOString()).toBe('2020-05-22T03:05:59.865Z');
    expect(new Date(parseLogTime('2021-01-01T01:30:00+0530 x').timeMs!).toISOString()).toBe('2020-12-31T20:00:00.000Z');
    // No zone: taken as UTC.
    expect(new Date(parseLogTime('2021-01-01T01:30:00.5 x').timeMs!).toISOString()).toBe('2021-01-01T01:30:00.500Z');
  });
  it('flags impossible dates instead of rolling them over', () => {
    for (const bad of ['2023-13-01T00:00:00Z', '2023-02-29T00:00:00Z', '2023-04-31T10:00:00Z', '2023-01-01T24:00:00Z', '2023-01-01T10:61:00Z', '2023-01-01T10:00:00+15:00']) {
      const r = parseLogTime(bad);
      expect(r.bad, bad).toBe(true);
      expect(r.timeMs, bad).toBeUndefined();
    }
    expect(parseLogTime('2024-02-29T00:00:00Z').bad).toBe(false);
    expect(parseLogTime('garbage').length).toBe(0);
  });
});

describe('parseLine shapes', () => {
  it('legacy vmware.log: "| vcpu-0| I125:"', () => {
    const p = parseLine('2019-08-14T02:11:02.430Z| vcpu-0| I125: WinBSOD: Synthetic MSR[0x40000100] 0x80');
    expect(p).toMatchObject({ format: 'vmware-legacy', thread: 'vcpu-0', message: 'WinBSOD: Synthetic MSR[0x40000100] 0x80', continuation: false });
    expect(parseLine('2020-05-21T20:05:59.865-07:00| vmx| I125+ more').continuation).toBe(true);
  });
  it('modern vmware.log: ESXi "In(05) vcpu-0 - " and Workstation "In(05) vmx "', () => {
    expect(parseLine('2024-03-12T14:27:45.902Z Wa(03) vcpu-1 - WinBSOD: Synthetic MSR[0x40000100] 0xd1')).toMatchObject({
      format: 'vmware-modern',
      thread: 'vcpu-1',
      message: 'WinBSOD: Synthetic MSR[0x40000100] 0xd1',
    });
    expect(parseLine('2023-09-19T17:43:15.755Z In(05) vmx DICT   guestOS = "windows2019srv-64"')).toMatchObject({ format: 'vmware-modern', thread: 'vmx', message: 'DICT   guestOS = "windows2019srv-64"' });
    expect(parseLine('2024-03-12T14:27:45.902Z Wa(03)+ vcpu-1 - ')).toMatchObject({ continuation: true, message: '' });
  });
  it('hostd (ESXi 6.7/7 and 8) and vmkernel (both)', () => {
    expect(parseLine('2019-08-14T02:11:03.115Z info hostd[2099412] [Originator@6876 sub=Vmsvc] Guest operating system crash detected.')).toMatchObject({ format: 'hostd', thread: 'hostd[2099412]' });
    expect(parseLine('2024-05-02T11:02:16.002Z In(166) Hostd[2100871]: [Originator@6876 sub=Vmsvc] Guest operating system crash detected.')).toMatchObject({
      format: 'hostd',
      message: '[Originator@6876 sub=Vmsvc] Guest operating system crash detected.',
    });
    expect(parseLine('2024-06-03T21:40:19.002Z cpu3:2097210)StorageApdHandler: 1203: APD start')).toMatchObject({ format: 'vmkernel', thread: 'cpu3:2097210', message: 'StorageApdHandler: 1203: APD start' });
    expect(parseLine('2024-06-03T21:40:19.002Z In(182) vmkernel: cpu3:2097210)StorageApdHandler: 1203: APD start')).toMatchObject({ format: 'vmkernel', thread: 'cpu3:2097210', message: 'StorageApdHandler: 1203: APD start' });
  });
  it('junk is unknown, never a throw', () => {
    expect(parseLine('\u0000\u0001\u00ff binary').format).toBe('unknown');
    expect(parseLine('2023-99-99T99:99:99Z| vcpu-0| I125: WinBSOD: Synthetic MSR[0x40000100] 0x80')).toMatchObject({ badTimestamp: true, timeMs: undefined });
  });
});

describe('classifyLine', () => {
  const c = (line: string, kind: 'vmware' | 'hostd' | 'vmkernel' | 'unknown' = 'unknown') => classifyLine(parseLine(line), kind);
  it('WinBSOD MSR lines give the index and value', () => {
    expect(c('2019-08-14T02:11:02.430Z| vcpu-0| I125: WinBSOD: Synthetic MSR[0x40000101] 0x4f4454')).toEqual([{ type: 'msr', index: 1, value: '0x4f4454' }]);
    expect(c('2024-03-12T14:27:45.902Z Wa(03) vcpu-1 - WinBSOD: Synthetic MSR[0x40000104] 0xFFFFF8052D7A1C44')).toEqual([{ type: 'msr', index: 4, value: '0xfffff8052d7a1c44' }]);
    expect(c('2024-03-12T14:27:45.902Z Wa(03) vcpu-1 - WinBSOD: Synthetic MSR[0x40000200] 0x1')).toEqual([]);
  });
  it('VMX capability tables and config echo are not NMIs or snapshots', () => {
    expect(c('2024-03-12T09:02:11.520Z In(05) vmx -   NMI exiting                              {0,1}')).toEqual([]);
    expect(c('2024-03-12T09:02:11.520Z In(05) vmx -   Virtual NMIs                             {0,1}')).toEqual([]);
    expect(c('2024-03-12T09:02:11.419Z In(05) vmx - DICT     snapshot.numRollingTiers = "0"')).toEqual([{ type: 'vminfo', key: 'snapshot.numRollingTiers', value: '0' }]);
  });
  it('vm-support manifests: NMI, Coredump_VM, Suspend_VM (plain and percent-encoded)', () => {
    expect(c('2019-08-14T02:10:58.087Z info hostd[1] [sub=Proxysvc] GET /cgi-bin/vm-support.cgi?manifests=HungVM%3ASend_NMI_To_Guest&vm=x')).toEqual([
      { type: 'nmi', who: 'administrator', how: 'vm-support HungVM:Send_NMI_To_Guest' },
    ]);
    expect(c('2024-05-02T11:02:13.551Z In(166) Hostd[2]: GET /cgi-bin/vm-support.cgi?manifests=HungVM:Send_NMI_To_Guest%20HungVM:Coredump_VM%20HungVM:Suspend_VM').map((x) => x.type)).toEqual(['nmi', 'request', 'request']);
  });
  it('vmkernel: storage, memory, host NMI vs NMI to a VM', () => {
    expect(c('2024-06-03T21:38:02.440Z cpu11:2097301)ScsiDeviceIO: 4124: Cmd(0x45) 0x2a failed H:0x5 D:0x0 P:0x0 Aborted at driver layer.')).toEqual([{ type: 'host', category: 'storage' }]);
    expect(c('2024-06-02T03:12:40.551Z cpu22:2097188)MCE: 222: cpu22: bank9: MCA recoverable error (CE)')).toEqual([{ type: 'host', category: 'memory' }]);
    expect(c('2024-06-02T03:12:40.551Z cpu0:2097152)NMI: 1031: ApeiHESTNmiHandler requested PSOD')).toEqual([{ type: 'host', category: 'host-nmi' }]);
    expect(c('2024-06-02T03:12:40.551Z cpu4:2103418)vmdumper: sending NMI to world 2103418 (vcpu-0)')).toEqual([{ type: 'nmi', who: 'host', how: 'vmdumper' }]);
  });
});
