// A huge vmware.log is streamed: line counts exact, the crash at the very end found, memory flat.
// 1 GiB by default (about 30 s on 2 cores: 6 s to write, 23 s to read); VMLOG_HUGE_MIB=256
// (or any size in MiB) shrinks it for quick runs.
import { afterAll, describe, expect, it } from 'vitest';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadVmEvents } from '../../src/vmlog/load.js';

const SIZE = Math.max(1, Number(process.env.VMLOG_HUGE_MIB ?? 1024) || 1024) * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'dt-vmlog-huge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One block of ordinary lines; one in eight passes the keyword prefilter without being an event. */
function block(): { text: Buffer; lines: number } {
  const lines: string[] = [];
  for (let i = 0; i < 8192; i++) {
    const ms = String(i % 1000).padStart(3, '0');
    if (i % 8 === 0) lines.push(`2024-07-01T08:00:00.${ms}Z In(05) vmx - Tools: [AppStatus] Last heartbeat value ${i} (last received 0s ago)`);
    else lines.push(`2024-07-01T08:00:00.${ms}Z In(05) vcpu-${i % 4} - VMMouse: CMD Read ID, ECX=0x${i.toString(16)} mouse polled, the quick brown fox`);
  }
  return { text: Buffer.from(`${lines.join('\n')}\n`), lines: lines.length };
}

describe('huge vmware.log', () => {
  it(`streams ${SIZE / 1024 / 1024} MiB with flat memory and exact line numbers`, async () => {
    const path = join(dir, 'vmware.log');
    const b = block();
    const reps = Math.ceil(SIZE / b.text.length);
    const fd = openSync(path, 'w');
    for (let i = 0; i < reps; i++) writeSync(fd, b.text);
    const tail = [
      '2024-07-01T09:00:00.000Z Wa(03) vcpu-2 - WinBSOD: Synthetic MSR[0x40000100] 0x9f',
      '2024-07-01T09:00:00.000Z Wa(03) vcpu-2 - WinBSOD: Synthetic MSR[0x40000101] 0x3',
      '2024-07-01T09:00:00.000Z Wa(03) vcpu-2 - WinBSOD: Synthetic MSR[0x40000102] 0xffffc50b3ac51060',
      '2024-07-01T09:00:00.000Z Wa(03) vcpu-2 - WinBSOD: Synthetic MSR[0x40000103] 0xfffff80763c6f750',
      '2024-07-01T09:00:00.000Z Wa(03) vcpu-2 - WinBSOD: Synthetic MSR[0x40000104] 0xffffc50b40e3a8a0',
    ];
    writeSync(fd, `${tail.join('\n')}\n`);
    closeSync(fd);

    if (global.gc) global.gc();
    const base = process.memoryUsage().rss;
    let peak = base;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const t0 = Date.now();
    const e = await loadVmEvents([path]);
    console.log(`read ${Date.now() - t0} ms, rss +${((peak - base) / 1048576).toFixed(1)} MiB`);
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);

    const expectedLines = reps * b.lines + tail.length;
    expect(e.sources[0]!.lines).toBe(expectedLines);
    expect(e.sources[0]!.bytes).toBe(reps * b.text.length + tail.join('\n').length + 1);
    expect(e.crashes).toHaveLength(1);
    expect(e.crashes[0]).toMatchObject({ code: '0x9f', args: ['0x3', '0xffffc50b3ac51060', '0xfffff80763c6f750', '0xffffc50b40e3a8a0'], line: reps * b.lines + 1 });
    expect(e.hostEvents).toEqual([]);
    expect(peak - base, `rss grew by ${((peak - base) / 1048576).toFixed(1)} MiB`).toBeLessThan(64 * 1024 * 1024);
  }, 300_000);
});
