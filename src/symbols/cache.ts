// The download cache: where it lives, how files enter it, and the negative cache.
//
// A cache is a symbol store like any other (downloads are written in the layout they were asked
// for: NAME.pdb/DEBUGID/NAME.pdb), so WinDbg, minidump-stackwalk, or a later offline run can
// read it as a plain store. Files enter it atomically: written to a temp file in the target's
// own directory (same file system), checked, then renamed over the final name; a reader never
// sees half a file, and two processes filling the same cache at once both end with a whole one.
// Temp files are named `.dumptriage-<pid>-<random>.tmp`, never after the hostile module name.
//
// Nothing is written outside a cache directory: every path is built from checked components
// (keys.ts), checked to lie under the cache root, and the directory it lands in is checked again
// after realpath (a symlink planted inside the cache cannot send a write elsewhere).
//
// The negative cache: when a server does not have a file (404, a timeout, a body that is not the
// file), a marker `.missing-<file>-<server tag>` is left where the file would be, and the file is
// not asked for again until the marker is older than the TTL (24 h by default), by this process
// or the next. The server tag (8 hex digits of a SHA-256 of the server's URL without
// credentials) keeps one server's miss from hiding another's hit in a shared cache. The marker's
// age is its mtime; its content (URL redacted, reason, time) is for people only.

import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** A marker written in the future by more than this (clock skew, a hostile cache) is ignored. */
const MAX_FUTURE_SKEW_MS = 60_000;

/**
 * The per-user cache directory for servers without a cache of their own: %LOCALAPPDATA%
 * on Windows, ~/Library/Caches on macOS, $XDG_CACHE_HOME (absolute) or ~/.cache elsewhere
 * (the XDG Base Directory rule), each + dumptriage/symbols.
 */
export function defaultSymbolCacheDir(env: Record<string, string | undefined> = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (platform === 'win32') {
    const base = env.LOCALAPPDATA && isAbsolute(env.LOCALAPPDATA) ? env.LOCALAPPDATA : join(home, 'AppData', 'Local');
    return join(base, 'dumptriage', 'symbols');
  }
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'dumptriage', 'symbols');
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.cache'), 'dumptriage', 'symbols');
}

/** `path` lies strictly inside `root` (both absolute). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
}

export class CacheEscapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CacheEscapeError';
  }
}

/** Creates the directory of `path` under `root` and checks it really is under `root`. */
export async function prepareDir(root: string, path: string): Promise<void> {
  if (!isInside(root, path)) throw new CacheEscapeError(`${path} is not inside the cache ${root}`);
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const [realRoot, realDir] = await Promise.all([realpath(root), realpath(dir)]);
  if (realDir !== realRoot && !isInside(realRoot, realDir)) throw new CacheEscapeError(`${dir} resolves outside the cache ${root}`);
}

/** A fresh temp file name in the directory of `finalPath`. */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.dumptriage-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
}

export async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

/** Moves a finished temp file onto its final name (replacing an older copy). */
export async function commit(tempPath: string, finalPath: string): Promise<void> {
  try {
    await rename(tempPath, finalPath);
  } catch (e) {
    // Windows refuses to replace a file another process holds open; theirs is as good as ours.
    const st = await stat(finalPath).catch(() => undefined);
    await removeQuietly(tempPath);
    if (!st?.isFile()) throw e;
  }
}

/** Copies `source` into the cache at `finalPath` atomically (temp file, then rename). */
export async function copyInto(root: string, source: string, finalPath: string): Promise<void> {
  await prepareDir(root, finalPath);
  const tmp = tempPathFor(finalPath);
  try {
    await copyFile(source, tmp);
    await commit(tmp, finalPath);
  } catch (e) {
    await removeQuietly(tmp);
    throw e;
  }
}

/** 8 hex digits naming a server in marker names. */
export function serverTag(serverKey: string): string {
  return createHash('sha256').update(serverKey).digest('hex').slice(0, 8);
}

/** The marker's file name: readable when it fits in 255 bytes, else hashed. */
export function markerName(file: string, tag: string): string {
  const readable = `.missing-${file}-${tag}`;
  if (Buffer.byteLength(readable, 'utf8') <= 255) return readable;
  return `.missing-${createHash('sha256').update(file).digest('hex').slice(0, 32)}-${tag}`;
}

/** The marker at `path` is younger than `ttlMs`. */
export async function markerFresh(path: string, ttlMs: number, now = Date.now()): Promise<boolean> {
  if (ttlMs <= 0) return false;
  try {
    const st = await stat(path);
    if (!st.isFile()) return false;
    const age = now - st.mtimeMs;
    return age < ttlMs && age > -MAX_FUTURE_SKEW_MS;
  } catch {
    return false;
  }
}

/** Writes (or refreshes) a marker; failures are ignored (a read-only cache only costs requests). */
export async function writeMarker(root: string, path: string, info: { url: string; reason: string }): Promise<boolean> {
  try {
    await prepareDir(root, path);
    const tmp = tempPathFor(path);
    await writeFile(tmp, `${JSON.stringify({ ...info, time: new Date().toISOString() })}\n`, { flag: 'wx' });
    await commit(tmp, path);
    return true;
  } catch {
    return false;
  }
}
