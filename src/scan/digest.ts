// The compact per-file record the scan keeps in memory, stores in the index, groups and renders.
// A full report is written out (NDJSON, index) and then dropped: only digests are retained, so
// memory stays flat however many dumps a share holds.

import type { VerdictKind } from '../analysis/report.js';
import type { TriageReport } from '../analysis/report.js';

export type FileStatus = 'ok' | 'error' | 'skipped';

export interface ScanErrorInfo {
  code: string;
  message: string;
  offset?: string;
  struct?: string;
}

/** What one report says, in the fields grouping and the outputs need. */
export interface ReportDigest {
  format?: string;
  dumpType?: string;
  arch?: string;
  bucketId?: string;
  kind?: VerdictKind;
  category?: string;
  trigger?: string;
  /** ISO 8601 crash time from the dump. */
  crashTime?: string;
  /** Host name recorded in the dump, when it has one. */
  dumpHost?: string;
  /** Probable cause module and image name. */
  module?: string | null;
  image?: string | null;
  /** Link timestamp (ISO) and version of the cause module, from the verdict or the module list. */
  imageTimestamp?: string;
  imageVersion?: string;
  bugcheck?: string;
  bugcheckName?: string;
  exception?: string;
  exceptionName?: string;
  process?: string;
  osVersion?: string;
  summary?: string;
  confidence?: number;
  warnings?: number;
  /** Symbol files the report looked for and did not find (`debugFile/DEBUGID`): when one appears, the next scan reads the dump again. */
  missingSymbols?: string[];
  /** Bug check parameters P1-P4, else the exception's first four parameters (hex). */
  params?: string[];
  /** Where the probable cause was caught: the address, and its offset in the image. */
  causeAddress?: string;
  causeOffset?: string;
  /** OS build number. */
  osBuild?: number;
  /** What the HTML report's detail panel shows of this dump, bounded (DETAIL_MAX_CHARS). */
  detail?: DumpDetail;
}

/** A dump's STACK_TEXT, findings and advice, cut to a few KB (the HTML report's detail panel). */
export interface DumpDetail {
  /** The thread the stack was walked on. */
  thread?: number;
  /** STACK_TEXT lines, the first DETAIL_FRAMES frames: `NN address symbol (trust)`. */
  stack: string[];
  /** Why the probable cause was blamed. */
  reason?: string;
  findings: string[];
  advice: string[];
  /** True when something was cut to stay in the bound. */
  cut?: boolean;
}

export const DETAIL_FRAMES = 20;
/** Characters a detail may hold at most, all strings together. */
export const DETAIL_MAX_CHARS = 4096;

/** One file found by the scan. */
export interface DumpDigest extends ReportDigest {
  /** Path relative to the scan root, '/' separators. */
  rel: string;
  status: FileStatus;
  size: number;
  mtimeMs: number;
  host: string | null;
  hostSource: 'dump' | 'path' | null;
  /** crashTime, or the file's mtime when the dump has none (timeSource says which). */
  time: string;
  timeSource: 'dump' | 'mtime';
  error?: ScanErrorInfo;
}

function lower(s: string | null | undefined): string {
  return (s ?? '').toLowerCase();
}

/** Extract the digest fields from a report (the same JSON as `dumptriage --json`). */
export function digestReport(r: TriageReport): ReportDigest {
  const v = r.verdict;
  const d: ReportDigest = {
    format: r.input?.format,
    dumpType: r.input?.dumpType,
    arch: r.input?.arch,
    bucketId: v?.bucketId,
    kind: v?.kind,
    category: v?.category,
    trigger: v?.trigger,
    summary: v?.summary,
    warnings: r.warnings?.length ?? 0,
  };
  if (r.system?.crashTime) d.crashTime = r.system.crashTime;
  if (r.system?.hostName) d.dumpHost = r.system.hostName;
  if (r.system?.osVersion) d.osVersion = r.system.osVersion;
  const pc = v?.probableCause;
  if (pc) {
    d.module = pc.module;
    d.image = pc.image;
    d.confidence = pc.confidence;
    if (pc.imageTimestamp) d.imageTimestamp = pc.imageTimestamp;
    if (pc.imageVersion) d.imageVersion = pc.imageVersion;
    if (!d.imageTimestamp || !d.imageVersion) {
      // Fall back to the module list: the driver's own link timestamp says which build crashed.
      const want = [lower(pc.image), lower(pc.module)].filter(Boolean);
      const m = (r.modules ?? []).find((mod) => {
        const base = lower(mod.name.split(/[\\/]/).pop());
        return want.includes(base) || want.includes(base.replace(/\.[^.]+$/, ''));
      });
      if (m) {
        if (!d.imageTimestamp && m.timestampIso) d.imageTimestamp = m.timestampIso;
        if (!d.imageVersion && m.version) d.imageVersion = m.version;
      }
    }
  }
  if (r.bugcheck) {
    d.bugcheck = r.bugcheck.code;
    d.bugcheckName = r.bugcheck.name;
  }
  if (r.exception) {
    d.exception = r.exception.code;
    d.exceptionName = r.exception.name;
  }
  if (r.process?.name) d.process = r.process.name;
  if (typeof r.system?.build === 'number') d.osBuild = r.system.build;
  const params = r.bugcheck?.args ?? r.exception?.parameters;
  if (params && params.length > 0) d.params = params.slice(0, 4).map((p) => String(p).slice(0, 24));
  if (pc?.address) d.causeAddress = pc.address;
  if (pc?.offset) d.causeOffset = pc.offset;
  if (v) d.detail = dumpDetail(v);
  const missing = missingSymbolKeys(r);
  if (missing.length > 0) d.missingSymbols = missing;
  return d;
}

function cut(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** The bounded detail of a verdict: first frames, findings and advice, at most DETAIL_MAX_CHARS characters. */
export function dumpDetail(v: NonNullable<TriageReport['verdict']>): DumpDetail {
  let budget = DETAIL_MAX_CHARS;
  let wasCut = false;
  const take = (list: readonly string[], max: number, each: number): string[] => {
    const out: string[] = [];
    for (const x of list) {
      if (out.length >= max || budget <= 0) {
        wasCut = true;
        break;
      }
      const t = cut(String(x), Math.min(each, budget));
      if (t.length < String(x).length) wasCut = true;
      budget -= t.length;
      out.push(t);
    }
    return out;
  };
  const frames = (v.frames ?? []).map(
    (f) => `${String(f.index).padStart(2, '0')} ${f.stackAddress ?? '--'} ${f.address} ${f.symbol ?? (f.module ? `${f.module}+${f.offset ?? '?'}` : f.address)}${f.trust ? ` (${f.trust})` : ''}`,
  );
  const reason = v.probableCause?.reason ? take([v.probableCause.reason], 1, 400)[0] : undefined;
  const stack = take(frames, DETAIL_FRAMES, 200);
  if (frames.length > DETAIL_FRAMES) wasCut = true;
  const advice = take(v.advice ?? [], 6, 500);
  const findings = take((v.findings ?? []).map((f) => f.message), 12, 300);
  const out: DumpDetail = { stack, findings, advice };
  if (typeof v.frameThreadId === 'number') out.thread = v.frameThreadId;
  if (reason) out.reason = reason;
  if (wasCut) out.cut = true;
  return out;
}

/** Missing symbol files kept per dump (a dump's stacks touch a few dozen modules). */
const MAX_MISSING_KEYS = 64;

/** `debugFile/DEBUGID` of each module the symbol path was searched for and had nothing. */
export function missingSymbolKeys(r: TriageReport): string[] {
  const out: string[] = [];
  for (const m of r.modules ?? []) {
    if (m.symbols?.status !== 'missing' || !m.pdb?.debugId) continue;
    const file = (m.pdb.name.split(/[\\/]/).pop() || m.pdb.name).toLowerCase();
    out.push(`${file}/${m.pdb.debugId.toUpperCase()}`);
    if (out.length >= MAX_MISSING_KEYS) break;
  }
  return out;
}

/** The name a cause module is grouped under (image file name, else module name, lowercased). */
export function causeKey(d: ReportDigest): string | null {
  const name = d.image || d.module;
  return name ? name.toLowerCase() : null;
}
