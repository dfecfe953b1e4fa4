// Walks a dump share. Yields every file it finds (regular files with their stat, special files,
// symlinks it does not follow, entries it cannot read) so that the scan can account for each.
// Directories are read one at a time and their entries sorted, so the order is deterministic.
// Symlinks are not followed by default; when they are, directory loops are detected by device
// and inode and reported, never walked twice.
//
// Names are read as the bytes the OS gives (a Linux name need not be UTF-8). Each entry carries
// its path twice: `fsPath`, what to open (the path string when every name on it is valid UTF-8,
// else the bytes), and `path` / `rel`, text to show and to key the index by, in which invalid
// bytes, control characters and backslashes are escaped (displayName): two different names never
// show the same, and nameBytes() turns a shown name back into its bytes.

import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { lstatSync, type Stats } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { join, resolve, sep } from 'node:path';
import type { PathFilter } from './glob.js';

/**
 * What to open: a path string, or a Buffer of the OS's bytes when a name on the path is not
 * valid UTF-8 (a decoded string would name another file, or none).
 */
export type FsPath = string | Buffer;

export type WalkEntry =
  | { kind: 'file'; path: string; fsPath: FsPath; rel: string; size: number; mtimeMs: number }
  /** Found but not a candidate: FIFO, socket, device, unfollowed symlink, symlink loop. */
  | { kind: 'special'; path: string; fsPath: FsPath; rel: string; reason: string; code: 'NotAFile' | 'Symlink' | 'SymlinkLoop'; /** lstat's mtime (the link's own, for a link). */ mtimeMs: number }
  /** Found but stat/readdir failed (permission denied, vanished, broken symlink). */
  | { kind: 'error'; path: string; fsPath: FsPath; rel: string; code: string; message: string; isDir: boolean };

/**
 * Characters escaped in a shown name: the backslash (the escape character), C0 controls and DEL
 * (`\xNN`), C1 controls, line/paragraph separators, bidirectional controls and U+FFFD
 * (`\u{XXXX}`): a shown name never holds the replacement character a lossy decode leaves.
 */
const SPECIAL = /[\\\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffd]/;
const SPECIAL_G = new RegExp(SPECIAL.source, 'g');
const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
const escapeChar = (c: string): string => {
  if (c === '\\') return '\\\\';
  const n = c.codePointAt(0)!;
  return n < 0x80 ? `\\x${hex2(n)}` : `\\u{${n.toString(16)}}`;
};
const escapeText = (s: string): string => (SPECIAL.test(s) ? s.replace(SPECIAL_G, escapeChar) : s);

/** Length of the valid UTF-8 sequence at b[i] (1 to 4), or 0 if the byte there starts none. */
function utf8SeqLen(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n === 0 || i + n > b.length) return 0;
  for (let k = 1; k < n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return 0;
  const c1 = b[i + 1]!;
  if ((c === 0xe0 && c1 < 0xa0) || (c === 0xf0 && c1 < 0x90)) return 0; // overlong
  if (c === 0xed && c1 >= 0xa0) return 0; // a UTF-16 surrogate
  if (c === 0xf4 && c1 >= 0x90) return 0; // past U+10FFFF
  return n;
}

/**
 * A file name's bytes as text to show and to key the index by: valid UTF-8 as it is, except that
 * a backslash becomes `\\`, a C0 control or DEL `\xNN`, a C1, separator or bidi control
 * `\u{XXXX}` (so is U+FFFD), and each byte that is not part of valid UTF-8 `\xNN` (NN >= 80). Never holds a
 * control character; different names never give the same text (nameBytes reverses it).
 */
export function displayName(name: Uint8Array): string {
  const buf = Buffer.isBuffer(name) ? name : Buffer.from(name.buffer, name.byteOffset, name.byteLength);
  if (isUtf8(buf)) return escapeText(buf.toString('utf8'));
  let out = '';
  let i = 0;
  while (i < buf.length) {
    let j = i;
    for (let n; j < buf.length && (n = utf8SeqLen(buf, j)) > 0; ) j += n;
    if (j > i) out += escapeText(buf.toString('utf8', i, j));
    if (j < buf.length) out += `\\x${hex2(buf[j]!)}`;
    i = j + 1;
  }
  return out;
}

/** The bytes of a name shown by displayName (the inverse; other text is taken as UTF-8). */
export function nameBytes(shown: string): Buffer {
  const parts: Buffer[] = [];
  let plain = '';
  const flush = (): void => {
    if (plain) parts.push(Buffer.from(plain, 'utf8'));
    plain = '';
  };
  for (let i = 0; i < shown.length; i++) {
    const c = shown[i]!;
    if (c !== '\\' || i + 1 >= shown.length) {
      plain += c;
      continue;
    }
    const next = shown[i + 1]!;
    const x = next === 'x' ? /^[0-9a-fA-F]{2}/.exec(shown.slice(i + 2, i + 4)) : null;
    const u = next === 'u' ? /^\{([0-9a-fA-F]{1,6})\}/.exec(shown.slice(i + 2, i + 11)) : null;
    if (next === '\\') {
      plain += '\\';
      i += 1;
    } else if (x) {
      flush();
      parts.push(Buffer.of(parseInt(x[0], 16)));
      i += 3;
    } else if (u && parseInt(u[1]!, 16) <= 0x10ffff) {
      plain += String.fromCodePoint(parseInt(u[1]!, 16));
      i += 1 + u[0].length;
    } else {
      plain += c;
    }
  }
  flush();
  return Buffer.concat(parts);
}

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

/** `dir` + separator + `name`, as bytes. */
function joinBytes(dir: FsPath, name: Buffer): Buffer {
  const d = typeof dir === 'string' ? Buffer.from(dir, 'utf8') : dir;
  const sepByte = sep.charCodeAt(0);
  return d[d.length - 1] === sepByte ? Buffer.concat([d, name]) : Buffer.concat([d, Buffer.of(sepByte), name]);
}

/** A whole path's bytes as text to show: each name escaped as displayName does. */
export function displayPath(path: Buffer): string {
  const sepByte = sep.charCodeAt(0);
  const names: string[] = [];
  let from = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i === path.length || path[i] === sepByte) {
      names.push(displayName(path.subarray(from, i)));
      from = i + 1;
    }
  }
  return names.join(sep);
}

const toRel = (parts: string): string => (sep === '/' ? parts : parts.split(sep).join('/'));

/** Depth-first walk of `root`. */
export async function* walk(root: string, opts: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const absRoot = resolve(root);
  const skip = new Set((opts.skip ?? []).map((p) => resolve(p)));
  const visited = new Set<string>(); // dev:ino of directories entered (symlink loop detection)
  const rootStat = await stat(absRoot);
  visited.add(`${rootStat.dev}:${rootStat.ino}`);
  // Stack of directories still to read, as [to open, to show, relative]; popped in sorted order.
  const stack: Array<[FsPath, string, string]> = [[absRoot, absRoot, '']];
  while (stack.length > 0) {
    const [dir, shownDir, relDir] = stack.pop()!;
    let names: Array<{ raw: Buffer; shown: string }>;
    try {
      names = (await readdir(dir, { encoding: 'buffer' }))
        .map((raw) => ({ raw, shown: displayName(raw) }))
        .sort((a, b) => (a.shown < b.shown ? -1 : a.shown > b.shown ? 1 : 0));
    } catch (e) {
      yield { kind: 'error', path: shownDir, fsPath: dir, rel: relDir || '.', isDir: true, ...ioMessage(e) };
      continue;
    }
    const dirPrefix = shownDir.endsWith(sep) ? shownDir : shownDir + sep;
    const subdirs: Array<[FsPath, string, string]> = [];
    for (const { raw, shown } of names) {
      // A path stays a string while every name on it is valid UTF-8 (the common case: no copy).
      const fsPath: FsPath = typeof dir === 'string' && isUtf8(raw) ? join(dir, raw.toString('utf8')) : joinBytes(dir, raw);
      if (typeof fsPath === 'string' && skip.has(fsPath)) continue;
      const path = dirPrefix + shown;
      const rel = relDir ? `${relDir}/${toRel(shown)}` : toRel(shown);
      let st: Stats;
      try {
        // Blocking on purpose: one lstat per file is the walk's whole cost, and through the
        // async API it was a libuv round trip (~40 µs here, queued behind the workers' I/O) for
        // a ~3 µs call. The scan loop pulls a few entries at a time, so the event loop is never
        // held for more than those few calls (a slow share blocks it for a few of its latencies).
        st = lstatSync(fsPath);
      } catch (e) {
        yield { kind: 'error', path, fsPath, rel, isDir: false, ...ioMessage(e) };
        continue;
      }
      if (st.isSymbolicLink()) {
        if (!opts.followSymlinks) {
          if (opts.filter && !opts.filter.keepFile(rel)) {
            opts.onExcluded?.(rel);
            continue;
          }
          yield { kind: 'special', path, fsPath, rel, code: 'Symlink', reason: 'symbolic link, not followed (use --follow-symlinks)', mtimeMs: st.mtimeMs };
          continue;
        }
        const linkMtime = st.mtimeMs;
        try {
          st = await stat(fsPath);
        } catch (e) {
          // A link that leads back to itself (a -> b -> a): a loop, as docs/scan.md says, not an I/O error.
          if ((e as NodeJS.ErrnoException)?.code === 'ELOOP') yield { kind: 'special', path, fsPath, rel, code: 'SymlinkLoop', reason: 'symlink loop: the link leads back to itself', mtimeMs: linkMtime };
          else yield { kind: 'error', path, fsPath, rel, isDir: false, ...ioMessage(e) };
          continue;
        }
        if (st.isDirectory()) {
          const key = `${st.dev}:${st.ino}`;
          if (visited.has(key)) {
            let target = '?';
            try {
              const real = await realpath(fsPath, { encoding: 'buffer' });
              target = displayPath(real);
            } catch (e) {
              target = ioMessage(e).message;
            }
            yield { kind: 'special', path, fsPath, rel, code: 'SymlinkLoop', reason: `symlink loop: directory already walked (${target})`, mtimeMs: linkMtime };
            continue;
          }
        }
      }
      if (st.isDirectory()) {
        if (opts.filter?.pruneDir(rel)) continue;
        const key = `${st.dev}:${st.ino}`;
        if (visited.has(key)) continue; // a hard-linked or bind-mounted directory seen before
        visited.add(key);
        subdirs.push([fsPath, path, rel]);
        continue;
      }
      if (opts.filter && !opts.filter.keepFile(rel)) {
        opts.onExcluded?.(rel);
        continue;
      }
      if (!st.isFile()) {
        yield { kind: 'special', path, fsPath, rel, code: 'NotAFile', reason: `not a regular file (${kindOf(st)})`, mtimeMs: st.mtimeMs };
        continue;
      }
      yield { kind: 'file', path, fsPath, rel, size: st.size, mtimeMs: st.mtimeMs };
    }
    // Push in reverse so that the alphabetically first subdirectory is walked first.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
}

export interface CountOptions {
  followSymlinks?: boolean;
  filter?: PathFilter;
  skip?: readonly string[];
  /** Stops the count (it then resolves undefined). */
  signal?: AbortSignal;
}

/**
 * How many entries walk() will yield for the same options: a cheaper pass for a progress total,
 * run beside the scan. It reads directories with their entry types (no stat per file; an lstat
 * only where the file system gives no type, a stat per symlink when they are followed), applies
 * the same filter and skips, and counts an unreadable folder as the one error entry the walk
 * yields for it. An estimate where the share changes meanwhile; undefined when aborted.
 */
export async function countEntries(root: string, opts: CountOptions = {}): Promise<number | undefined> {
  const absRoot = resolve(root);
  const skip = new Set((opts.skip ?? []).map((p) => resolve(p)));
  const visited = new Set<string>();
  if (opts.followSymlinks) {
    const st = await stat(absRoot);
    visited.add(`${st.dev}:${st.ino}`);
  }
  const stack: Array<[FsPath, string]> = [[absRoot, '']];
  let n = 0;
  while (stack.length > 0) {
    if (opts.signal?.aborted) return undefined;
    const [dir, relDir] = stack.pop()!;
    let ents;
    try {
      ents = await readdir(dir, { encoding: 'buffer', withFileTypes: true });
    } catch {
      n++;
      continue;
    }
    for (const ent of ents) {
      const raw = ent.name as unknown as Buffer;
      const fsPath: FsPath = typeof dir === 'string' && isUtf8(raw) ? join(dir, raw.toString('utf8')) : joinBytes(dir, raw);
      if (typeof fsPath === 'string' && skip.has(fsPath)) continue;
      const shown = displayName(raw);
      const rel = relDir ? `${relDir}/${toRel(shown)}` : toRel(shown);
      let isDir = ent.isDirectory();
      let isLink = ent.isSymbolicLink();
      if (!isDir && !isLink && !ent.isFile() && !ent.isFIFO() && !ent.isSocket() && !ent.isBlockDevice() && !ent.isCharacterDevice()) {
        // No type from the file system: ask.
        try {
          const st = await lstat(fsPath);
          isDir = st.isDirectory();
          isLink = st.isSymbolicLink();
        } catch {
          n++;
          continue;
        }
      }
      if (isLink && opts.followSymlinks) {
        try {
          const st = await stat(fsPath);
          if (st.isDirectory()) {
            const key = `${st.dev}:${st.ino}`;
            if (visited.has(key)) {
              n++; // a loop entry
              continue;
            }
            isDir = true;
          }
        } catch {
          n++;
          continue;
        }
        isLink = false;
      }
      if (isDir) {
        if (opts.filter?.pruneDir(rel)) continue;
        if (opts.followSymlinks) {
          try {
            const st = await stat(fsPath);
            const key = `${st.dev}:${st.ino}`;
            if (visited.has(key)) continue;
            visited.add(key);
          } catch {
            n++;
            continue;
          }
        }
        stack.push([fsPath, rel]);
        continue;
      }
      if (opts.filter && !opts.filter.keepFile(rel)) continue;
      n++;
    }
  }
  return n;
}
