// The scan's hostile share (issue 18, fuzzer round two): a temp share whose names are as hostile
// as the dumps in it (255-byte names, multi-byte names at the limit, a 30-level-deep folder, names
// that are not valid UTF-8, names with ESC, OSC, BEL, CR, LF, TAB and bidi overrides, names that
// look like globs), holding valid dumps, fuzzer-shaped dumps (shapes.ts: a list at its limit with
// its data present, hostile strings) and garbage. Two `dumptriage scan` processes of the built CLI
// run over it at once (one --json, one text; the index lock makes one wait): both exit 0, every
// file is accounted for exactly once, and no name reaches the text output raw. Linux only (other
// systems refuse names that are not valid Unicode).

import { BUILT_CLI } from '../helpers/built-cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { appCrash } from '../synth/crash.js';
import { applyMutations } from './fuzz/mutate.js';
import { applyMaxList, stringMutations } from './fuzz/shapes.js';
import { Rng } from './fuzz/prng.js';

const MAIN_JS = BUILT_CLI;
const HAVE_BUILD = existsSync(MAIN_JS);
const LINUX = process.platform === 'linux';
const GUARD_MS = 120_000;

const ESC = '\u001b';
// Raw C0 controls but LF, DEL, C1 controls, bidi overrides and isolates, lone surrogates.
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [MAIN_JS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (t: string) => (stdout += t));
    child.stderr.on('data', (t: string) => (stderr += t));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const u = (s: string): Buffer => Buffer.from(s, 'utf8');

/** A name that forges a line of the text output if printed raw. */
const FORGED = 'FORGED-LINE';

/** Names (one path component each, as bytes), all within the 255-byte limit of a component. */
const NAMES: Buffer[] = [
  u(`${'a'.repeat(251)}.dmp`), // 255 bytes
  u(`${'名'.repeat(83)}.dmp`), // 253 bytes of UTF-8
  u(`${'-'.repeat(240)}.dmp`), // what made the old glob matcher backtrack
  b('\xff\xfe.dmp'),
  b('bad\x80name.dmp'),
  b(`${'\xff'.repeat(250)}.dmp`),
  u(`${ESC}[31mred${ESC}]0;title\u0007.dmp`),
  u(`${ESC}]8;;https://evil.example/${ESC}\\click${ESC}]8;;\u0007.dmp`),
  u(`line\n${FORGED}: 0 failed.dmp`),
  u(`cr\r${FORGED}.dmp`),
  u('tab\there.dmp'),
  u('\u202egpj.dmp'),
  u('*.dmp'),
  u('[a-z]?.dmp'),
  u('{a,b}.dmp'),
  u('**'),
  u('!(x).dmp'),
  u('--help.dmp'),
];

interface Share {
  root: string;
  files: number;
}

function makeShare(): Share {
  const root = mkdtempSync(join(tmpdir(), 'dt-fuzz-scan-'));
  const rootB = u(`${root}/`);
  let files = 0;
  const put = (rel: Buffer, bytes: Uint8Array): void => {
    const p = Buffer.concat([rootB, rel]);
    mkdirSync(Buffer.from(dirname(p.toString('latin1')), 'latin1'), { recursive: true });
    writeFileSync(p, bytes);
    files++;
  };
  const valid = (i: number): Uint8Array => appCrash({ module: `m${i % 5}.dll`, timestamp: 1_711_000_000 + i });
  // Valid dumps with plain names.
  for (let i = 0; i < 6; i++) put(u(`HOST01/Minidump/d${i}.dmp`), valid(i));
  // Shaped dumps: lists at and past their limit with the data present, hostile strings.
  const base = valid(100);
  put(u('HOST02/threads-65537.dmp'), applyMaxList(base, { op: 'max-list', list: 'threads', count: 65_537, variant: 0 }));
  put(u('HOST02/modules-16385.dmp'), applyMaxList(base, { op: 'max-list', list: 'modules', count: 16_385, variant: 1 }));
  put(u('HOST02/memory-65536.dmp'), applyMaxList(base, { op: 'max-list', list: 'memory', count: 65_536, variant: 0 }));
  put(u('HOST02/streams-4097.dmp'), applyMaxList(base, { op: 'max-list', list: 'streams', count: 4097, variant: 1 }));
  for (let i = 0; i < 4; i++) put(u(`HOST02/strings-${i}.dmp`), applyMutations(base, stringMutations(new Rng(18, i), base), new Map()));
  // Garbage and truncated dumps.
  put(u('HOST03/empty.dmp'), new Uint8Array(0));
  put(u('HOST03/mdmp-only.dmp'), new Uint8Array([0x4d, 0x44, 0x4d, 0x50]));
  put(u('HOST03/half.dmp'), base.subarray(0, base.length >> 1));
  // Hostile names: half valid dumps, half cut minidumps (failures are listed by name in the text
  // output), and two garbage files (skipped as not dumps).
  NAMES.forEach((n, i) => put(Buffer.concat([u('HOST04/'), n]), i % 2 ? valid(i) : base.subarray(0, 8 + i)));
  put(u(`HOST05/${ESC}[2J${FORGED}.txt`), new Uint8Array([1, 2, 3]));
  put(u('HOST05/\x1b.dmp'), new Uint8Array([1, 2, 3]));
  // A folder whose name is not valid UTF-8, and a folder 30 levels deep (~3,000 bytes of path).
  put(Buffer.concat([b('HOST\xfe/'), b('\xff.dmp')]), valid(200));
  put(u(`${Array.from({ length: 30 }, (_, i) => `${String(i).padStart(2, '0')}${'d'.repeat(98)}`).join('/')}/deep.dmp`), valid(201));
  return { root, files };
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

describe.skipIf(!HAVE_BUILD || !LINUX)('a hostile share scanned twice at once (spawned CLI, dist)', () => {
  if (!HAVE_BUILD) console.warn(`\n*** ${MAIN_JS} missing: run npm run build; fuzz-scan tests SKIPPED ***\n`);
  let share: Share;
  beforeAll(() => {
    share = makeShare();
  });
  afterAll(() => {
    if (share) rmSync(share.root, { recursive: true, force: true });
  });

  it('both exit 0; every file accounted for once; names escaped in text, exact in JSON', async () => {
    const [json, text] = await Promise.all([run(['scan', share.root, '--json']), run(['scan', share.root])]);
    expect(json.code, json.stderr).toBe(0);
    expect(text.code, text.stderr).toBe(0);

    // JSON: one parseable line per file, then the summary.
    const rows = lines(json.stdout).map((l) => JSON.parse(l) as { type: string; rel?: string; status?: string } & Record<string, unknown>);
    const summary = rows.pop()!;
    expect(summary.type).toBe('summary');
    const fileRows = rows.filter((r) => r.type === 'file');
    expect(fileRows).toHaveLength(rows.length);
    const rels = fileRows.map((r) => r.rel!);
    expect(new Set(rels).size).toBe(rels.length);
    expect(rels.length).toBe(share.files);
    expect(summary).toMatchObject({ found: share.files, removed: 0 });
    expect((summary.ok as number) + (summary.failed as number) + (summary.skipped as number)).toBe(share.files);
    expect((summary.read as number) + (summary.reused as number)).toBe(share.files);
    // The valid and shaped dumps were analysed.
    for (const rel of ['HOST01/Minidump/d0.dmp', 'HOST02/threads-65537.dmp', 'HOST02/modules-16385.dmp', 'HOST02/memory-65536.dmp']) {
      expect(fileRows.find((r) => r.rel === rel)?.status, rel).toBe('ok');
    }
    // Shown names never hold a raw control character (the rel escapes them, reversibly).
    for (const rel of rels) expect(rel).not.toMatch(RAW_CONTROL);

    // Text: nothing raw, and no name starts a line of its own.
    for (const out of [text.stdout, text.stderr, json.stderr]) expect(out).not.toMatch(RAW_CONTROL);
    for (const l of lines(text.stdout)) expect(l.trimStart().startsWith(FORGED), l).toBe(false);
    expect(text.stdout).toContain('\\x1b[31mred');

    // A third scan finds every file in the index the two left.
    const again = await run(['scan', share.root, '--json', '--no-wait']);
    expect(again.code, again.stderr).toBe(0);
    const s = JSON.parse(lines(again.stdout).pop()!) as Record<string, number>;
    expect(s).toMatchObject({ found: share.files, read: 0, reused: share.files, removed: 0 });
  }, GUARD_MS);
});
