// Issue 14 item 9: the progress bar has a total (a counting pass beside the walk) with
// percentage, rate and ETA; a read-only share keeps its index in the per-user cache; and
// `--index-mode lean` stores digests without reports.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PathFilter } from '../../src/scan/glob.js';
import { ProgressBar, formatEta, progressText } from '../../src/scan/progress.js';
import { ShareScan, cacheIndexPath, scanDumps, type ScanOptions, type ScanProgress } from '../../src/scan/scan.js';
import { countEntries } from '../../src/scan/walk.js';
import { cli } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import { SynthMinidump } from '../synth/minidump.js';
import { FAKE_TRIAGE, Share, standIn } from './share.js';

const MAIN_JS = join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) {
    try {
      chmodSync(t, 0o755);
    } catch {
      // gone
    }
    rmSync(t, { recursive: true, force: true });
  }
});
const tmp = (prefix: string): string => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};

function standInShare(n: number): Share {
  const s = new Share('dt-progress-');
  temps.push(s.root);
  for (let i = 0; i < n; i++) s.write(`HOST${i % 3}/Mini${i}.dmp`, standIn({ bucket: `B${i % 4}`, crashTime: '2024-03-01T00:00:00Z' }), 'ok');
  return s;
}
const base = (): ScanOptions => ({ triageModule: FAKE_TRIAGE, workers: 'inline', jobs: 2, now: '2024-03-02T00:00:00Z' });
async function drain(scan: ShareScan): Promise<void> {
  for await (const item of scan) void item;
}

/** A fake TTY stream that records writes. */
function fakeTty(): { isTTY: true; writes: string[]; write(s: string): boolean } {
  const writes: string[] = [];
  return { isTTY: true, writes, write: (s: string) => (writes.push(s), true) };
}

describe('progress bar text', () => {
  const p = (o: Partial<ScanProgress>): ScanProgress => ({ found: 0, done: 0, walkDone: false, failed: 0, bytesRead: 0, elapsedMs: 0, ...o });

  it('before a total is known: files done and found so far, with the rate (no [walking...])', () => {
    const t = progressText(p({ found: 412, done: 300, elapsedMs: 10_000, failed: 2, bytesRead: 3 * 1048576 }));
    expect(t).toBe('[counting...] 300 done, 412+ found  30.0 files/s  2 errors  3.0 MiB');
  });
  it('with the counting pass total: percentage, done/total, rate and ETA', () => {
    const t = progressText(p({ found: 500, total: 3780, done: 945, elapsedMs: 30_000 }), 20);
    // 945/3780 = 25 %; 31.5 files/s; 2835 left → 90 s.
    expect(t).toBe(`[${'#'.repeat(5)}${'.'.repeat(15)}]  25% 945/3780  31.5 files/s  ETA 1:30  0 errors  0.0 MiB`);
  });
  it('after the walk the total is what it found; done = total gives 100 % and ETA 0:00', () => {
    expect(progressText(p({ found: 10, done: 10, walkDone: true, elapsedMs: 1000 }), 10)).toBe('[##########] 100% 10/10  10.0 files/s  ETA 0:00  0 errors  0.0 MiB');
    expect(formatEta(3729)).toBe('1:02:09');
    expect(formatEta(Number.NaN)).toBe('?');
  });
  it('ProgressBar: TTY only, redraws throttled by the injected clock, cleared at the end', () => {
    let clock = 1000;
    const tty = fakeTty();
    const bar = new ProgressBar(tty, { now: () => clock, width: 10 });
    bar.update(p({ found: 5, total: 20, done: 5, elapsedMs: 1000 }));
    clock += 50;
    bar.update(p({ found: 6, total: 20, done: 6, elapsedMs: 1050 }));
    clock += 100;
    bar.update(p({ found: 7, total: 20, done: 7, elapsedMs: 1150 }));
    bar.finish();
    expect(tty.writes).toHaveLength(3);
    expect(tty.writes[0]).toBe('\r\x1b[2K[###.......]  25% 5/20  5.0 files/s  ETA 0:03  0 errors  0.0 MiB');
    expect(tty.writes[1]).toMatch(/^\r\x1b\[2K\[#{4}\.{6}\]  35% 7\/20 /);
    expect(tty.writes[2]).toBe('\r\x1b[2K');
    const piped: string[] = [];
    const off = new ProgressBar({ write: (s: string) => piped.push(s) });
    off.update(p({ found: 1 }), true);
    expect(piped).toEqual([]);
  });
});

describe('the counting pass', () => {
  it('counts what the walk yields: include/exclude, the index folder, special files, unreadable folders', async () => {
    const s = standInShare(30);
    s.write('HOST0/notes.txt', 'x', 'skipped');
    s.write('HOST1/skip/Mini.dmp', standIn({ bucket: 'X' }), 'ok');
    s.fifo('HOST2/pipe.dmp');
    s.symlink('HOST2/link.dmp', join(s.root, 'HOST0', 'Mini0.dmp'));
    mkdirSync(join(s.root, '.dumptriage'), { recursive: true });
    writeFileSync(join(s.root, '.dumptriage', 'junk.dmp'), 'x');
    const opts = { include: ['*.dmp', '*.txt'], exclude: ['skip'] };
    const scan = new ShareScan(s.root, { ...base(), ...opts, index: join(tmp('dt-idx-'), 'i.sqlite') });
    await drain(scan);
    const n = await countEntries(s.root, { filter: new PathFilter(opts.include, opts.exclude), skip: [join(s.root, '.dumptriage')] });
    expect(n).toBe(scan.summary!.found);
    expect(n).toBe(33);
  });
  it('a scan with countTotal reports a total in its progress (and the total equals found at the end)', async () => {
    const s = standInShare(40);
    const seen: ScanProgress[] = [];
    const scan = new ShareScan(s.root, { ...base(), index: false, countTotal: true, onProgress: (p) => seen.push({ ...p }) });
    await drain(scan);
    expect(seen.length).toBe(40);
    expect(seen.every((p) => p.total === undefined || p.total === 40)).toBe(true);
    expect(seen.at(-1)!.total).toBe(40);
    const ac = new AbortController();
    ac.abort();
    expect(await countEntries(s.root, { signal: ac.signal })).toBeUndefined();
  });
});

describe('read-only share: the index goes to the per-user cache', () => {
  it('when <share>/.dumptriage cannot be created, the index is kept per user and the rescan is incremental', async () => {
    const s = standInShare(6);
    // A file where the folder should be: the default location cannot be created (as a
    // read-only share; the chmod test below needs a non-root user).
    writeFileSync(join(s.root, '.dumptriage'), 'in the way');
    const cache = tmp('dt-cache-');
    const warnings: string[] = [];
    const opts: ScanOptions = { ...base(), indexCacheDir: cache, onWarning: (m) => warnings.push(m) };
    const first = new ShareScan(s.root, opts);
    await drain(first);
    const expected = cacheIndexPath(s.root, cache);
    expect(expected.startsWith(join(cache, 'dumptriage', 'index'))).toBe(true);
    expect(first.summary!.index).toBe(expected);
    expect(existsSync(expected)).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`keeping it in ${expected} instead`);
    const second = new ShareScan(s.root, opts);
    await drain(second);
    expect(second.summary!.reused).toBe(6);
    expect(second.summary!.read).toBe(0);
  });
  it('defaultIndex pointing at an unwritable place falls back the same way; XDG_CACHE_HOME picks the cache', async () => {
    const s = standInShare(2);
    const blocker = join(tmp('dt-block-'), 'file');
    writeFileSync(blocker, 'x');
    const cache = tmp('dt-xdg-');
    const old = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = cache;
    try {
      const scan = new ShareScan(s.root, { ...base(), defaultIndex: join(blocker, 'sub', 'index.sqlite') });
      await drain(scan);
      expect(scan.summary!.index).toBe(cacheIndexPath(s.root));
      expect(scan.summary!.index!.startsWith(cache)).toBe(true);
    } finally {
      if (old === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = old;
    }
  });

  // A real read-only folder (chmod 0555). chmod does not stop root: as root the built CLI runs
  // as nobody through setpriv when it can; else the test is skipped with a message.
  const probeDir = tmp('dt-probe-');
  chmodSync(probeDir, 0o555);
  let writable = true;
  try {
    writeFileSync(join(probeDir, 'w'), 'x');
  } catch {
    writable = false;
  }
  chmodSync(probeDir, 0o755);
  const haveBuild = existsSync(MAIN_JS);
  const asNobody = writable && haveBuild && spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, MAIN_JS, '--version'], { encoding: 'utf8' }).status === 0;
  const canTest = haveBuild && (!writable || asNobody);
  if (!canTest) console.warn('\n*** read-only share test SKIPPED: running as root without setpriv, or dist not built ***\n');
  it.skipIf(!canTest)('chmod 0555 share through the built CLI: warning once on stderr, index in $XDG_CACHE_HOME, second scan reuses', () => {
    const root = tmp('dt-ro-');
    chmodSync(root, 0o755);
    mkdirSync(join(root, 'HOSTA'));
    for (let i = 0; i < 3; i++) {
      writeFileSync(
        join(root, 'HOSTA', `Mini${i}.dmp`),
        new SynthMinidump({ arch: 'x64', timestamp: 1_711_000_000 + i })
          .addSystemInfo({ major: 10, minor: 0, build: 19045, cpus: 8 })
          .addModule({ name: 'C:\\app\\app.exe', base: 0x140000000n, size: 0x20000, timestamp: 0x60000000 })
          .addThread({ id: 100, context: { rip: 0x140001234n, rsp: 0x5000n }, stack: { start: 0x5000n, bytes: new Uint8Array(0x100) } })
          .addException({ threadId: 100, code: 0xc0000005, address: 0x140001234n, parameters: [0n, 0x10n] })
          .build(),
      );
    }
    chmodSync(join(root, 'HOSTA'), 0o555);
    chmodSync(root, 0o555);
    const cache = tmp('dt-ro-cache-');
    chmodSync(cache, 0o777);
    const argv = [MAIN_JS, 'scan', root, '--json', '--jobs', '1'];
    const cmd = asNobody ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...argv] : [process.execPath, ...argv];
    const run = () => spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_CACHE_HOME: cache } });
    const r1 = run();
    expect(r1.status).toBe(0);
    const warn = r1.stderr.split('\n').filter((l) => l.includes('keeping it in'));
    expect(warn).toHaveLength(1);
    expect(warn[0]).toContain(join(cache, 'dumptriage', 'index'));
    const s1 = JSON.parse(r1.stdout.trim().split('\n').at(-1)!);
    expect(s1.index.startsWith(join(cache, 'dumptriage', 'index'))).toBe(true);
    expect(s1.read).toBe(3);
    const s2 = JSON.parse(run().stdout.trim().split('\n').at(-1)!);
    expect(s2.reused).toBe(3);
    expect(readdirSync(root)).toEqual(['HOSTA']);
  });
});

describe('--index-mode lean', () => {
  it('stores digests without reports; a rescan reuses them and says the report is not stored', async () => {
    const s = standInShare(12);
    const dir = tmp('dt-lean-');
    const full = join(dir, 'full.sqlite');
    const lean = join(dir, 'lean.sqlite');
    await drain(new ShareScan(s.root, { ...base(), index: full }));
    const first = new ShareScan(s.root, { ...base(), index: lean, indexMode: 'lean' });
    await drain(first);
    expect(first.summary!.read).toBe(12);
    const again = new ShareScan(s.root, { ...base(), index: lean, indexMode: 'lean' });
    await drain(again);
    expect(again.summary!.reused).toBe(12);
    expect(again.summary!.groups.buckets.length).toBe(4);
    // The library says why there is no report.
    const results = [];
    for await (const r of scanDumps(s.root, { ...base(), index: lean, indexMode: 'lean' })) results.push(r);
    expect(results).toHaveLength(12);
    expect(results.every((r) => !r.ok && r.error.message.includes('index mode lean'))).toBe(true);
    // A full-mode scan of a lean index reads the dumps again, to store their reports.
    const upgrade = new ShareScan(s.root, { ...base(), index: lean });
    await drain(upgrade);
    expect(upgrade.summary!.read).toBe(12);
    expect(statSync(full).size).toBeGreaterThan(0);
  });
  it('CLI: --json lines of reused dumps say "reportStored":false; query --reports has no report for them', async () => {
    const s = standInShare(3);
    const idx = join(tmp('dt-lean-cli-'), 'i.sqlite');
    const args = ['scan', s.root, '--json', '--index', idx, '--index-mode', 'lean', '--workers', 'inline', '--jobs', '1'];
    // The stand-in triage module is not a CLI option: real triage of stand-ins fails, so use real
    // synthetic minidumps instead.
    rmSync(join(s.root, 'HOST0'), { recursive: true });
    rmSync(join(s.root, 'HOST1'), { recursive: true });
    rmSync(join(s.root, 'HOST2'), { recursive: true });
    mkdirSync(join(s.root, 'H'));
    writeFileSync(
      join(s.root, 'H', 'Mini.dmp'),
      new SynthMinidump({ arch: 'x64', timestamp: 1_711_000_000 })
        .addSystemInfo({ major: 10, minor: 0, build: 19045, cpus: 8 })
        .addModule({ name: 'C:\\app\\app.exe', base: 0x140000000n, size: 0x20000, timestamp: 0x60000000 })
        .addThread({ id: 100, context: { rip: 0x140001234n, rsp: 0x5000n }, stack: { start: 0x5000n, bytes: new Uint8Array(0x100) } })
        .addException({ threadId: 100, code: 0xc0000005, address: 0x140001234n, parameters: [0n, 0x10n] })
        .build(),
    );
    const r1 = await cli(...args);
    expect(r1.code).toBe(0);
    const l1 = JSON.parse(r1.stdout.split('\n')[0]!);
    expect(l1.reused).toBe(false);
    expect(l1.report.input.path).toBe(join(s.root, 'H', 'Mini.dmp'));
    const r2 = await cli(...args);
    const l2 = JSON.parse(r2.stdout.split('\n')[0]!);
    expect(l2).toMatchObject({ status: 'ok', reused: true, report: null, reportStored: false });
    expect(typeof l2.bucketId).toBe('string');
    const q = await cli('query', '--index', idx, '--bucket', l2.bucketId, '--json', '--reports');
    const ql = JSON.parse(q.stdout.split('\n')[0]!);
    expect(ql.reportStored).toBe(false);
    expect(ql.report).toBeUndefined();
    // An unknown mode is a usage error.
    expect((await cli('scan', s.root, '--index-mode', 'tiny')).code).toBe(2);
  });
});
