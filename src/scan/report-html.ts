// `--report FILE.html`: one self-contained page (no external resources): inline CSS, charts as
// inline SVG generated here, a sortable bucket table and per-bucket dump lists driven by a small
// inline script. Every string taken from a dump is escaped: escapeHtml in markup, and in the
// inline JSON data `<`, `>`, `&`, U+2028 and U+2029 become \u escapes so that no `</script>` can
// close the data block; the script only ever writes text through textContent.

import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { escapeHtml as h } from '../util/escape.js';
import type { DumpDigest } from './digest.js';
import type { ScanGroups } from './group.js';

export interface HtmlReportInput {
  title?: string;
  root: string;
  generated: string;
  counts: { found: number; dumps: number; ok: number; failed: number; skipped: number; read?: number; reused?: number; removed?: number };
  groups: ScanGroups;
  /** Every file digest (dumps and failures); skipped non-dumps may be left out. */
  digests: DumpDigest[];
}

/** JSON safe inside a <script> element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const OTHER = '#c8c8c8';

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** Horizontal bar chart. */
function barChart(id: string, title: string, rows: Array<{ label: string; value: number; href?: string }>): string {
  if (rows.length === 0) return `<figure class="chart" id="${id}"><figcaption>${h(title)}</figcaption><p class="empty">nothing to show</p></figure>`;
  const max = Math.max(...rows.map((r) => r.value), 1);
  const barH = 18;
  const labelW = 260;
  const w = 640;
  const height = rows.length * (barH + 6) + 10;
  const bars = rows
    .map((r, i) => {
      const y = 5 + i * (barH + 6);
      const bw = Math.max(1, Math.round(((w - labelW - 60) * r.value) / max));
      const label = `<text x="${labelW - 6}" y="${y + 13}" text-anchor="end" class="lbl"><title>${h(r.label)}</title>${h(clip(r.label, 38))}</text>`;
      const bar = `<rect x="${labelW}" y="${y}" width="${bw}" height="${barH}" fill="${COLORS[i % COLORS.length]}"><title>${h(r.label)}: ${r.value}</title></rect><text x="${labelW + bw + 5}" y="${y + 13}" class="val">${r.value}</text>`;
      return r.href ? `<a href="${h(r.href)}">${label}${bar}</a>` : `${label}${bar}`;
    })
    .join('');
  return `<figure class="chart" id="${id}"><figcaption>${h(title)}</figcaption><svg role="img" aria-label="${h(title)}" viewBox="0 0 ${w} ${height}" width="${w}" height="${height}">${bars}</svg></figure>`;
}

/** Stacked columns: crashes per day, coloured by the top buckets. */
function dailyChart(g: ScanGroups, bucketAnchor: Map<string, string>): string {
  const title = 'Crashes per day by bucket';
  if (g.days.length === 0) return `<figure class="chart" id="chart-days"><figcaption>${h(title)}</figcaption><p class="empty">no dated crashes</p></figure>`;
  // Continuous day axis from the first to the last day, at most 120 days (the newest).
  const lastMs = Date.parse(`${g.days[g.days.length - 1]!.day}T00:00:00Z`);
  let firstMs = Date.parse(`${g.days[0]!.day}T00:00:00Z`);
  if (!Number.isFinite(lastMs) || !Number.isFinite(firstMs)) firstMs = lastMs;
  const nDays = Math.min(120, Math.max(1, Math.round((lastMs - firstMs) / 86_400_000) + 1));
  const days: string[] = [];
  for (let i = nDays - 1; i >= 0; i--) days.push(new Date(lastMs - i * 86_400_000).toISOString().slice(0, 10));
  const top = g.buckets.slice(0, COLORS.length - 1);
  const totals = new Map(g.days.map((d) => [d.day, d.count]));
  const w = 900;
  const chartH = 200;
  const left = 40;
  const colW = (w - left - 10) / days.length;
  const max = Math.max(1, ...days.map((d) => totals.get(d) ?? 0));
  let cols = '';
  days.forEach((day, i) => {
    const x = left + i * colW;
    let y = chartH;
    let rest = totals.get(day) ?? 0;
    const seg = (n: number, color: string, label: string, href?: string): void => {
      if (n <= 0) return;
      const hh = (chartH - 10) * (n / max);
      y -= hh;
      const rect = `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, colW - 1).toFixed(1)}" height="${hh.toFixed(1)}" fill="${color}"><title>${day} ${h(label)}: ${n}</title></rect>`;
      cols += href ? `<a href="${h(href)}">${rect}</a>` : rect;
    };
    top.forEach((b, bi) => {
      const n = b.days[day] ?? 0;
      rest -= n;
      seg(n, COLORS[bi]!, b.bucketId, `#${bucketAnchor.get(b.bucketId)}`);
    });
    seg(rest, OTHER, 'other buckets');
  });
  const axis = `<line x1="${left}" y1="${chartH}" x2="${w - 10}" y2="${chartH}" stroke="#888"/><text x="${left - 4}" y="14" text-anchor="end" class="val">${max}</text><text x="${left - 4}" y="${chartH}" text-anchor="end" class="val">0</text>` +
    `<text x="${left}" y="${chartH + 16}" class="val">${days[0]}</text><text x="${w - 10}" y="${chartH + 16}" text-anchor="end" class="val">${days[days.length - 1]}</text>`;
  const legend = top
    .map((b, bi) => `<li><span class="sw" style="background:${COLORS[bi]}"></span><a href="#${bucketAnchor.get(b.bucketId)}">${h(clip(b.bucketId, 70))}</a> (${b.count})</li>`)
    .join('') + (g.buckets.length > top.length ? `<li><span class="sw" style="background:${OTHER}"></span>other buckets</li>` : '');
  return `<figure class="chart wide" id="chart-days"><figcaption>${h(title)}</figcaption><svg role="img" aria-label="${h(title)}" viewBox="0 0 ${w} ${chartH + 22}" width="${w}" height="${chartH + 22}">${axis}${cols}</svg><ul class="legend">${legend}</ul></figure>`;
}

const CSS = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#555}.cards{display:flex;gap:12px;flex-wrap:wrap;margin:14px 0}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 14px}.card b{display:block;font-size:20px}
.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px;margin:0}
.chart figcaption{font-weight:600;margin-bottom:4px}.chart .lbl,.chart .val{font-size:11px;fill:#333}
.legend{list-style:none;padding:0;margin:6px 0 0;font-size:12px;columns:2}.sw{display:inline-block;width:10px;height:10px;margin-right:5px}
table{border-collapse:collapse;background:#fff;width:100%}th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eee;cursor:pointer;user-select:none;white-space:nowrap}th.sorted-asc::after{content:" ▲"}th.sorted-desc::after{content:" ▼"}
td.num{text-align:right}.mono{font-family:ui-monospace,Consolas,monospace;font-size:12px;word-break:break-all}
.trend-rising,.trend-new{color:#c0392b;font-weight:600}.trend-falling,.trend-gone{color:#27ae60}
.bucket-dumps{margin:10px 0 18px;background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px}
.bucket-dumps h3{font-size:14px;margin:0 0 6px}.hint{background:#fff7e0;border:1px solid #f0d58c;padding:6px 10px;border-radius:4px;margin:6px 0}
.empty{color:#777}
`;

// The inline script: table sorting and per-bucket dump lists, text only (textContent).
const JS = `
(function(){
  var data = JSON.parse(document.getElementById('scan-data').textContent);
  function cellValue(td){ var v = td.getAttribute('data-v'); return v !== null ? v : td.textContent; }
  document.querySelectorAll('table.sortable').forEach(function(table){
    var ths = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(ths, function(th, col){
      th.addEventListener('click', function(){
        var asc = !th.classList.contains('sorted-asc');
        Array.prototype.forEach.call(ths, function(x){ x.classList.remove('sorted-asc','sorted-desc'); });
        th.classList.add(asc ? 'sorted-asc' : 'sorted-desc');
        var num = th.getAttribute('data-type') === 'num';
        var rows = Array.prototype.slice.call(table.tBodies[0].rows);
        rows.sort(function(a,b){
          var x = cellValue(a.cells[col]), y = cellValue(b.cells[col]);
          var c = num ? (Number(x) - Number(y)) : (x < y ? -1 : x > y ? 1 : 0);
          return asc ? c : -c;
        });
        rows.forEach(function(r){ table.tBodies[0].appendChild(r); });
      });
    });
  });
  function td(tr, text, cls){ var c = document.createElement('td'); c.textContent = text; if (cls) c.className = cls; tr.appendChild(c); return c; }
  data.buckets.forEach(function(b){
    var box = document.getElementById(b.anchor);
    if (!box) return;
    var table = document.createElement('table');
    table.className = 'sortable dumps';
    var head = table.createTHead().insertRow();
    ['Time','Host','Module','Dump'].forEach(function(t){ var th = document.createElement('th'); th.textContent = t; head.appendChild(th); });
    var body = table.createTBody();
    b.dumps.forEach(function(d){
      var tr = body.insertRow();
      td(tr, d.time.replace('T',' ').slice(0,19));
      td(tr, d.host || '-');
      td(tr, d.module || '-');
      var c = td(tr, '', 'mono');
      var a = document.createElement('a');
      a.textContent = d.rel;
      a.href = d.href;
      c.appendChild(a);
    });
    box.appendChild(table);
  });
  document.body.setAttribute('data-ready', 'yes');
  var ok = document.createElement('p'); ok.id = 'js-ok'; ok.className = 'meta'; ok.textContent = 'Interactive: click a column header to sort.';
  document.getElementById('buckets').insertAdjacentElement('afterend', ok);
})();
`;

/** One analysed dump as the report's per-bucket lists show it (`module`: image, else module name). */
export interface ReportDump {
  rel: string;
  host: string | null;
  time: string;
  module: string | null;
}

/** Failed files listed in the report (the rest are counted). */
export const MAX_FAILURE_ROWS = 1000;

/**
 * The files a report lists, kept where the caller likes (report-store.ts: a temporary SQLite
 * file, so that the scan's memory does not grow with the share).
 */
export interface ReportDumpSource {
  /** The analysed dumps of a bucket (`bucketId || '(no bucket)'`), newest first, ties in the order they were added. */
  bucketDumps(bucketId: string): Iterable<ReportDump>;
  /** Failed files (status error): how many, and the first MAX_FAILURE_ROWS in the order added. */
  readonly failureCount: number;
  readonly failures: readonly DumpDigest[];
}

/** What the lists of a report need from one digest. */
export function reportDump(d: DumpDigest): ReportDump {
  return { rel: d.rel, host: d.host, time: d.time, module: d.image ?? d.module ?? null };
}

/** A source over digests in memory (the library and the tests). */
export function digestSource(digests: readonly DumpDigest[]): ReportDumpSource {
  const byBucket = new Map<string, DumpDigest[]>();
  for (const d of digests) {
    if (d.status !== 'ok') continue;
    const k = d.bucketId || '(no bucket)';
    let l = byBucket.get(k);
    if (!l) byBucket.set(k, (l = []));
    l.push(d);
  }
  const failures = digests.filter((d) => d.status === 'error');
  return {
    bucketDumps: (bucketId) => (byBucket.get(bucketId) ?? []).sort((x, y) => (x.time > y.time ? -1 : x.time < y.time ? 1 : 0)).map(reportDump),
    failureCount: failures.length,
    failures: failures.slice(0, MAX_FAILURE_ROWS),
  };
}

export function renderHtmlReport(input: HtmlReportInput): string {
  const { digests, ...rest } = input;
  let out = '';
  for (const part of htmlReportParts({ ...rest, dumps: digestSource(digests) })) out += part;
  return out;
}

export type HtmlReportStreamInput = Omit<HtmlReportInput, 'digests'> & { dumps: ReportDumpSource };

/**
 * The report in parts, in order (their concatenation is the page): the per-bucket dump lists of
 * the inline data come a few dumps at a time, so that a writer holds one part at a time however
 * many dumps the share has.
 */
export function* htmlReportParts(input: HtmlReportStreamInput): Generator<string> {
  const g = input.groups;
  const anchors = new Map<string, string>();
  g.buckets.forEach((b, i) => anchors.set(b.bucketId, `bucket-${i + 1}`));
  const href = (rel: string): string => pathToFileURL(join(input.root, ...rel.split('/'))).href;
  const c = input.counts;
  const cards = [
    ['files', c.found], ['dumps', c.dumps], ['analysed', c.ok], ['failed', c.failed], ['not dumps', c.skipped],
    ['buckets', g.buckets.length], ['hosts', g.hosts.length], ['crash / hang', `${g.crash} / ${g.hang}`],
  ]
    .map(([k, v]) => `<div class="card"><b>${h(String(v))}</b>${h(String(k))}</div>`)
    .join('');
  const bucketRows = g.buckets
    .map((b) => {
      const a = anchors.get(b.bucketId)!;
      return `<tr><td class="num" data-v="${b.count}">${b.count}</td><td class="num" data-v="${b.hosts}">${b.hosts}</td><td>${h(b.firstSeen.slice(0, 10))}</td><td>${h(b.lastSeen.slice(0, 10))}</td>` +
        `<td class="trend-${b.trend.direction}" data-v="${b.trend.last7 - b.trend.prev7}">${b.trend.direction} ${b.trend.last7}/${b.trend.prev7}</td>` +
        `<td>${b.crash}/${b.hang}</td><td class="mono">${h(b.module ?? '-')}</td><td class="mono"><a href="#${a}">${h(b.bucketId)}</a></td><td>${h(b.summary ?? '')}</td></tr>`;
    })
    .join('');
  const moduleRows = g.modules
    .slice(0, 50)
    .map(
      (m) =>
        `<tr><td class="num" data-v="${m.count}">${m.count}</td><td class="num" data-v="${m.buckets}">${m.buckets}</td><td class="num" data-v="${m.hosts}">${m.hosts}</td><td>${m.crash}/${m.hang}</td>` +
        `<td class="mono">${h(m.module)}</td><td class="mono">${m.timestamps.map((x) => `${h(x.timestamp)} (${x.count})`).join('<br>') || '-'}</td><td class="mono">${m.versions.map((x) => `${h(x.version)} (${x.count})`).join('<br>') || '-'}</td></tr>`,
    )
    .join('');
  const failureCount = input.dumps.failureCount;
  const failureRows = input.dumps.failures
    .slice(0, MAX_FAILURE_ROWS)
    .map((d) => `<tr><td class="mono">${h(d.rel)}</td><td>${h(d.host ?? '-')}</td><td>${h(d.error?.code ?? '')}</td><td>${h(d.error?.message ?? '')}</td></tr>`)
    .join('');
  const sections = g.buckets
    .map((b) => {
      const a = anchors.get(b.bucketId)!;
      return `<section class="bucket-dumps" id="${a}"><h3>${h(b.bucketId)} <small>(${b.count} dumps, ${b.hosts} hosts; ${h(b.firstSeen.slice(0, 10))} → ${h(b.lastSeen.slice(0, 10))})</small></h3>` +
        `<p>${h(b.summary ?? '')}</p><p class="meta">Hosts: ${b.hostNames.map(h).join(', ') || '-'}</p></section>`;
    })
    .join('');
  const spray = g.spray.map((s) => `<p class="hint">${h(s.message)}</p>`).join('');
  const title = input.title ?? 'dumptriage scan report';
  yield `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title><style>${CSS}</style></head>
<body>
<h1>${h(title)}</h1>
<p class="meta">${h(input.root)} · generated ${h(input.generated)}${g.now ? ` · trends: last 7 days to ${h(g.now.slice(0, 10))} vs the 7 before` : ''}${c.read !== undefined ? ` · read ${c.read}, reused ${c.reused ?? 0}, removed ${c.removed ?? 0}` : ''}</p>
<div class="cards">${cards}</div>
${spray}
<h2>Charts</h2>
<div class="charts">
${dailyChart(g, anchors)}
${barChart('chart-buckets', 'Top buckets', g.buckets.slice(0, 15).map((b) => ({ label: b.bucketId, value: b.count, href: `#${anchors.get(b.bucketId)}` })))}
${barChart('chart-modules', 'Top cause modules', g.modules.slice(0, 15).map((m) => ({ label: m.module, value: m.count })))}
${barChart('chart-hosts', 'Hosts', g.hosts.slice(0, 15).map((x) => ({ label: x.host, value: x.count })))}
</div>
<h2 id="buckets">Buckets (${g.buckets.length})</h2>
<table class="sortable" id="bucket-table"><thead><tr><th data-type="num">Dumps</th><th data-type="num">Hosts</th><th>First</th><th>Last</th><th data-type="num">Trend 7d/prev</th><th>Crash/hang</th><th>Module</th><th>Bucket</th><th>Summary</th></tr></thead>
<tbody>${bucketRows}</tbody></table>
<h2>Cause modules (${g.modules.length})</h2>
<table class="sortable" id="module-table"><thead><tr><th data-type="num">Dumps</th><th data-type="num">Buckets</th><th data-type="num">Hosts</th><th>Crash/hang</th><th>Module</th><th>Link timestamps</th><th>Versions</th></tr></thead>
<tbody>${moduleRows}</tbody></table>
<h2>Dumps by bucket</h2>
${sections}
<h2>Failed files (${failureCount})</h2>
${failureCount ? `<table class="sortable" id="failure-table"><thead><tr><th>File</th><th>Host</th><th>Code</th><th>Error</th></tr></thead><tbody>${failureRows}</tbody></table>${failureCount > MAX_FAILURE_ROWS ? `<p class="meta">${failureCount - MAX_FAILURE_ROWS} more in --csv / --json</p>` : ''}` : '<p class="empty">none</p>'}
<script type="application/json" id="scan-data">`;
  // The data: what jsonForScript({ buckets: [{ anchor, dumps: [...] }] }) gives, written a few
  // dumps at a time (its escapes apply character by character, so piece by piece alike).
  yield '{"buckets":[';
  let firstBucket = true;
  for (const b of g.buckets) {
    yield `${firstBucket ? '' : ','}{"anchor":${jsonForScript(anchors.get(b.bucketId))},"dumps":[`;
    firstBucket = false;
    let part = '';
    let first = true;
    for (const d of input.dumps.bucketDumps(b.bucketId)) {
      part += (first ? '' : ',') + jsonForScript({ rel: d.rel, href: href(d.rel), host: d.host, time: d.time, module: d.module });
      first = false;
      if (part.length >= 65536) {
        yield part;
        part = '';
      }
    }
    yield `${part}]}`;
  }
  yield `]}</script>
<script>${JS}</script>
</body></html>
`;
}
