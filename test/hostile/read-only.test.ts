// Read-only guarantee: scanning a share changes no file. Every file's SHA-256, size, mtime and
// ctime are recorded before and compared after; every open() the library makes on a file of the
// share is checked for read-only flags (node:fs and node:fs/promises are wrapped); the shared
// corpus is scanned too (without an index, so nothing is created in it) and its files still match
// the SHA-256 in its MANIFEST.tsv.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import * as fsSync from 'node:fs';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CORPUS, HAVE_CORPUS, corpusOrSkipMessage } from '../helpers/corpus.js';
import { SynthMinidump } from '../synth/minidump.js';
import { hostileStringsMinidump } from './fuzz/synth-seeds.js';

// Every open the code under test makes: [path, flags].
const opens: Array<[string, string | number | undefined]> = [];
vi.mock('node:fs/promises', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...orig,
    open: (path: fsSync.PathLike, flags?: string | number, mode?: fsSync.Mode) => {
      opens.push([String(path), flags]);
      return orig.open(path, flags, mode);
    },
  };
});
vi.mock('node:fs', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs')>();
  return {
    ...orig,
    openSync: (path: fsSync.PathLike, flags?: fsSync.OpenMode, mode?: fsSync.Mode | null) => {
      opens.push([String(path), flags as string | number | undefined]);
      return orig.openSync(path, flags, mode);
    },
    writeFileSync: (path: fsSync.PathOrFileDescriptor, ...rest: unknown[]) => {
      opens.push([String(path), 'w (writeFileSync)']);
      return (orig.writeFileSync as (...a: unknown[]) => void)(path, ...rest);
    },
  };
});

const { scanDumps, triageFile } = await import('../../src/index.js');

const WRITE_BITS = fsSync.constants.O_WRONLY | fsSync.constants.O_RDWR | fsSync.constants.O_CREAT | fsSync.constants.O_TRUNC | fsSync.constants.O_APPEND;
function isReadOnly(flags: string | number | undefined): boolean {
  if (flags === undefined) return true;
  if (typeof flags === 'number') return (flags & WRITE_BITS) === 0;
  return flags === 'r' || flags === 'rs' || flags === 'sr';
}

interface FileState {
  sha256: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  mode: number;
}

function listFiles(root: string, skipDir?: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== skipDir) walk(p);
      } else if (e.isFile()) out.push(p);
    }
  };
  walk(root);
  return out.sort();
}

function snapshot(files: string[]): Map<string, FileState> {
  const m = new Map<string, FileState>();
  for (const p of files) {
    const st = statSync(p);
    // Hashing reads through the real fs (not the library), so it is not counted as the library's.
    m.set(p, { sha256: createHash('sha256').update(readFileSync(p)).digest('hex'), size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, mode: st.mode });
  }
  return m;
}

/** DUMP_HEADER64 of a small-memory (triage) dump, the rest zeros: a partial result at best. */
function kernelHeader(): Uint8Array {
  const h = new Uint8Array(0x3000);
  const dv = new DataView(h.buffer);
  dv.setUint32(0, 0x45474150, true);
  dv.setUint32(4, 0x34365544, true);
  dv.setUint32(0x30, 0x8664, true);
  dv.setUint32(0x38, 0x1000007e, true);
  dv.setUint32(0xf98, 4, true);
  return h;
}

let share: string;
let before: Map<string, FileState>;

beforeAll(() => {
  share = mkdtempSync(join(tmpdir(), 'dt-share-'));
  const put = (rel: string, bytes: Uint8Array): void => {
    const p = join(share, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, bytes);
  };
  const good = new SynthMinidump({ arch: 'x64', timestamp: 1_700_000_000 }).addSystemInfo({ major: 10, build: 19041 })
    .addModule({ name: 'C:\\app\\app.exe', base: 0x140000000n, size: 0x10000 })
    .addThread({ id: 1, context: { rip: 0x140001000n, rsp: 0x1000n } })
    .addException({ threadId: 1, code: 0xc0000005, address: 0x140001000n }).build();
  put('HOST1/Minidump/Mini010124-01.dmp', good);
  put('HOST1/Minidump/Mini010124-02.dmp', hostileStringsMinidump());
  put('HOST1/Minidump/half-copied.dmp', good.subarray(0, Math.floor(good.length / 2)));
  put('HOST2/MEMORY.DMP', kernelHeader());
  truncateSync(join(share, 'HOST2/MEMORY.DMP'), 256 * 1024 * 1024); // sparse
  put('HOST2/empty.dmp', new Uint8Array(0));
  put('HOST2/notes.txt', new TextEncoder().encode('not a dump\n'));
  for (const p of listFiles(share)) chmodSync(p, 0o444);
  before = snapshot(listFiles(share));
});

afterAll(() => {
  if (share) rmSync(share, { recursive: true, force: true });
});

function expectUnchanged(files: string[], was: Map<string, FileState>): void {
  const now = snapshot(files);
  expect([...now.keys()]).toEqual([...was.keys()]);
  for (const [p, s] of was) expect(now.get(p), p).toEqual(s);
}

function expectNoWriteOpens(root: string, indexDir?: string): void {
  const inShare = opens.filter(([p]) => !relative(root, p).startsWith('..'));
  const bad = inShare.filter(([p, f]) => !isReadOnly(f) && !(indexDir && p.startsWith(indexDir)));
  expect(bad).toEqual([]);
}

describe('read-only guarantee', () => {
  it('triageFile on every file of the share changes nothing and opens read-only', async () => {
    opens.length = 0;
    for (const p of listFiles(share)) {
      await triageFile(p).catch((e: unknown) => e);
    }
    expect(opens.length).toBeGreaterThanOrEqual(4); // the spy really sees the library's opens
    expectNoWriteOpens(share);
    expectUnchanged(listFiles(share), before);
  });

  it('scanDumps over the share (inline workers, default index inside the share) changes no file', async () => {
    opens.length = 0;
    const seen: string[] = [];
    for await (const r of scanDumps(share, { workers: 'inline', includeSkipped: true })) seen.push(r.path);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expectNoWriteOpens(share, join(share, '.dumptriage'));
    // The only new thing in the share is the index folder; every dump is bit-identical, same times.
    expect(listFiles(share, '.dumptriage')).toEqual([...before.keys()]);
    expectUnchanged(listFiles(share, '.dumptriage'), before);
  });

  it('scanDumps with worker threads and a rescan changes no file either', async () => {
    for await (const r of scanDumps(share, { rescan: true, index: false })) void r;
    expectUnchanged(listFiles(share, '.dumptriage'), before);
  });
});

describe.skipIf(!HAVE_CORPUS)('read-only guarantee on the shared corpus', () => {
  corpusOrSkipMessage();

  it('scanning the corpus (no index) leaves every file identical to its MANIFEST hash and times', async () => {
    const manifest = new Map<string, string>();
    for (const line of readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').split('\n').slice(1)) {
      const [file, sha] = line.split('\t');
      if (file && sha) manifest.set(file, sha);
    }
    const dirs = ['kernel', 'user-windows', 'user-other'].map((d) => join(CORPUS, d));
    const files = dirs.flatMap((d) => listFiles(d));
    const was = snapshot(files);
    const entriesBefore = dirs.map((d) => readdirSync(d).sort());
    opens.length = 0;
    for (const d of dirs) for await (const r of scanDumps(d, { workers: 'inline', index: false, includeSkipped: true })) void r;
    expectNoWriteOpens(CORPUS);
    expectUnchanged(files, was);
    expect(dirs.map((d) => readdirSync(d).sort())).toEqual(entriesBefore); // nothing created
    for (const p of files) {
      const rel = relative(CORPUS, p);
      if (manifest.has(rel)) expect(was.get(p)!.sha256, rel).toBe(manifest.get(rel));
    }
  }, 300_000);
});
