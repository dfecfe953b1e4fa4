// Grouping of scanned dumps: failure buckets, cause modules, hosts, trends, bucket-spray hints.
// Works incrementally over digests (add one at a time), so a scan of any size keeps only the
// aggregates, a few examples per bucket and the per-day counts.

import { causeKey, type DumpDigest } from './digest.js';
import { digestLinkTimestamp, isPlausibleTime } from '../analysis/timestamps.js';

export type Trend = 'new' | 'rising' | 'steady' | 'falling' | 'gone' | 'quiet';

export interface TrendInfo {
  /** Crashes in the 7 days up to the reference time, and in the 7 days before. */
  last7: number;
  prev7: number;
  direction: Trend;
}

export interface BucketSummary {
  bucketId: string;
  count: number;
  /** Distinct hosts, and up to 20 host names (most crashes first). */
  hosts: number;
  hostNames: string[];
  firstSeen: string;
  lastSeen: string;
  trend: TrendInfo;
  crash: number;
  hang: number;
  category?: string;
  /** Most frequent cause module (image name) of the bucket. */
  module?: string;
  bugcheck?: string;
  exception?: string;
  summary?: string;
  /** Up to 5 dumps (root-relative paths), newest first. */
  examples: string[];
  /** Crashes per UTC day (YYYY-MM-DD). */
  days: Record<string, number>;
}

export interface ModuleSummary {
  module: string;
  count: number;
  buckets: number;
  bucketIds: string[];
  hosts: number;
  crash: number;
  hang: number;
  /** Link timestamps of the module seen in these dumps (which driver builds crash), most first: an ISO date, or `build id 0x...` when the TimeDateStamp is a hash (Windows 10+ reproducible builds) or an impossible date. */
  timestamps: Array<{ timestamp: string; count: number }>;
  versions: Array<{ version: string; count: number }>;
}

export interface HostSummary {
  host: string;
  count: number;
  buckets: number;
  firstSeen: string;
  lastSeen: string;
}

export interface SprayHint {
  module: string;
  buckets: number;
  count: number;
  message: string;
}

export interface ScanGroups {
  /**
   * Reference time of the trends: --now, or the newest crash time read from a dump. A file's mtime
   * (timeSource 'mtime', a dump without a crash time) and a crash time that cannot be real (before
   * 1995, or after the clock + 1 day) never set it and never count in a trend.
   */
  now: string | null;
  dumps: number;
  crash: number;
  hang: number;
  /** Dumps cut short or damaged (verdict kind 'incomplete'): neither crash nor hang. */
  incomplete: number;
  buckets: BucketSummary[];
  modules: ModuleSummary[];
  hosts: HostSummary[];
  spray: SprayHint[];
  /** Crashes per day over all buckets. */
  days: Array<{ day: string; count: number }>;
}

export interface GroupOptions {
  /** Reference time for the trend (ISO or ms); default the newest crash time. */
  now?: string | number | Date;
  /** Cause modules in at least this many buckets get a spray hint (default 3). */
  sprayMin?: number;
}

const DAY = 86_400_000;

function inc<K>(m: Map<K, number>, k: K, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

function topEntries<K>(m: Map<K, number>, n: number): Array<[K, number]> {
  return [...m.entries()].sort((a, b) => b[1] - a[1] || (String(a[0]) < String(b[0]) ? -1 : 1)).slice(0, n);
}

interface BucketAcc {
  count: number;
  hosts: Map<string, number>;
  first: string;
  last: string;
  /** The earliest dated crash time (from a dump, plausible): what the 'new' trend looks at. */
  firstDated: string;
  /**
   * Crash times (ms) that can still count in the trend: those of the last 14 days before the
   * reference time. With a fixed reference (`now`) only those are kept; without, the ones older
   * than 14 days before the newest crash so far are dropped from time to time (the reference,
   * the newest crash, only moves forward), so that the list does not grow with the share.
   */
  times: number[];
  /** Length of `times` at which it is next pruned. */
  pruneAt: number;
  crash: number;
  hang: number;
  categories: Map<string, number>;
  modules: Map<string, number>;
  bugcheck?: string;
  exception?: string;
  summary?: string;
  summaryTime: string;
  examples: Array<[string, string]>; // [time, rel]
  days: Map<string, number>;
}

interface ModuleAcc {
  count: number;
  buckets: Map<string, number>;
  hosts: Set<string>;
  crash: number;
  hang: number;
  timestamps: Map<string, number>;
  versions: Map<string, number>;
}

/** Crash times kept per bucket before the first pruning. */
const PRUNE_MIN = 1024;
/** The only time form whose text order is its time order (toISOString of years 0-9999). */
const PLAIN_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export class Grouper {
  /** Reference time given up front (GroupOptions.now), in ms; NaN when it is the newest crash. */
  private readonly fixedNow: number;
  /** False once a time that does not sort as text (an unusual year) was seen: then nothing is pruned. */
  private prunable = true;

  /** `opts.now`: the reference time of the trends, when known before the first add (result() then uses it). */
  constructor(opts: GroupOptions = {}) {
    this.fixedNow = opts.now !== undefined ? new Date(opts.now).getTime() : NaN;
    this.hasFixedNow = opts.now !== undefined;
  }
  private readonly hasFixedNow: boolean;

  private readonly buckets = new Map<string, BucketAcc>();
  private readonly modules = new Map<string, ModuleAcc>();
  private readonly hosts = new Map<string, { count: number; buckets: Set<string>; first: string; last: string }>();
  private readonly days = new Map<string, number>();
  private dumps = 0;
  private crash = 0;
  private hang = 0;
  private incomplete = 0;
  private newest = '';

  /** Count one file; only analysed dumps (status ok) join buckets. */
  add(d: DumpDigest): void {
    if (d.status !== 'ok') return;
    this.dumps++;
    if (d.kind === 'incomplete') this.incomplete++;
    const kind = d.kind === 'hang' ? 'hang' : 'crash';
    if (kind === 'hang') this.hang++;
    else if (d.kind !== 'incomplete') this.crash++;
    const time = d.time;
    // Only a crash time read from the dump, and a believable one, is a date the trends can use.
    const dated = d.timeSource !== 'mtime' && isPlausibleTime(time);
    if (dated && time > this.newest) this.newest = time;
    const day = time.slice(0, 10);
    inc(this.days, day);
    const bucketId = d.bucketId || '(no bucket)';
    let b = this.buckets.get(bucketId);
    if (!b) {
      b = { count: 0, hosts: new Map(), first: time, last: time, firstDated: '', times: [], pruneAt: PRUNE_MIN, crash: 0, hang: 0, categories: new Map(), modules: new Map(), summaryTime: '', examples: [], days: new Map() };
      this.buckets.set(bucketId, b);
    }
    b.count++;
    if (d.host) inc(b.hosts, d.host);
    if (time < b.first) b.first = time;
    if (time > b.last) b.last = time;
    if (dated && (!b.firstDated || time < b.firstDated)) b.firstDated = time;
    const ms = dated ? Date.parse(time) : Number.NaN;
    if (dated && !PLAIN_ISO.test(time)) this.prunable = false;
    if (!dated) {
      // A file's mtime or an impossible header time: counted in the bucket, never in a trend.
    } else if (this.hasFixedNow) {
      // Only a time 0 to 14 days before the reference ever counts (trendOf).
      const age = this.fixedNow - ms;
      if (Number.isFinite(ms) && !(age < 0) && age < 14 * DAY) b.times.push(ms);
    } else if (Number.isFinite(ms)) {
      b.times.push(ms);
      if (b.times.length >= b.pruneAt) this.prune(b);
    }
    b[kind]++;
    if (d.category) inc(b.categories, d.category);
    const mod = causeKey(d);
    if (mod) inc(b.modules, mod);
    if (time >= b.summaryTime) {
      b.summaryTime = time;
      b.summary = d.summary;
      b.bugcheck = d.bugcheck ? `${d.bugcheck}${d.bugcheckName ? ` ${d.bugcheckName}` : ''}` : undefined;
      b.exception = d.exception ? `${d.exception}${d.exceptionName ? ` ${d.exceptionName}` : ''}` : undefined;
    }
    b.examples.push([time, d.rel]);
    if (b.examples.length > 10) {
      b.examples.sort((x, y) => (x[0] > y[0] ? -1 : x[0] < y[0] ? 1 : x[1] < y[1] ? -1 : 1));
      b.examples.length = 5;
    }
    inc(b.days, day);
    if (mod) {
      let m = this.modules.get(mod);
      if (!m) {
        m = { count: 0, buckets: new Map(), hosts: new Set(), crash: 0, hang: 0, timestamps: new Map(), versions: new Map() };
        this.modules.set(mod, m);
      }
      m.count++;
      inc(m.buckets, bucketId);
      if (d.host) m.hosts.add(d.host);
      m[kind]++;
      const lt = digestLinkTimestamp(d);
      if (lt) inc(m.timestamps, lt.text);
      if (d.imageVersion) inc(m.versions, d.imageVersion);
    }
    if (d.host) {
      let h = this.hosts.get(d.host);
      if (!h) {
        h = { count: 0, buckets: new Set(), first: time, last: time };
        this.hosts.set(d.host, h);
      }
      h.count++;
      h.buckets.add(bucketId);
      if (time < h.first) h.first = time;
      if (time > h.last) h.last = time;
    }
  }

  /** Drop the times older than 14 days before the newest crash so far: they cannot count any more. */
  private prune(b: BucketAcc): void {
    const newest = Date.parse(this.newest);
    if (this.prunable && Number.isFinite(newest)) {
      const oldest = newest - 14 * DAY;
      b.times = b.times.filter((t) => t >= oldest);
    }
    b.pruneAt = Math.max(PRUNE_MIN, 2 * b.times.length);
  }

  /** Crash times held for the trends, over all buckets (for tests: bounded by the crashes of 14 days). */
  get retainedTimes(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.times.length;
    return n;
  }

  /** The groups. A `now` given to the constructor is the reference time; `opts.now` must then be the same or absent. */
  result(opts: GroupOptions = {}): ScanGroups {
    const nowMs = this.hasFixedNow ? this.fixedNow : opts.now !== undefined ? new Date(opts.now).getTime() : this.newest ? Date.parse(this.newest) : NaN;
    const sprayMin = opts.sprayMin ?? 3;
    const buckets: BucketSummary[] = [...this.buckets.entries()].map(([bucketId, b]) => {
      const trend = trendOf(b.times, b.firstDated || b.first, nowMs);
      const examples = b.examples.sort((x, y) => (x[0] > y[0] ? -1 : x[0] < y[0] ? 1 : x[1] < y[1] ? -1 : 1)).slice(0, 5).map((e) => e[1]);
      const out: BucketSummary = {
        bucketId,
        count: b.count,
        hosts: b.hosts.size,
        hostNames: topEntries(b.hosts, 20).map((e) => e[0]),
        firstSeen: b.first,
        lastSeen: b.last,
        trend,
        crash: b.crash,
        hang: b.hang,
        examples,
        days: Object.fromEntries([...b.days.entries()].sort()),
      };
      const cat = topEntries(b.categories, 1)[0];
      if (cat) out.category = cat[0];
      const mod = topEntries(b.modules, 1)[0];
      if (mod) out.module = mod[0];
      if (b.bugcheck) out.bugcheck = b.bugcheck;
      if (b.exception) out.exception = b.exception;
      if (b.summary) out.summary = b.summary;
      return out;
    });
    buckets.sort((a, b) => b.count - a.count || (a.lastSeen > b.lastSeen ? -1 : a.lastSeen < b.lastSeen ? 1 : a.bucketId < b.bucketId ? -1 : 1));
    const modules: ModuleSummary[] = [...this.modules.entries()].map(([module, m]) => ({
      module,
      count: m.count,
      buckets: m.buckets.size,
      bucketIds: topEntries(m.buckets, 10).map((e) => e[0]),
      hosts: m.hosts.size,
      crash: m.crash,
      hang: m.hang,
      timestamps: topEntries(m.timestamps, 10).map(([timestamp, count]) => ({ timestamp, count })),
      versions: topEntries(m.versions, 10).map(([version, count]) => ({ version, count })),
    }));
    modules.sort((a, b) => b.count - a.count || (a.module < b.module ? -1 : 1));
    const hosts: HostSummary[] = [...this.hosts.entries()].map(([host, h]) => ({ host, count: h.count, buckets: h.buckets.size, firstSeen: h.first, lastSeen: h.last }));
    hosts.sort((a, b) => b.count - a.count || (a.host < b.host ? -1 : 1));
    const spray: SprayHint[] = modules
      .filter((m) => m.buckets >= sprayMin)
      .map((m) => ({
        module: m.module,
        buckets: m.buckets,
        count: m.count,
        message: `${m.module} is the probable cause in ${m.buckets} different buckets (${m.count} dumps): likely one defect sprayed over several signatures; look at it as one problem.`,
      }));
    return {
      now: Number.isFinite(nowMs) ? new Date(nowMs).toISOString() : null,
      dumps: this.dumps,
      crash: this.crash,
      hang: this.hang,
      incomplete: this.incomplete,
      buckets,
      modules,
      hosts,
      spray,
      days: [...this.days.entries()].sort().map(([day, count]) => ({ day, count })),
    };
  }
}

/** Trend of one bucket: last 7 days against the 7 before, relative to `nowMs`. */
export function trendOf(times: readonly number[], firstSeen: string, nowMs: number): TrendInfo {
  if (!Number.isFinite(nowMs)) return { last7: 0, prev7: 0, direction: 'quiet' };
  let last7 = 0;
  let prev7 = 0;
  for (const t of times) {
    const age = nowMs - t;
    if (age < 0) continue; // after the reference time
    if (age < 7 * DAY) last7++;
    else if (age < 14 * DAY) prev7++;
  }
  let direction: Trend;
  const first = Date.parse(firstSeen);
  if (last7 === 0 && prev7 === 0) direction = 'quiet';
  else if (last7 > 0 && Number.isFinite(first) && nowMs - first < 7 * DAY) direction = 'new';
  else if (last7 === 0) direction = 'gone';
  else if (last7 >= prev7 * 1.5 && last7 - prev7 >= 2) direction = 'rising';
  else if (last7 * 1.5 <= prev7 && prev7 - last7 >= 2) direction = 'falling';
  else direction = 'steady';
  return { last7, prev7, direction };
}

/** Group a list of digests in one call. */
export function groupDigests(digests: Iterable<DumpDigest>, opts: GroupOptions = {}): ScanGroups {
  const g = new Grouper(opts);
  for (const d of digests) g.add(d);
  return g.result(opts);
}
