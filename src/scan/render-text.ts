// The human summary of a scan or a query: counts, buckets, cause modules, hosts, spray hints.
// Every string from a dump goes through escapeTerminal.

import { escapeTerminal as t } from '../util/escape.js';
import type { DumpDigest } from './digest.js';
import type { ScanGroups } from './group.js';
import type { ScanSummary } from './scan.js';

const ARROW: Record<string, string> = { new: 'new', rising: 'rising ↑', steady: 'steady', falling: 'falling ↓', gone: 'gone', quiet: '-' };

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function table(rows: string[][], align: Array<'l' | 'r'> = []): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => {
          const pad = ' '.repeat(widths[i]! - [...c].length);
          return align[i] === 'r' ? pad + c : i === r.length - 1 ? c : c + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const day = (iso: string): string => iso.slice(0, 10);

type Section = 'buckets' | 'modules' | 'hosts' | 'spray';

/**
 * The groups as text. `sections` picks the tables (default all); the header line always counts
 * the whole index. `limit` caps the buckets, and the module or host table when it is the only one.
 */
export function renderGroupsText(g: ScanGroups, opts: { limit?: number; sections?: Section[] } = {}): string {
  const limit = opts.limit ?? 20;
  const show = new Set<Section>(opts.sections ?? ['buckets', 'modules', 'hosts', 'spray']);
  const alone = opts.sections && !show.has('buckets') ? limit : 10;
  const out: string[] = [];
  out.push(`${g.dumps} dumps analysed: ${g.crash} crash, ${g.hang} hang${g.incomplete ? `, ${g.incomplete} incomplete` : ''}; ${g.buckets.length} buckets, ${g.hosts.length} hosts${g.now ? `; trends to ${day(g.now)}` : ''}`);
  if (show.has('buckets') && g.buckets.length) {
    out.push('', 'Buckets');
    const rows = [['COUNT', 'HOSTS', 'FIRST', 'LAST', 'TREND (7d/prev)', 'MODULE', 'BUCKET']];
    for (const b of g.buckets.slice(0, limit)) {
      rows.push([
        String(b.count),
        String(b.hosts),
        day(b.firstSeen),
        day(b.lastSeen),
        `${ARROW[b.trend.direction]} ${b.trend.last7}/${b.trend.prev7}`,
        t(clip(b.module ?? '-', 28)),
        t(clip(b.bucketId, 80)),
      ]);
    }
    out.push(table(rows, ['r', 'r']));
    if (g.buckets.length > limit) out.push(`... ${g.buckets.length - limit} more buckets (--json or --report for all)`);
  }
  if (show.has('modules') && g.modules.length) {
    out.push('', 'Top cause modules');
    const rows = [['COUNT', 'BUCKETS', 'HOSTS', 'CRASH/HANG', 'MODULE', 'LINK DATES / BUILD IDS (dumps)']];
    for (const m of g.modules.slice(0, alone)) {
      rows.push([
        String(m.count),
        String(m.buckets),
        String(m.hosts),
        `${m.crash}/${m.hang}`,
        t(clip(m.module, 32)),
        m.timestamps.slice(0, 3).map((x) => `${t(x.timestamp)} (${x.count})`).join(', ') || '-',
      ]);
    }
    out.push(table(rows, ['r', 'r', 'r']));
    if (g.modules.length > alone) out.push(`... ${g.modules.length - alone} more modules`);
  }
  if (show.has('hosts') && g.hosts.length) {
    out.push('', 'Hosts');
    const rows = [['DUMPS', 'BUCKETS', 'FIRST', 'LAST', 'HOST']];
    for (const h of g.hosts.slice(0, alone)) rows.push([String(h.count), String(h.buckets), day(h.firstSeen), day(h.lastSeen), t(h.host)]);
    out.push(table(rows, ['r', 'r']));
    if (g.hosts.length > alone) out.push(`... ${g.hosts.length - alone} more hosts`);
  }
  if (show.has('spray') && g.spray.length) {
    out.push('', 'Bucket spray');
    for (const s of g.spray) out.push(`  ! ${t(s.message)}`);
  }
  return `${out.join('\n')}\n`;
}

export function renderScanText(s: ScanSummary, failures: DumpDigest[]): string {
  const out: string[] = [];
  out.push(
    `Scanned ${t(s.root)}: ${s.found} files, ${s.dumps} dumps: ${s.ok} analysed, ${s.failed} failed, ${s.skipped} not dumps` +
      `${s.excluded ? `, ${s.excluded} excluded` : ''}`,
  );
  out.push(
    `  read ${s.read}, reused ${s.reused} from the index${s.removed ? `, ${s.removed} removed (gone since the last scan)` : ''}; ` +
      `${(s.bytesRead / 1048576).toFixed(1)} MiB read in ${(s.durationMs / 1000).toFixed(1)} s, ${s.jobs} ${s.mode === 'threads' ? 'worker threads' : 'in-process jobs'}` +
      `${s.index ? `; index ${t(s.index)}` : '; no index'}`,
  );
  if (Object.keys(s.skippedBy).length) out.push(`  not dumps: ${Object.entries(s.skippedBy).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  out.push('', renderGroupsText(s.groups).trimEnd());
  const rb = s.rebucketed;
  if (rb && (rb.files > 0 || rb.symbolsAppeared > 0)) {
    out.push(
      '',
      `Re-bucketed: ${rb.files} dumps changed bucket since the last scan` +
        `${rb.symbolsAppeared ? ` (${rb.symbolsAppeared} read again because symbols they lacked have appeared)` : ' (options or symbol path changed)'}`,
    );
    if (rb.moves.length) {
      const rows = [['COUNT', 'FROM', 'TO']];
      for (const m of rb.moves.slice(0, 10)) rows.push([String(m.count), t(clip(m.from, 70)), t(clip(m.to, 70))]);
      out.push(table(rows, ['r']));
      if (rb.moves.length > 10) out.push(`... ${rb.moves.length - 10} more moves (--json for all)`);
    }
  }
  if (failures.length) {
    out.push('', `Failed (${s.failed}): ${Object.entries(s.errors).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    for (const f of failures.slice(0, 20)) out.push(`  ${t(f.rel)}: ${f.error?.code ?? '?'}: ${t(clip(f.error?.message ?? '', 160))}`);
    if (s.failed > Math.min(20, failures.length)) out.push(`  ... ${s.failed - Math.min(20, failures.length)} more (--json or --csv for all)`);
  }
  return `${out.join('\n')}\n`;
}

/** The dumps of a bucket or a host (query --bucket / --host). */
export function renderDigestList(title: string, list: DumpDigest[]): string {
  const rows = [['TIME', 'HOST', 'STATUS', 'MODULE', 'BUCKET / ERROR', 'FILE']];
  for (const d of list) {
    rows.push([
      d.time.slice(0, 19).replace('T', ' '),
      t(d.host ?? '-'),
      d.status,
      t(clip(d.image ?? d.module ?? '-', 28)),
      t(clip(d.status === 'ok' ? (d.bucketId ?? '-') : `${d.error?.code}: ${d.error?.message ?? ''}`, 70)),
      t(d.rel),
    ]);
  }
  return `${title}\n${table(rows)}\n`;
}
