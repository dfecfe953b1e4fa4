// `dumptriage` on the files a share really holds besides dumps: empty and 1-byte files, bare
// signatures, absurd headers, a directory that points at itself, 64 GiB sparse files with a valid
// header, /dev/zero, a FIFO, a directory, a file the user may not read. Each must answer with a
// typed error (exit 1) or a partial result (exit 0 with warnings), never hang, crash or read the
// whole file. Runs in-process (test/helpers/cli.ts) and once as a spawned `node dist/cli/main.js` (the bundle users run)
// when the build exists. The time bounds here are hang guards; speed figures belong in bench/.

import { BUILT_CLI } from '../helpers/built-cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import { SynthMinidump } from '../synth/minidump.js';

const GiB = 1024 ** 3;
const MAIN_JS = BUILT_CLI;
const HAVE_BUILD = existsSync(MAIN_JS);
const HANG_GUARD_MS = 5000;

interface Case {
  name: string;
  path: string;
  /** Typed error codes accepted when the answer is an error. */
  codes: string[];
  /** A partial result (exit 0 with warnings) is also an acceptable answer. */
  partialOk?: boolean;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

function minidumpHeader(streams: number, dirRva: number): Uint8Array {
  const h = new Uint8Array(32);
  const dv = new DataView(h.buffer);
  dv.setUint32(0, 0x504d444d, true); // "MDMP"
  dv.setUint32(4, 0xa793, true);
  dv.setUint32(8, streams >>> 0, true);
  dv.setUint32(12, dirRva, true);
  dv.setUint32(20, 1_700_000_000, true);
  return h;
}

/** DUMP_HEADER64 page of a complete (type 1) x64 dump whose one run covers `bytes` of RAM. */
function kernelHeader64(bytes: number): Uint8Array {
  const h = new Uint8Array(0x2000);
  const dv = new DataView(h.buffer);
  dv.setUint32(0x0, 0x45474150, true); // "PAGE"
  dv.setUint32(0x4, 0x34365544, true); // "DU64"
  dv.setUint32(0x8, 0xf, true);
  dv.setUint32(0xc, 19041, true);
  dv.setBigUint64(0x10, 0x1aa000n, true); // DirectoryTableBase
  dv.setBigUint64(0x20, 0xfffff8000c000000n, true); // PsLoadedModuleList (reads as zeros)
  dv.setUint32(0x30, 0x8664, true);
  dv.setUint32(0x34, 4, true);
  dv.setUint32(0x38, 0xd1, true); // DRIVER_IRQL_NOT_LESS_OR_EQUAL
  dv.setBigUint64(0x40, 0x10n, true);
  dv.setBigUint64(0x80, 0xfffff8000c100000n, true); // KdDebuggerDataBlock (zeros)
  const pages = BigInt((bytes - 0x2000) / 0x1000);
  dv.setUint32(0x88, 1, true); // NumberOfRuns
  dv.setBigUint64(0x90, pages, true); // NumberOfPages
  dv.setBigUint64(0x98, 0n, true); // Run[0].BasePage
  dv.setBigUint64(0xa0, pages, true); // Run[0].PageCount
  dv.setUint32(0xf98, 1, true); // DumpType: full
  dv.setBigUint64(0xfa0, BigInt(bytes), true); // RequiredDumpSpace
  dv.setBigUint64(0xfa8, 133_000_000_000_000_000n, true); // SystemTime
  return h;
}

function sparse(path: string, head: Uint8Array, size: number): void {
  writeFileSync(path, head);
  truncateSync(path, size);
}

let dir: string;
const cases: Case[] = [];
let fifoOk = false;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dt-special-'));
  const f = (name: string, bytes: Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  cases.push({ name: '0-byte file', path: f('empty.dmp', new Uint8Array(0)), codes: ['UnknownFormat'] });
  cases.push({ name: '1 byte', path: f('one.dmp', new Uint8Array([0x4d])), codes: ['UnknownFormat'] });
  cases.push({ name: 'only "MDMP"', path: f('mdmp.dmp', new TextEncoder().encode('MDMP')), codes: ['Truncated'] });
  cases.push({ name: 'only "PAGEDU64"', path: f('pagedu64.dmp', new TextEncoder().encode('PAGEDU64')), codes: ['Truncated'] });
  cases.push({ name: 'only "PAGEDUMP"', path: f('pagedump.dmp', new TextEncoder().encode('PAGEDUMP')), codes: ['Truncated'] });
  // A header claiming 2^32 - 1 streams, followed by a real directory and streams.
  const real = new SynthMinidump({ arch: 'x64' }).addSystemInfo({ major: 10, build: 19041 })
    .addThread({ id: 1, context: { rip: 0x1000n, rsp: 0x2000n } })
    .addException({ threadId: 1, code: 0xc0000005, address: 0x1000n }).build();
  const huge = new Uint8Array(real);
  huge.set(u32(0xffffffff), 8);
  cases.push({ name: 'header claiming 2^32-1 streams', path: f('streams-4g.dmp', huge), codes: ['CountTooLarge', 'Truncated', 'OutOfBounds', 'LimitExceeded'], partialOk: true });
  // The directory is the header itself (StreamDirectoryRva = 0): entry 0 reads "MDMP" as a type.
  const selfDir = new Uint8Array(real);
  selfDir.set(u32(0), 12);
  cases.push({ name: 'directory pointing at itself (rva 0)', path: f('dir-self.dmp', selfDir), codes: ['BadValue', 'OutOfBounds', 'Truncated', 'CountTooLarge', 'BadSignature'], partialOk: true });
  // Every directory entry points at the directory.
  const loopDir = new Uint8Array(real);
  const dv = new DataView(loopDir.buffer);
  const dirRva = dv.getUint32(12, true);
  for (let i = 0; i < dv.getUint32(8, true); i++) {
    dv.setUint32(dirRva + 12 * i + 4, 12 * dv.getUint32(8, true), true);
    dv.setUint32(dirRva + 12 * i + 8, dirRva, true);
  }
  cases.push({ name: 'streams pointing at the directory', path: f('streams-at-dir.dmp', loopDir), codes: ['BadValue', 'OutOfBounds', 'Truncated', 'CountTooLarge', 'BadSignature'], partialOk: true });
  const p1 = join(dir, 'sparse-64g-minidump.dmp');
  sparse(p1, minidumpHeader(16, 0x1000), 64 * GiB);
  cases.push({ name: '64 GiB sparse minidump (valid header, zeros)', path: p1, codes: ['BadValue', 'OutOfBounds', 'Truncated', 'BadSignature'], partialOk: true });
  const p2 = join(dir, 'sparse-64g-kernel.dmp');
  sparse(p2, kernelHeader64(64 * GiB), 64 * GiB);
  cases.push({ name: '64 GiB sparse kernel dump (valid header, zeros)', path: p2, codes: ['BadValue', 'OutOfBounds', 'Truncated', 'BadSignature'], partialOk: true });
  if (existsSync('/dev/zero')) cases.push({ name: '/dev/zero', path: '/dev/zero', codes: ['NotAFile'] });
  try {
    execFileSync('mkfifo', [join(dir, 'fifo.dmp')]);
    fifoOk = true;
    cases.push({ name: 'FIFO (no writer)', path: join(dir, 'fifo.dmp'), codes: ['NotAFile'] });
  } catch (e) {
    console.warn(`*** mkfifo unavailable (${(e as Error).message}): FIFO case SKIPPED ***`);
  }
  mkdirSync(join(dir, 'folder.dmp'));
  cases.push({ name: 'a directory', path: join(dir, 'folder.dmp'), codes: ['NotAFile'] });
  cases.push({ name: 'missing file', path: join(dir, 'nope.dmp'), codes: ['IoError'] });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Exit 1 with one typed error line, or exit 0 with a JSON report carrying warnings. */
function checkAnswer(c: Case, code: number, stdout: string, stderr: string): void {
  const m = /dumptriage: error \[(\w+)\]/.exec(stderr);
  if (code === 1) {
    expect(m, `${c.name}: stderr ${stderr}`).not.toBeNull();
    expect(c.codes, `${c.name}: ${stderr}`).toContain(m![1]);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    return;
  }
  expect(code, `${c.name}: exit ${code}, stderr ${stderr}`).toBe(0);
  expect(c.partialOk, `${c.name}: a full result was not expected`).toBe(true);
  const report = JSON.parse(stdout) as { warnings: unknown[] };
  expect(report.warnings.length, `${c.name}: exit 0 needs warnings (partial result)`).toBeGreaterThan(0);
}

const NAMES = [
  '0-byte file', '1 byte', 'only "MDMP"', 'only "PAGEDU64"', 'only "PAGEDUMP"', 'header claiming 2^32-1 streams',
  'directory pointing at itself (rva 0)', 'streams pointing at the directory', '64 GiB sparse minidump (valid header, zeros)',
  '64 GiB sparse kernel dump (valid header, zeros)', '/dev/zero', 'FIFO (no writer)', 'a directory', 'missing file',
];
const find = (name: string): Case | undefined => cases.find((c) => c.name === name);

describe('special files, in-process', () => {
  it('all cases were built', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(NAMES.filter((n) => n !== 'FIFO (no writer)' || fifoOk).filter((n) => n !== '/dev/zero' || existsSync('/dev/zero')).sort());
  });

  it.each(NAMES)('%s: a typed error or a partial result', async (name) => {
    const c = find(name);
    if (!c) return; // skipped with a message in beforeAll
    const t0 = performance.now();
    const r = await cli('--json', c.path);
    const ms = performance.now() - t0;
    checkAnswer(c, r.code, r.stdout, r.stderr);
    expect(ms, `${c.name}: hang guard`).toBeLessThan(HANG_GUARD_MS);
  });
});

describe.skipIf(!HAVE_BUILD)('special files, spawned CLI (dist)', () => {
  if (!HAVE_BUILD) console.warn(`\n*** ${MAIN_JS} missing: run npm run build; spawned special-file tests SKIPPED ***\n`);

  it.each(NAMES)('%s: a typed error or a partial result', (name) => {
    const c = find(name);
    if (!c) return;
    {
      const r = spawnSync(process.execPath, [MAIN_JS, '--json', c.path], { encoding: 'utf8', timeout: 15_000 });
      expect(r.error, `${c.name}: ${r.error?.message}`).toBeUndefined();
      expect(r.signal, `${c.name}: killed (hang?)`).toBeNull();
      checkAnswer(c, r.status!, r.stdout, r.stderr);
    }
  });

  it('a file without read permission: IoError, exit 1 (run as an unprivileged user)', () => {
    const p = join(dir, 'secret.dmp');
    writeFileSync(p, new SynthMinidump({ arch: 'x64' }).addSystemInfo({}).build());
    chmodSync(p, 0o000);
    chmodSync(dir, 0o755);
    const root = process.getuid?.() === 0;
    let argv: string[];
    if (root) {
      // The unprivileged user must be able to run the CLI at all (a checkout under a 0700 temp
      // folder is out of its reach): probe with --version first.
      const probe = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, MAIN_JS, '--version'], { encoding: 'utf8' });
      if (probe.status !== 0) {
        console.warn(`\n*** running as root and cannot run the CLI as an unprivileged user (setpriv: ${(probe.stderr || probe.error?.message || '').split('\n')[0]}): unreadable-file case SKIPPED ***\n`);
        return;
      }
      argv = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, MAIN_JS, '--json', p];
    } else {
      argv = [process.execPath, MAIN_JS, '--json', p];
    }
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 15_000 });
    expect(r.signal).toBeNull();
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error \[IoError\].*permission denied/);
  });
});

// A sanity check of the fixtures themselves: the sparse files are 64 GiB but occupy almost nothing.
describe('fixtures', () => {
  it('the 64 GiB files are sparse and really 64 GiB', () => {
    const fd = openSync(join(dir, 'sparse-64g-kernel.dmp'), 'r');
    closeSync(fd);
    const out = execFileSync('stat', ['-c', '%s %b %B', join(dir, 'sparse-64g-kernel.dmp')], { encoding: 'utf8' }).trim().split(' ').map(Number);
    expect(out[0]).toBe(64 * GiB);
    expect(out[1]! * out[2]!).toBeLessThan(1024 * 1024);
  });
});
