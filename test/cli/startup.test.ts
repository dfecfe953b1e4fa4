// Issue 19 (fixed costs): the CLI users run is a bundle (dist/cli/cli.cjs, built by
// scripts/bundle.mjs) started through V8's code cache by dist/cli/main.js, and the common
// `dumptriage FILE... [flags]` is parsed without loading yargs. These tests check that the
// shortcuts change nothing a user sees; the time they save is measured in bench/startup.bench.ts.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fastAnalyzeArgs, fastScanArgs } from '../../src/cli/main.js';
import { scanCommand } from '../../src/cli/commands/scan.js';
import { VERSION } from '../../src/version.js';
import { BUILT_CLI } from '../helpers/built-cli.js';
import { cli } from '../helpers/cli.js';

const FIX = join(__dirname, '..', '..', 'dumps-fixtures');
const A = join(FIX, 'sample-app-crash-x64.dmp');
const B = join(FIX, 'sample-app-hang-x64.dmp');

describe('the fast path of dumptriage FILE...', () => {
  it('takes files and value-less flags, and nothing else', () => {
    expect(fastAnalyzeArgs([A, '--json', '--pretty'])).toEqual({ files: [A], json: true, pretty: true });
    for (const argv of [[], ['scan', FIX], ['analyze', A], ['--rules', 'x', A], ['--json=true', A], ['--', A], ['--nosuch', A], ['-h'], ['--version'], ['--json']]) {
      expect(fastAnalyzeArgs(argv), argv.join(' ')).toBeUndefined();
    }
  });

  it('prints exactly what the yargs path prints', async () => {
    for (const argv of [[A], [A, '--json'], ['--brief', A, B], ['--json', '--pretty', B], ['--modules', '--threads', A], ['--json', '--brief', A], [join(FIX, 'no-such.dmp')]]) {
      const fast = await cli(...argv);
      const slow = await cli('analyze', ...argv);
      expect(fast, argv.join(' ')).toEqual(slow);
    }
  });
});

describe('the fast path of dumptriage scan DIR', () => {
  it('gives the scan command exactly the arguments yargs gives it', async () => {
    const { default: yargs } = await import('yargs');
    const viaYargs = async (argv: string[]): Promise<Record<string, unknown>> => {
      let got: Record<string, unknown> | undefined;
      await yargs(argv)
        .scriptName('dumptriage')
        .strict()
        .command(scanCommand.command as string, scanCommand.describe, scanCommand.builder, (a) => {
          got = a as Record<string, unknown>;
        })
        .parseAsync();
      return got!;
    };
    for (const argv of [['scan', FIX], ['scan', '--no-index', FIX], ['scan', FIX, '--json', '--strict', '--ordered'], ['scan', '--rescan', '--no-wait', '--deep', '--experimental', '--offline', '--follow-symlinks', FIX]]) {
      const fast = fastScanArgs(argv);
      expect(fast, argv.join(' ')).toBeDefined();
      expect(fast, argv.join(' ')).toEqual(await viaYargs(argv));
    }
  });

  it('leaves everything else to yargs', () => {
    for (const argv of [['scan'], ['scan', FIX, FIX], ['scan', '-j', '2', FIX], ['scan', '--jobs', '2', FIX], ['scan', '--jobs=2', FIX], ['scan', '--csv', 'x.csv', FIX], ['scan', '--nosuch', FIX], ['scan', '--help'], ['scan', '--', FIX], ['dump', FIX]]) {
      expect(fastScanArgs(argv), argv.join(' ')).toBeUndefined();
    }
  });
});

describe('the built CLI', () => {
  it('--version and -V', () => {
    for (const flag of ['--version', '-V']) {
      const r = spawnSync(process.execPath, [BUILT_CLI, flag], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${VERSION}\n`);
    }
  });

  it('--help and -h print what yargs prints (saved at build time for 100 and 110 columns)', async () => {
    const want = (await cli('--help')).stdout;
    for (const flag of ['--help', '-h']) {
      const r = spawnSync(process.execPath, [BUILT_CLI, flag], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(want);
    }
  });

  it('writes a code cache on the first run, uses it after, and survives a damaged one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dumptriage-cache-'));
    try {
      const env = { ...process.env, DUMPTRIAGE_CACHE_DIR: dir };
      const run = () => spawnSync(process.execPath, [BUILT_CLI, '--brief', A], { encoding: 'utf8', env });
      const first = run();
      expect(first.status).toBe(0);
      const files = readdirSync(dir).filter((f) => f.endsWith('.v8cache'));
      expect(files).toHaveLength(1);
      const second = run();
      expect(second.stdout).toBe(first.stdout);
      writeFileSync(join(dir, files[0]!), 'not a V8 cache');
      const third = run();
      expect(third.status).toBe(0);
      expect(third.stdout).toBe(first.stdout);
      expect(readdirSync(dir).filter((f) => f.endsWith('.v8cache'))).toEqual(files);
      expect(readFileSync(join(dir, files[0]!)).length).toBeGreaterThan(1000); // written again
      const off = spawnSync(process.execPath, [BUILT_CLI, '--brief', A], { encoding: 'utf8', env: { ...env, DUMPTRIAGE_NO_CODE_CACHE: '1', DUMPTRIAGE_CACHE_DIR: join(dir, 'off') } });
      expect(off.stdout).toBe(first.stdout);
      expect(readdirSync(dir)).not.toContain('off');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
