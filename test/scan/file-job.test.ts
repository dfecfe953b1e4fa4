// One file of a scan, as a worker runs it: blocking reads (workers) and async reads (in-process)
// give the same outcome; a file that moved between the walk and the end of its triage is
// reported as Changed and not cached, so that the next scan reads it again.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFileJob, type FileJob } from '../../src/scan/file-job.js';
import { SynthMinidump } from '../synth/minidump.js';

const dir = mkdtempSync(join(tmpdir(), 'dt-filejob-'));

function writeDump(name: string): FileJob {
  const base = 0x7ff600000000n;
  const bytes = new SynthMinidump({ arch: 'x64', timestamp: 1_711_000_000 })
    .addSystemInfo({ major: 10, minor: 0, build: 19045, cpus: 4 })
    .addModule({ name: 'C:\\app\\app.exe', base: 0x140000000n, size: 0x20000, timestamp: 0x60000000 })
    .addModule({ name: 'C:\\app\\plugin.dll', base, size: 0x10000, timestamp: 0x5f000000 })
    .addThread({ id: 7, context: { rip: base + 0x1234n, rsp: 0x5000n }, stack: { start: 0x5000n, bytes: new Uint8Array(0x400) } })
    .addException({ threadId: 7, code: 0xc0000005, address: base + 0x1234n, parameters: [0n, 0x10n] })
    .build();
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const st = statSync(path);
  return { path, size: st.size, mtimeMs: st.mtimeMs };
}

describe.each([
  ['blocking reads (worker threads)', true],
  ['async reads (in-process)', false],
])('runFileJob with %s', (_name, syncIo) => {
  it('triages a dump in one read of the file and digests its verdict', async () => {
    const job = writeDump(`ok-${syncIo}.dmp`);
    const out = await runFileJob(job, { triage: {}, syncIo });
    expect(out.status).toBe('ok');
    if (out.status !== 'ok') return;
    expect(out.digest.image).toBe('plugin.dll');
    expect(out.digest.exception).toBe('0xc0000005');
    // a small dump is read whole, once: the bytes read are the file
    expect(out.bytesRead).toBe(job.size);
    const report = JSON.parse(Buffer.from(out.report).toString("utf8")) as { input: { path: string; bytesRead: number } };
    expect(report.input.path).toBe(job.path);
    expect(report.input.bytesRead).toBe(job.size);
  });

  it('reports a file whose size or mtime moved since the walk as Changed, not cacheable', async () => {
    const job = writeDump(`moved-${syncIo}.dmp`);
    const grown = await runFileJob({ ...job, size: job.size - 16 }, { triage: {}, syncIo });
    expect(grown).toMatchObject({ status: 'error', cacheable: false, error: { code: 'Changed' } });
    const touched = await runFileJob({ ...job, mtimeMs: job.mtimeMs - 1000 }, { triage: {}, syncIo });
    expect(touched).toMatchObject({ status: 'error', cacheable: false, error: { code: 'Changed' } });
  });

  it('a file that vanished before the open is an I/O error, retried next time', async () => {
    const out = await runFileJob({ path: join(dir, 'gone.dmp'), size: 100, mtimeMs: 1 }, { triage: {}, syncIo });
    expect(out).toMatchObject({ status: 'error', cacheable: false, error: { code: 'IoError' } });
  });
});
