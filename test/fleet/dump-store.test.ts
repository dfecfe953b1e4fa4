// One store interface (src/fleet/dump-store.ts), two implementations: the same tests run
// against the SQLite index of a scan and against the PostgreSQL database of scanners and workers,
// each filled from the same share through its own path.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresSkipMessage, startPostgres } from '../helpers/postgres.js';
import { scanDumps } from '../../src/scan/scan.js';
import { ScanIndex } from '../../src/scan/index-db.js';
import { PgStore } from '../../src/fleet/pg-store.js';
import { enqueueShare } from '../../src/fleet/fleet-scan.js';
import { runFleetWorker } from '../../src/fleet/fleet-worker.js';
import { pgDumpStore, sqliteDumpStore, type DumpStore } from '../../src/fleet/dump-store.js';
import { makeShare } from './share.js';

const pg = await startPostgres();
const cluster = 'why' in pg ? undefined : pg;
if ('why' in pg) console.warn(postgresSkipMessage(pg.why, 'the PostgreSQL half of the store tests is'));

const share = makeShare(24, { hosts: 3, extra: 1, prefix: 'dt-store-' });
writeFileSync(join(share.root, 'host01', 'Mini-empty.dmp'), '');
const tmp = mkdtempSync(join(tmpdir(), 'dt-store-idx-'));
afterAll(async () => {
  share.remove();
  rmSync(tmp, { recursive: true, force: true });
  await cluster?.stop();
});

const stores: Record<string, () => Promise<DumpStore>> = {
  sqlite: async () => {
    const index = join(tmp, 'index.sqlite');
    for await (const _ of scanDumps(share.root, { index, workers: 'inline', jobs: 2, includeSkipped: true }));
    return sqliteDumpStore(ScanIndex.open(index, { readonly: true }), index);
  },
  postgres: async () => {
    const url = await cluster!.createDatabase(`store${process.pid}`);
    const store = await PgStore.open({ url, shown: url });
    await enqueueShare(store, share.root);
    await runFleetWorker(store, { once: true, workers: 'inline', jobs: 2, pollMs: 20 });
    return pgDumpStore(store, share.root);
  },
};

describe.each(Object.keys(stores).filter((k) => k === 'sqlite' || cluster))('DumpStore: %s', (kind) => {
  it('holds every file found, its digest, report and scan, and filters by bucket and host', async () => {
    const store = await stores[kind]!();
    try {
      expect(store.kind).toBe(kind);
      const all: Array<{ rel: string; status: string; bucket?: string; host: string | null }> = [];
      for await (const f of store.files()) all.push({ rel: f.digest.rel, status: f.digest.status, ...(f.digest.bucketId ? { bucket: f.digest.bucketId } : {}), host: f.digest.host });
      expect(all.length).toBe(26);
      // Byte order of the paths, from both stores.
      expect(all.map((f) => f.rel)).toEqual([...all.map((f) => f.rel)].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b)))));
      expect(all.filter((f) => f.status === 'ok').length).toBe(24);
      expect(all.find((f) => f.rel === 'host01/Mini-empty.dmp')?.status).toBe('error');
      expect(all.find((f) => f.rel === 'host00/notes0.txt')?.status).toBe('skipped');
      const bucket = all.find((f) => f.bucket)!.bucket!;
      const inBucket = [];
      for await (const f of store.files({ bucket })) inBucket.push(f);
      expect(inBucket.length).toBe(all.filter((f) => f.bucket === bucket).length);
      const report = JSON.parse((await inBucket[0]!.report())!) as { verdict: { bucketId: string }; input: { path: string } };
      expect(report.verdict.bucketId).toBe(bucket);
      const host02 = [];
      for await (const f of store.files({ host: 'HOST02' })) host02.push(f.digest.rel);
      expect(host02.length).toBe(8);
      expect(host02.every((r) => r.startsWith('host02/'))).toBe(true);
      const last = await store.lastScan();
      expect(last?.root).toBe(share.root);
      expect(last?.finished).not.toBeNull();
      const queue = await store.queueStatus();
      if (kind === 'postgres') expect(queue?.jobs).toEqual({ queued: 0, running: 0, done: 26, failed: 0, dead: 0 });
      else expect(queue).toBeUndefined();
    } finally {
      await store.close();
    }
  }, 60_000);
});
