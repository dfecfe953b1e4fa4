import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dt-cli-'));

describe('CLI basics', () => {
  it('--help lists every command and exits 0', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    for (const c of ['dump <file>', 'scan <dir>', 'query', 'rules', 'show [code]', 'vmlog <paths..>']) expect(r.stdout).toContain(c);
  });
  it('unknown flags are a usage error: exit 2, message on stderr, nothing on stdout', async () => {
    const r = await cli('--no-such-flag', 'x.dmp');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown argument/);
    expect(r.stdout).toBe('');
  });
  it('no file is a usage error', async () => {
    expect((await cli()).code).toBe(2);
    expect((await cli('dump')).code).toBe(2);
  });
  it('a file that is not a dump: exit 1 with a typed error naming the file and offset', async () => {
    const f = join(dir, 'notes.txt');
    writeFileSync(f, 'hello, this is not a dump at all');
    const r = await cli(f);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[UnknownFormat]');
    expect(r.stderr).toContain(f);
    expect(r.stderr).toContain('@0x0');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
  it('a 0-byte file and a missing file: exit 1', async () => {
    const f = join(dir, 'empty.dmp');
    writeFileSync(f, '');
    const r = await cli(f);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/empty file/);
    const m = await cli(join(dir, 'missing.dmp'));
    expect(m.code).toBe(1);
    expect(m.stderr).toContain('[IoError]');
  });
  it('a directory: exit 1 NotAFile', async () => {
    const r = await cli(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[NotAFile]');
  });
  it('a hostile file name is escaped on the terminal', async () => {
    const f = join(dir, 'evil\u001b[31m.dmp');
    writeFileSync(f, 'x');
    const r = await cli(f);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stderr).toContain('\\x1b[31m');
  });
});

describe('environment', () => {
  it('unrelated DUMPTRIAGE_* variables do not become options (no usage error)', async () => {
    process.env.DUMPTRIAGE_SOMETHING_ELSE = '1';
    try {
      const r = await cli('--help');
      expect(r.code).toBe(0);
      const f = join(dir, 'notes2.txt');
      writeFileSync(f, 'not a dump');
      expect((await cli(f)).code).toBe(1);
    } finally {
      delete process.env.DUMPTRIAGE_SOMETHING_ELSE;
    }
  });
});
