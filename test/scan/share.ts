// Builds a test share: stand-in dumps (MDMP + JSON spec read by fixtures/fake-triage.mjs), real
// synthetic minidumps, broken files, and optionally a copy of the corpus dumps.

import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sniff } from '../../src/formats/detect.js';

export const FAKE_TRIAGE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-triage.mjs');

export interface StandIn {
  bucket: string;
  /** The stand-in triage never returns (hang) or ends its worker thread (crash): pool tests. */
  hang?: boolean;
  crash?: boolean;
  image?: string;
  ts?: string;
  crashTime?: string;
  kind?: 'crash' | 'hang';
  hostName?: string;
  summary?: string;
}

export function standIn(spec: StandIn): Buffer {
  return Buffer.concat([Buffer.from('MDMP\0\0\0\0', 'latin1'), Buffer.from(JSON.stringify(spec), 'utf8')]);
}

export type Expect = 'ok' | 'error' | 'skipped';

export class Share {
  readonly root: string;
  /** Expected status per root-relative path; undefined = either ok or error (a real dump). */
  readonly expect = new Map<string, Expect | 'dump'>();
  constructor(prefix = 'dt-share-') {
    this.root = mkdtempSync(join(tmpdir(), prefix));
  }
  write(rel: string, bytes: Uint8Array | string, expect: Expect | 'dump'): string {
    const p = join(this.root, ...rel.split('/'));
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, bytes);
    this.expect.set(rel, expect);
    return p;
  }
  fifo(rel: string): void {
    const p = join(this.root, ...rel.split('/'));
    mkdirSync(dirname(p), { recursive: true });
    execFileSync('mkfifo', [p]);
    this.expect.set(rel, 'skipped');
  }
  symlink(rel: string, target: string): void {
    const p = join(this.root, ...rel.split('/'));
    mkdirSync(dirname(p), { recursive: true });
    symlinkSync(target, p);
    this.expect.set(rel, 'skipped');
  }
  unreadable(rel: string, bytes: Uint8Array): void {
    const p = this.write(rel, bytes, 'error');
    chmodSync(p, 0o000);
  }
  /** Copy the corpus dump folders; each file's expectation comes from its signature. */
  copyCorpus(corpus: string, folders: string[]): number {
    let n = 0;
    for (const f of folders) {
      for (const name of readdirSync(join(corpus, f))) {
        const src = join(corpus, f, name);
        if (!statSync(src).isFile()) continue;
        const rel = `corpus/${f}/${name}`;
        const dst = join(this.root, 'corpus', f, name);
        mkdirSync(dirname(dst), { recursive: true });
        copyFileSync(src, dst);
        chmodSync(dst, 0o644);
        const head = readFileSync(dst).subarray(0, 8);
        const st = statSync(dst);
        this.expect.set(rel, sniff(head) ? 'dump' : st.size === 0 || (st.size < 8 && 'MDMP'.startsWith(head.toString('latin1'))) ? 'error' : 'skipped');
        n++;
      }
    }
    return n;
  }
}

/** sha256 and mtime of every regular file under root (the read-only check). */
export function fingerprintTree(root: string, skipDir = '.dumptriage'): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== skipDir) walk(p);
      } else if (e.isFile()) {
        const st = statSync(p);
        let hash = 'unreadable';
        try {
          hash = createHash('sha256').update(readFileSync(p)).digest('hex');
        } catch {
          hash = `unreadable:${st.mode}`;
        }
        out.set(relative(root, p), `${hash}:${st.size}:${st.mtimeMs}`);
      }
    }
  };
  walk(root);
  return out;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
