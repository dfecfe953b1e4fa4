// Adding symbols re-buckets on the next scan, and the summary says which buckets changed: a dump
// whose report missed a symbol file is read again once that file appears on the symbol path (the
// index remembers what each report missed); a change of symbol path re-reads everything and
// compares too.

import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShareScan, type ScanSummary } from '../../src/scan/scan.js';
import { closeAllSymbolFiles } from '../../src/formats/breakpad-sym/store.js';
import { closeSymbolPathBinaries } from '../../src/unwind/symbol-path.js';
import { corpusOrSkipMessage, corpusPath } from '../helpers/corpus.js';

const ID = '5A9832E5287241C1838ED98914E9B7FF1';
const BEFORE = 'NULL_POINTER_WRITE_c0000005_test_app.exe';
const AFTER = 'NULL_POINTER_WRITE_c0000005_test_app.exe!_anonymous_namespace_::CrashFunction';

describe.runIf(corpusOrSkipMessage())('re-bucketing when symbols change', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dt-rebucket-'));
  const share = join(dir, 'share');
  const syms = join(dir, 'syms');
  mkdirSync(share);
  mkdirSync(syms);
  copyFileSync(corpusPath('user-windows', 'bp-minidump2.dmp'), join(share, 'a.dmp'));
  copyFileSync(corpusPath('user-windows', 'bp-minidump2.dmp'), join(share, 'b.dmp'));
  copyFileSync(corpusPath('user-windows', 'bp-null_read_av.dmp'), join(share, 'c.dmp'));
  const index = join(dir, 'index.sqlite');
  afterAll(async () => {
    await closeAllSymbolFiles();
    await closeSymbolPathBinaries();
    rmSync(dir, { recursive: true, force: true });
  });
  const scan = async (symbolPaths?: string[]): Promise<{ summary: ScanSummary; buckets: Record<string, string> }> => {
    const s = new ShareScan(share, { index, workers: 'inline', jobs: 1, ordered: true, ...(symbolPaths ? { symbolPaths } : {}) });
    const buckets: Record<string, string> = {};
    for await (const it of s) buckets[it.digest.rel] = it.digest.bucketId!;
    return { summary: s.summary!, buckets };
  };

  it('first scan: the symbol path lacks test_app.pdb, the bucket is the module alone', async () => {
    const { summary, buckets } = await scan([syms]);
    expect(buckets['a.dmp']).toBe(BEFORE);
    expect(summary.read).toBe(3);
    expect(summary.rebucketed).toEqual({ files: 0, symbolsAppeared: 0, moves: [] });
  });

  it('the .sym appears: only the dumps that missed it are read again, and their move is listed', async () => {
    mkdirSync(join(syms, 'test_app.pdb', ID), { recursive: true });
    copyFileSync(corpusPath('symbols', 'test_app.pdb', ID, 'test_app.sym'), join(syms, 'test_app.pdb', ID, 'test_app.sym'));
    const { summary, buckets } = await scan([syms]);
    expect(buckets['a.dmp']).toBe(AFTER);
    expect(buckets['b.dmp']).toBe(AFTER);
    expect(summary.read).toBe(2);
    expect(summary.reused).toBe(1);
    expect(summary.rebucketed).toEqual({ files: 2, symbolsAppeared: 2, moves: [{ from: BEFORE, to: AFTER, count: 2 }] });
  });

  it('an unchanged share and path: nothing read, nothing moved', async () => {
    const { summary } = await scan([syms]);
    expect(summary.read).toBe(0);
    expect(summary.rebucketed).toEqual({ files: 0, symbolsAppeared: 0, moves: [] });
  });

  it('dropping the symbol path re-reads every dump and reports the moves back', async () => {
    const { summary, buckets } = await scan();
    expect(buckets['a.dmp']).toBe(BEFORE);
    expect(summary.read).toBe(3);
    expect(summary.rebucketed.moves).toEqual([{ from: AFTER, to: BEFORE, count: 2 }]);
  });
});
