// What `query` reads, from either store: the SQLite index one scan keeps, or the PostgreSQL
// database many scanners and workers share. One interface, two implementations; the digests
// are the same records (outcome-digest.ts), in the same (byte) order of their paths.

import type { DumpDigest } from '../scan/digest.js';
import type { ScanIndex } from '../scan/index-db.js';
import type { PgStore, QueueStatus } from './pg-store.js';

export interface StoredFile {
  digest: DumpDigest;
  /** The stored report JSON (absent in lean mode, for failures, or when not stored). */
  report(): Promise<string | undefined>;
}

export interface StoredScan {
  root: string;
  started: string;
  finished: string | null;
  counts: Record<string, number>;
}

export interface DumpStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Where it is, fit to show (a file path, or a URL without its password). */
  readonly where: string;
  lastScan(): Promise<StoredScan | undefined>;
  files(filter?: { bucket?: string; host?: string }): AsyncIterable<StoredFile>;
  /** The job queue (PostgreSQL only). */
  queueStatus(): Promise<QueueStatus | undefined>;
  close(): Promise<void>;
}

export function sqliteDumpStore(index: ScanIndex, where: string): DumpStore {
  return {
    kind: 'sqlite',
    where,
    lastScan: () => Promise.resolve(index.lastScan()),
    files: async function* (filter = {}) {
      for (const d of index.digests(filter)) yield { digest: d, report: () => Promise.resolve(index.report(d.rel)) };
    },
    queueStatus: () => Promise.resolve(undefined),
    close: () => Promise.resolve(index.close()),
  };
}

/** The database's files, all of them or those under `under` (a scanned folder). */
export function pgDumpStore(store: PgStore, under?: string): DumpStore {
  return {
    kind: 'postgres',
    where: store.shown,
    lastScan: () => store.lastScan(under),
    files: async function* (filter = {}) {
      for await (const { path, digest } of store.digests({ ...filter, ...(under !== undefined ? { under } : {}) })) yield { digest, report: () => store.report(path) };
    },
    queueStatus: () => store.status(),
    close: () => store.close(),
  };
}
