// scanDumps / ShareScan over a share of several hundred stand-in dumps plus the real corpus
// dumps plus broken files: every file accounted for, grouping values, incremental rescan,
// read-only, and both the in-process and the worker-thread pool.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ShareScan, scanDumps, type ScanItem, type ScanOptions } from '../../src/scan/scan.js';
import { CORPUS, HAVE_CORPUS, corpusOrSkipMessage } from '../helpers/corpus.js';
import { FAKE_TRIAGE, Share, fingerprintTree, isRoot, standIn, type StandIn } from './share.js';

const NOW = '2024-03-31T12:00:00.000Z';
const DAY = 86_400_000;
const ago = (days: number, hours = 0): string => new Date(Date.parse(NOW) - days * DAY - hours * 3_600_000).toISOString();
const EXTS = ['.dmp', '.mdmp', '.tmp.dmp', ''];

function buildShare(): Share {
  const s = new Share();
  let n = 0;
  const put = (host: string | null, spec: StandIn): void => {
    const ext = EXTS[n % EXTS.length];
    const rel = `${host ? `${host}/Minidump/` : ''}dump${String(n++).padStart(4, '0')}${ext}`;
    s.write(rel, standIn(spec), 'ok');
  };
  const host = (i: number): string => `HOST${String((i % 12) + 1).padStart(2, '0')}`;
  // A: 60 dumps on 6 hosts, 40 in the last 7 days and 20 in the 7 before: rising.
  for (let i = 0; i < 60; i++) put(`HOST${String((i % 6) + 1).padStart(2, '0')}`, { bucket: 'AV_evil!Tick', image: 'evil.sys', ts: '2019-05-01T00:00:00.000Z', crashTime: i < 40 ? ago(i % 7, 1) : ago(7 + (i % 7), 1) });
  // B: 30 hangs, all in the previous week: gone.
  for (let i = 0; i < 30; i++) put(host(i), { bucket: 'HANG_netx', image: 'netx.sys', kind: 'hang', crashTime: ago(8 + (i % 5)) });
  // Spray: spray.sys is the cause in 4 buckets.
  for (let i = 0; i < 40; i++) put(host(i), { bucket: `SPRAY_${(i % 4) + 1}`, image: 'spray.sys', ts: i % 2 ? '2021-01-01T00:00:00.000Z' : '2022-02-02T00:00:00.000Z', crashTime: ago(20 + i) });
  // C: 20 old dumps: quiet.
  for (let i = 0; i < 20; i++) put(host(i), { bucket: 'OLD_bucket', image: 'old.sys', crashTime: ago(60 + i) });
  // D: 10 dumps first seen 3 days ago, host name recorded in the dump.
  for (let i = 0; i < 10; i++) put(host(i), { bucket: 'NEW_bucket', image: 'fresh.sys', crashTime: ago(i % 3), hostName: 'DUMPHOST' });
  // F: 20 filler buckets of 7, two of them without a crash time (file mtime is used), at the root.
  for (let b = 0; b < 20; b++) for (let i = 0; i < 7; i++) put(b < 2 ? null : host(b + i), { bucket: `FILL_${b}`, image: `f${b}.sys`, ...(b < 2 ? {} : { crashTime: ago(30 + b + i) }) });
  // Broken and non-dump files.
  s.write('HOST01/Minidump/badjson.dmp', Buffer.concat([Buffer.from('MDMP\0\0\0\0'), Buffer.from('{not json')]), 'error');
  s.write('HOST02/Minidump/Mini0101-01.dmp', '', 'error');
  s.write('HOST02/notes.txt', '', 'skipped');
  s.write('HOST03/MEMORY.DMP', 'MDM', 'error');
  const rnd = Buffer.alloc(4096);
  for (let i = 0; i < rnd.length; i++) rnd[i] = (i * 2654435761) >>> 24;
  s.write('HOST03/random.bin', rnd, 'skipped');
  s.write('HOST04/readme.txt', 'These are the crash dumps of HOST04.\n', 'skipped');
  s.fifo('HOST05/pipe');
  s.unreadable('HOST06/locked.dmp', Buffer.concat([Buffer.from('MDMP\0\0\0\0'), Buffer.from('{broken')]));
  s.symlink('HOST07/link.dmp', join(s.root, 'HOST01', 'Minidump', 'dump0000.dmp'));
  return s;
}

async function collect(root: string, opts: ScanOptions): Promise<{ items: ScanItem[]; scan: ShareScan }> {
  const scan = new ShareScan(root, opts);
  const items: ScanItem[] = [];
  for await (const it of scan) items.push(it);
  return { items, scan };
}

const WORKER_JS = resolve(__dirname, '..', '..', 'dist', 'src', 'scan', 'worker.js');

describe('scan of a stand-in share', () => {
  let share: Share;
  let before: Map<string, string>;
  beforeAll(() => {
    share = buildShare();
    if (corpusOrSkipMessage()) share.copyCorpus(CORPUS, ['kernel', 'user-windows', 'user-other']);
    before = fingerprintTree(share.root);
  });
  afterAll(() => rmSync(share.root, { recursive: true, force: true }));

  const base = (): ScanOptions => ({ triageModule: FAKE_TRIAGE, now: NOW, workers: 'inline', jobs: 4 });

  it('accounts for every file, with the right status', async () => {
    const { items, scan } = await collect(share.root, base());
    const s = scan.summary!;
    const seen = new Map(items.map((i) => [i.digest.rel, i.digest]));
    expect(items.length).toBe(share.expect.size);
    expect([...seen.keys()].sort()).toEqual([...share.expect.keys()].sort());
    for (const [rel, want] of share.expect) {
      const got = seen.get(rel)!.status;
      if (want === 'dump') expect(['ok', 'error'], rel).toContain(got);
      else expect(got, rel).toBe(want);
    }
    const count = (st: string): number => [...share.expect.values()].filter((v) => v === st).length;
    const corpusDumps = count('dump');
    // With the stand-in triage, real corpus dumps fail to parse as stand-ins (BadValue).
    expect(s.found).toBe(share.expect.size);
    expect(s.ok).toBe(300);
    expect(s.failed).toBe(count('error') + corpusDumps);
    expect(s.skipped).toBe(count('skipped'));
    expect(s.ok + s.failed + s.skipped).toBe(s.found);
    expect(s.read).toBe(s.found);
    expect(s.reused).toBe(0);
    expect(s.removed).toBe(0);
    expect(s.dumps).toBe(300 + count('error') + corpusDumps - 0);
    expect(s.skippedBy).toMatchObject({ NotAFile: 1, Symlink: 1 });
    expect(s.skippedBy.NotADump).toBe(count('skipped') - 2);
    expect(s.errors.Truncated).toBe(2); // 0-byte Mini*.dmp and the 3-byte "MDM"
    expect(seen.get('HOST06/locked.dmp')!.error!.code).toBe(isRoot() ? 'BadValue' : 'IoError');
    expect(s.bytesRead).toBeGreaterThan(0);
    expect(s.index).toBe(join(share.root, '.dumptriage', 'index.sqlite'));
    expect(existsSync(s.index!)).toBe(true);
  });

  it('groups buckets, trends, modules, hosts and spray hints', async () => {
    const { scan } = await collect(share.root, { ...base(), rescan: true });
    const g = scan.summary!.groups;
    expect(g.now).toBe(NOW);
    expect(g.dumps).toBe(300);
    expect(g.hang).toBe(30);
    expect(g.crash).toBe(270);
    expect(g.buckets.length).toBe(1 + 1 + 4 + 1 + 1 + 20);
    const b = (id: string) => g.buckets.find((x) => x.bucketId === id)!;
    expect(g.buckets[0]!.bucketId).toBe('AV_evil!Tick');
    expect(b('AV_evil!Tick')).toMatchObject({ count: 60, hosts: 6, crash: 60, hang: 0, module: 'evil.sys', trend: { last7: 40, prev7: 20, direction: 'rising' } });
    expect(b('AV_evil!Tick').examples.length).toBe(5);
    expect(b('HANG_netx')).toMatchObject({ count: 30, hang: 30, trend: { last7: 0, prev7: 30, direction: 'gone' } });
    expect(b('OLD_bucket').trend.direction).toBe('quiet');
    expect(b('NEW_bucket')).toMatchObject({ count: 10, hosts: 1, hostNames: ['DUMPHOST'], trend: { direction: 'new', last7: 10 } });
    expect(b('AV_evil!Tick').firstSeen).toBe(ago(13, 1));
    expect(b('AV_evil!Tick').lastSeen).toBe(ago(0, 1));
    const evil = g.modules.find((m) => m.module === 'evil.sys')!;
    expect(evil).toMatchObject({ count: 60, buckets: 1, hosts: 6, timestamps: [{ timestamp: '2019-05-01T00:00:00.000Z', count: 60 }] });
    const spray = g.modules.find((m) => m.module === 'spray.sys')!;
    expect(spray.timestamps).toEqual([{ timestamp: '2021-01-01T00:00:00.000Z', count: 20 }, { timestamp: '2022-02-02T00:00:00.000Z', count: 20 }]);
    expect(g.spray.map((x) => [x.module, x.buckets, x.count])).toEqual([['spray.sys', 4, 40]]);
    // Hosts: 12 from the path, plus DUMPHOST from the dumps; root-level files have none.
    expect(g.hosts.length).toBe(13);
    expect(g.hosts.reduce((a, h) => a + h.count, 0)).toBe(300 - 14);
    // FILL_0 / FILL_1 have no crash time: their time is the file mtime.
    const fill0 = b('FILL_0');
    expect(fill0.count).toBe(7);
    expect(fill0.hosts).toBe(0);
  });

  it('rescans only new and changed files; removed files leave the summary', async () => {
    await collect(share.root, base()); // make sure the index is current
    const addedSpecs: StandIn[] = [0, 1, 2].map((i) => ({ bucket: 'ADDED', image: 'added.sys', crashTime: ago(i) }));
    addedSpecs.forEach((sp, i) => share.write(`HOST09/added${i}.dmp`, standIn(sp), 'ok'));
    const gone = ['HOST01/Minidump/dump0000.dmp', 'HOST02/Minidump/dump0001.mdmp'];
    for (const g of gone) {
      unlinkSync(join(share.root, g));
      share.expect.delete(g);
    }
    // One file rewritten in place (new content, new mtime): read again.
    const changed = 'HOST03/Minidump/dump0002.tmp.dmp';
    writeFileSync(join(share.root, changed), standIn({ bucket: 'CHANGED', image: 'changed.sys', crashTime: ago(1) }));
    utimesSync(join(share.root, changed), new Date(), new Date(Date.now() + 5000));
    const scan = new ShareScan(share.root, base());
    const items: ScanItem[] = [];
    let reusedReport: { path: string; json: string | undefined } | undefined;
    for await (const it of scan) {
      items.push(it);
      // reportJson() reads the index: call it while the iteration runs.
      if (!reusedReport && it.reused && it.digest.status === 'ok') reusedReport = { path: it.path, json: it.reportJson() };
    }
    const s = scan.summary!;
    const unstable = 2 /* FIFO, symlink: never cached */ + (isRoot() ? 0 : 1) /* permission denied: retried */;
    expect(s.found).toBe(share.expect.size);
    expect(s.read).toBe(3 + 1 + unstable);
    expect(s.reused).toBe(s.found - s.read);
    expect(s.removed).toBe(2);
    const fresh = items.filter((i) => !i.reused).map((i) => i.digest.rel).sort();
    expect(fresh).toEqual(expect.arrayContaining(['HOST09/added0.dmp', 'HOST09/added1.dmp', 'HOST09/added2.dmp', changed]));
    expect(s.groups.buckets.find((b) => b.bucketId === 'ADDED')!.count).toBe(3);
    expect(s.groups.buckets.find((b) => b.bucketId === 'CHANGED')!.count).toBe(1);
    expect(s.groups.buckets.find((b) => b.bucketId === 'AV_evil!Tick')!.count).toBe(57); // 2 deleted, 1 rewritten
    expect(s.ok).toBe(300 + 3 - 2);
    // A reused result carries the stored report, with the current path.
    expect(JSON.parse(reusedReport!.json!).input.path).toBe(reusedReport!.path);
  });

  it('never writes to the dumps (hashes and mtimes unchanged)', async () => {
    const snap = fingerprintTree(share.root);
    await collect(share.root, { ...base(), rescan: true });
    expect(fingerprintTree(share.root)).toEqual(snap);
    // and the initial files that still exist are unchanged since the share was built
    for (const [rel, v] of before) if (snap.has(rel) && !rel.includes('dump0002')) expect(snap.get(rel), rel).toBe(v);
  });

  it('scanDumps yields dumps and failures, not skipped files unless asked', async () => {
    const results = [];
    for await (const r of scanDumps(share.root, { ...base(), index: false })) results.push(r);
    const ok = results.filter((r) => r.ok);
    expect(ok.length).toBe(301);
    expect(results.every((r) => r.ok || !r.skipped)).toBe(true);
    const first = ok[0]!;
    if (first.ok) expect(first.report.verdict.bucketId).toBeTypeOf('string');
    let all = 0;
    for await (const _ of scanDumps(share.root, { ...base(), index: false, includeSkipped: true })) all++;
    expect(all).toBe(share.expect.size);
  });

  it('--include / --exclude filter files and count the excluded ones', async () => {
    const { items, scan } = await collect(share.root, { ...base(), index: false, include: ['*.mdmp'], exclude: ['HOST01/**'] });
    const rels = items.map((i) => i.digest.rel);
    expect(rels.length).toBeGreaterThan(0);
    expect(rels.every((r) => r.endsWith('.mdmp') && !r.startsWith('HOST01/'))).toBe(true);
    const want = [...share.expect.keys()].filter((r) => r.toLowerCase().endsWith('.mdmp') && !r.startsWith('HOST01/'));
    expect(rels.sort()).toEqual(want.sort());
    // Files in pruned folders are not walked; the others that do not match are counted.
    const outsideHost01 = [...share.expect.keys()].filter((r) => !r.startsWith('HOST01/')).length;
    expect(scan.summary!.found + scan.summary!.excluded).toBe(outsideHost01);
  });

  it('ordered output follows the walk order', async () => {
    const { items } = await collect(share.root, { ...base(), index: false, ordered: true, jobs: 3 });
    const a = items.map((i) => i.digest.rel);
    const { items: again } = await collect(share.root, { ...base(), index: false, ordered: true, jobs: 1 });
    expect(a).toEqual(again.map((i) => i.digest.rel));
  });

  describe.skipIf(!existsSync(WORKER_JS))('worker threads (compiled dist/src/scan/worker.js)', () => {
    it('gives the same results as in-process', async () => {
      const inline = await collect(share.root, { ...base(), index: false, ordered: true });
      const threads = await collect(share.root, { ...base(), index: false, ordered: true, workers: 'threads', workerScript: WORKER_JS, jobs: 2 });
      expect(threads.scan.summary!.mode).toBe('threads');
      const strip = (x: ScanItem[]) => x.map((i) => ({ rel: i.digest.rel, status: i.digest.status, bucket: i.digest.bucketId, code: i.digest.error?.code }));
      expect(strip(threads.items)).toEqual(strip(inline.items));
      expect(threads.scan.summary!.ok).toBe(inline.scan.summary!.ok);
    });
  });
  if (!existsSync(WORKER_JS)) console.warn(`\n*** ${WORKER_JS} not built: the worker-thread scan test is SKIPPED (npm run build first) ***\n`);
});

describe.skipIf(!HAVE_CORPUS)('corpus dumps are found by signature', () => {
  it('a .zlib and text files in the corpus are not dumps', async () => {
    corpusOrSkipMessage();
    const s = new Share('dt-corpus-');
    try {
      s.copyCorpus(CORPUS, ['user-other']);
      const { items } = await collect(s.root, { triageModule: FAKE_TRIAGE, workers: 'inline', index: false });
      const zlib = items.find((i) => i.digest.rel.endsWith('.zlib'))!;
      expect(zlib.digest.status).toBe('skipped');
      expect(items.length).toBe(s.expect.size);
    } finally {
      rmSync(s.root, { recursive: true, force: true });
    }
  });
});
