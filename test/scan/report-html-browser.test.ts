// The per-dump table, detail panels and charts of the HTML report, end to end: `dumptriage scan
// --report` (twice, the second scan seeing new dumps) over a share of real fixture dumps in host
// folders plus synthetic user and kernel dumps spread over weeks, then the page in headless
// Chromium: its DOM after the inline script ran (--dump-dom), with a URL fragment that sorts and
// filters, and a screenshot. Chromium comes from scripts/ensure-chromium.sh; without it the
// test says so and skips.

import { ensureChromium } from '../helpers/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cli } from '../helpers/cli.js';
import { appCrash } from '../synth/crash.js';
import { SynthKernelDump } from '../synth/kernel.js';
import { populate } from '../formats/kernel/populate.js';

const ROOT = resolve(__dirname, '..', '..');


const chromium = ensureChromium();
if (!chromium.path) console.warn(`\n*** Chromium not available (${chromium.why}): the HTML report table/charts browser test is SKIPPED ***\n`);

function chromiumArgs(userDir: string): string[] {
  return [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', `--user-data-dir=${userDir}`, '--virtual-time-budget=3000',
  ];
}

const DAY = 86_400_000;
const T0 = Date.parse('2024-01-08T09:30:00Z');
const BUGCHECK_ARGS = [0xfffff80412345678n, 0x2n, 0x0n, 0xfffff8048b58334cn];

function kernelDump(ms: number): Uint8Array {
  const filetime = BigInt(ms + 11_644_473_600_000) * 10_000n;
  return populate(new SynthKernelDump({ cpus: 2, build: 22621, bugcheck: { code: 0xd1, args: BUGCHECK_ARGS }, systemTime: filetime })).build();
}

interface Row {
  cells: string[];
  hidden: boolean;
  time: string;
}

/** The data rows (not the detail rows) of the table whose opening tag contains `marker`. */
function tableRows(dom: string, marker: string): Row[][] {
  const out: Row[][] = [];
  for (const piece of dom.split(marker).slice(1)) {
    const body = piece.slice(piece.indexOf('<tbody>'), piece.indexOf('</table>'));
    const rows: Row[] = [];
    for (const m of body.matchAll(/<tr( hidden="")?( class="[^"]*")?>([\s\S]*?)<\/tr>/g)) {
      if ((m[2] ?? '').includes('detail')) continue;
      const cells = [...m[3]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, '').trim());
      const time = /data-v="([^"]*)"/.exec(m[3]!)?.[1] ?? '';
      rows.push({ cells, hidden: m[1] !== undefined, time });
    }
    out.push(rows);
  }
  return out;
}

describe.skipIf(!chromium.path)('HTML report: per-dump table, details and charts in headless Chromium', () => {
  let share: string;
  let work: string;
  let file: string;
  let html: string;
  let dom: string;
  let domSorted: string;
  let shot: string;
  let expected = 0;
  const run = (extra: string[], out: string): string => {
    const r = spawnSync(chromium.path!, [...chromiumArgs(join(work, `profile-${out}`)), ...extra], { encoding: 'utf8', timeout: 60_000 });
    return r.stdout;
  };

  beforeAll(async () => {
    share = mkdtempSync(join(tmpdir(), 'dt-html2-share-'));
    work = process.env.DT_HTML_OUT ?? mkdtempSync(join(tmpdir(), 'dt-html2-out-'));
    mkdirSync(work, { recursive: true });
    const fixtures = readdirSync(join(ROOT, 'dumps-fixtures')).filter((f) => f.endsWith('.dmp'));
    for (const host of ['HOST1', 'HOST2', 'HOST3']) {
      mkdirSync(join(share, host, 'Minidump'), { recursive: true });
      for (const f of fixtures) copyFileSync(join(ROOT, 'dumps-fixtures', f), join(share, host, 'Minidump', f));
      expected += fixtures.length;
    }
    // Synthetic app crashes over ten weeks (the time axis is in weeks), two modules.
    mkdirSync(join(share, 'HOST4'), { recursive: true });
    for (let i = 0; i < 8; i++) {
      writeFileSync(join(share, 'HOST4', `app${i}.dmp`), appCrash({ module: i % 3 ? 'plugin.dll' : 'codec.dll', timestamp: Math.floor((T0 + i * 9 * DAY) / 1000) }));
      expected++;
    }
    mkdirSync(join(share, 'SRV9', 'Minidump'), { recursive: true });
    writeFileSync(join(share, 'SRV9', 'Minidump', 'kernel1.dmp'), kernelDump(T0 + 20 * DAY));
    expected++;
    file = join(work, 'report.html');
    // A first scan, then a new dump that crashed later: the second scan's report marks it new.
    const first = await cli('scan', share, '--workers', 'inline', '--report', join(work, 'first.html'));
    expect(first.code, first.stderr).toBe(0);
    writeFileSync(join(share, 'SRV9', 'Minidump', 'kernel2.dmp'), kernelDump(Date.now() + DAY));
    expected++;
    const second = await cli('scan', share, '--workers', 'inline', '--report', file);
    expect(second.code, second.stderr).toBe(0);
    html = readFileSync(file, 'utf8');
    const url = pathToFileURL(file).href;
    dom = run(['--dump-dom', url], 'a');
    domSorted = run(['--dump-dom', `${url}#view=all&sort=time&asc&filter=host2`], 'b');
    shot = join(work, 'report.png');
    run(['--window-size=1400,2000', '--hide-scrollbars', `--screenshot=${shot}`, url], 'c');
    run(['--window-size=1400,1300', '--hide-scrollbars', `--screenshot=${join(work, 'report-flat.png')}`, `${url}#view=all&sort=time&filter=srv9&open=0`], 'd');
    console.log(`HTML report: ${file}; screenshots: ${shot}, ${join(work, 'report-flat.png')}`);
    if (!dom || !domSorted) throw new Error('chromium --dump-dom gave nothing');
  }, 120_000);
  afterAll(() => {
    rmSync(share, { recursive: true, force: true });
    if (!process.env.DT_HTML_OUT && !process.env.DT_KEEP_HTML) rmSync(work, { recursive: true, force: true });
  });

  it('lists every dump once, with the BlueScreenView columns', () => {
    expect(dom).toContain('data-ready="yes"');
    const tables = tableRows(dom, 'class="sortable dumps"');
    const rows = tables.flat();
    expect(rows.length).toBe(expected);
    expect(dom).toContain(`${expected} of ${expected} dumps shown`);
    const head = /<table class="sortable dumps"[^>]*><thead><tr>([\s\S]*?)<\/tr>/.exec(dom)![1]!;
    const titles = [...head.matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(titles).toEqual(['Crash time (UTC)', 'Host', 'Computer name', 'Bug check / exception', 'P1', 'P2', 'P3', 'P4', 'Caused by', 'Address', 'Image version', 'OS build', 'Arch', 'Process', 'File', 'Size', 'Bucket']);
    // A fixture: the x64 sample app crash, in each host folder.
    const x64 = rows.filter((r) => r.cells[14] === 'HOST2/Minidump/sample-app-crash-x64.dmp');
    expect(x64.length).toBe(1);
    const c = x64[0]!.cells;
    expect(c[0]).toBe('2024-05-28 12:40:00');
    expect(c[1]).toBe('HOST2');
    expect(c[3]).toBe('0xc0000005 STATUS_ACCESS_VIOLATION');
    expect(c.slice(4, 6)).toEqual(['0x0', '0x10']);
    expect(c[8]).toBe('VendorPlugin.dll');
    expect(c[9]).toBe('0x7ffa1c301a2b (+0x1a2b)');
    expect(c[10]).toBe('3.1.7.0');
    expect(c[11]).toBe('10.0.19045');
    expect(c[12]).toBe('x64');
    expect(c[13]).toBe('SampleApp.exe');
    expect(c[15]).toBe(`${(statSync(join(ROOT, 'dumps-fixtures', 'sample-app-crash-x64.dmp')).size / 1024).toFixed(1)} KiB`);
    // The kernel dump: bug check code and its four parameters.
    const k = rows.find((r) => r.cells[14] === 'SRV9/Minidump/kernel1.dmp')!;
    expect(k, 'kernel row').toBeDefined();
    expect(k.cells[3]).toMatch(/^0x0*d1 /i);
    expect(k.cells.slice(4, 8).map((x) => BigInt(x))).toEqual(BUGCHECK_ARGS);
  });

  it('has a detail panel per dump with STACK_TEXT, findings and advice (escaped, not a link)', () => {
    expect(html).not.toMatch(/href="file:/);
    const panels = dom.split('<tr class="detail" hidden="">').slice(1).map((p) => p.slice(0, p.indexOf('</tr>')));
    expect(panels.length).toBe(expected);
    const x64 = panels.find((p) => p.includes('HOST1/Minidump/sample-app-crash-x64.dmp'))!;
    expect(x64).toContain('STACK_TEXT (thread 10828)');
    expect(x64).toMatch(/00 -- 0x7ffa1c301a2b VendorPlugin\.dll\+0x1a2b \(fault\)/);
    expect(x64).toMatch(/\(fault\)\n01 0xa1b2cfe008 /); // one frame a line, not an escaped \x0a
    expect(x64).toContain('Access violation: read of 0x10');
    expect(x64).toContain('Update the application or the component that ships VendorPlugin.dll');
    // Each bucket has a representative stack and breakdowns.
    expect((dom.match(/class="rep-stack"/g) ?? []).length).toBeGreaterThan(2);
    expect(dom).toContain('<div class="bd-title">OS build</div>');
  });

  it('draws the time chart over the real range, with y ticks and bars', () => {
    const at = dom.indexOf('id="chart-days"');
    const chart = dom.slice(at, dom.indexOf('</figure>', at));
    // From the fixtures' 2023 crashes to the new dump (tomorrow): months, or years on a far clock.
    expect(chart).toMatch(/data-unit="(month|year)"/);
    expect((chart.match(/class="ytick"/g) ?? []).length).toBeGreaterThanOrEqual(3);
    expect((chart.match(/class="xtick"/g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect((chart.match(/<rect class="bar"/g) ?? []).length).toBeGreaterThanOrEqual(5);
    expect(chart).toContain('class="prev-scan"');
  });

  it('marks what is new since the last scan', () => {
    expect(dom).toContain('New since the last scan (');
    const kernel2 = tableRows(dom, 'class="sortable dumps"').flat().find((r) => r.cells[14] === 'SRV9/Minidump/kernel2.dmp')!;
    expect(kernel2.cells[0]).toMatch(/new$/);
    const kernel1 = tableRows(dom, 'class="sortable dumps"').flat().find((r) => r.cells[14] === 'SRV9/Minidump/kernel1.dmp')!;
    expect(kernel1.cells[0]).not.toMatch(/new$/);
  });

  it('sorts and filters by the URL fragment: one table, HOST2 only, oldest first', () => {
    const flat = tableRows(domSorted, 'id="flat-table"')[0]!;
    expect(flat.length).toBe(expected);
    const shown = flat.filter((r) => !r.hidden);
    expect(shown.length).toBe(4);
    expect(shown.every((r) => r.cells[1] === 'HOST2')).toBe(true);
    const times = shown.map((r) => r.time);
    expect(times).toEqual([...times].sort());
    expect(domSorted).toContain('4 of ');
    expect(domSorted).toMatch(/<div id="bucket-sections" hidden="">/);
  });

  it('renders a non-trivial screenshot', () => {
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1400);
    expect(png.length).toBeGreaterThan(60_000);
  });
});
