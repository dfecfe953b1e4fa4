// `dumptriage <small dump>`, `dumptriage dump <small dump>` and --json on a synthetic small dump
// (always) and the real x64 small dump (when the corpus is present).
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { SynthKernelDump } from '../synth/kernel.js';
import { populate } from '../formats/kernel/populate.js';
import { HAVE_CORPUS, corpusOrSkipMessage, corpusPath } from '../helpers/corpus.js';

let dir = '';
let file = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dt-kcli-'));
  file = join(dir, 'Mini022121-01.dmp');
  const s = populate(new SynthKernelDump({ dumpType: 4, processName: 'svchost.exe', bugcheck: { code: 0xd1, args: [0xffff80091002ac08n, 2, 1, 0xfffff8048b58334cn] } }));
  await writeFile(file, s.build());
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kernel small dumps on the command line', () => {
  it('dumptriage --json shows bug check, args, drivers and process', async () => {
    const r = await cli(file, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.input.format).toBe('kernel');
    expect(j.input.dumpType).toBe('small');
    expect(j.bugcheck.code).toMatch(/^0x0*d1$/);
    expect(JSON.stringify(j.bugcheck.args)).toContain('ffff80091002ac08');
    expect(j.modules.map((m: { name: string }) => m.name)).toEqual(['ntoskrnl.exe', 'hal.dll', 'amdppm.sys']);
    expect(j.process.name).toBe('svchost.exe');
  });
  it('dumptriage (human) names the bug check and the process', async () => {
    const r = await cli(file);
    expect(r.code).toBe(0);
    expect(r.stdout.toLowerCase()).toContain('d1');
    expect(r.stdout).toContain('svchost.exe');
  });
  it('dumptriage dump prints header, triage block and drivers', async () => {
    const r = await cli('dump', file);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0xd1');
    expect(r.stdout).toContain('amdppm.sys');
    expect(r.stdout).toContain('driverListOffset');
    const j = JSON.parse((await cli('dump', file, '--json')).stdout);
    expect(j.header.bugCheckCode).toBe('0xd1');
    expect(j.header.bugCheckParameters[0]).toBe('0xffff80091002ac08');
    expect(j.triage.drivers[2].name).toBe('\\SystemRoot\\system32\\drivers\\amdppm.sys');
    expect(j.process.name).toBe('svchost.exe');
  });
});

describe.skipIf(!HAVE_CORPUS)('real small dump on the command line', () => {
  corpusOrSkipMessage();
  it('rz-triage_x64.dmp --json', async () => {
    const r = await cli(corpusPath('kernel', 'rz-triage_x64.dmp'), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.bugcheck.code).toMatch(/^0x1000007e$/);
    expect(j.modules).toHaveLength(151);
    expect(j.modules.some((m: { name: string }) => m.name === 'amdppm.sys')).toBe(true);
    expect(j.process.name).toBe('System');
  });
});
