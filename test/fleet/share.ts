// Dump shares for the fleet tests: the project's own sample dumps (dumps-fixtures/), hard-linked
// under one folder per host, so that thousands of files cost no disk and no copying.

import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../helpers/corpus.js';

export const FIXTURE_DUMPS = readdirSync(join(PROJECT_ROOT, 'dumps-fixtures'))
  .filter((n) => n.endsWith('.dmp'))
  .sort()
  .map((n) => join(PROJECT_ROOT, 'dumps-fixtures', n));

export interface Share {
  root: string;
  /** Every file's absolute path, sorted. */
  files: string[];
  remove(): void;
}

/**
 * `count` dumps spread over `hosts` folders (host00, host01, ...), each a hard link to one of the
 * fixtures (a file name per copy), plus `extra` plain text files that are not dumps.
 */
export function makeShare(count: number, opts: { hosts?: number; extra?: number; prefix?: string } = {}): Share {
  const root = mkdtempSync(join(tmpdir(), opts.prefix ?? 'dt-fleet-'));
  const hosts = Math.max(1, opts.hosts ?? 4);
  const files: string[] = [];
  for (let h = 0; h < hosts; h++) mkdirSync(join(root, `host${String(h).padStart(2, '0')}`));
  for (let i = 0; i < count; i++) {
    const src = FIXTURE_DUMPS[i % FIXTURE_DUMPS.length]!;
    const dst = join(root, `host${String(i % hosts).padStart(2, '0')}`, `Mini${String(i).padStart(5, '0')}.dmp`);
    try {
      linkSync(src, dst);
    } catch {
      copyFileSync(src, dst); // another file system
    }
    files.push(dst);
  }
  for (let i = 0; i < (opts.extra ?? 0); i++) {
    const p = join(root, 'host00', `notes${i}.txt`);
    writeFileSync(p, `not a dump ${i}\n`);
    files.push(p);
  }
  files.sort();
  return { root, files, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** Give a file a new mtime (a changed file, for a rescan): a copy replaces the link, so the other links keep theirs. */
export function touch(path: string, when: Date): void {
  copyFileSync(path, `${path}.tmp`);
  renameSync(`${path}.tmp`, path);
  utimesSync(path, when, when);
}
