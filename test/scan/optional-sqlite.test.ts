// Issue 14 item 7: better-sqlite3 is an optional dependency. On an installation where it is
// missing (npm leaves it out when its native build fails) or cannot load (no binary, one for
// another Node.js), the built CLI and the built library still triage and scan: `scan --no-index`
// and `scanDumps({ index: false })` as always, a default scan without the index and with one
// warning that says what is lost, and `query` / `scan --index PATH` with a clear error, exit 2.
// The installation is simulated by a preload (test/helpers/no-sqlite.mjs) in a child process.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_CLI } from '../helpers/built-cli.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';

const NO_SQLITE = join(PROJECT_ROOT, 'test', 'helpers', 'no-sqlite.mjs');
const FIXTURE = join(PROJECT_ROOT, 'dumps-fixtures', 'sample-app-crash-x64.dmp');
const BUCKET = 'NULL_POINTER_READ_c0000005_VendorPlugin.dll';

function run(mode: 'missing' | 'broken' | 'installed', args: string[], cwd?: string): SpawnSyncReturns<string> {
  const pre = mode === 'installed' ? [] : ['--import', pathToFileURL(NO_SQLITE).href];
  return spawnSync(process.execPath, [...pre, ...args], {
    encoding: 'utf8',
    cwd,
    env: { ...process.env, DT_TEST_SQLITE: mode === 'installed' ? '' : mode, DUMPTRIAGE_NO_CODE_CACHE: '1' },
    timeout: 60_000,
  });
}

describe.each(['missing', 'broken'] as const)('without a working better-sqlite3 (%s)', (mode) => {
  let dir: string;
  let share: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dt-nosqlite-'));
    share = join(dir, 'share');
    mkdirSync(join(share, 'H1'), { recursive: true });
    copyFileSync(FIXTURE, join(share, 'H1', 'a.dmp'));
    copyFileSync(FIXTURE, join(share, 'H1', 'b.dmp'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the preload really takes better-sqlite3 away', () => {
    const r = run(mode, ['-e', "const D = require('better-sqlite3'); new D(':memory:')"]);
    expect(r.status).not.toBe(0);
  });

  it('dumptriage FILE triages', () => {
    const r = run(mode, [BUILT_CLI, '--brief', FIXTURE]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(BUCKET);
  });

  it('scan --no-index scans, silently, and writes nothing into the share', () => {
    const r = run(mode, [BUILT_CLI, 'scan', share, '--no-index', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; status?: string; bucketId?: string; index?: unknown });
    expect(lines.filter((l) => l.type === 'file').map((l) => [l.status, l.bucketId])).toEqual([['ok', BUCKET], ['ok', BUCKET]]);
    expect(lines.at(-1)).toMatchObject({ type: 'summary', index: null });
    expect(existsSync(join(share, '.dumptriage'))).toBe(false);
  });

  it('a default scan goes on without the index, with one warning naming the package and what is lost', () => {
    const r = run(mode, [BUILT_CLI, 'scan', share, '--json']);
    expect(r.status).toBe(0);
    const warnings = r.stderr.trim().split('\n');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^dumptriage scan: warning: scanning without an index: .*better-sqlite3.*; lost: incremental rescans/);
    expect(r.stdout.trim().split('\n').filter((l) => l.includes('"type":"file"'))).toHaveLength(2);
    expect(existsSync(join(share, '.dumptriage'))).toBe(false);
  });

  it('scan --report writes its page (the rows wait in the heap instead of a temporary database)', () => {
    const page = join(dir, 'report.html');
    const r = run(mode, [BUILT_CLI, 'scan', share, '--no-index', '--report', page]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const html = readFileSync(page, 'utf8');
    expect(html).toContain(BUCKET);
    expect(html).toContain('a.dmp');
    expect(html).toContain('b.dmp');
  });

  it('scan --index PATH and query stop with the reason and exit 2', () => {
    const index = join(dir, 'named.sqlite');
    const scan = run(mode, [BUILT_CLI, 'scan', share, '--index', index]);
    expect(scan.status).toBe(2);
    expect(scan.stdout).toBe('');
    expect(scan.stderr).toMatch(/^dumptriage scan: the scan index needs the optional package better-sqlite3, which is not installed or cannot load \(.+\); install it .*; or scan with --no-index\n$/);
    expect(existsSync(index)).toBe(false);
    // An index written by an installation that had better-sqlite3.
    const made = run('installed', [BUILT_CLI, 'scan', share, '--index', index]);
    expect(made.status).toBe(0);
    const query = run(mode, [BUILT_CLI, 'query', '--index', index]);
    expect(query.status).toBe(2);
    expect(query.stdout).toBe('');
    expect(query.stderr).toMatch(/^dumptriage query: cannot open the index .*: the scan index needs the optional package better-sqlite3/);
  });

  it('the library (dist/src): scanDumps with index false, the default, and an index by path', () => {
    const script = join(dir, 'lib.mjs');
    writeFileSync(
      script,
      `const { scanDumps } = await import(${JSON.stringify(pathToFileURL(join(PROJECT_ROOT, 'dist', 'src', 'index.js')).href)});
      const root = ${JSON.stringify(share)};
      const out = {};
      for (const [name, index] of [['none', false], ['default', undefined]]) {
        const warnings = [];
        const buckets = [];
        for await (const r of scanDumps(root, { index, onWarning: (m) => warnings.push(m), keepWorkersMs: 0 })) buckets.push(r.ok ? r.report.verdict.bucketId : r.error.code);
        out[name] = { buckets, warnings };
      }
      try {
        for await (const r of scanDumps(root, { index: ${JSON.stringify(join(dir, 'lib.sqlite'))}, keepWorkersMs: 0 }));
      } catch (e) {
        out.byPath = e.code;
      }
      console.log(JSON.stringify(out));`,
    );
    const r = run(mode, [script]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, { buckets: string[]; warnings: string[] }> & { byPath: string };
    expect(out.none).toEqual({ buckets: [BUCKET, BUCKET], warnings: [] });
    expect(out.default!.buckets).toEqual([BUCKET, BUCKET]);
    expect(out.default!.warnings).toHaveLength(1);
    expect(out.default!.warnings[0]).toContain('better-sqlite3');
    expect(out.byPath).toBe('SqliteUnavailable');
    expect(existsSync(join(share, '.dumptriage'))).toBe(false);
  });
});

describe('package.json', () => {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
  it('better-sqlite3 is optional; its types are for the build only', () => {
    expect(pkg.optionalDependencies?.['better-sqlite3']).toBeDefined();
    expect(pkg.dependencies?.['better-sqlite3']).toBeUndefined();
    expect(pkg.dependencies?.['@types/better-sqlite3']).toBeUndefined();
    expect(pkg.devDependencies?.['@types/better-sqlite3']).toBeDefined();
  });
  it('the published declarations do not name better-sqlite3 (a consumer needs no @types package)', () => {
    const seen = new Set<string>();
    const walk = (file: string): void => {
      if (seen.has(file) || !existsSync(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/['"]better-sqlite3['"]/);
      for (const m of text.matchAll(/from\s+['"](\.[^'"]+)['"]/g)) walk(join(file, '..', m[1]!.replace(/\.js$/, '.d.ts')));
    };
    walk(join(PROJECT_ROOT, 'dist', 'src', 'index.d.ts'));
    expect(seen.size).toBeGreaterThan(10);
  });
});
