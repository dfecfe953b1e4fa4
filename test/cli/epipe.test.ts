// Issue 14, item 1: a reader that closes the pipe early (`dumptriage --brief *.dmp | head -1`,
// `rules | head -2`) made Node print "Unhandled 'error' event ... write EPIPE" and exit 1 (which
// the README reserves for unparseable input). Now the CLI ends quietly with exit 0. Run through the
// built CLI in a child process whose stdout pipe is closed by the reader.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BUILT_CLI } from '../helpers/built-cli.js';
import { describe, expect, it } from 'vitest';

const MAIN = BUILT_CLI;
const FIXTURE = join(__dirname, '..', '..', 'dumps-fixtures', 'sample-app-crash-x64.dmp');

/** Runs the CLI and closes its stdout after `afterBytes` bytes have arrived (0: at once). */
function runAndClose(args: string[], afterBytes: number): Promise<{ code: number | null; stderr: string; got: number }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let got = 0;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= afterBytes) child.stdout.destroy();
    });
    if (afterBytes === 0) child.stdout.destroy();
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr, got }));
  });
}

describe('a closed output pipe', () => {
  it('--brief over 2,000 files, the reader gone after the first line: exit 0, nothing on stderr', async () => {
    const r = await runAndClose(['--brief', ...Array.from({ length: 2000 }, () => FIXTURE)], 1);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 60_000);

  it('--json, the reader gone after 100 bytes', async () => {
    const r = await runAndClose(['--json', ...Array.from({ length: 500 }, () => FIXTURE)], 100);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 60_000);

  it('rules, the reader gone before the first write', async () => {
    const r = await runAndClose(['rules'], 0);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 60_000);
});
