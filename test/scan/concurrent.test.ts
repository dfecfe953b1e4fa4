// Scans that meet on one index (issue 18, finding 4): two `dumptriage scan` processes started
// together used to interleave their writes, and each deleted as "removed" the rows the other
// had just touched (2,000 dumps → 208 rows, both exiting 0). One scan writes an index at a time
// now; the other waits (or, with --no-wait, stops with an error). Real processes of the built
// CLI (dist), over a share of 600 small synthetic minidumps: two scans together, a scan killed
// with SIGKILL half-way then another one (no stale lock, no row lost), `query` during a scan.

import { BUILT_CLI } from '../helpers/built-cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appCrash } from '../synth/crash.js';
import { IndexLock, ScanIndex } from '../../src/scan/index-db.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN_JS = BUILT_CLI;
const HAVE_BUILD = existsSync(MAIN_JS);
const N = 600;
const HOSTS = 10;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a child process; `onLine` sees each stdout line as it comes (and may kill it). */
function run(args: string[], onLine?: (line: string, n: number, kill: () => void) => void): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [MAIN_JS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let lines = 0;
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (t: string) => {
      stdout += t;
      if (!onLine) return;
      partial += t;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        onLine(line, ++lines, () => child.kill('SIGKILL'));
      }
    });
    child.stderr.on('data', (t: string) => (stderr += t));
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr }));
  });
}

function summaryOf(r: Run): Record<string, number> {
  const last = r.stdout.trim().split('\n').pop() ?? '';
  const s = JSON.parse(last) as { type: string } & Record<string, number>;
  expect(s.type).toBe('summary');
  return s;
}

describe.skipIf(!HAVE_BUILD)('scans that meet on one index (spawned CLI, dist)', () => {
  if (!HAVE_BUILD) console.warn(`\n*** ${MAIN_JS} missing: run npm run build; concurrent-scan tests SKIPPED ***\n`);
  let root = '';
  let indexPath = '';
  /** Module name per root-relative path: each dump's bucket ends with it. */
  const expected = new Map<string, string>();

  const writeDump = (i: number, gen: number): void => {
    const rel = `HOST${String(i % HOSTS).padStart(2, '0')}/Minidump/d${String(i).padStart(4, '0')}.dmp`;
    const module = `m${(i + gen) % 7}.dll`;
    const p = join(root, ...rel.split('/'));
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, appCrash({ module, timestamp: 1_711_000_000 + i }));
    expected.set(rel, module);
  };

  /** Every row of the index is a file of the share with the module it has now, none missing. */
  const checkIndex = (): void => {
    const idx = ScanIndex.open(indexPath, { readonly: true });
    try {
      const rows = new Map<string, string | null | undefined>();
      for (const d of idx.digests()) rows.set(d.rel, d.status === 'ok' ? d.bucketId : `${d.status}:${d.error?.code}`);
      expect(rows.size).toBe(N);
      for (const [rel, module] of expected) expect(rows.get(rel), rel).toMatch(new RegExp(`_${module.replace('.', '\\.')}$`));
    } finally {
      idx.close();
    }
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'dt-concurrent-'));
    indexPath = join(root, '.dumptriage', 'index.sqlite');
    for (let i = 0; i < N; i++) writeDump(i, 0);
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('two scans started together: every row kept, nothing reported removed, both exit 0', async () => {
    const [a, b] = await Promise.all([run(['scan', root, '--json']), run(['scan', root, '--json'])]);
    for (const r of [a, b]) {
      expect(r.code, r.stderr).toBe(0);
      const s = summaryOf(r);
      expect(s).toMatchObject({ found: N, ok: N, removed: 0 });
      // No file line of the second scan lacks its report.
      expect(r.stdout.trim().split('\n')).toHaveLength(N + 1);
    }
    // Between them every file was read once: the one that waited reused what the first wrote.
    expect(summaryOf(a).read + summaryOf(b).read).toBe(N);
    checkIndex();
    // The next scan finds everything in the index.
    const c = await run(['scan', root, '--json', '--no-wait']);
    expect(c.code, c.stderr).toBe(0);
    expect(summaryOf(c)).toMatchObject({ found: N, read: 0, reused: N, removed: 0 });
  });

  it('a scan killed with SIGKILL half-way, query while it ran, then a scan: no stale lock, every row right', async () => {
    // A third of the dumps change (another module, so another bucket): the killed scan has work.
    for (let i = 0; i < N; i += 3) writeDump(i, 1);
    let query: Promise<Run> | undefined;
    const killed = await run(['scan', root, '--json', '--rescan', '--jobs', '1'], (_line, n, kill) => {
      if (n === 10) query = run(['query', '--dir', root, '--json']);
      // Past the first committed batch of rows (256), well before the end.
      if (n === 300) kill();
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout.split('\n').length).toBeLessThan(N);
    // `query` read the index while the scan was writing it.
    const q = await query!;
    expect(q.code, q.stderr).toBe(0);
    const qs = JSON.parse(q.stdout) as { type: string; files: number };
    expect(qs.type).toBe('summary');
    expect(qs.files).toBe(N);
    // --no-wait: a leftover lock would make this fail at once.
    const next = await run(['scan', root, '--json', '--no-wait']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).not.toMatch(/in use/);
    const s = summaryOf(next);
    expect(s).toMatchObject({ found: N, ok: N, removed: 0 });
    // The changed files the killed scan did not get to are read again; nothing else is lost.
    expect(s.read).toBeLessThanOrEqual(N / 3);
    checkIndex();
    // Only the index's own files are left in its folder.
    expect(readdirSync(dirname(indexPath)).sort()).toEqual(expect.arrayContaining(['index.sqlite', 'index.sqlite-lock']));
    expect(readdirSync(dirname(indexPath))).not.toContain('index.sqlite-owner');
  });

  it('a scan that finds the index busy waits and says for whom, or with --no-wait stops with an error', async () => {
    // The test process holds the writer lock, as a running scan would.
    const lock = await IndexLock.acquire(indexPath, { wait: false, root });
    let released = false;
    try {
      const refused = await run(['scan', root, '--json', '--no-wait']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`is in use by another scan (pid ${process.pid}`);
      expect(refused.stdout).toBe('');
      const waiting = run(['scan', root, '--json']);
      // It says so on stderr (onWarning) and does not finish while the lock is held.
      const t0 = Date.now();
      const early = await Promise.race([waiting.then(() => 'finished'), new Promise<string>((r) => setTimeout(() => r('waiting'), 2500))]);
      expect(early).toBe('waiting');
      lock.release();
      released = true;
      const w = await waiting;
      const waitingSaid = /warning: the index .* is in use by another scan \(pid \d+.*waiting for it to finish/.test(w.stderr);
      expect(waitingSaid, w.stderr).toBe(true);
      expect(w.code, w.stderr).toBe(0);
      expect(summaryOf(w)).toMatchObject({ found: N, reused: N, removed: 0 });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(2500);
    } finally {
      if (!released) lock.release();
    }
    checkIndex();
  });
});
