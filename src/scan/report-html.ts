// `--report FILE.html`: one self-contained page (no external resources): inline CSS, charts as
// inline SVG generated here (report-html-charts.ts), a sortable bucket table and, per bucket, a
// representative stack, breakdowns and a sortable, filterable table of its dumps with a detail
// panel per dump (report-html-dumps.ts), driven by a small inline script. Every string taken
// from a dump is escaped: escapeHtml in markup, and in the inline JSON data `<`, `>`, `&`,
// U+2028 and U+2029 become \u escapes so that no `</script>` can close the data block; the
// script only ever writes text through textContent.

import { escapeHtml as h } from '../util/escape.js';
import type { DumpDetail, DumpDigest } from './digest.js';
import type { ScanGroups } from './group.js';
import { barChart, clip, timeChart } from './report-html-charts.js';
import { bucketSection, DUMP_COLUMNS, dumpTableHead, type DetailBudget } from './report-html-dumps.js';
import { previousScanStart } from './report-html-previous.js';
import { REPORT_CSS, REPORT_JS } from './report-html-assets.js';

export interface HtmlReportInput {
  title?: string;
  root: string;
  generated: string;
  /** The scan's counts (a ScanSummary will do: its `index` path is where the previous scan is looked up). */
  counts: { found: number; dumps: number; ok: number; failed: number; skipped: number; read?: number; reused?: number; removed?: number; index?: string | null };
  groups: ScanGroups;
  /** Every file digest (dumps and failures); skipped non-dumps may be left out. */
  digests: DumpDigest[];
  /**
   * Start (ISO) of the previous scan, for 'new since the last scan'; null: none. Default: read
   * from the index named by `counts.index`, when there is one.
   */
  previousScan?: string | null;
}

/** JSON safe inside a <script> element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One analysed dump as the report's per-bucket tables show it (`module`: image, else module name). */
export interface ReportDump {
  rel: string;
  host: string | null;
  time: string;
  module: string | null;
  timeSource?: 'dump' | 'mtime';
  size?: number;
  /** The computer name recorded in the dump. */
  computer?: string;
  kind?: string;
  bugcheck?: string;
  bugcheckName?: string;
  exception?: string;
  exceptionName?: string;
  params?: string[];
  image?: string;
  causeAddress?: string;
  causeOffset?: string;
  imageVersion?: string;
  osVersion?: string;
  osBuild?: number;
  arch?: string;
  process?: string;
  summary?: string;
  detail?: DumpDetail;
}

/** Failed files listed in the report (the rest are counted). */
export const MAX_FAILURE_ROWS = 1000;

/**
 * The files a report lists, kept where the caller likes (report-store.ts: a temporary SQLite
 * file, so that the scan's memory does not grow with the share).
 */
export interface ReportDumpSource {
  /** The analysed dumps of a bucket (`bucketId || '(no bucket)'`), newest first, ties in the order they were added. Read twice per bucket. */
  bucketDumps(bucketId: string): Iterable<ReportDump>;
  /** Failed files (status error): how many, and the first MAX_FAILURE_ROWS in the order added. */
  readonly failureCount: number;
  readonly failures: readonly DumpDigest[];
}

/** What the tables of a report need from one digest. */
export function reportDump(d: DumpDigest): ReportDump {
  const r: ReportDump = { rel: d.rel, host: d.host, time: d.time, module: d.image ?? d.module ?? null };
  if (d.timeSource) r.timeSource = d.timeSource;
  if (typeof d.size === 'number') r.size = d.size;
  if (d.dumpHost) r.computer = d.dumpHost;
  if (d.kind) r.kind = d.kind;
  if (d.bugcheck) r.bugcheck = d.bugcheck;
  if (d.bugcheckName) r.bugcheckName = d.bugcheckName;
  if (d.exception) r.exception = d.exception;
  if (d.exceptionName) r.exceptionName = d.exceptionName;
  if (d.params) r.params = d.params;
  if (d.image) r.image = d.image;
  if (d.causeAddress) r.causeAddress = d.causeAddress;
  if (d.causeOffset) r.causeOffset = d.causeOffset;
  if (d.imageVersion) r.imageVersion = d.imageVersion;
  if (d.osVersion) r.osVersion = d.osVersion;
  if (typeof d.osBuild === 'number') r.osBuild = d.osBuild;
  if (d.arch) r.arch = d.arch;
  if (d.process) r.process = d.process;
  if (d.summary) r.summary = clip(d.summary, 600);
  if (d.detail) r.detail = d.detail;
  return r;
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
 * The report in parts, in order (their concatenation is the page): each bucket's dump table
 * comes a few dozen KiB at a time, read from the source, so that a writer holds one part at a
 * time however many dumps the share has.
 */
export function* htmlReportParts(input: HtmlReportStreamInput): Generator<string> {
  const g = input.groups;
  const anchors = new Map<string, string>();
  g.buckets.forEach((b, i) => anchors.set(b.bucketId, `bucket-${i + 1}`));
  const c = input.counts;
  const prev = input.previousScan !== undefined ? input.previousScan : previousScanStart(c.index);
  const prevOk = prev !== null && prev !== undefined && Number.isFinite(Date.parse(prev));
  const prevIso = prevOk ? new Date(Date.parse(prev)).toISOString() : null;
  const isNew = (firstSeen: string): boolean => prevIso !== null && Number.isFinite(Date.parse(firstSeen)) && Date.parse(firstSeen) > Date.parse(prevIso);
  const newBuckets = g.buckets.filter((b) => isNew(b.firstSeen));
  const cards = [
    ['files', c.found], ['dumps', c.dumps], ['analysed', c.ok], ['failed', c.failed], ['not dumps', c.skipped],
    ['buckets', g.buckets.length], ['hosts', g.hosts.length], ['crash / hang', `${g.crash} / ${g.hang}`],
    ...(prevIso !== null ? [['new buckets since last scan', newBuckets.length]] : []),
  ]
    .map(([k, v]) => `<div class="card"><b>${h(String(v))}</b>${h(String(k))}</div>`)
    .join('');
  const bucketRows = g.buckets
    .map((b) => {
      const a = anchors.get(b.bucketId)!;
      const badge = isNew(b.firstSeen) ? ' <span class="badge-new">new</span>' : '';
      return `<tr><td class="num" data-v="${b.count}">${b.count}</td><td class="num" data-v="${b.hosts}">${b.hosts}</td><td>${h(b.firstSeen.slice(0, 10))}</td><td>${h(b.lastSeen.slice(0, 10))}</td>` +
        `<td class="trend-${h(b.trend.direction)}" data-v="${b.trend.last7 - b.trend.prev7}">${h(b.trend.direction)} ${b.trend.last7}/${b.trend.prev7}</td>` +
        `<td>${b.crash}/${b.hang}</td><td class="mono">${h(b.module ?? '-')}</td><td class="mono"><a href="#${a}">${h(b.bucketId)}</a>${badge}</td><td>${h(b.summary ?? '')}</td></tr>`;
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
  const spray = g.spray.map((s) => `<p class="hint">${h(s.message)}</p>`).join('');
  const newSection = prevIso === null
    ? '<p class="meta" id="new-since">New since the last scan: no earlier scan is known (first scan of this share, or no index).</p>'
    : `<div id="new-since"><h2>New since the last scan (${h(prevIso.replace('T', ' ').slice(0, 19))} UTC): ${newBuckets.length} bucket${newBuckets.length === 1 ? '' : 's'}</h2>` +
      (newBuckets.length
        ? `<ul class="new-list">${newBuckets.map((b) => `<li><a class="mono" href="#${anchors.get(b.bucketId)}">${h(b.bucketId)}</a> · ${b.count} dump${b.count === 1 ? '' : 's'}, ${b.hosts} host${b.hosts === 1 ? '' : 's'}, first ${h(b.firstSeen.replace('T', ' ').slice(0, 16))}</li>`).join('')}</ul>`
        : '<p class="empty">no bucket whose first crash is after the last scan</p>') +
      '<p class="meta">A bucket is new when its first crash time is after the start of the previous scan; dumps crashed since then are marked <span class="badge-new">new</span>.</p></div>';
  const title = input.title ?? 'dumptriage scan report';
  yield `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title><style>${REPORT_CSS}</style></head>
<body>
<h1>${h(title)}</h1>
<p class="meta">${h(input.root)} · generated ${h(input.generated)}${g.now ? ` · trends: last 7 days to ${h(g.now.slice(0, 10))} vs the 7 before` : ''}${c.read !== undefined ? ` · read ${c.read}, reused ${c.reused ?? 0}, removed ${c.removed ?? 0}` : ''}</p>
<div class="cards">${cards}</div>
${spray}
${newSection}
<h2>Charts</h2>
<div class="charts">
${timeChart(g, { anchors, previousScan: prevIso })}
${barChart('chart-buckets', 'Top buckets', g.buckets.slice(0, 15).map((b) => ({ label: b.bucketId, value: b.count, href: `#${anchors.get(b.bucketId)}` })))}
${barChart('chart-modules', 'Top cause modules', g.modules.slice(0, 15).map((m) => ({ label: m.module, value: m.count })))}
${barChart('chart-hosts', 'Hosts', g.hosts.slice(0, 15).map((x) => ({ label: x.host, value: x.count })))}
</div>
<h2 id="buckets">Buckets (${g.buckets.length})</h2>
<table class="sortable" id="bucket-table"><thead><tr><th data-type="num">Dumps</th><th data-type="num">Hosts</th><th>First</th><th>Last</th><th data-type="num">Trend 7d/prev</th><th>Crash/hang</th><th>Module</th><th>Bucket</th><th>Summary</th></tr></thead>
<tbody>${bucketRows}</tbody></table>
<h2>Cause modules (${g.modules.length})</h2>
<table class="sortable" id="module-table"><thead><tr><th data-type="num">Dumps</th><th data-type="num">Buckets</th><th data-type="num">Hosts</th><th>Crash/hang</th><th>Module</th><th>Link dates / build ids</th><th>Versions</th></tr></thead>
<tbody>${moduleRows}</tbody></table>
<h2 id="dumps">Dumps by bucket (${g.dumps})</h2>
<div id="dump-tools"><label>Filter <input id="dump-filter" type="search" size="40" placeholder="words in any column: host, code, module, version…"></label>
<label>Sort by <select id="dump-sort">${DUMP_COLUMNS.map((col) => `<option value="${col.key}">${h(col.title)}</option>`).join('')}</select></label>
<label><input type="checkbox" id="dump-desc" checked> descending</label>
<label><input type="checkbox" id="dump-flat"> one table for all buckets</label>
<span id="dump-count" class="meta"></span></div>
<p class="meta">Click a dump's row for its stack, findings and advice; click a column header to sort.</p>
<div id="flat-box" hidden><table class="flat-dumps" id="flat-table">${dumpTableHead()}<tbody></tbody></table></div>
<div id="bucket-sections">
`;
  const budget: DetailBudget = { left: MAX_DETAIL_PANELS };
  for (const b of g.buckets) {
    yield* bucketSection(b, anchors.get(b.bucketId)!, input.dumps, { isNew: prevIso !== null ? isNew : undefined, budget });
  }
  yield `</div>
<h2>Failed files (${failureCount})</h2>
${failureCount ? `<table class="sortable" id="failure-table"><thead><tr><th>File</th><th>Host</th><th>Code</th><th>Error</th></tr></thead><tbody>${failureRows}</tbody></table>${failureCount > MAX_FAILURE_ROWS ? `<p class="meta">${failureCount - MAX_FAILURE_ROWS} more in --csv / --json</p>` : ''}` : '<p class="empty">none</p>'}
<script type="application/json" id="scan-data">${jsonForScript({ buckets: g.buckets.map((b) => ({ anchor: anchors.get(b.bucketId), count: b.count })), previousScan: prevIso })}</script>
<script>${REPORT_JS}</script>
</body></html>
`;
}

/** Dumps given a full detail panel (stack, findings, advice); the others get a short one. */
export const MAX_DETAIL_PANELS = 5000;
