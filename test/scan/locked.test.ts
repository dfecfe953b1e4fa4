// A file another program holds locked (Windows shares: a dump still open in the writer) fails
// the open with EBUSY. Linux has no mandatory locks, so the error is injected at the fs layer:
// the file is recorded as an I/O error that names the lock, not cached (the next scan retries
// it), and the scan goes on with the other files.

import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function busy(path: string): Error {
  return Object.assign(new Error(`EBUSY: resource busy or locked, open '${path}'`), { code: 'EBUSY', errno: -16, syscall: 'open', path });
}

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const openSync = (path: import('node:fs').PathLike, ...rest: unknown[]): number => {
    if (String(path).endsWith('locked.dmp')) throw busy(String(path));
    return (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
  };
  return { ...fs, default: { ...fs, openSync }, openSync };
});
vi.mock('node:fs/promises', async (importOriginal) => {
  const fsp = await importOriginal<typeof import('node:fs/promises')>();
  const open = (path: import('node:fs').PathLike, ...rest: unknown[]) => {
    if (String(path).endsWith('locked.dmp')) return Promise.reject(busy(String(path)));
    return (fsp.open as (...a: unknown[]) => Promise<unknown>)(path, ...rest);
  };
  return { ...fsp, default: { ...fsp, open }, open };
});

const { runFileJob } = await import('../../src/scan/file-job.js');
const { ShareScan } = await import('../../src/scan/scan.js');
const { appCrash } = await import('../synth/crash.js');

describe('a locked dump', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dt-busy-'));
  writeFileSync(join(dir, 'locked.dmp'), appCrash());
  writeFileSync(join(dir, 'free.dmp'), appCrash({ module: 'free.dll' }));

  it.each([
    ['blocking reads', true],
    ['async reads', false],
  ])('with %s: IoError "locked or busy", not cacheable', async (_n, syncIo) => {
    const out = await runFileJob({ path: join(dir, 'locked.dmp'), size: 1, mtimeMs: 1 }, { triage: {}, syncIo });
    expect(out).toMatchObject({ status: 'error', cacheable: false, error: { code: 'IoError', message: expect.stringMatching(/locked\.dmp: file is locked or busy$/) } });
  });

  it('the scan records it and analyses the rest', async () => {
    const scan = new ShareScan(dir, { index: false, workers: 'inline' });
    const seen: Record<string, string | undefined> = {};
    for await (const it of scan) seen[it.digest.rel] = it.digest.status === 'ok' ? it.digest.image ?? undefined : it.digest.error?.message;
    expect(seen).toEqual({ 'free.dmp': 'free.dll', 'locked.dmp': expect.stringMatching(/file is locked or busy$/) });
    expect(scan.summary!.errors).toEqual({ IoError: 1 });
  });
});
