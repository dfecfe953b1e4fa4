// `dumptriage scan` and `dumptriage query` end to end, in-process (test/helpers/cli.ts), on a small
// share of synthetic minidumps plus broken files.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { SynthMinidump } from '../synth/minidump.js';
import { Share } from '../scan/share.js';

function dump(i: number, mod: string): Uint8Array {
  const base = 0x7ff600000000n;
  return new SynthMinidump({ arch: 'x64', timestamp: 1_711_000_000 + i * 60 })
    .addSystemInfo({ major: 10, build: 19045, cpus: 2 })
    .addModule({ name: `C:\\app\\${mod}`, base, size: 0x10000, timestamp: 0x5f000000 })
    .addThread({ id: 7, context: { rip: base + 0x10n, rsp: 0x5000n }, stack: { start: 0x5000n, bytes: new Uint8Array(0x40) } })
    .addException({ threadId: 7, code: 0xc0000005, address: base + 0x10n, parameters: [0n, 0n] })
    .build();
}

describe('dumptriage scan / query', () => {
  let share: Share;
  let out: string;
  beforeAll(() => {
    share = new Share('dt-cli-');
    out = mkdtempSync(join(tmpdir(), 'dt-cli-out-'));
    for (let i = 0; i < 12; i++) share.write(`H${i % 3}/Minidump/m${i}.dmp`, dump(i, i < 8 ? 'crashy.dll' : 'other.dll'), 'ok');
    share.write('H0/empty.dmp', '', 'error');
    share.write('H1/notes.txt', 'hello', 'skipped');
    share.write('H2/=cmd.dmp', Buffer.from('MDMP'), 'error');
  });
  afterAll(() => {
    rmSync(share.root, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  it('--json: one line per file, then a summary; nothing on stderr when piped', async () => {
    const index = join(out, 'idx.sqlite');
    const r = await cli('scan', share.root, '--json', '--index', index, '--workers', 'inline', '--jobs', '2');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(share.expect.size + 1);
    const files = lines.slice(0, -1);
    const summary = lines.at(-1);
    expect(summary.type).toBe('summary');
    expect(summary).toMatchObject({ found: 15, ok: 12, failed: 2, skipped: 1, read: 15, reused: 0, index });
    expect(new Set(files.map((f: { rel: string }) => f.rel))).toEqual(new Set(share.expect.keys()));
    const ok = files.find((f: { rel: string }) => f.rel === 'H0/Minidump/m0.dmp');
    expect(ok.status).toBe('ok');
    expect(ok.report.input.path).toBe(join(share.root, 'H0', 'Minidump', 'm0.dmp'));
    expect(ok.report.verdict.bucketId).toBe(ok.bucketId);
    // The report in the NDJSON line is the same JSON as `dumptriage --json <file>`.
    const single = await cli('--json', join(share.root, 'H0', 'Minidump', 'm0.dmp'));
    const a = JSON.parse(single.stdout);
    expect({ ...ok.report, input: { ...ok.report.input, bytesRead: 0 } }).toEqual({ ...a, input: { ...a.input, bytesRead: 0 } });
    expect(summary.groups.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0)).toBe(12);
    // Nothing written into the share with --index elsewhere.
    expect(existsSync(join(share.root, '.dumptriage'))).toBe(false);
  });

  it('human summary, --csv, --report, --strict', async () => {
    const csv = join(out, 'scan.csv');
    const html = join(out, 'scan.html');
    const r = await cli('scan', share.root, '--no-index', '--workers', 'inline', '--csv', csv, '--report', html);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/15 files, 14 dumps: 12 analysed, 2 failed, 1 not dumps/);
    expect(r.stdout).toContain('crashy.dll');
    expect(r.stdout).toMatch(/Failed \(2\)/);
    expect(readdirSync(share.root)).not.toContain('.dumptriage');
    const rows = readFileSync(csv, 'utf8').trim().split('\r\n');
    expect(rows.length).toBe(1 + 15);
    expect(rows[0]!.startsWith('path,host,status,')).toBe(true);
    // The file named "=cmd.dmp" cannot become a spreadsheet formula.
    expect(rows.find((l) => l.includes('cmd.dmp'))).toContain("H2/=cmd.dmp");
    expect(readFileSync(html, 'utf8')).toContain('<svg');
    const strict = await cli('scan', share.root, '--no-index', '--workers', 'inline', '--strict');
    expect(strict.code).toBe(1);
  });

  it('query reads the index without rescanning', async () => {
    const r0 = await cli('scan', share.root, '--workers', 'inline');
    expect(r0.code).toBe(0);
    expect(existsSync(join(share.root, '.dumptriage', 'index.sqlite'))).toBe(true);
    const q = await cli('query', '--dir', share.root, '--json');
    expect(q.code).toBe(0);
    const s = JSON.parse(q.stdout);
    expect(s.files).toBe(15);
    expect(s.dumps).toBe(12);
    const top = s.buckets[0];
    const qb = await cli('query', '--dir', share.root, '--bucket', top.bucketId, '--json');
    const lines = qb.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length - 1).toBe(top.count);
    const qh = await cli('query', '--dir', share.root, '--host', 'H1');
    expect(qh.code).toBe(0);
    expect(qh.stdout).toMatch(/Host H1: 5 files/);
    const human = await cli('query', '--dir', share.root);
    expect(human.stdout).toMatch(/12 dumps analysed/);
    const missing = await cli('query', '--dir', join(out, 'nowhere'));
    expect(missing.code).toBe(2);
  });

  it('usage errors exit 2', async () => {
    expect((await cli('scan', join(out, 'does-not-exist'))).code).toBe(2);
    expect((await cli('scan', share.root, '--jobs', '0')).code).toBe(2);
    const slow = await cli('scan', share.root, '--slow-io-ms', '-1');
    expect(slow.code).toBe(2);
    expect(slow.stderr).toMatch(/--slow-io-ms wants a number/);
    expect((await cli('scan', share.root, '--slow-io-ms', 'soon')).code).toBe(2);
    expect((await cli('query')).code).toBe(2);
    // A glob that cannot be used is refused before the index is opened.
    const glob = await cli('scan', share.root, '--include', `${'*a'.repeat(600)}`, '--no-index');
    expect(glob.code).toBe(2);
    expect(glob.stderr).toMatch(/glob pattern is 1200 characters long; at most 1024/);
    expect((await cli('scan', share.root, '--exclude', '[z-a].dmp', '--no-index')).code).toBe(2);
  });
});
