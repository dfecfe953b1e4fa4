// The HTML report in headless Chromium: it renders (charts, tables, per-bucket dump lists built by
// its script) and hostile strings from dumps stay text. Chromium comes from
// scripts/ensure-chromium.sh (apt-get when missing); without it the test says so and skips.

import { ensureChromium } from '../helpers/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShareScan } from '../../src/scan/scan.js';
import { renderHtmlReport, jsonForScript } from '../../src/scan/report-html.js';
import type { DumpDigest } from '../../src/scan/digest.js';
import { FAKE_TRIAGE, Share, standIn } from './share.js';



const chromium = ensureChromium();
if (!chromium.path) console.warn(`\n*** Chromium not available (${chromium.why}): the HTML report browser test is SKIPPED ***\n`);

const HOSTILE_MODULE = '<img src=x onerror=alert(1)>.sys';
const HOSTILE_HOST = `<img src=x onerror="document.title='PWNED'">`;
const HOSTILE_BUCKET = `</script><script>document.title='PWNED2'</script>`;

function chromiumArgs(userDir: string): string[] {
  return [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', `--user-data-dir=${userDir}`, '--virtual-time-budget=3000',
  ];
}

describe('jsonForScript', () => {
  it('escapes what could close or confuse a script element', () => {
    const s = jsonForScript({ a: '</script><!-- & \u2028' });
    expect(s).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(s)).toEqual({ a: '</script><!-- & \u2028' });
  });
});

describe.skipIf(!chromium.path)('HTML report in headless Chromium', () => {
  let share: Share;
  let work: string;
  let html: string;
  let dom: string;
  beforeAll(async () => {
    share = new Share('dt-html-');
    work = mkdtempSync(join(tmpdir(), 'dt-html-out-'));
    const day = (d: number): string => new Date(Date.parse('2024-03-31T10:00:00Z') - d * 86_400_000).toISOString();
    let n = 0;
    for (let i = 0; i < 24; i++) share.write(`SRV${(i % 4) + 1}/Minidump/a${n++}.dmp`, standIn({ bucket: 'AV_evil!Tick', image: 'evil.sys', crashTime: day(i % 10), ts: '2019-05-01T00:00:00.000Z' }), 'ok');
    for (let i = 0; i < 9; i++) share.write(`SRV${(i % 2) + 5}/Minidump/b${n++}.dmp`, standIn({ bucket: 'HANG_netx', image: 'netx.sys', kind: 'hang', crashTime: day(i) }), 'ok');
    for (let i = 0; i < 5; i++) share.write(`WS${i}/c${n++}.dmp`, standIn({ bucket: `0x7e_${HOSTILE_MODULE}`, image: HOSTILE_MODULE, crashTime: day(i * 2), hostName: HOSTILE_HOST }), 'ok');
    share.write(`WS9/d${n++}.dmp`, standIn({ bucket: HOSTILE_BUCKET, image: 'x.sys', crashTime: day(1) }), 'ok');
    share.write(`WS9/bad.dmp`, Buffer.from('MDMP\0\0\0\0{oops'), 'error');
    const scan = new ShareScan(share.root, { triageModule: FAKE_TRIAGE, workers: 'inline', index: false });
    const digests: DumpDigest[] = [];
    for await (const it of scan) digests.push(it.digest);
    const s = scan.summary!;
    html = renderHtmlReport({ root: share.root, generated: '2024-04-01T00:00:00Z', counts: s, groups: s.groups, digests });
    const file = join(work, 'report.html');
    writeFileSync(file, html);
    const run = spawnSync(chromium.path!, [...chromiumArgs(join(work, 'profile')), '--dump-dom', `file://${file}`], { encoding: 'utf8', timeout: 90_000 });
    dom = run.stdout;
    if (!dom) throw new Error(`chromium --dump-dom gave nothing: ${run.stderr?.slice(0, 2000)}`);
    // A screenshot for a human look (kept in the temp dir; path printed).
    const shot = join(work, 'report.png');
    spawnSync(chromium.path!, [...chromiumArgs(join(work, 'profile2')), '--window-size=1280,2400', '--hide-scrollbars', `--screenshot=${shot}`, `file://${file}`], { timeout: 90_000 });
    console.log(`HTML report screenshot: ${shot}`);
  }, 180_000);
  afterAll(() => {
    rmSync(share.root, { recursive: true, force: true });
    if (!process.env.DT_KEEP_HTML) rmSync(work, { recursive: true, force: true });
  });

  it('is self-contained: no external resource', () => {
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<script[^>]+src=/i);
  });

  it('renders the charts and the tables, and its script ran', () => {
    expect(dom).toContain('data-ready="yes"');
    expect(dom).toContain('id="js-ok"');
    for (const id of ['chart-days', 'chart-buckets', 'chart-modules', 'chart-hosts']) {
      const at = dom.indexOf(`id="${id}"`);
      expect(at, id).toBeGreaterThan(-1);
      expect(dom.slice(at, at + 600), id).toMatch(/<svg|<rect/);
    }
    const bucketTable = dom.slice(dom.indexOf('id="bucket-table"'), dom.indexOf('</table>', dom.indexOf('id="bucket-table"')));
    expect((bucketTable.match(/<tr>/g) ?? []).length).toBe(1 + 4); // header + 4 buckets
    // The script built one dump table per bucket, with one row per dump (+ header).
    const dumpTables = dom.split('class="sortable dumps"').slice(1);
    expect(dumpTables.length).toBe(4);
    expect((dumpTables[0]!.split('</table>')[0]!.match(/<tr>/g) ?? []).length).toBe(1 + 24);
    expect(dom).toContain('Failed files (1)');
  });

  it('keeps hostile names as text', () => {
    expect(dom).not.toMatch(/<img\b/i);
    expect(dom).toContain('&lt;img src=x onerror=alert(1)&gt;.sys');
    // neither payload ran: the title is still ours
    expect(dom).toMatch(/<title>dumptriage scan report<\/title>/);
    // the hostile bucket id survived the JSON data block and is shown as text
    expect(dom).toContain('&lt;/script&gt;&lt;script&gt;document.title=');
    expect(readFileSync(join(work, 'report.html'), 'utf8').split('</script>').length).toBe(3); // exactly the two real script ends
  });
});
