// Issue 14, item 2 (arguments), through the built CLI in a child process. Each case failed
// before: array options swallowed the file names after them; an unknown rule id was accepted and
// changed the bucket; no -h/-V; a mistyped command was taken for a file name; --json --brief was
// accepted; `show WATCHDOG` only said "unknown".

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triageFile } from '../../src/index.js';
import { BUILT_CLI } from '../helpers/built-cli.js';
import { VERSION } from '../../src/version.js';

const MAIN = BUILT_CLI;
const FIXTURE = join(__dirname, '..', '..', 'dumps-fixtures', 'sample-app-crash-x64.dmp');

function run(args: string[], cwd?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', cwd });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('CLI arguments', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dumptriage-args-'));
    writeFileSync(join(dir, 'vmware.log'), '2024-03-01T10:00:00.000Z In(05) vmx Log for VMware Workstation pid=1 version=17.0.0\n');
    copyFileSync(FIXTURE, join(dir, 'scna'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--rules ID FILE: the file is a file, not a second rule id', () => {
    const r = run(['--rules', 'fault-address', FIXTURE, '--brief']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stdout).toContain('sample-app-crash-x64.dmp: crash');
  });

  it('--rules takes commas and repeats', () => {
    const r = run(['--rules', 'fault-address,exception-code', '--rules', 'access-violation', FIXTURE, '--json']);
    expect(r.code).toBe(0);
    const ids = new Set((JSON.parse(r.stdout).verdict.findings as Array<{ ruleId: string }>).map((f) => f.ruleId));
    expect([...ids].sort()).toEqual(['access-violation', 'exception-code', 'fault-address']);
  });

  it('--vm-logs LOG FILE: the dump is still analysed', () => {
    // Also a crash found here: a user-mode dump (no bug check code) with logs holding no WinBSOD
    // event made the correlation read a null event ("Internal" error, exit 1).
    const r = run(['--vm-logs', join(dir, 'vmware.log'), FIXTURE, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const steps = JSON.stringify(JSON.parse(r.stdout));
    expect(steps).toContain('step 2: the dump has no bug check code to compare (a user-mode dump), and no WinBSOD event in the logs');
  });

  it('an unknown rule id is a usage error naming the nearest ids', () => {
    const r = run(['--rules', 'nosuchrule,fault-adress', FIXTURE]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no rule "nosuchrule"');
    expect(r.stderr).toContain('no rule "fault-adress" (did you mean fault-address?)');
  });

  it('the library refuses an unknown rule id too', async () => {
    await expect(triageFile(FIXTURE, { rules: ['nosuchrule'] })).rejects.toThrow(/unknown rule id: nosuchrule/);
  });

  it('-h and -V', () => {
    const h = run(['-h']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('dumptriage <file..> | dumptriage <command>');
    const v = run(['-V']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(VERSION);
  });

  it('a mistyped command is named as such; a file of that name is still a dump', () => {
    const r = run(['scna', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "scna" (did you mean scan?)');
    const f = run(['scna', '--brief'], dir);
    expect(f.code).toBe(0);
    expect(f.stdout).toContain('scna: crash');
  });

  it('two output modes at once are a usage error', () => {
    for (const pair of [['--json', '--brief'], ['--brief', '--human'], ['--json', '--human']]) {
      const r = run([...pair, FIXTURE]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/are different output modes/);
    }
  });

  it('show: a partial name lists the matches; --list lists every code', () => {
    const r = run(['show', 'WATCHDOG']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('DPC_WATCHDOG_VIOLATION');
    expect(r.stderr).toContain('CLOCK_WATCHDOG_TIMEOUT');
    const typo = run(['show', 'DRIVER_IRQL_NOT_LES_OR_EQUAL']);
    expect(typo.stderr).toContain('DRIVER_IRQL_NOT_LESS_OR_EQUAL');
    const list = run(['show', '--list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^bugcheck +0x000000d1 +DRIVER_IRQL_NOT_LESS_OR_EQUAL$/im);
    expect(list.stdout).toMatch(/^exception +0xc0000005 +STATUS_ACCESS_VIOLATION$/m);
  });
});

describe('scan arguments', () => {
  let share: string;
  beforeAll(() => {
    share = mkdtempSync(join(tmpdir(), 'dumptriage-args-scan-'));
    copyFileSync(FIXTURE, join(share, 'a.dmp'));
    copyFileSync(FIXTURE, join(share, 'b.bin'));
  });
  afterAll(() => rmSync(share, { recursive: true, force: true }));

  it('--include GLOB DIR: the folder is the folder, not a second glob', () => {
    const r = run(['scan', '--include', '*.dmp', '--no-index', share]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 files, 1 dumps: 1 analysed');
  });

  it('an output path that cannot be written is a usage error before the scan (issue 14, item 1)', () => {
    for (const [flag, path, why] of [
      ['--csv', join(share, 'no', 'such', 'x.csv'), 'its folder does not exist'],
      ['--report', join(share, 'no', 'such', 'x.html'), 'its folder does not exist'],
      ['--report', share, 'it is a folder'],
    ] as const) {
      const r = run(['scan', flag, path, '--no-index', share]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe(''); // the scan never ran
      expect(r.stderr).toBe(`dumptriage scan: cannot write the ${flag === '--csv' ? 'CSV' : 'HTML report'} to ${path}: ${why}\n`);
    }
  });

  it.skipIf(!existsSync('/dev/full'))('a write that fails during the scan (a full disk) ends it with a message and exit 1', () => {
    for (const flag of ['--csv', '--report']) {
      const r = run(['scan', flag, '/dev/full', '--no-index', share]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^dumptriage scan: cannot write the (CSV|HTML report) to \/dev\/full: ENOSPC\n$/);
    }
  });

  it('--rules with an unknown id is a usage error before the scan', () => {
    const r = run(['scan', '--rules', 'nosuch', '--no-index', share]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('dumptriage scan: --rules: no rule "nosuch"');
  });
});
