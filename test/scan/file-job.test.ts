// One file of a scan, as a worker runs it: blocking reads (workers) and async reads (in-process)
// give the same outcome; a file that moved between the walk and the end of its triage is
// reported as Changed and not cached, so that the next scan reads it again.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFileJob, type FileJob } from '../../src/scan/file-job.js';
import { appCrash } from '../synth/crash.js';

const dir = mkdtempSync(join(tmpdir(), 'dt-filejob-'));

function writeDump(name: string): FileJob {
  const bytes = appCrash();
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
