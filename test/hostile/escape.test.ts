// No escape-sequence injection: every string from a dump (module, thread and PDB names, service
// pack text) and every file name from a share reaches the terminal with its control characters
// made visible, reaches HTML escaped, and reaches CSV quoted with the formula guard. Tested through
// the public functions (src/util/escape.ts) and the CLI end to end.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeCsv, escapeHtml, escapeTerminal } from '../../src/util/escape.js';
import { cli } from '../helpers/cli.js';
import { HOSTILE_MODULE_NAME, hostileStringsMinidump } from './fuzz/synth-seeds.js';

const ESC = '\u001b';
// Raw C0 controls other than \n, DEL, C1 controls, and the bidi overrides/isolates.
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('escape functions', () => {
  it.each([
    [`${ESC}[31mred`, '\\x1b[31mred'],
    ['bell\u0007', 'bell\\x07'],
    ['csi\u009b2J', 'csi\\x9b2J'],
    ['del\u007f', 'del\\x7f'],
    ['\u202egpj.exe', '\\u{202e}gpj.exe'],
    ['\u2066iso\u2069', '\\u{2066}iso\\u{2069}'],
    ['cr\rlf\n', 'cr\\x0dlf\\x0a'],
    ['plain ünïcødé 名前', 'plain ünïcødé 名前'],
  ])('escapeTerminal(%j) = %j', (input, out) => {
    expect(escapeTerminal(input)).toBe(out);
    expect(escapeTerminal(input)).not.toMatch(RAW_CONTROL);
  });

  it('escapeHtml escapes markup and controls', () => {
    expect(escapeHtml(`<script>alert("x")</script>&'\``)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&#96;');
    expect(escapeHtml(`${ESC}[31m`)).toBe('\\x1b[31m');
  });

  it.each([
    ['=cmd|\' /C calc\'!A0', `'=cmd|' /C calc'!A0`],
    ['+1+1', `'+1+1`],
    ['-2+3', `'-2+3`],
    ['@SUM(A1)', `'@SUM(A1)`],
    // The tab becomes a visible \x09 first, so the cell starts with a backslash: plain text.
    ['\t=1', '\\x09=1'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['ntdll.dll', 'ntdll.dll'],
  ])('escapeCsv(%j) = %j', (input, out) => {
    expect(escapeCsv(input)).toBe(out);
  });
});

let dir: string;
let dumpPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dt-escape-'));
  dumpPath = join(dir, 'hostile.dmp');
  writeFileSync(dumpPath, hostileStringsMinidump());
  // A share whose file names are themselves hostile (names come from whoever filled the share).
  mkdirSync(join(dir, 'share', 'HOST'), { recursive: true });
  writeFileSync(join(dir, 'share', 'HOST', 'hostile.dmp'), hostileStringsMinidump());
  writeFileSync(join(dir, 'share', 'HOST', `${ESC}[31mred${ESC}]0;title\u0007.dmp`), new Uint8Array([1, 2, 3]));
  writeFileSync(join(dir, 'share', 'HOST', `=cmd|' calc'!A0.dmp`), new Uint8Array([1, 2, 3]));
  writeFileSync(join(dir, 'share', 'HOST', `<img src=x onerror=alert(1)>.dmp`), new Uint8Array([1, 2, 3]));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('terminal output', () => {
  it('the human report shows hostile module names escaped, never raw', async () => {
    const r = await cli('--modules', dumpPath);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    // The module is there, made visible: ESC as \x1b, the RTL override as \u{202e}.
    expect(r.stdout).toContain('\\x1b[31mRED\\x1b[0m\\u{202e}gpj.exe\\x1b]0;pwned\\x07');
  });

  it('the brief line and the dump tree are escaped too', async () => {
    const brief = await cli('--brief', dumpPath);
    expect(brief.stdout + brief.stderr).not.toMatch(RAW_CONTROL);
    const tree = await cli('dump', dumpPath);
    expect(tree.code, tree.stderr).toBe(0);
    expect(tree.stdout).not.toMatch(RAW_CONTROL);
    expect(tree.stdout).toContain('\\x1b[31mRED');
  });

  it('JSON keeps the exact string, with no raw ESC byte (JSON escapes C0 controls)', async () => {
    const r = await cli('--json', dumpPath);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(ESC);
    const report = JSON.parse(r.stdout) as { modules: Array<{ path?: string; name: string }> };
    expect(report.modules.map((m) => m.path ?? m.name)).toContain(HOSTILE_MODULE_NAME);
  });

  it('an error about a file with a hostile name is escaped on stderr', async () => {
    const r = await cli(join(dir, 'share', 'HOST', `${ESC}[31mred${ESC}]0;title\u0007.dmp`));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error \[UnknownFormat\]/);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stderr).toContain('\\x1b[31mred');
  });
});

describe('scan outputs: text, CSV, HTML', () => {
  it('no raw control characters, formula cells neutralised, markup escaped', async () => {
    const csv = join(dir, 'out.csv');
    const html = join(dir, 'out.html');
    const r = await cli('scan', join(dir, 'share'), '--csv', csv, '--report', html, '--no-index', '--workers', 'inline');
    expect([0, 1]).toContain(r.code);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stderr).not.toMatch(RAW_CONTROL);

    const csvText = readFileSync(csv, 'utf8');
    expect(csvText.replace(/\r\n/g, '\n')).not.toMatch(RAW_CONTROL);
    // The hostile file name is a cell of its own; it must not start with a bare '='.
    const cells = csvText.split(/\r\n/).flatMap((line) => line.split(','));
    expect(cells.some((c) => /^"?=/.test(c))).toBe(false);
    expect(csvText).toContain(`'=cmd|`);

    const htmlText = readFileSync(html, 'utf8');
    expect(htmlText).not.toContain('<img src=x onerror=alert(1)>');
    expect(htmlText).not.toContain(ESC);
    expect(htmlText).not.toMatch(/<script>=cmd/);
  });
});
