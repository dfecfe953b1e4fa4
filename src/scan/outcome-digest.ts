// A file job's outcome as the digest a store keeps: the same for a scan with its SQLite index
// and for a fleet worker writing to PostgreSQL, so that both give the same buckets.

import { isPlausibleTime } from '../analysis/timestamps.js';
import type { DumpDigest } from './digest.js';
import type { JobOutcome } from './file-job.js';
import type { WalkEntry } from './walk.js';

/** Where a digest's host comes from, given the dump's own host name (if any). */
export type HostOf = (rel: string, dumpHost: string | undefined) => Pick<DumpDigest, 'host' | 'hostSource'>;

/** The fields every digest has, before the outcome: the time is the file's until the dump gives one. */
export function baseDigest(rel: string, size: number, mtimeMs: number): Pick<DumpDigest, 'rel' | 'size' | 'mtimeMs' | 'time' | 'timeSource'> {
  return {
    rel,
    size,
    mtimeMs,
    time: Number.isFinite(mtimeMs) && mtimeMs >= 0 ? new Date(mtimeMs).toISOString() : new Date(0).toISOString(),
    timeSource: 'mtime',
  };
}

/** The digest of a file job's outcome. */
export function digestFromOutcome(file: { rel: string; size: number; mtimeMs: number }, out: JobOutcome, hostOf: HostOf): DumpDigest {
  if (out.status !== 'ok') return Object.assign(baseDigest(file.rel, file.size, file.mtimeMs), { status: out.status }, hostOf(file.rel, undefined), { error: out.error });
  // Object.assign, not one literal with three spreads: V8 builds that literal on a slow path
  // (~20 µs a file on the main thread, a tenth of a 10,000-dump scan's wall time).
  const d: DumpDigest = Object.assign(baseDigest(file.rel, file.size, file.mtimeMs), out.digest, { status: 'ok' as const }, hostOf(file.rel, out.digest.dumpHost));
  // A header time of 1972 or next year is no crash time: the file's time stands (time_source mtime).
  if (out.digest.crashTime && isPlausibleTime(out.digest.crashTime)) {
    d.time = new Date(Date.parse(out.digest.crashTime)).toISOString();
    d.timeSource = 'dump';
  }
  return d;
}

/** The digest of a walk entry that is no file to read: a special file (skipped), or one the walk could not stat or list (error). */
export function walkEntryDigest(e: Exclude<WalkEntry, { kind: 'file' }>, hostOf: HostOf): DumpDigest {
  return {
    // A special file's own lstat time (a 1970 date here used to reach --json and the CSV); an unreadable entry has none.
    ...baseDigest(e.rel, 0, e.kind === 'special' ? e.mtimeMs : -1),
    status: e.kind === 'special' ? 'skipped' : 'error',
    ...hostOf(e.rel, undefined),
    error: { code: e.code, message: e.kind === 'special' ? e.reason : e.message },
  };
}

/** The host of a file: the dump's own name (unless `from` is 'path'), else the path's (unless 'dump'). */
export function hostResolver(pattern: RegExp, from: 'auto' | 'path' | 'dump' = 'auto'): HostOf {
  return (rel, dumpHost) => {
    const pathHost = from === 'dump' ? null : pattern.exec(rel)?.[1] || null;
    if (from !== 'path' && dumpHost) return { host: dumpHost, hostSource: 'dump' };
    if (pathHost) return { host: pathHost, hostSource: 'path' };
    return { host: null, hostSource: null };
  };
}
