// Issue 14 item 7: what the published package is. CommonJS users load the ES modules through
// require(esm), which Node.js has by default from 20.19 and 22.12: `engines` says so, and a CommonJS
// script requires both entries. The package ships no source map (they pointed at src/, which
// is not published) and nothing the code no longer reads.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './helpers/corpus.js';

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  exports: Record<string, unknown>;
};

describe('CommonJS consumers (require(esm))', () => {
  let dir: string;
  beforeAll(() => {
    // A consumer project with the package installed (as a link to this checkout).
    dir = mkdtempSync(join(tmpdir(), 'dt-cjs-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(PROJECT_ROOT, join(dir, 'node_modules', 'dumptriage'), 'dir');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('engines asks for a Node.js that has require(esm) by default (20.19+, 22.12+), and this one is', () => {
    expect(pkg.engines.node).toBe('^20.19.0 || >=22.12.0');
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    expect((major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major > 22).toBe(true);
  });

  it("require('dumptriage') and require('dumptriage/core') work, silently, in a CommonJS script", () => {
    const fixture = join(PROJECT_ROOT, 'dumps-fixtures', 'sample-app-crash-x64.dmp');
    const script = `
      const { readFileSync } = require('node:fs');
      const core = require('dumptriage/core');
      const main = require('dumptriage');
      (async () => {
        const dump = await core.openDumpFromBytes(readFileSync(${JSON.stringify(fixture)}));
        let fromCore;
        try { fromCore = (await core.triage(dump)).verdict.bucketId; } finally { await dump.close(); }
        const fromMain = (await main.triageFile(${JSON.stringify(fixture)})).verdict.bucketId;
        console.log(JSON.stringify({ fromCore, fromMain, scan: typeof main.scanDumps, errors: typeof core.isDumpError }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' });
    // No ExperimentalWarning, no ERR_REQUIRE_ASYNC_MODULE (a top-level await in the graph).
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ fromCore: 'NULL_POINTER_READ_c0000005_VendorPlugin.dll', fromMain: 'NULL_POINTER_READ_c0000005_VendorPlugin.dll', scan: 'function', errors: 'function' });
  });
});

describe('the published files (npm pack --dry-run)', () => {
  let files: string[];
  beforeAll(() => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    files = (JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
  }, 120_000);

  it('holds the entries package.json names', () => {
    for (const f of ['dist/cli/main.js', 'dist/cli/cli.cjs', 'dist/cli/worker.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/core.js', 'dist/src/core.d.ts', 'dist/src/analysis/list-data.js', 'schema/report.schema.json']) {
      expect(files, f).toContain(f);
    }
  });

  it('no source map, and no compiled file pointing at one', () => {
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    const pointing = files.filter((f) => /\.(c|m)?js$/.test(f) && /^\/\/# sourceMappingURL=/m.test(readFileSync(join(PROJECT_ROOT, f), 'utf8')));
    expect(pointing).toEqual([]);
  });

  it('no copies of the knowledge lists beside the compiled code (they are embedded)', () => {
    expect(files.filter((f) => f.startsWith('dist/') && f.includes('/lists/'))).toEqual([]);
    expect(existsSync(join(PROJECT_ROOT, 'dist', 'src', 'analysis', 'lists'))).toBe(false);
  });
});
