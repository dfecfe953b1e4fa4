// The HTML report's per-bucket sections: a representative stack, breakdowns by OS build, image
// version and host, and the table of the bucket's dumps (the columns of BlueScreenView's list),
// each row followed by a hidden detail row (STACK_TEXT, findings, advice) the script opens on a
// click. Written as parts, read from the source twice per bucket (the breakdowns, then the
// rows), so that no more than one part is held whatever the size of the bucket.

import { escapeHtml as h } from '../util/escape.js';
import type { BucketSummary } from './group.js';
import type { ReportDump, ReportDumpSource } from './report-html.js';
import { breakdown } from './report-html-charts.js';

export interface DumpColumn {
  key: string;
  title: string;
  type?: 'num';
}

/** The dump table's columns, in order; `key` is what `#sort=` and the sort menu name. */
export const DUMP_COLUMNS: readonly DumpColumn[] = [
  { key: 'time', title: 'Crash time (UTC)' },
  { key: 'host', title: 'Host' },
  { key: 'computer', title: 'Computer name' },
  { key: 'code', title: 'Bug check / exception' },
  { key: 'p1', title: 'P1' },
  { key: 'p2', title: 'P2' },
  { key: 'p3', title: 'P3' },
  { key: 'p4', title: 'P4' },
  { key: 'cause', title: 'Caused by' },
  { key: 'address', title: 'Address' },
  { key: 'version', title: 'Image version' },
  { key: 'os', title: 'OS build' },
  { key: 'arch', title: 'Arch' },
  { key: 'process', title: 'Process' },
  { key: 'file', title: 'File' },
  { key: 'size', title: 'Size', type: 'num' },
  { key: 'bucket', title: 'Bucket' },
];

/** The header of a dump table (the Bucket column shows in the one-table view only: CSS). */
export function dumpTableHead(): string {
  return `<thead><tr>${DUMP_COLUMNS.map((c) => `<th data-key="${c.key}"${c.type ? ` data-type="${c.type}"` : ''}${c.key === 'bucket' ? ' class="c-bucket"' : ''}>${h(c.title)}</th>`).join('')}</tr></thead>`;
}

/** Full detail panels left to give (a page of 100,000 panels would be too heavy for a browser). */
export interface DetailBudget {
  left: number;
}

/** Full detail panels per bucket at most (its newest dumps). */
export const MAX_DETAILS_PER_BUCKET = 200;

function size(n: number | undefined): string {
  if (n === undefined) return '-';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function codeText(d: ReportDump): string {
  if (d.bugcheck) return `${d.bugcheck}${d.bugcheckName ? ` ${d.bugcheckName}` : ''}`;
  if (d.exception) return `${d.exception}${d.exceptionName ? ` ${d.exceptionName}` : ''}`;
  return d.kind ?? '-';
}

function osText(d: ReportDump): string {
  return d.osVersion ?? (d.osBuild !== undefined ? String(d.osBuild) : '-');
}

function td(text: string, cls?: string, v?: string): string {
  return `<td${cls ? ` class="${cls}"` : ''}${v !== undefined ? ` data-v="${h(v)}"` : ''}>${h(text)}</td>`;
}

/** One dump's row (a plain <tr>) and its hidden detail row. */
export function dumpRows(d: ReportDump, bucketId: string, full: boolean, isNew?: (t: string) => boolean): string {
  const p = d.params ?? [];
  const timeOk = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(d.time);
  const time = timeOk ? d.time.replace('T', ' ').slice(0, 19) : d.time;
  const mark = d.timeSource === 'mtime' ? '<span class="tsrc" title="the dump has no crash time: this is the file\'s modification time">*</span>' : '';
  const badge = isNew?.(d.time) ? ' <span class="badge-new">new</span>' : '';
  const address = d.causeAddress ? `${d.causeAddress}${d.causeOffset ? ` (+${d.causeOffset.replace(/^\+/, '')})` : ''}` : d.causeOffset ?? '-';
  const row =
    `<tr><td class="c-time" data-v="${h(d.time)}">${h(time)}${mark}${badge}</td>` +
    td(d.host ?? '-') +
    td(d.computer ?? '-') +
    td(codeText(d), 'mono') +
    [0, 1, 2, 3].map((i) => td(p[i] ?? '-', 'mono p')).join('') +
    td(d.image ?? d.module ?? '-', 'mono') +
    td(address, 'mono p') +
    td(d.imageVersion ?? '-', 'mono') +
    td(osText(d)) +
    td(d.arch ?? '-') +
    td(d.process ?? '-', 'mono') +
    td(d.rel, 'mono c-file') +
    td(size(d.size), 'num', d.size !== undefined ? String(d.size) : '-1') +
    td(bucketId, 'mono c-bucket') +
    '</tr>';
  return `${row}<tr class="detail" hidden><td colspan="${DUMP_COLUMNS.length}">${detailPanel(d, full)}</td></tr>`;
}

function detailPanel(d: ReportDump, full: boolean): string {
  let out = `<div class="panel"><p>${h(d.summary ?? '(no summary)')}</p><p class="meta mono">${h(d.rel)}${d.size !== undefined ? ` · ${d.size} bytes` : ''}${d.timeSource === 'mtime' ? ' · time from the file (the dump has none)' : ''}</p>`;
  const det = d.detail;
  if (!full) return `${out}<p class="meta">Detail left out to keep the page light (only the newest dumps of each bucket have one): run <code>dumptriage</code> on the file.</p></div>`;
  if (!det) return `${out}<p class="meta">No stack or findings stored for this dump (an index from an older version: rescan to get them).</p></div>`;
  if (det.reason) out += `<p><b>Probable cause:</b> ${h(det.reason)}</p>`;
  out += `<div class="panel-cols"><div><h4>STACK_TEXT${det.thread !== undefined ? ` (thread ${h(String(det.thread))})` : ''}</h4>${det.stack.length ? `<pre class="stack">${det.stack.map(h).join('\n')}</pre>` : '<p class="empty">no frames</p>'}</div>`;
  out += `<div><h4>Findings</h4>${det.findings.length ? `<ul>${det.findings.map((f) => `<li>${h(f)}</li>`).join('')}</ul>` : '<p class="empty">none</p>'}`;
  out += `<h4>Advice</h4>${det.advice.length ? `<ol>${det.advice.map((a) => `<li>${h(a)}</li>`).join('')}</ol>` : '<p class="empty">none</p>'}</div></div>`;
  if (det.cut) out += '<p class="meta">(cut to a few KB: the full report is <code>dumptriage --json</code> of the file)</p>';
  return `${out}</div>`;
}

function inc(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/** One bucket's section, in parts. */
export function* bucketSection(
  b: BucketSummary,
  anchor: string,
  source: ReportDumpSource,
  opts: { isNew?: (time: string) => boolean; budget: DetailBudget },
): Generator<string> {
  // First pass: breakdowns and the representative stack (the newest dump that has one).
  const os = new Map<string, number>();
  const versions = new Map<string, number>();
  const hosts = new Map<string, number>();
  let rep: ReportDump | undefined;
  for (const d of source.bucketDumps(b.bucketId)) {
    inc(os, osText(d));
    inc(versions, d.imageVersion ? `${d.image ?? d.module ?? '?'} ${d.imageVersion}` : '-');
    inc(hosts, d.host ?? '-');
    if (!rep && d.detail && d.detail.stack.length > 0) rep = d;
  }
  const badge = opts.isNew?.(b.firstSeen) ? ' <span class="badge-new">new</span>' : '';
  const code = b.bugcheck ?? b.exception;
  let head = `<section class="bucket-dumps" id="${anchor}"><h3><span class="mono">${h(b.bucketId)}</span>${badge} <small>(${b.count} dumps, ${b.hosts} hosts; ${h(b.firstSeen.slice(0, 10))} → ${h(b.lastSeen.slice(0, 10))})</small></h3>` +
    `<p>${h(b.summary ?? '')}</p><p class="meta">${code ? `${h(code)} · ` : ''}Hosts: ${b.hostNames.map(h).join(', ') || '-'}</p><div class="bucket-info">`;
  head += rep
    ? `<div class="rep-stack"><div class="bd-title">Representative stack (newest dump with one: <span class="mono">${h(rep.rel)}</span>)</div><pre class="stack">${rep.detail!.stack.map(h).join('\n')}</pre></div>`
    : '<div class="rep-stack"><div class="bd-title">Representative stack</div><p class="empty">no stack stored for this bucket</p></div>';
  head += `<div class="bds">${breakdown('OS build', os)}${breakdown('Image version', versions)}${breakdown('Host', hosts)}</div></div>`;
  head += `<div class="dump-scroll"><table class="sortable dumps" data-bucket="${anchor}">${dumpTableHead()}<tbody>`;
  yield head;
  // Second pass: the rows.
  let part = '';
  let n = 0;
  for (const d of source.bucketDumps(b.bucketId)) {
    const full = n < MAX_DETAILS_PER_BUCKET && opts.budget.left > 0;
    if (full) opts.budget.left--;
    part += dumpRows(d, b.bucketId, full, opts.isNew);
    n++;
    if (part.length >= 65536) {
      yield part;
      part = '';
    }
  }
  yield `${part}</tbody></table></div></section>\n`;
}
