// The symbol options of the CLI: --symbols DIR|URL, --symbol-path (with its explicit `env`),
// --symbol-cache, --offline, --symbol-timeout and --verbose; mistakes are usage errors (exit 2)
// naming the entry, before any dump is read.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { projectRoot } from '../synth/build-fixtures.js';
import { corpusOrSkipMessage, corpusPath } from '../helpers/corpus.js';
import { symbolCliOptions } from '../../src/cli/symbol-options.js';

const sample = join(projectRoot(), 'dumps-fixtures', 'sample-app-crash-x64.dmp');
const tmp = mkdtempSync(join(tmpdir(), 'dt-symcli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const io = () => {
  let err = '';
  return { io: { stdout: { write: () => true }, stderr: { write: (t: string) => ((err += t), true) } }, err: () => err };
};

describe('symbol options', () => {
  it('--symbol-path env reads _NT_SYMBOL_PATH only when asked, and says when it is unset', () => {
    const a = io();
    expect(symbolCliOptions({ symbolPath: 'env' }, a.io, 'dumptriage', {})).toBeNull();
    expect(a.err()).toMatch(/_NT_SYMBOL_PATH environment variable is not set/);
    const b = io();
    expect(symbolCliOptions({ symbolPath: 'env' }, b.io, 'dumptriage', { _NT_SYMBOL_PATH: `srv*${tmp}*https://msdl.microsoft.com/download/symbols` })).toEqual({ symbolPath: `srv*${tmp}*https://msdl.microsoft.com/download/symbols` });
    // Without --symbol-path the variable is ignored: a run does not change with its environment.
    expect(symbolCliOptions({}, b.io, 'dumptriage', { _NT_SYMBOL_PATH: tmp })).toEqual({});
  });

  it('accepts directories and server URLs in --symbols, and WinDbg syntax there too', () => {
    const a = io();
    expect(symbolCliOptions({ symbols: [tmp, 'https://symbols.mozilla.org/', `srv*${tmp}*https://msdl.microsoft.com/download/symbols`], offline: true, symbolTimeout: 2.5 }, a.io, 'x')).toEqual({
      symbolPaths: [tmp, 'https://symbols.mozilla.org/', `srv*${tmp}*https://msdl.microsoft.com/download/symbols`],
      offline: true,
      symbolTimeoutMs: 2500,
    });
  });

  it.each([
    [['--symbol-path', 'srv*https://a.example/*https://b.example/'], /symbol path entry 1/],
    [['--symbols', join(tmp, 'nope')], /--symbols .*nope is not a directory/],
    [['--symbol-path', `${join(tmp, 'nope')};srv*https://msdl.microsoft.com/download/symbols`], /--symbol-path: .*nope is not a directory/],
    [['--symbol-timeout', '0'], /--symbol-timeout 0: give seconds/],
    [['--symbols', 'https://user:secret@example.invalid/a*b', '--offline'], /.*/],
  ])('%j is a usage error (exit 2) before the dump is read', async (args, message) => {
    const r = await cli(sample, ...(args as string[]));
    if ((args as string[])[1]!.includes('secret')) {
      // A URL that parses is accepted; its password never reaches a message.
      expect(r.stderr).not.toMatch(/secret/);
      return;
    }
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it.runIf(corpusOrSkipMessage())('--verbose --json lists every place searched and each module\'s symbol status; --offline never asks the server', async () => {
    const r = await cli(corpusPath('user-windows', 'bp-minidump2.dmp'), '--json', '--verbose', '--offline', '--symbols', corpusPath('symbols'), '--symbols', 'http://127.0.0.1:9/', '--symbol-cache', join(tmp, 'cache'));
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as { symbolLookups: Array<{ module: string; kind: string; result: string; location?: string }>; modules: Array<{ name: string; symbols: { status: string; kind?: string } }>; verdict: { bucketId: string } };
    expect(rep.modules.find((m) => m.name === 'test_app.exe')!.symbols).toMatchObject({ status: 'loaded', kind: 'sym' });
    expect(rep.modules.find((m) => m.name === 'ntdll.dll')!.symbols.status).toBe('missing');
    expect(rep.symbolLookups.some((l) => l.module === 'test_app.exe' && l.kind === 'sym' && l.result === 'found')).toBe(true);
    expect(rep.symbolLookups.some((l) => l.module === 'ntdll.dll' && l.result === 'offline')).toBe(true);
    expect(rep.verdict.bucketId).toBe('NULL_POINTER_WRITE_c0000005_test_app.exe!_anonymous_namespace_::CrashFunction');
    const human = await cli(corpusPath('user-windows', 'bp-minidump2.dmp'), '--verbose', '--offline', '--symbols', corpusPath('symbols'));
    expect(human.stdout).toMatch(/SYMBOL_NAME:\s+test_app!`anonymous namespace'::CrashFunction\+0xe/);
    expect(human.stdout).toMatch(/SYMBOL_LOOKUPS:\n {2}test_app\.exe +sym +found +\S+test_app\.sym/);
    expect(human.stdout).toMatch(/test_app\.exe!`anonymous namespace'::CrashFunction\+0xe \[c:\\test_app\.cc @ 58\]/);
  });
});
