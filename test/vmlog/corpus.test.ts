// The two real Windows-guest vmware.log files of the shared corpus (normal sessions, no crash).
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { corpusOrSkipMessage, corpusPath, HAVE_CORPUS } from '../helpers/corpus.js';
import { loadVmEvents } from '../../src/vmlog/load.js';
import { correlateAllCrashes } from '../../src/vmlog/correlate.js';

const LEGACY = corpusPath('logs', 'afoote-win10vm-vmware.log');
const MODERN = corpusPath('logs', 'animshamura-ws2019-vmware.log');

describe.skipIf(!HAVE_CORPUS || !existsSync(LEGACY) || !existsSync(MODERN))('real vmware.log files', () => {
  corpusOrSkipMessage();
  it('VMware Player 15.5 log: legacy format, offset timestamps converted, VM facts, no crash', async () => {
    const e = await loadVmEvents([LEGACY]);
    const s = e.sources[0]!;
    expect(s).toMatchObject({ kind: 'vmware', format: 'vmware-legacy', lines: 2397, bytes: 243458, overlongLines: 0, badTimestamps: 0 });
    // First line 2020-05-21T20:05:59.865-07:00.
    expect(s.firstTime).toBe('2020-05-22T03:05:59.865Z');
    expect(s.vm).toMatchObject({ product: 'VMware Player', productVersion: '15.5.2', build: 'build-15785246', displayName: 'Windows 10 x64', guestOS: 'windows9-64', numVcpus: 2, memsizeMb: 2048 });
    expect(e.crashes).toEqual([]);
    expect(e.nmis).toEqual([]);
    expect(e.hostEvents).toEqual([]);
    expect(correlateAllCrashes(e, 10)).toEqual([]);
  });
  it('VMware Workstation 17 log: "In(05) vmx" format, VM facts, no crash', async () => {
    const e = await loadVmEvents([MODERN]);
    const s = e.sources[0]!;
    expect(s).toMatchObject({ kind: 'vmware', format: 'vmware-modern', lines: 1868, bytes: 172109, badTimestamps: 0 });
    expect(s.firstTime).toBe('2023-09-19T17:43:14.792Z');
    expect(s.vm).toMatchObject({ product: 'VMware Workstation', productVersion: '17.0.0', displayName: 'WinServer16', guestOS: 'windows2019srv-64', numVcpus: 2, memsizeMb: 2048, hostUtcOffset: '-06:00' });
    expect(e.crashes).toEqual([]);
    expect(e.nmis).toEqual([]);
    expect(e.hostEvents).toEqual([]);
    expect(e.warnings).toEqual([]);
  });
});
