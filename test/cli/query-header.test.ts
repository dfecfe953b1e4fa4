// Issue 14, item 11: `query modules` and `query hosts` said "0 buckets, 0 hosts" in their header
// on an index that had both (the tables not shown were emptied before rendering, header included).

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const FIXTURES = join(__dirname, '..', '..', 'dumps-fixtures');

describe('query headers', () => {
  let share: string;
  beforeAll(async () => {
    share = mkdtempSync(join(tmpdir(), 'dumptriage-query-'));
    for (const [i, f] of readdirSync(FIXTURES).filter((x) => x.endsWith('.dmp')).entries()) {
      const host = join(share, `HOST${i % 2}`);
      mkdirSync(host, { recursive: true });
      copyFileSync(join(FIXTURES, f), join(host, f));
    }
    expect((await cli('scan', share, '--json')).code).toBe(0);
  });
  afterAll(() => rmSync(share, { recursive: true, force: true }));

  it('every query counts the whole index in its header', async () => {
    const headers = [];
    for (const what of ['buckets', 'modules', 'hosts']) {
      const r = await cli('query', what, '--dir', share);
      expect(r.code).toBe(0);
      headers.push(r.stdout.split('\n').find((l) => l.includes('dumps analysed')));
    }
    expect(headers[0]).toMatch(/; 4 buckets, 2 hosts/);
    expect(new Set(headers).size).toBe(1);
  });

  it('query modules and query hosts show their table only', async () => {
    const m = (await cli('query', 'modules', '--dir', share)).stdout;
    expect(m).toContain('Top cause modules');
    expect(m).not.toContain('\nBuckets\n');
    const h = (await cli('query', 'hosts', '--dir', share)).stdout;
    expect(h).toContain('\nHosts\n');
    expect(h).not.toContain('Top cause modules');
  });
});

describe('query --dir of a share whose index is in the per-user cache', () => {
  it('finds the index the scan kept there', async () => {
    const share = mkdtempSync(join(tmpdir(), 'dumptriage-query-ro-'));
    const cache = mkdtempSync(join(tmpdir(), 'dumptriage-query-cache-'));
    const before = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = cache;
    try {
      copyFileSync(join(FIXTURES, 'sample-app-crash-x64.dmp'), join(share, 'a.dmp'));
      writeFileSync(join(share, '.dumptriage'), 'a file where the index folder would go');
      const scan = await cli('scan', share);
      expect(scan.code).toBe(0);
      expect(scan.stderr).toContain(cache);
      const q = await cli('query', 'buckets', '--dir', share);
      expect(q.code).toBe(0);
      expect(q.stdout).toContain('1 dumps analysed');
    } finally {
      if (before === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = before;
      rmSync(share, { recursive: true, force: true });
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
