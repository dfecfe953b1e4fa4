// The HTML report's charts, as inline SVG (no script, no external resource). Every label taken
// from a dump goes through escapeHtml; long labels are shortened with the full text in <title>.

import { escapeHtml as h } from '../util/escape.js';
import type { ScanGroups } from './group.js';

export const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
export const OTHER = '#c8c8c8';

export function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** Horizontal bar chart (labels shortened to fit the label column, full text on hover). */
export function barChart(id: string, title: string, rows: Array<{ label: string; value: number; href?: string }>): string {
  if (rows.length === 0) return `<figure class="chart" id="${id}"><figcaption>${h(title)}</figcaption><p class="empty">nothing to show</p></figure>`;
  const max = Math.max(...rows.map((r) => r.value), 1);
  const barH = 18;
  const labelW = 270;
  const w = 640;
  const valW = 50;
  const height = rows.length * (barH + 6) + 10;
  const bars = rows
    .map((r, i) => {
      const y = 5 + i * (barH + 6);
      const bw = Math.max(1, Math.round(((w - labelW - valW) * r.value) / max));
      // 11px text: up to ~7.3px a character (capitals); 35 characters fit the 264px left of the bars.
      const label = `<text x="${labelW - 6}" y="${y + 13}" text-anchor="end" class="lbl"><title>${h(r.label)}</title>${h(clip(r.label, 35))}</text>`;
      const bar = `<rect x="${labelW}" y="${y}" width="${bw}" height="${barH}" fill="${COLORS[i % COLORS.length]}"><title>${h(r.label)}: ${r.value}</title></rect><text x="${labelW + bw + 5}" y="${y + 13}" class="val">${r.value}</text>`;
      return r.href ? `<a href="${h(r.href)}">${label}${bar}</a>` : `${label}${bar}`;
    })
    .join('');
  return `<figure class="chart" id="${id}"><figcaption>${h(title)}</figcaption><svg role="img" aria-label="${h(title)}" viewBox="0 0 ${w} ${height}" width="${w}" height="${height}">${bars}</svg></figure>`;
}

const DAY = 86_400_000;
export type TimeUnit = 'day' | 'week' | 'month' | 'year';

const DAY_RE = /^\d{4}-\d\d-\d\d$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The bin a time (ms) falls in, as the bin's first day in ms. */
function binStart(ms: number, unit: TimeUnit): number {
  const d = new Date(ms);
  if (unit === 'day') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (unit === 'week') {
    const day0 = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    return day0 - ((d.getUTCDay() + 6) % 7) * DAY; // weeks start on Monday (ISO)
  }
  if (unit === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  return Date.UTC(d.getUTCFullYear(), 0, 1);
}

function nextBin(ms: number, unit: TimeUnit): number {
  const d = new Date(ms);
  if (unit === 'day') return ms + DAY;
  if (unit === 'week') return ms + 7 * DAY;
  if (unit === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return Date.UTC(d.getUTCFullYear() + 1, 0, 1);
}

/** Days for up to two months, weeks up to ~17 months, months up to 20 years, else years. */
export function timeUnit(firstMs: number, lastMs: number): TimeUnit {
  const days = (lastMs - firstMs) / DAY + 1;
  if (days <= 62) return 'day';
  if (days <= 520) return 'week';
  if (days <= 366 * 20) return 'month';
  return 'year';
}

function binLabel(ms: number, unit: TimeUnit, withYear: boolean): string {
  const d = new Date(ms);
  const y = String(d.getUTCFullYear());
  if (unit === 'year') return y;
  if (unit === 'month') return `${MONTHS[d.getUTCMonth()]} ${y}`;
  const md = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
  return withYear ? `${md} ${y}` : md;
}

/** 1, 2 or 5 times a power of ten, at least 1, so that about `n` steps cover `max`. */
export function niceStep(max: number, n = 5): number {
  const raw = Math.max(1, max / n);
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return Math.max(1, m * p);
  return 10 * p;
}

export interface TimeChartOptions {
  /** Anchor of each bucket's section. */
  anchors: Map<string, string>;
  /** Start of the previous scan (ISO): a marker on the axis. */
  previousScan?: string | null;
}

/**
 * Stacked columns: crashes over the whole time range of the share, in days, weeks, months or
 * years as the span needs, coloured by the top buckets, with y ticks and labelled bins.
 */
export function timeChart(g: ScanGroups, opts: TimeChartOptions): string {
  const id = 'chart-days';
  const valid = g.days.filter((d) => DAY_RE.test(d.day) && Number.isFinite(Date.parse(`${d.day}T00:00:00Z`)));
  if (valid.length === 0) return `<figure class="chart wide" id="${id}"><figcaption>Crashes over time</figcaption><p class="empty">no dated crashes</p></figure>`;
  const firstMs = Date.parse(`${valid[0]!.day}T00:00:00Z`);
  const lastMs = Date.parse(`${valid[valid.length - 1]!.day}T00:00:00Z`);
  const unit = timeUnit(firstMs, lastMs);
  const bins: number[] = [];
  for (let t = binStart(firstMs, unit); t <= lastMs && bins.length < 2000; t = nextBin(t, unit)) bins.push(t);
  const index = new Map(bins.map((b, i) => [b, i]));
  const binOf = (day: string): number | undefined => {
    if (!DAY_RE.test(day)) return undefined;
    const ms = Date.parse(`${day}T00:00:00Z`);
    return Number.isFinite(ms) ? index.get(binStart(ms, unit)) : undefined;
  };
  const totals = new Array<number>(bins.length).fill(0);
  for (const d of valid) {
    const i = binOf(d.day);
    if (i !== undefined) totals[i] = totals[i]! + d.count;
  }
  const top = g.buckets.slice(0, COLORS.length - 1);
  const perBucket = top.map((b) => {
    const a = new Array<number>(bins.length).fill(0);
    for (const [day, n] of Object.entries(b.days)) {
      const i = binOf(day);
      if (i !== undefined) a[i] = a[i]! + n;
    }
    return a;
  });
  const max = Math.max(1, ...totals);
  const step = niceStep(max);
  const yMax = Math.ceil(max / step) * step;
  const w = 960;
  const left = 52;
  const right = 48;
  const top0 = 14;
  const plotH = 210;
  const bottom = 46;
  const plotW = w - left - right;
  const colW = plotW / bins.length;
  const y = (v: number): number => top0 + plotH - (plotH * v) / yMax;
  let svg = '';
  // y ticks and grid lines
  for (let v = 0; v <= yMax; v += step) {
    svg += `<g class="ytick"><line x1="${left}" x2="${w - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${v === 0 ? '#888' : '#e4e4e4'}"/><text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="val">${v}</text></g>`;
  }
  svg += `<text class="axis" transform="translate(13 ${top0 + plotH / 2}) rotate(-90)" text-anchor="middle">crashes per ${unit}</text>`;
  // columns
  const unitName = unit === 'week' ? 'week of' : unit;
  bins.forEach((b, i) => {
    const x = left + i * colW + (colW > 4 ? 1 : 0);
    const cw = Math.max(1, colW - (colW > 4 ? 2 : 0));
    let acc = 0;
    const label = binLabel(b, unit, true);
    const seg = (n: number, color: string, name: string, href?: string): void => {
      if (n <= 0) return;
      const y1 = y(acc + n);
      const rect = `<rect class="bar" x="${x.toFixed(1)}" y="${y1.toFixed(1)}" width="${cw.toFixed(1)}" height="${(y(acc) - y1).toFixed(1)}" fill="${color}"><title>${h(`${unitName} ${label}`)} · ${h(name)}: ${n}</title></rect>`;
      svg += href ? `<a href="${h(href)}">${rect}</a>` : rect;
      acc += n;
    };
    let rest = totals[i]!;
    top.forEach((bk, bi) => {
      const n = perBucket[bi]![i]!;
      rest -= n;
      seg(n, COLORS[bi]!, bk.bucketId, `#${opts.anchors.get(bk.bucketId)}`);
    });
    seg(rest, OTHER, 'other buckets');
  });
  // x labels: as many as fit without overlapping, centred on their bin
  const years = new Set(bins.map((b) => new Date(b).getUTCFullYear()));
  const withYear = years.size > 1 && unit !== 'month' && unit !== 'year';
  const sample = binLabel(bins[0]!, unit, withYear);
  const labelW = sample.length * 6.6 + 14;
  const every = Math.max(1, Math.ceil(labelW / colW));
  for (let i = 0; i < bins.length; i += every) {
    const cx = left + (i + 0.5) * colW;
    svg += `<g class="xtick"><line x1="${cx.toFixed(1)}" x2="${cx.toFixed(1)}" y1="${top0 + plotH}" y2="${top0 + plotH + 4}" stroke="#888"/><text x="${cx.toFixed(1)}" y="${top0 + plotH + 17}" text-anchor="middle" class="val">${h(binLabel(bins[i]!, unit, withYear))}</text></g>`;
  }
  const range = `${valid[0]!.day} → ${valid[valid.length - 1]!.day} (UTC${unit === 'week' ? ', weeks start on Monday' : ''})`;
  svg += `<text x="${left + plotW / 2}" y="${top0 + plotH + 38}" text-anchor="middle" class="axis">${h(range)}</text>`;
  // the previous scan, when it falls in the range
  const prevMs = opts.previousScan ? Date.parse(opts.previousScan) : NaN;
  if (Number.isFinite(prevMs) && prevMs >= bins[0]! && prevMs < nextBin(bins[bins.length - 1]!, unit)) {
    const i = bins.findIndex((b, k) => prevMs >= b && (k === bins.length - 1 || prevMs < bins[k + 1]!));
    const frac = (prevMs - bins[i]!) / (nextBin(bins[i]!, unit) - bins[i]!);
    const px = left + (i + frac) * colW;
    svg += `<g class="prev-scan"><line x1="${px.toFixed(1)}" x2="${px.toFixed(1)}" y1="${top0}" y2="${top0 + plotH}" stroke="#c0392b" stroke-dasharray="4 3"/><text x="${(px + 4).toFixed(1)}" y="${top0 + 10}" class="val" fill="#c0392b">last scan</text></g>`;
  }
  const height = top0 + plotH + bottom;
  const legend = top
    .map((b, bi) => `<li><span class="sw" style="background:${COLORS[bi]}"></span><a href="#${opts.anchors.get(b.bucketId)}" title="${h(b.bucketId)}">${h(clip(b.bucketId, 70))}</a> (${b.count})</li>`)
    .join('') + (g.buckets.length > top.length ? `<li><span class="sw" style="background:${OTHER}"></span>other buckets</li>` : '');
  const title = `Crashes per ${unit} by bucket`;
  return `<figure class="chart wide" id="${id}" data-unit="${unit}"><figcaption>${h(title)}</figcaption><svg role="img" aria-label="${h(title)}" viewBox="0 0 ${w} ${height}" width="${w}" height="${height}">${svg}</svg><ul class="legend">${legend}</ul></figure>`;
}

/** A small breakdown (value: count) as HTML bars, the most frequent first, the rest summed. */
export function breakdown(title: string, counts: Map<string, number>, max = 8): string {
  const all = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const rows = all.slice(0, max);
  const rest = all.slice(max).reduce((s, e) => s + e[1], 0);
  const top = Math.max(1, ...rows.map((r) => r[1]));
  const line = (label: string, n: number, cls = ''): string =>
    `<div class="bd-row${cls}"><span class="bd-lbl" title="${h(label)}">${h(clip(label, 36))}</span><span class="bd-bar"><span style="width:${Math.min(100, Math.max(2, Math.round((100 * n) / top)))}%"></span></span><span class="bd-n">${n}</span></div>`;
  const body = rows.map(([k, n]) => line(k, n)).join('') + (rest > 0 ? line(`${all.length - max} more`, rest, ' bd-rest') : '');
  return `<div class="bd"><div class="bd-title">${h(title)}</div>${body || '<p class="empty">-</p>'}</div>`;
}
