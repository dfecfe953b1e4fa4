// `dumptriage <minidump>` and `dumptriage dump <minidump>` end to end on the shipped fixtures
// (and the corpus when present).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LIMITS } from '../../src/limits.js';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { FIXTURES } from '../synth/fixtures.js';
import { projectRoot } from '../synth/build-fixtures.js';
import { HAVE_CORPUS, corpusOrSkipMessage, corpusPath } from '../helpers/corpus.js';

const dir = join(projectRoot(), 'dumps-fixtures');

describe('dumptriage on minidump fixtures', () => {
  it.each(FIXTURES.map((f) => [f.name] as const))('--json on %s gives the expected values', async (name) => {
    const expected = JSON.parse(readFileSync(join(dir, `${name}.expected.json`), 'utf8'));
    const r = await cli(join(dir, `${name}.dmp`), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.input).toMatchObject({ format: 'minidump', dumpType: expected.dumpType, arch: expected.arch });
    expect(report.input.bytesRead).toBeGreaterThan(0);
    expect(report.system).toMatchObject({ os: expected.os, osVersion: expected.osVersion });
    expect(report.process).toMatchObject(expected.process);
    expect(report.modules.map((m: { name: string }) => m.name)).toEqual(expected.modules);
    expect(report.threads.map((t: { id: number; name?: string; crashing: boolean }) => ({ id: t.id, crashing: t.crashing, ...(t.name ? { name: t.name } : {}) }))).toEqual(expected.threads);
    if (expected.exception) {
      expect(report.exception).toMatchObject({ code: expected.exception.code, address: expected.exception.address, threadId: expected.exception.threadId, parameters: expected.exception.parameters });
      expect(report.details.minidumpFlags).toBeDefined();
    } else expect(report.exception).toBeUndefined();
    for (const m of report.modules) expect(m.base).toMatch(/^0x[0-9a-f]+$/);
  });

  it('human report names the system, exception and crashing thread', async () => {
    const r = await cli(join(dir, 'sample-app-crash-x64.dmp'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0xc0000005');
    expect(r.stdout).toContain('10.0.19045');
    expect(r.stdout).toContain('SampleApp.exe');
    expect(r.stdout).toMatch(/CRASHING_THREAD:\s+10828 "Main Thread"/);
    expect(r.stdout).toMatch(/CPU:\s+8 x GenuineIntel family 6 model 158 stepping 10\n/);
  });

  it('dump prints every decoded structure (text and --json)', async () => {
    const r = await cli('dump', join(dir, 'sample-app-crash-x64.dmp'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('signature: "0x504d444d"');
    expect(r.stdout).toContain('VendorPlugin.dll');
    expect(r.stdout).toMatch(/rip: 0x7ffa1c301a2b/);
    const j = await cli('dump', '--json', join(dir, 'sample-app-crash-arm64.dmp'));
    expect(j.code).toBe(0);
    const tree = JSON.parse(j.stdout);
    expect(tree.streams.systemInfo.osVersion).toBe('10.0.22631');
    expect(tree.streams.threadList.threads[0].context.layout).toBe('CONTEXT_ARM64');
    expect(tree.streams.exception.exceptionRecord.exceptionAddress).toBe('0x7ffc55108c14');
  });
});

describe('stacks on the command line', () => {
  const sample = join(dir, 'sample-app-crash-x64.dmp');
  it('--threads prints every thread\'s walked stack, the crashing one first; STACK_TEXT names its thread', async () => {
    const r = await cli(sample, '--threads');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/STACK_TEXT: \(thread 10828\)/);
    const part = r.stdout.slice(r.stdout.indexOf('THREADS_STACKS:'));
    expect(part).toMatch(/Thread 10828 \(crashed\) "Main Thread"\n  0  VendorPlugin\.dll\+0x1a2b +0x7ffa1c301a2b +sp=0xa1b2cfe000 +context\n  1  VendorPlugin\.dll\+0x2044 /);
  });
  it('--symbols with a path that is not a directory is a usage error (exit 2) before any dump is read', async () => {
    const r = await cli(sample, '--symbols', join(dir, 'no-such-folder'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--symbols .*no-such-folder is not a directory/);
    expect(r.stdout).toBe('');
  });
  it('--symbols is repeatable and the JSON walk is the same when the folders hold nothing for the dump', async () => {
    const plain = JSON.parse((await cli(sample, '--json')).stdout);
    const r = await cli(sample, '--json', '--symbols', dir, '--symbols', join(dir, '..'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).threads).toEqual(plain.threads);
  });
});

describe.skipIf(!HAVE_CORPUS)('dumptriage on corpus minidumps', () => {
  corpusOrSkipMessage();
  it('microdumps and the zlib container: exit 1, UnknownFormat, no stack trace', async () => {
    for (const rel of ['bp-microdump-arm64.dmp', 'bp-microdump-x86.dmp', 'sentry-unreal_crash.ue4crash.zlib']) {
      const r = await cli(corpusPath('user-other', rel), '--json');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/\[UnknownFormat\]/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
  it('malformed minidumps: exit 1 with a typed error, or exit 0 with warnings', async () => {
    for (const rel of ['r2-fuzzed-mdmp-dos.mdmp', 'r2-npe_r_mdmp.c-364_1.mdmp', 'r2-npe_w_bin_mdmp.c-111_1.mdmp', 'r2-trunc_memory64.dmp', 'rm-invalid-range.dmp', 'rm-invalid-record-count.dmp']) {
      const r = await cli(corpusPath('user-other', rel), '--json');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr).not.toMatch(/\[Internal\]/);
      if (r.code === 1) expect(r.stderr).toMatch(/error \[(Truncated|CountTooLarge|BadSignature|OutOfBounds|BadValue|LimitExceeded)\]/);
      else {
        expect(r.code).toBe(0);
        expect(JSON.parse(r.stdout).warnings.length).toBeGreaterThan(0);
      }
      const d = await cli('dump', corpusPath('user-other', rel));
      expect([0, 1]).toContain(d.code);
      expect(d.stderr).not.toMatch(/\[Internal\]/);
    }
  });
  it('a Linux minidump says linux; bytes read stay under 256 KiB on the largest dumps', async () => {
    const r = await cli(corpusPath('user-other', 'electron-linux.dmp'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).system.os).toBe('linux');
    // (ue4-editor-ensure, 703 modules, needs ~250 KiB for the module names and CodeView records
    // alone: facts stay under the budget, the whole report does not; see docs/minidump.md.)
    for (const rel of ['user-windows/moz-windows-aarch64.dmp', 'user-other/moz-android-aarch64.dmp', 'user-windows/unity-gallipoli-crash.dmp']) {
      const j = await cli(corpusPath(...rel.split('/')), '--json');
      expect(j.code).toBe(0);
      // The facts' 256 KiB, plus the stacks of the threads other than the crashing one, which
      // share LIMITS.otherThreadsStackBytes (the crashing thread's walk reads a few KiB).
      expect(JSON.parse(j.stdout).input.bytesRead).toBeLessThanOrEqual(256 * 1024 + LIMITS.otherThreadsStackBytes);
    }
  });
});
