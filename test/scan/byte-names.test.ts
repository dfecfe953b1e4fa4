// File names that are not valid UTF-8 (issue 18, finding 6): the walk reads names as bytes and
// opens files through those bytes, shows and keys them by an escaped text (walk.ts displayName),
// so that such a dump is analysed like any other, in-process and on worker threads, and reused by
// the next scan. Linux only: macOS and Windows refuse names that are not valid Unicode.

import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ShareScan, type ScanItem, type ScanOptions } from '../../src/scan/scan.js';
import { displayName, nameBytes } from '../../src/scan/walk.js';

const LINUX = process.platform === 'linux';
const WORKER_JS = resolve(__dirname, '..', '..', 'dist', 'src', 'scan', 'worker.js');
const DUMP = resolve(__dirname, '..', '..', 'dumps-fixtures', 'sample-app-crash-x64.dmp');
if (!LINUX) console.warn('byte-names.test: skipped (names that are not valid UTF-8 exist only on Linux here)');
if (LINUX && !existsSync(WORKER_JS)) console.warn(`byte-names.test: worker-thread case skipped: ${WORKER_JS} absent (npx tsc -p tsconfig.json && node scripts/copy-assets.mjs)`);

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const u = (s: string): Buffer => Buffer.from(s, 'utf8');
/** Names as bytes: invalid UTF-8, their lossy twins (U+FFFD), the escape text as a real name, controls, a backslash. */
const NAMES: Buffer[] = [
  b('\xff\xfe.dmp'),
  b('a\x80b.dmp'),
  u('\uFFFD\uFFFD.dmp'),
  u('a\uFFFDb.dmp'),
  u('\\xff\\xfe.dmp'),
  u('a\\x80b.dmp'),
  b('c\x1bd.dmp'),
  u('c\\x1bd.dmp'),
  u('e\u202Ef.dmp'),
  u('plain.dmp'),
];
/** A folder with an invalid name, and a dump in it. */
const DIR = b('HOST\xfe');

function makeShare(): string {
  const root = mkdtempSync(join(tmpdir(), 'dt-bytes-'));
  const dump = readFileSync(DUMP);
  const rootB = u(root + '/');
  for (const n of NAMES) writeFileSync(Buffer.concat([rootB, n]), dump);
  mkdirSync(Buffer.concat([rootB, DIR]));
  writeFileSync(Buffer.concat([rootB, DIR, b('/\xff.dmp')]), dump);
  return root;
}

type Item = ScanItem & { json: string | undefined };

/** Every item, with its report text taken while the index is open. */
async function collect(root: string, opts: ScanOptions): Promise<{ items: Item[]; scan: ShareScan }> {
  const scan = new ShareScan(root, opts);
  const items: Item[] = [];
  for await (const it of scan) items.push(Object.assign(it, { json: it.reportJson() }));
  return { items, scan };
}

// A raw control character, an unpaired surrogate, or U+FFFD (what a lossy decode leaves).
const BAD = /[\x00-\x1f\x7f-\x9f\uFFFD\uD800-\uDFFF]/;

function check(items: Item[]): void {
  expect(items.length).toBe(NAMES.length + 1);
  for (const it of items) {
    expect({ rel: it.digest.rel, status: it.digest.status, error: it.digest.error }).toEqual({ rel: it.digest.rel, status: 'ok', error: undefined });
    expect(it.digest.rel).not.toMatch(BAD);
    expect(it.path).not.toMatch(BAD);
    expect(it.path.endsWith(it.digest.rel)).toBe(true);
    const report = JSON.parse(it.json!) as { input: { path: string } };
    expect(report.input.path).toBe(it.path);
  }
  const rels = items.map((i) => i.digest.rel);
  expect(new Set(rels).size).toBe(rels.length);
  expect(new Set(items.map((i) => i.path)).size).toBe(items.length);
  // Each rel names its file's bytes.
  expect(new Set(rels.map((r) => r.split('/').map((n) => nameBytes(n).toString('hex')).join('/')))).toEqual(
    new Set([...NAMES.map((n) => n.toString('hex')), `${DIR.toString('hex')}/${b('\xff.dmp').toString('hex')}`]),
  );
}

describe('displayName / nameBytes', () => {
  it('escapes invalid bytes, controls and the backslash, and reverses exactly', () => {
    expect(displayName(b('\xff\xfe.dmp'))).toBe('\\xff\\xfe.dmp');
    expect(displayName(u('\\xff\\xfe.dmp'))).toBe('\\\\xff\\\\xfe.dmp');
    expect(displayName(b('c\x1bd'))).toBe('c\\x1bd');
    expect(displayName(u('e\u202Ef\u0085'))).toBe('e\\u{202e}f\\u{85}');
    expect(displayName(u('Ünïcødé 名前.dmp'))).toBe('Ünïcødé 名前.dmp');
    expect(displayName(u('a\uFFFDb.dmp'))).toBe('a\\u{fffd}b.dmp');
    // Overlong, surrogate, truncated and past-U+10FFFF sequences are bytes, not characters.
    expect(displayName(b('\xc0\xaf\xed\xa0\x80\xe2\x82\xf4\x90\x80\x80'))).toBe('\\xc0\\xaf\\xed\\xa0\\x80\\xe2\\x82\\xf4\\x90\\x80\\x80');
    const all = [...NAMES, b('\xc0\xaf\xed\xa0\x80'), u('\u{1F600}\\'), b('x\xe2\x82'), u('\u0085')];
    const shown = all.map(displayName);
    expect(new Set(shown).size).toBe(all.length);
    for (let i = 0; i < all.length; i++) expect(nameBytes(shown[i]!).equals(all[i]!)).toBe(true);
  });
});

describe.skipIf(!LINUX || !existsSync(DUMP))('a scan of dumps whose names are not valid UTF-8', () => {
  const roots: string[] = [];
  afterAll(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it('in-process: every file analysed, distinct rels, shown escaped; a rescan reuses all', async () => {
    const root = makeShare();
    roots.push(root);
    const first = await collect(root, { workers: 'inline', jobs: 2, ordered: true });
    check(first.items);
    expect(first.scan.summary?.read).toBe(NAMES.length + 1);
    const again = await collect(root, { workers: 'inline', jobs: 2, ordered: true });
    check(again.items);
    expect(again.items.every((i) => i.reused)).toBe(true);
    expect(again.scan.summary?.reused).toBe(NAMES.length + 1);
  });

  it.skipIf(!existsSync(WORKER_JS))('on worker threads: the same (the byte path survives postMessage)', async () => {
    const root = makeShare();
    roots.push(root);
    const opts: ScanOptions = { workers: 'threads', workerScript: WORKER_JS, jobs: 2, ordered: true };
    const first = await collect(root, opts);
    check(first.items);
    const again = await collect(root, opts);
    check(again.items);
    expect(again.items.every((i) => i.reused)).toBe(true);
  });
});
