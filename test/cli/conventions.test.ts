// Issue 14, item 10 ("conventions users expect"): an NDJSON error record for a file that fails
// under --json, a FAILURE_ID_HASH-style id, the crashing thread's registers, module codeId,
// column headers over STACK_TEXT, and colour for the verdict and bucket on a TTY only (off for
// NO_COLOR, pipes and --no-color). CLI behaviour through the built CLI in a child process.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { useColor } from '../../src/cli/commands/analyze.js';
import { BUILT_CLI } from '../helpers/built-cli.js';

const FIXTURE = join(__dirname, '..', '..', 'dumps-fixtures', 'sample-app-crash-x64.dmp');
const ESC = '\x1b[';

function run(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BUILT_CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function runTty(args: string[]): Promise<string> {
  let stdout = '';
  await runCli(args, { stdout: { write: (t: string) => (stdout += t), isTTY: true }, stderr: { write: () => true } });
  return stdout;
}

describe('--json with several files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dt-conv-'));
    writeFileSync(join(dir, 'bad.dmp'), 'not a dump at all');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints an error record for the file that fails, as scan --json does, and still exits 1', () => {
    const r = run(['--json', FIXTURE, join(dir, 'bad.dmp')]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0].verdict.bucketId).toBe('NULL_POINTER_READ_c0000005_VendorPlugin.dll');
    expect(lines[1]).toMatchObject({ type: 'error', path: join(dir, 'bad.dmp'), status: 'error', error: { code: 'UnknownFormat', offset: '0x0', struct: 'signature' } });
    expect(r.stderr).toMatch(/error \[UnknownFormat\]/);
  });
});

describe('report conventions', () => {
  it('FAILURE_ID_HASH: a GUID-formatted SHA-1 of the bucket, in JSON and text', () => {
    const j = JSON.parse(run(['--json', FIXTURE]).stdout);
    const h = createHash('sha1').update(j.verdict.bucketId).digest('hex');
    const guid = `{${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}}`;
    expect(j.verdict.failureIdHash).toBe(guid);
    expect(run([FIXTURE]).stdout).toContain(`FAILURE_ID_HASH:    ${guid}`);
  });

  it("the crashing thread's registers, module codeId", () => {
    const j = JSON.parse(run(['--json', FIXTURE]).stdout);
    const crashing = j.threads.find((t: { crashing: boolean }) => t.crashing);
    expect(crashing.registers).toMatchObject({ rip: '0x7ffa1c301a2b', rsp: '0xa1b2cfe000' });
    for (const t of j.threads) if (!t.crashing) expect(t.registers).toBeUndefined();
    for (const m of j.modules) if (m.timestamp !== undefined) expect(m.codeId).toBe(`${m.timestamp.toString(16).toUpperCase().padStart(8, '0')}${m.size.toString(16)}`);
    const text = run([FIXTURE]).stdout;
    expect(text).toMatch(/REGISTERS:\n\s+rax=0x0/);
    expect(text).toMatch(/rip=0x7ffa1c301a2b/);
  });

  it('column headers over STACK_TEXT', () => {
    const text = run([FIXTURE]).stdout;
    expect(text).toMatch(/STACK_TEXT: \(thread 10828\)\n  ## Stack-Addr\s+Address\s+Call Site/);
  });
});

describe('colour', () => {
  it('is off in a pipe and with NO_COLOR; --color forces it, on the verdict and the bucket only', () => {
    expect(run([FIXTURE]).stdout).not.toContain(ESC);
    expect(run([FIXTURE], { NO_COLOR: '1' }).stdout).not.toContain(ESC);
    const forced = run(['--color', FIXTURE]).stdout;
    expect(forced).toContain(`VERDICT:            ${ESC}1m${ESC}31mCRASH${ESC}39m${ESC}22m`);
    expect(forced).toContain(`FAILURE_BUCKET_ID:  ${ESC}1m${ESC}36mNULL_POINTER_READ_c0000005_VendorPlugin.dll${ESC}39m${ESC}22m`);
    // JSON and --brief are never coloured.
    expect(run(['--color', '--json', FIXTURE]).stdout).not.toContain(ESC);
  });

  it('is on for a TTY, off with --no-color or NO_COLOR', async () => {
    const saved = process.env.NO_COLOR;
    delete process.env.NO_COLOR;
    try {
      expect(await runTty([FIXTURE])).toContain(`${ESC}1m${ESC}31mCRASH`);
      expect(await runTty(['--no-color', FIXTURE])).not.toContain(ESC);
    } finally {
      if (saved !== undefined) process.env.NO_COLOR = saved;
    }
    const tty = { stdout: { write: () => true, isTTY: true }, stderr: { write: () => true } };
    expect(useColor(undefined, tty, {})).toBe(true);
    expect(useColor(undefined, tty, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(undefined, tty, { NO_COLOR: '' })).toBe(true);
    expect(useColor(true, tty, { NO_COLOR: '1' })).toBe(true);
    expect(useColor(undefined, { ...tty, stdout: { write: () => true } }, {})).toBe(false);
  });
});
