// `dumptriage scan DIR --db URL`: walk the share and queue the files that are new or changed
// since their last result, for workers on any machine to triage. Several scanners may fill one
// database, their shares overlapping or not: a file is keyed by its path, and queued once for
// each version (size, mtime) of it. Files under DIR that no scanner has seen since this scan
// began are forgotten at the end, unless the walk could not read part of the share.

import { join, resolve } from 'node:path';
import type { DumpDigest } from '../scan/digest.js';
import { PathFilter } from '../scan/glob.js';
import { hostResolver, walkEntryDigest } from '../scan/outcome-digest.js';
import { DEFAULT_HOST_PATTERN, INDEX_DIR } from '../scan/scan.js';
import { walk } from '../scan/walk.js';
import type { FileFound, PgStore } from './pg-store.js';

export interface FleetScanOptions {
  include?: string[];
  exclude?: string[];
  followSymlinks?: boolean;
  /** Queue every file again, whatever its stored result. */
  rescan?: boolean;
  hostPattern?: string | RegExp;
  hostFrom?: 'auto' | 'path' | 'dump';
  /** Files per round trip; default 500. */
  batch?: number;
  onProgress?: (p: { found: number; queued: number }) => void;
  onWarning?: (message: string) => void;
}

/**
 * Longest path (UTF-8 bytes) kept as a key: PostgreSQL's B-tree refuses an index entry over
 * ~2.7 KB, and one such path would fail its whole batch. Linux allows 4,096.
 */
export const MAX_PATH_BYTES = 2048;

export interface FleetScanSummary {
  root: string;
  scanId: number;
  /** Files found (after --include/--exclude). */
  found: number;
  excluded: number;
  /** Queued now: new, changed, or (rescan) all. */
  queued: number;
  /** Found with a result (or a job) for their current version already. */
  unchanged: number;
  /** Entries recorded without a job: unreadable, or no regular file. */
  unreadable: number;
  /** Rows of files no longer found. */
  removed: number;
  /** Files whose path is too long to key (over MAX_PATH_BYTES): not queued, said through onWarning. */
  tooLong: number;
  durationMs: number;
}

export async function enqueueShare(store: PgStore, rootDir: string, opts: FleetScanOptions = {}): Promise<FleetScanSummary> {
  const started = Date.now();
  const root = resolve(rootDir);
  const pattern = opts.hostPattern ?? DEFAULT_HOST_PATTERN;
  const hostOf = hostResolver(typeof pattern === 'string' ? new RegExp(pattern, 'i') : pattern, opts.hostFrom);
  const since = await store.now();
  const scanId = await store.beginScan(root);
  const s: FleetScanSummary = { root, scanId, found: 0, excluded: 0, queued: 0, unchanged: 0, unreadable: 0, removed: 0, tooLong: 0, durationMs: 0 };
  const batchSize = Math.max(1, opts.batch ?? 500);
  let batch: FileFound[] = [];
  let odd: Array<{ file: FileFound; digest: DumpDigest }> = [];
  let walkErrors = 0;
  const flush = async (): Promise<void> => {
    if (batch.length) {
      const n = await store.enqueue(batch, opts.rescan);
      s.queued += n;
      s.unchanged += batch.length - n;
      batch = [];
    }
    if (odd.length) {
      await store.recordUnqueued(odd);
      s.unreadable += odd.length;
      odd = [];
    }
    opts.onProgress?.({ found: s.found, queued: s.queued });
  };
  for await (const e of walk(root, { followSymlinks: opts.followSymlinks, filter: new PathFilter(opts.include, opts.exclude), skip: [join(root, INDEX_DIR)], onExcluded: () => s.excluded++ })) {
    s.found++;
    if (Buffer.byteLength(e.path) > MAX_PATH_BYTES) {
      if (s.tooLong++ === 0) opts.onWarning?.(`a path longer than ${MAX_PATH_BYTES} bytes cannot be queued (${e.path.slice(0, 120)}...); such files are counted as tooLong`);
      continue;
    }
    if (e.kind === 'file') batch.push({ path: e.path, root, rel: e.rel, size: e.size, mtimeMs: e.mtimeMs });
    else {
      if (e.kind === 'error') walkErrors++;
      const digest = walkEntryDigest(e, hostOf);
      odd.push({ file: { path: e.path, root, rel: e.rel, size: 0, mtimeMs: digest.mtimeMs }, digest });
    }
    if (batch.length >= batchSize || odd.length >= batchSize) await flush();
  }
  await flush();
  // A part of the share the walk could not read was not found missing: nothing is forgotten then.
  if (walkErrors === 0) s.removed = await store.removeUnseen(root, since);
  s.durationMs = Date.now() - started;
  await store.finishScan(scanId, { found: s.found, queued: s.queued, unchanged: s.unchanged, unreadable: s.unreadable, removed: s.removed, tooLong: s.tooLong });
  return s;
}
