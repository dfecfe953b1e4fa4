// The real triage engine over a share of several hundred synthetic minidumps (test/synth), the
// corpus dumps (copied to a temp dir) and broken files: every file accounted for, every
// synthetic dump analysed, buckets consistent, the index reused on a rescan, nothing written to
// the dumps. Runs in-process and, when dist/ is built, on worker threads.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { ShareScan, type ScanItem, type ScanOptions } from '../../src/scan/scan.js';
import { SynthMinidump } from '../synth/minidump.js';
import { CORPUS, HAVE_CORPUS, corpusOrSkipMessage } from '../helpers/corpus.js';
import { Share, fingerprintTree, isRoot } from './share.js';

const WORKER_JS = resolve(__dirname, '..', '..', 'dist', 'src', 'scan', 'worker.js');
const SYNTH = 240;
const MODULES = ['alpha.dll', 'beta.dll', 'gamma.dll', 'delta.dll'];
const T0 = 1_711_000_000; // 2024-03-21

function synthDump(i: number): Uint8Array {
  const mod = MODULES[i % MODULES.length]!;
  const base = 0x7ff600000000n + BigInt(i % MODULES.length) * 0x100000n;
  const app = 0x140000000n;
  return new SynthMinidump({ arch: 'x64', timestamp: T0 + i * 3600 })
    .addSystemInfo({ major: 10, minor: 0, build: 19045, cpus: 4 })
    .addModule({ name: 'C:\\app\\app.exe', base: app, size: 0x20000, timestamp: 0x60000000 })
    .addModule({ name: `C:\\app\\${mod}`, base, size: 0x10000, timestamp: 0x5f000000 + (i % MODULES.length) })
    .addThread({ id: 100 + i, context: { rip: base + 0x1234n, rsp: 0x5000n }, stack: { start: 0x5000n, bytes: new Uint8Array(0x100) } })
    .addException({ threadId: 100 + i, code: 0xc0000005, address: base + 0x1234n, parameters: [1n, 0x10n] })
    .build();
}

async function collect(root: string, opts: ScanOptions): Promise<{ items: ScanItem[]; scan: ShareScan }> {
  const scan = new ShareScan(root, opts);
  const items: ScanItem[] = [];
  for await (const it of scan) items.push(it);
  return { items, scan };
}

describe('scan with the real triage engine', () => {
  let share: Share;
  beforeAll(() => {
    share = new Share('dt-real-');
    for (let i = 0; i < SYNTH; i++) share.write(`PC${String(i % 16).padStart(2, '0')}/Minidump/Mini${i}.dmp`, synthDump(i), 'ok');
    share.write('PC00/MEMORY.DMP', '', 'error');
    share.write('PC01/Minidump/cut.dmp', synthDump(1).subarray(0, 40), 'error');
    share.write('PC02/LiveKernelReports/WATCHDOG.dmp', Buffer.from('PAGEDU64'), 'error');
    share.write('PC03/desktop.ini', '[.ShellClassInfo]\r\n', 'skipped');
    share.fifo('PC04/pipe');
    share.unreadable('PC05/Minidump/noperm.dmp', Buffer.from('MDMP'));
    if (corpusOrSkipMessage()) share.copyCorpus(CORPUS, ['kernel', 'user-windows', 'user-other']);
  });
  afterAll(() => rmSync(share.root, { recursive: true, force: true }));

  it('accounts for every file and analyses every synthetic dump', async () => {
    const before = fingerprintTree(share.root);
    const { items, scan } = await collect(share.root, { workers: 'inline', jobs: 2 });
    const s = scan.summary!;
    expect(items.length).toBe(share.expect.size);
    expect(s.found).toBe(share.expect.size);
    const byRel = new Map(items.map((i) => [i.digest.rel, i.digest]));
    for (const [rel, want] of share.expect) {
      const got = byRel.get(rel)!;
      if (want === 'dump') expect(['ok', 'error'], rel).toContain(got.status);
      else expect(got.status, `${rel}: ${got.error?.code} ${got.error?.message}`).toBe(want);
    }
    const synthOk = items.filter((i) => /^PC\d\d\/Minidump\/Mini\d+\.dmp$/.test(i.digest.rel) && i.digest.status === 'ok');
    expect(synthOk.length).toBe(SYNTH);
    expect(s.ok + s.failed + s.skipped).toBe(s.found);
    expect(s.groups.dumps).toBe(s.ok);
    expect(s.groups.buckets.reduce((a, b) => a + b.count, 0)).toBe(s.ok);
    // Each synthetic dump's crash time is its header timestamp; hosts come from the folder.
    const d0 = byRel.get('PC00/Minidump/Mini0.dmp')!;
    expect(d0.time).toBe(new Date(T0 * 1000).toISOString());
    expect(d0.timeSource).toBe('dump');
    expect(d0.host).toBe('PC00');
    expect(s.groups.hosts.filter((h) => /^PC\d\d$/.test(h.host)).length).toBe(16);
    // The cause module of each synthetic dump is its faulting module.
    const mods = new Set(synthOk.map((i) => (i.digest.image ?? i.digest.module ?? '').toLowerCase()));
    for (const m of MODULES) expect(mods.has(m) || mods.has(m.replace('.dll', '')), m).toBe(true);
    expect(byRel.get('PC00/MEMORY.DMP')!.error!.code).toBe('Truncated');
    expect(byRel.get('PC05/Minidump/noperm.dmp')!.error!.code).toBe(isRoot() ? 'Truncated' : 'IoError');
    if (HAVE_CORPUS) {
      const x64 = byRel.get('corpus/kernel/rz-triage_x64.dmp')!;
      expect(x64.status).toBe('ok');
      expect(x64.bugcheck).toBe('0x1000007e');
    }
    expect(fingerprintTree(share.root)).toEqual(before);
    // Rescan: nothing changed, so everything cacheable is reused.
    const again = await collect(share.root, { workers: 'inline', jobs: 2 });
    const unstable = 1 /* FIFO */ + (isRoot() ? 0 : 1);
    expect(again.scan.summary!.read).toBe(unstable);
    expect(again.scan.summary!.reused).toBe(s.found - unstable);
    expect(again.scan.summary!.groups.buckets).toEqual(s.groups.buckets);
  });

  describe.skipIf(!existsSync(WORKER_JS))('on worker threads', () => {
    it('gives the same results as in-process', async () => {
      const a = await collect(share.root, { workers: 'inline', index: false, ordered: true, jobs: 2 });
      const b = await collect(share.root, { workers: 'threads', workerScript: WORKER_JS, index: false, ordered: true, jobs: 2 });
      expect(b.scan.summary!.mode).toBe('threads');
      const strip = (x: ScanItem[]) => x.map((i) => [i.digest.rel, i.digest.status, i.digest.bucketId ?? i.digest.error?.code]);
      expect(strip(b.items)).toEqual(strip(a.items));
    });
  });
});
