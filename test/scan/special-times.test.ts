// Issue 18, finding 8: skipped entries (symlinks, FIFOs) got a 1970 time in --json and the CSV
// instead of their lstat time, and a file symlink loop was an IoError though docs/scan.md says
// `skipped SymlinkLoop`.

import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShareScan } from '../../src/scan/scan.js';

describe.skipIf(process.platform === 'win32')('skipped entries', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dt-special-'));
  writeFileSync(join(dir, 'real.dmp'), 'not a dump');
  symlinkSync(join(dir, 'real.dmp'), join(dir, 'link.dmp'));
  symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
  symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
  execFileSync('mkfifo', [join(dir, 'pipe.dmp')]);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const scan = async (followSymlinks: boolean) => {
    const s = new ShareScan(dir, { index: false, workers: 'inline', jobs: 1, includeSkipped: true, followSymlinks });
    const out = new Map<string, { status: string; code?: string; time: string }>();
    for await (const it of s) out.set(it.digest.rel, { status: it.digest.status, code: it.digest.error?.code, time: it.digest.time });
    return out;
  };

  it('carry their own lstat time, not 1970', async () => {
    const r = await scan(false);
    for (const name of ['link.dmp', 'pipe.dmp', 'loop-a']) {
      const e = r.get(name)!;
      expect(e.status, name).toBe('skipped');
      expect(Date.parse(e.time), name).toBe(Math.floor(lstatSync(join(dir, name)).mtimeMs));
    }
  });

  it('a file symlink loop is skipped as SymlinkLoop when links are followed', async () => {
    const r = await scan(true);
    expect(r.get('loop-a')).toMatchObject({ status: 'skipped', code: 'SymlinkLoop' });
    expect(r.get('loop-b')).toMatchObject({ status: 'skipped', code: 'SymlinkLoop' });
    expect(Date.parse(r.get('loop-a')!.time)).toBe(Math.floor(lstatSync(join(dir, 'loop-a')).mtimeMs));
  });
});
