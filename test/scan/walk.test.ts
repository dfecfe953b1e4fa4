// Walk units: symlinks off by default, loops detected when followed, include/exclude (the glob
// semantics themselves are test/scan/glob.test.ts).

import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PathFilter } from '../../src/scan/glob.js';
import { walk, type WalkEntry } from '../../src/scan/walk.js';

async function all(root: string, opts = {}): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  for await (const e of walk(root, opts)) out.push(e);
  return out;
}

describe('walk', () => {
  const root = mkdtempSync(join(tmpdir(), 'dt-walk-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'A', 'sub'), { recursive: true });
  writeFileSync(join(root, 'A', 'sub', 'x.dmp'), 'x');
  writeFileSync(join(root, 'A', 'y.txt'), 'y');
  symlinkSync(join(root, 'A'), join(root, 'A', 'sub', 'loop'));
  symlinkSync(join(root, 'A', 'y.txt'), join(root, 'ylink'));

  it('does not follow symlinks by default, and reports them', async () => {
    const e = await all(root);
    expect(e.map((x) => [x.rel, x.kind])).toEqual([
      ['ylink', 'special'],
      ['A/y.txt', 'file'],
      ['A/sub/loop', 'special'],
      ['A/sub/x.dmp', 'file'],
    ]);
  });

  it('detects a directory loop when following symlinks', async () => {
    const e = await all(root, { followSymlinks: true });
    const loop = e.find((x) => x.rel === 'A/sub/loop')!;
    expect(loop.kind).toBe('special');
    expect(loop.kind === 'special' && loop.code).toBe('SymlinkLoop');
    expect(e.filter((x) => x.kind === 'file').map((x) => x.rel).sort()).toEqual(['A/sub/x.dmp', 'A/y.txt', 'ylink']);
  });

  it('prunes excluded folders and counts excluded files', async () => {
    let excluded = 0;
    const e = await all(root, { filter: new PathFilter(['*.dmp'], []), onExcluded: () => excluded++ });
    expect(e.map((x) => x.rel)).toEqual(['A/sub/x.dmp']);
    expect(excluded).toBe(3);
    const f = await all(root, { filter: new PathFilter([], ['A/sub']) });
    expect(f.map((x) => x.rel)).toEqual(['ylink', 'A/y.txt']);
  });
});
