// Walks a dump share. Yields every file it finds (regular files with their stat, special files,
// symlinks it does not follow, entries it cannot read) so that the scan can account for each.
// Directories are read one at a time and their entries sorted, so the order is deterministic.
// Symlinks are not followed by default; when they are, directory loops are detected by device
// and inode and reported, never walked twice.

import { readdir, realpath, stat } from 'node:fs/promises';
import { lstatSync, type Stats } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { PathFilter } from './glob.js';

export type WalkEntry =
  | { kind: 'file'; path: string; rel: string; size: number; mtimeMs: number }
  /** Found but not a candidate: FIFO, socket, device, unfollowed symlink, symlink loop. */
  | { kind: 'special'; path: string; rel: string; reason: string; code: 'NotAFile' | 'Symlink' | 'SymlinkLoop'; /** lstat's mtime (the link's own, for a link). */ mtimeMs: number }
  /** Found but stat/readdir failed (permission denied, vanished, broken symlink). */
  | { kind: 'error'; path: string; rel: string; code: string; message: string; isDir: boolean };

export interface WalkOptions {
  followSymlinks?: boolean;
  filter?: PathFilter;
  /** Absolute paths never entered or reported (the index folder inside the share). */
  skip?: readonly string[];
  /** Counts files the filter dropped. */
  onExcluded?: (rel: string) => void;
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'FIFO';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  return 'special file';
}

function ioMessage(e: unknown): { code: string; message: string } {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'EACCES':
    case 'EPERM':
      return { code: 'IoError', message: 'permission denied' };
    case 'ENOENT':
      return { code: 'IoError', message: 'vanished during the scan (or a broken symlink)' };
    case 'ELOOP':
      return { code: 'IoError', message: 'too many levels of symbolic links' };
    case 'EBUSY':
      return { code: 'IoError', message: 'file is locked or busy' };
    default:
      return { code: 'IoError', message: `cannot read (${err?.code ?? String(e)})` };
  }
}

const toRel = (parts: string): string => (sep === '/' ? parts : parts.split(sep).join('/'));

/** Depth-first walk of `root`. */
export async function* walk(root: string, opts: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const absRoot = resolve(root);
  const skip = new Set((opts.skip ?? []).map((p) => resolve(p)));
  const visited = new Set<string>(); // dev:ino of directories entered (symlink loop detection)
  const rootStat = await stat(absRoot);
  visited.add(`${rootStat.dev}:${rootStat.ino}`);
  // Stack of directories still to read, as [absolute, relative] pairs; popped in sorted order.
  const stack: Array<[string, string]> = [[absRoot, '']];
  while (stack.length > 0) {
    const [dir, relDir] = stack.pop()!;
    let names: string[];
    try {
      names = (await readdir(dir)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    } catch (e) {
      yield { kind: 'error', path: dir, rel: relDir || '.', isDir: true, ...ioMessage(e) };
      continue;
    }
    const subdirs: Array<[string, string]> = [];
    for (const name of names) {
      const path = join(dir, name);
      if (skip.has(path)) continue;
      const rel = relDir ? `${relDir}/${toRel(name)}` : toRel(name);
      let st: Stats;
      try {
        // Blocking on purpose: one lstat per file is the walk's whole cost, and through the
        // async API it was a libuv round trip (~40 µs here, queued behind the workers' I/O) for
        // a ~3 µs call. The scan loop pulls a few entries at a time, so the event loop is never
        // held for more than those few calls (a slow share blocks it for a few of its latencies).
        st = lstatSync(path);
      } catch (e) {
        yield { kind: 'error', path, rel, isDir: false, ...ioMessage(e) };
        continue;
      }
      if (st.isSymbolicLink()) {
        if (!opts.followSymlinks) {
          if (opts.filter && !opts.filter.keepFile(rel)) {
            opts.onExcluded?.(rel);
            continue;
          }
          yield { kind: 'special', path, rel, code: 'Symlink', reason: 'symbolic link, not followed (use --follow-symlinks)', mtimeMs: st.mtimeMs };
          continue;
        }
        const linkMtime = st.mtimeMs;
        try {
          st = await stat(path);
        } catch (e) {
          // A link that leads back to itself (a -> b -> a): a loop, as docs/scan.md says, not an I/O error.
          if ((e as NodeJS.ErrnoException)?.code === 'ELOOP') yield { kind: 'special', path, rel, code: 'SymlinkLoop', reason: 'symlink loop: the link leads back to itself', mtimeMs: linkMtime };
          else yield { kind: 'error', path, rel, isDir: false, ...ioMessage(e) };
          continue;
        }
        if (st.isDirectory()) {
          const key = `${st.dev}:${st.ino}`;
          if (visited.has(key)) {
            let target = '?';
            try {
              target = await realpath(path);
            } catch (e) {
              target = ioMessage(e).message;
            }
            yield { kind: 'special', path, rel, code: 'SymlinkLoop', reason: `symlink loop: directory already walked (${target})`, mtimeMs: linkMtime };
            continue;
          }
        }
      }
      if (st.isDirectory()) {
        if (opts.filter?.pruneDir(rel)) continue;
        const key = `${st.dev}:${st.ino}`;
        if (visited.has(key)) continue; // a hard-linked or bind-mounted directory seen before
        visited.add(key);
        subdirs.push([path, rel]);
        continue;
      }
      if (opts.filter && !opts.filter.keepFile(rel)) {
        opts.onExcluded?.(rel);
        continue;
      }
      if (!st.isFile()) {
        yield { kind: 'special', path, rel, code: 'NotAFile', reason: `not a regular file (${kindOf(st)})`, mtimeMs: st.mtimeMs };
        continue;
      }
      yield { kind: 'file', path, rel, size: st.size, mtimeMs: st.mtimeMs };
    }
    // Push in reverse so that the alphabetically first subdirectory is walked first.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
}
