// Scan memory does not grow with the share (issue 18, finding 7). `dumptriage scan` with every
// output at once (--json, --csv, --report, no index) over 2,000 and then 8,000 small synthetic
// minidumps: the live heap when the summary line is written (after a full collection; vitest
// runs with --expose-gc) may not grow by more than a small bound. Before, --report kept every
// file's digest in the heap until the end (~1 KiB a file: +6 MiB here) and the grouper every
// crash time. Not timing-based: it compares bytes held, not durations.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.js';
import { Grouper } from '../../src/scan/group.js';
import type { DumpDigest } from '../../src/scan/digest.js';
import { SynthMinidump } from '../synth/minidump.js';
import { mib, usedBytes } from '../helpers/live-memory.js';

const gc = (globalThis as { gc?: () => void }).gc;

function synthDump(i: number): Uint8Array {
  const mods = ['alpha.dll', 'beta.dll', 'gamma.dll'];
  const mod = mods[i % mods.length]!;
  const base = 0x7ff600000000n + BigInt(i % mods.length) * 0x100000n;
  return new SynthMinidump({ arch: 'x64', timestamp: 1_711_000_000 + i * 600 })
    .addSystemInfo({ major: 10, minor: 0, build: 19045, cpus: 8 })
    .addModule({ name: 'C:\\app\\app.exe', base: 0x140000000n, size: 0x20000, timestamp: 0x60000000 })
    .addModule({ name: `C:\\app\\${mod}`, base, size: 0x10000, timestamp: 0x5f000000 })
    .addThread({ id: 100, context: { rip: base + 0x1234n, rsp: 0x5000n }, stack: { start: 0x5000n, bytes: new Uint8Array(0x100) } })
    .addException({ threadId: 100, code: 0xc0000005, address: base + 0x1234n, parameters: [0n, 0x10n] })
    .build();
}

function makeShare(root: string, n: number): void {
  for (let i = 0; i < n; i++) {
    const dir = join(root, `HOST${String(i % 40).padStart(2, '0')}`);
    if (i < 40) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `Mini${String(i).padStart(6, '0')}.dmp`), synthDump(i));
  }
  // A few failures and a file that is not a dump.
  for (let i = 0; i < 30; i++) writeFileSync(join(root, 'HOST00', `broken${i}.dmp`), Buffer.from('MDMP\x93\xa7', 'latin1'));
  writeFileSync(join(root, 'HOST01', 'notes.txt'), 'not a dump\n');
}

/** Live heap (after a full collection) when the scan writes its summary line, and what it wrote. */
async function scanHeld(root: string, out: string): Promise<{ held: number; lines: number; code: number }> {
  let held = -1;
  let lines = 0;
  const code = await runCli(['scan', root, '--no-index', '--json', '--csv', join(out, 'scan.csv'), '--report', join(out, 'scan.html'), '--workers', 'inline', '--jobs', '4'], {
    stdout: {
      write: (t: string) => {
        lines++;
        if (t.startsWith('{"type":"summary"')) {
          // Everything the scan keeps until the end is alive here (the report is written after).
          gc!();
          gc!();
          held = usedBytes();
        }
        return true;
      },
    },
    stderr: { write: () => true },
  });
  return { held, lines, code };
}

describe.skipIf(!gc)('scan memory stays flat with the share', () => {
  const work = mkdtempSync(join(tmpdir(), 'dt-memflat-'));
  const small = join(work, 'small');
  const large = join(work, 'large');
  beforeAll(() => {
    makeShare(small, 2000);
    makeShare(large, 8000);
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('holds no more for 8,000 files than for 2,000 (--json, --csv and --report at once)', async () => {
    const outSmall = join(work, 'out-small');
    const outLarge = join(work, 'out-large');
    mkdirSync(outSmall);
    mkdirSync(outLarge);
    // A first pass warms the code (compiled functions, caches of the triage) so that both
    // measured passes start alike.
    await scanHeld(small, outSmall);
    const a = await scanHeld(small, outSmall);
    const b = await scanHeld(large, outLarge);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    // One line per file found, then the summary.
    expect(a.lines).toBe(2000 + 31 + 1);
    expect(b.lines).toBe(8000 + 31 + 1);
    const html = readFileSync(join(outLarge, 'scan.html'), 'utf8');
    expect(html).toContain('Failed files (30)');
    expect(statSync(join(outLarge, 'scan.csv')).size).toBeGreaterThan(8000 * 100);
    const growth = b.held - a.held;
    // 6,000 more files: ~6 MiB more before (1 KiB a digest); now nothing a file.
    expect(growth, `live heap ${mib(a.held)} for 2,000 files, ${mib(b.held)} for 8,000`).toBeLessThan(1.5 * 1048576);
  }, 120_000);

  it('the grouper keeps only the crash times that can still count in a trend', () => {
    const digest = (i: number, bucket: string): DumpDigest => ({
      rel: `H/${i}.dmp`,
      status: 'ok',
      size: 1,
      mtimeMs: 0,
      host: 'H',
      hostSource: 'path',
      time: new Date(1_711_000_000_000 + i * 600_000).toISOString(),
      timeSource: 'dump',
      bucketId: bucket,
    });
    // 20,000 crashes 10 minutes apart (139 days): 14 days hold 2,016 of them.
    const free = new Grouper();
    const fixed = new Grouper({ now: new Date(1_711_000_000_000 + 19_999 * 600_000).toISOString() });
    for (let i = 0; i < 20_000; i++) {
      const d = digest(i, i % 2 ? 'A' : 'B');
      free.add(d);
      fixed.add(d);
    }
    expect(free.retainedTimes).toBeLessThanOrEqual(2 * 2 * 1024 + 2016);
    expect(fixed.retainedTimes).toBeLessThanOrEqual(2017);
    // The trends are those of every time kept.
    const r = free.result();
    const expected = { A: { last7: 0, prev7: 0 }, B: { last7: 0, prev7: 0 } };
    const nowMs = Date.parse(r.now!);
    for (let i = 0; i < 20_000; i++) {
      const age = nowMs - (1_711_000_000_000 + i * 600_000);
      const e = expected[i % 2 ? 'A' : 'B'];
      if (age >= 0 && age < 7 * 86_400_000) e.last7++;
      else if (age >= 0 && age < 14 * 86_400_000) e.prev7++;
    }
    for (const b of r.buckets) expect({ last7: b.trend.last7, prev7: b.trend.prev7 }).toEqual(expected[b.bucketId as 'A' | 'B']);
    expect(fixed.result().buckets.map((b) => b.trend)).toEqual(r.buckets.map((b) => b.trend));
  });
});
