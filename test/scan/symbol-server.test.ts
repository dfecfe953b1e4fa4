// Symbols from an HTTP symbol server, through a scan: the first scan downloads each file once
// (counted on the server, worker threads included: they locate through the main thread), a second
// scan runs --offline from the cache with identical reports and no request, and a server that never
// answers costs at most a timeout per file (then is marked down) instead of stalling the scan.
// The server is a local one this test starts over ../shared/corpus/symbols (no network here).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scanDumps } from '../../src/scan/scan.js';
import { releaseWorkers } from '../../src/scan/pool.js';
import { closeAllSymbolFiles } from '../../src/formats/breakpad-sym/store.js';
import { closeSymbolPathBinaries } from '../../src/unwind/symbol-path.js';
import { closeSymbolSources } from '../../src/triage-file.js';
import { corpusOrSkipMessage, corpusPath } from '../helpers/corpus.js';
import { removeDir, startServer, tempDir, type TestServer } from '../symbols/helpers.js';

const WORKER_JS = resolve(__dirname, '..', '..', 'dist', 'src', 'scan', 'worker.js');
if (!existsSync(WORKER_JS)) console.warn(`\n*** ${WORKER_JS} not built: the symbol server scan test is SKIPPED (npm run build first) ***\n`);

const DUMPS = ['moz-windows-x86_64.dmp', 'bp-minidump2.dmp', 'bp-minidump_32bit_crash_addr.dmp'];

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(e.name);
  return out;
}

describe.runIf(corpusOrSkipMessage() && existsSync(WORKER_JS))('a scan with a symbol server', () => {
  const dir = tempDir('server-scan');
  const share = join(dir, 'share');
  let server: TestServer;
  beforeAll(async () => {
    // Each dump in two host folders: both workers want the same files at the same time.
    for (const host of ['A', 'B']) {
      mkdirSync(join(share, host), { recursive: true });
      for (const d of DUMPS) copyFileSync(corpusPath('user-windows', d), join(share, host, d));
    }
    server = await startServer(corpusPath('symbols'));
  });
  afterAll(async () => {
    await releaseWorkers();
    await closeSymbolSources();
    await closeAllSymbolFiles();
    await closeSymbolPathBinaries();
    await server.close();
    removeDir(dir);
  });

  const scan = async (opts: Record<string, unknown>) => {
    const out = new Map<string, string>();
    for await (const r of scanDumps(share, { index: false, ordered: true, workers: 'threads', workerScript: WORKER_JS, jobs: 2, keepWorkersMs: 0, ...opts })) {
      if (r.ok) out.set(r.rel, JSON.stringify({ ...r.report, input: { ...r.report!.input, path: null } }));
    }
    return out;
  };

  it('downloads each file once for the whole scan, and names frames from it', async () => {
    const cache = join(dir, 'cache');
    const reports = await scan({ symbolPaths: [server.url], symbolCacheDir: cache });
    expect(reports.size).toBe(6);
    const asked = new Map<string, number>();
    for (const p of server.requests) asked.set(p, (asked.get(p) ?? 0) + 1);
    expect([...asked].filter(([, n]) => n > 1)).toEqual([]);
    const syms = files(cache).filter((f) => f.endsWith('.sym'));
    // Every .sym the server sent was for a module of these dumps; the CodeView-keyed ones the corpus has.
    expect(syms.sort()).toEqual(['combase.sym', 'dbgcore.sym', 'directmanipulation.sym', 'dxgi.sym', 'firefox.sym', 'kernel32.sym', 'kernel32.sym', 'kernelbase.sym', 'mozglue.sym', 'mswsock.sym', 'nss3.sym', 'ntdll.sym', 'osclientcerts.sym', 'test_app.sym', 'ucrtbase.sym', 'user32.sym', 'win32u.sym', 'ws2_32.sym'].sort());
    const r = JSON.parse(reports.get('A/bp-minidump2.dmp')!) as { verdict: { bucketId: string; frames: Array<{ function?: string; file?: string; line?: number }> }; modules: Array<{ name: string; symbols?: { status: string; source?: string } }> };
    expect(r.verdict.bucketId).toBe('NULL_POINTER_WRITE_c0000005_test_app.exe!_anonymous_namespace_::CrashFunction');
    expect(r.verdict.frames[0]).toMatchObject({ function: "`anonymous namespace'::CrashFunction", line: 58 });
    expect(r.modules.find((m) => m.name === 'test_app.exe')!.symbols).toMatchObject({ status: 'loaded', kind: 'sym' });
    expect(r.modules.find((m) => m.name === 'test_app.exe')!.symbols!.source!.startsWith(cache)).toBe(true);
    expect(r.modules.find((m) => m.name === 'ntdll.dll')!.symbols).toMatchObject({ status: 'missing' });

    // Second scan, offline, from the cache: no request, the same reports.
    const before = server.requests.length;
    const again = await scan({ symbolPaths: [server.url], symbolCacheDir: cache, offline: true });
    expect(server.requests.length).toBe(before);
    expect([...again.keys()]).toEqual([...reports.keys()]);
    for (const [rel, json] of reports) expect(again.get(rel), rel).toBe(json);
  });

  it('a server that never answers costs at most one timeout per file, then is left alone', async () => {
    const dead = await startServer(undefined);
    const held: Array<() => void> = [];
    // Accept every request, answer none.
    const hang = () => {
      held.push(() => undefined);
    };
    for (const p of ['/']) dead.routes.set(p, hang);
    const origRoutes = dead.routes;
    origRoutes.get = () => hang;
    try {
      const t = performance.now();
      const reports = await scan({ symbolPaths: [dead.url], symbolCacheDir: join(dir, 'cache-dead'), symbolTimeoutMs: 300 });
      const ms = performance.now() - t;
      expect(reports.size).toBe(6);
      const asked = new Map<string, number>();
      for (const p of dead.requests) asked.set(p, (asked.get(p) ?? 0) + 1);
      expect([...asked].filter(([, n]) => n > 1)).toEqual([]);
      // Three timeouts mark the server down (the locator's serverFailureLimit); the scan goes on without it.
      expect(dead.requests.length).toBeLessThanOrEqual(3 + 4);
      expect(ms).toBeLessThan(15_000);
      const r = JSON.parse(reports.get('A/bp-minidump2.dmp')!) as { verdict: { bucketId: string } };
      expect(r.verdict.bucketId).toBe('NULL_POINTER_WRITE_c0000005_test_app.exe');
    } finally {
      await dead.close();
    }
  });
});
