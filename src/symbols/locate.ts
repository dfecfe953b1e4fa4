// The symbol locator: finds a module's .sym, PDB or binary on a symbol path (symbol-path.ts) the
// way WinDbg's symsrv and minidump-stackwalk's symbol suppliers do, and returns a local path.
//
// Entries are searched in path order; within an entry, its caches (downstream stores) nearest
// first, then its store. In every local directory (a store or a cache) a module's keys are
// tried in the layouts of keys.ts:
//
//   sym     NAME.pdb/DEBUGID/NAME.sym                                  (Breakpad)
//   pdb     NAME.pdb/DEBUGID/NAME.pdb, then NAME.pd_, then file.ptr    (symstore; under a
//   binary  NAME.dll/CODEID/NAME.dll,  then NAME.dl_, then file.ptr     two-letter folder when
//                                                                      the root has index2.txt)
//   flat    DIR/NAME.sym, DIR/{symbols/EXT/,EXT/,}NAME.pdb, DIR/NAME.dll (plain directories only)
//
// and a server is asked for the same relative paths, in the same order, under its URL: `.sym`
// only for a sym; NAME.pdb, NAME.pd_, file.ptr for a PDB; NAME.dll, NAME.dl_, file.ptr for a
// binary. A file found past the first cache is copied into the caches before it (symsrv's
// cascade); a download lands in the first cache, in the layout it was asked in, so every cache
// is itself a valid store. A compressed `.pd_`/`.dl_` (a CAB) is decompressed into the first
// cache (the default cache for a store without one: symsrv also "always" uses a downstream
// store for compressed files); the cache holds the plain file.
//
// Every hit is checked before it counts (verify.ts): a .sym's MODULE line must name the debug
// id, a binary's header the code id, a PDB must carry a PDB signature. `verified` on the result
// says the identity is established: by a keyed path (as symsrv trusts it) or by the id read
// inside the file. A flat PDB is returned with verified: false (its GUID and age are the PDB
// reader's to check), as is any flat file of a module without ids.
//
// file.ptr (symstore /p: the store holds a pointer, not the file) says `PATH:<path>` or
// `MSG:<text>`. Our policy, since the pointer comes from a store that may be a remote server:
//   - MSG: the file is not there (the message is logged);
//   - a relative PATH is resolved inside the same store (a directory: under its root; a server:
//     under its URL), every component checked like a module name;
//   - an absolute PATH (`/x`, `C:\x`, `\\server\share\x`) is followed only when it lies inside a
//     local directory the user's symbol path names (a store or a cache): a pointer can never
//     make us read an arbitrary local file, nor fetch from a host the user did not name.
//
// Servers: one request per file per process (concurrent locates of the same file share one
// promise; a miss is remembered for the process and, for negativeTtlMs, on disk: cache.ts);
// requests bounded by `concurrency`, each with a connect timeout and a total timeout; a timeout
// or a network error ends that file's requests to that server (so a dead server costs at most one
// timeout per file), and after serverFailureLimit consecutive failures the server is marked down
// for the rest of the process (logged once). `offline: true` never touches the network: local
// stores and caches only. A server store whose root holds index2.txt is two-tier: we ask for
// index2.txt once per server and process (only when a PDB or binary is first asked for).
//
// Every place searched is logged as a LocatorLookup (capped; past the cap counted in
// lookupsDropped); stats count requests, downloads, bytes, cache hits, negative-cache hits and
// timeouts. Credentials in server URLs never appear in lookups, progress events or messages.

import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { SymbolModule } from '../formats/breakpad-sym/store.js';
import { VERSION } from '../version.js';
import { CacheEscapeError, commit, copyInto, defaultSymbolCacheDir, isInside, markerFresh, markerName, prepareDir, removeQuietly, serverTag, tempPathFor, writeMarker } from './cache.js';
import type { HttpOutcome } from './http.js';
import { componentReason, moduleKeys, printable, twoTierPrefix, type FileKey, type LocateKind, type ModuleKeys } from './keys.js';
import { redactUrl, type SymbolPathEntry } from './symbol-path.js';
import { checkFile, isCab, readAt, sniff } from './verify.js';

// The HTTP client (node:http, node:https, node:tls, node:zlib) and the CAB reader are loaded with
// the first download or CAB: every triage imports this module, and loading them cost a run that
// asks no server ~5 ms of its start-up (issue 19).
let httpLoaded: Promise<typeof import('./http.js')> | undefined;
let cabLoaded: typeof import('./cab.js') | undefined;
function httpModule(): Promise<typeof import('./http.js')> {
  return (httpLoaded ??= import('./http.js'));
}
async function cabModule(): Promise<typeof import('./cab.js')> {
  return (cabLoaded ??= await import('./cab.js'));
}

export type { LocateKind } from './keys.js';

export interface SymbolLocatorOptions {
  /** Local stores and caches only: never a request. */
  offline?: boolean;
  /** The default cache (servers without one of their own; decompressed CABs of stores without one). */
  cacheDir?: string;
  /** DNS + TCP + TLS of a new connection (default 5 s). */
  connectTimeoutMs?: number;
  /** One file's request, redirects and body included (default 60 s). */
  totalTimeoutMs?: number;
  /** Requests in flight at once, all servers together (default 4). */
  concurrency?: number;
  onProgress?: (event: LocatorProgress) => void;
  userAgent?: string;
  /** How long a miss remembered on disk holds (default 24 h; 0: never trust a marker). */
  negativeTtlMs?: number;
  /** Consecutive failures (timeouts, refused connections, 5xx) that mark a server down (default 3). */
  serverFailureLimit?: number;
  /** Redirects followed per request (default 5). */
  maxRedirects?: number;
  /** Largest file accepted, downloaded or decompressed (default 4 GiB). */
  maxFileBytes?: number;
  /** Lookups kept in `lookups` (default 10,000); past it they are counted in `lookupsDropped`. */
  maxLookups?: number;
  /** Environment for the default cache directory only (default process.env). */
  env?: Record<string, string | undefined>;
}

export const SYMBOL_LOCATOR_DEFAULTS = {
  connectTimeoutMs: 5_000,
  totalTimeoutMs: 60_000,
  concurrency: 4,
  negativeTtlMs: 24 * 60 * 60 * 1000,
  serverFailureLimit: 3,
  maxRedirects: 5,
  /** A PDB of a large product (xul.pdb, chrome.dll.pdb) is 1-3 GiB; a PE is at most 4 GiB. */
  maxFileBytes: 4 * 1024 * 1024 * 1024,
  /** store.ts's bound on its lookups log. */
  maxLookups: 10_000,
} as const;

/** A file.ptr is one line naming a path. */
const MAX_POINTER_BYTES = 4096;
/** index2.txt is a short note; a probe never keeps more. */
const MAX_INDEX2_BYTES = 64 * 1024;
/** Misses remembered for the process (then the disk markers answer). */
const MAX_REMEMBERED_MISSES = 100_000;
/** download-progress events at most once per this many bytes. */
const PROGRESS_STEP_BYTES = 1024 * 1024;

export type LocatorLookupResult = 'found' | 'missing' | 'corrupt' | 'mismatch' | 'rejected' | 'error' | 'offline' | 'cached-miss';

/** One place searched (the shape of src/unwind/sources.ts's SymbolLookupRecord). */
export interface LocatorLookup {
  kind: LocateKind;
  module: string;
  /** A local path, or a server URL with credentials redacted; absent when nothing was searched. */
  location?: string;
  result: LocatorLookupResult;
  reason?: string;
}

export type LocatorTrace = (lookup: LocatorLookup) => void;

export interface LocatedFile {
  /** The local file to open. */
  path: string;
  kind: LocateKind;
  /** Where it was found: a store or cache directory, or the URL it was downloaded from (redacted). */
  source: string;
  /** 'local': a store on the path; 'cache': a cache; 'download': fetched by this call. */
  origin: 'local' | 'cache' | 'download';
  layout: 'breakpad' | 'symstore' | 'two-tier' | 'flat';
  /** The file is the module's: by its keyed path or by the id read inside it (see the header). */
  verified: boolean;
  /** Reached through a compressed CAB or a file.ptr. */
  via?: 'cab' | 'file.ptr';
}

export interface LocatorStats {
  /** HTTP requests sent (each redirect hop counts). */
  requests: number;
  /** Files downloaded and kept. */
  downloads: number;
  /** Response body bytes received, as sent on the wire. */
  bytesDownloaded: number;
  /** Files found in a cache. */
  cacheHits: number;
  /** Server requests saved by a remembered miss (this process, or a marker on disk). */
  negativeHits: number;
  timeouts: number;
}

export type LocatorProgress =
  | { type: 'download-start'; kind: LocateKind; module: string; url: string }
  | { type: 'download-progress'; kind: LocateKind; module: string; url: string; bytes: number; expectedBytes?: number }
  | { type: 'download-end'; kind: LocateKind; module: string; url: string; bytes: number; result: LocatorLookupResult; reason?: string; ms: number }
  | { type: 'server-down'; url: string; reason: string };

interface ServerState {
  /** The base URL without credentials and trailing slashes: the server's identity. */
  key: string;
  display: string;
  /** The base URL as written (credentials included), ending in '/'. */
  base: string;
  tag: string;
  failures: number;
  down: boolean;
  twoTier?: Promise<boolean | undefined>;
}

type ResolvedSource = { type: 'dir'; path: string } | { type: 'http'; server: ServerState };

interface ResolvedEntry {
  source: ResolvedSource;
  /** Absolute cache directories, nearest first (an HTTP entry always has one). */
  caches: string[];
  flat: boolean;
}

interface SearchContext {
  keys: ModuleKeys;
  log: (l: Omit<LocatorLookup, 'kind' | 'module'>) => void;
}

/** A semaphore: at most `limit` holders. */
class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException | undefined)?.code ?? String((e as Error)?.message ?? e);
}

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`SymbolLocator option ${name} must be an integer >= ${min}`);
  return value;
}

function serverKeyOf(url: string): { key: string; base: string } {
  const u = new URL(url);
  const base = u.href.replace(/\/*$/, '/');
  u.username = '';
  u.password = '';
  return { key: u.href.replace(/\/*$/, ''), base };
}

/** A file.ptr's target: `PATH:<path>` or `MSG:<text>` on its first line. */
function parsePointer(bytes: Buffer): { path: string } | { msg: string } | { bad: string } {
  const text = bytes.toString('utf8').replace(/^\ufeff/, '');
  const line = text.split(/\r?\n/, 1)[0]!.trim();
  const m = /^(PATH|MSG):(.*)$/i.exec(line);
  if (!m) return { bad: 'not a symstore file.ptr (no PATH: or MSG: line)' };
  const value = m[2]!.trim();
  if (m[1]!.toUpperCase() === 'MSG') return { msg: printable(value.slice(0, 200)) };
  // eslint-disable-next-line no-control-regex
  if (value === '' || /[\u0000-\u001f\u007f]/.test(value)) return { bad: 'file.ptr PATH is empty or holds control characters' };
  return { path: value };
}

/** An absolute path in either Windows or POSIX form. */
function isAbsoluteAny(p: string): boolean {
  return p.startsWith('/') || p.startsWith('\\') || /^[a-z]:[\\/]/i.test(p);
}

export class SymbolLocator {
  /** Every place searched, in order (deduplicated, capped). */
  readonly lookups: LocatorLookup[] = [];
  lookupsDropped = 0;
  readonly stats: LocatorStats = { requests: 0, downloads: 0, bytesDownloaded: 0, cacheHits: 0, negativeHits: 0, timeouts: 0 };
  /** The cache for servers without one of their own (options.cacheDir, else the per-user one). */
  readonly defaultCacheDir: string;
  private readonly entries: readonly ResolvedEntry[];

  private readonly logged = new Set<string>();
  private readonly inflight = new Map<string, Promise<{ found?: LocatedFile; records: LocatorLookup[] }>>();
  private readonly remote = new Map<string, Promise<LocatedFile | undefined>>();
  private readonly twoTierDirs = new Map<string, Promise<boolean>>();
  private readonly servers = new Map<string, ServerState>();
  private allowedRoots: Promise<string[]> | undefined;
  private readonly gate: Gate;
  /** Kept-alive connections, made with the first download. */
  private agents: Promise<{ http: HttpAgent; https: HttpsAgent }> | undefined;
  private agentsMade: { http: HttpAgent; https: HttpsAgent } | undefined;
  private readonly o: Required<Omit<SymbolLocatorOptions, 'onProgress' | 'cacheDir' | 'env'>> & Pick<SymbolLocatorOptions, 'onProgress'>;

  constructor(entries: readonly SymbolPathEntry[], options: SymbolLocatorOptions = {}) {
    const d = SYMBOL_LOCATOR_DEFAULTS;
    this.o = {
      offline: options.offline ?? false,
      connectTimeoutMs: positiveInt('connectTimeoutMs', options.connectTimeoutMs, d.connectTimeoutMs),
      totalTimeoutMs: positiveInt('totalTimeoutMs', options.totalTimeoutMs, d.totalTimeoutMs),
      concurrency: positiveInt('concurrency', options.concurrency, d.concurrency),
      negativeTtlMs: positiveInt('negativeTtlMs', options.negativeTtlMs, d.negativeTtlMs, 0),
      serverFailureLimit: positiveInt('serverFailureLimit', options.serverFailureLimit, d.serverFailureLimit),
      maxRedirects: positiveInt('maxRedirects', options.maxRedirects, d.maxRedirects, 0),
      maxFileBytes: positiveInt('maxFileBytes', options.maxFileBytes, d.maxFileBytes),
      maxLookups: positiveInt('maxLookups', options.maxLookups, d.maxLookups, 0),
      userAgent: options.userAgent ?? `dumptriage/${VERSION}`,
      onProgress: options.onProgress,
    };
    this.defaultCacheDir = resolve(options.cacheDir ?? defaultSymbolCacheDir(options.env ?? process.env));
    this.gate = new Gate(this.o.concurrency);
    this.entries = entries.map((e) => this.resolveEntry(e));
  }

  private resolveEntry(e: SymbolPathEntry): ResolvedEntry {
    const caches = [...new Set(e.caches.map((c) => (c.type === 'default' ? this.defaultCacheDir : resolve(c.path))))];
    if (e.source.type === 'dir') return { source: { type: 'dir', path: resolve(e.source.path) }, caches, flat: e.flat };
    const { key, base } = serverKeyOf(e.source.url);
    let server = this.servers.get(key);
    if (!server) {
      server = { key, base, display: redactUrl(base), tag: serverTag(key), failures: 0, down: false };
      this.servers.set(key, server);
    }
    return { source: { type: 'http', server }, caches: caches.length ? caches : [this.defaultCacheDir], flat: false };
  }

  /** Closes kept-alive connections (call once done; idle sockets do not hold the process open). */
  async close(): Promise<void> {
    await this.agents?.catch(() => undefined);
    this.agentsMade?.http.destroy();
    this.agentsMade?.https.destroy();
    this.agents = this.agentsMade = undefined;
  }

  private record(l: LocatorLookup): void {
    const key = `${l.kind}\0${l.module}\0${l.location ?? ''}\0${l.result}`;
    if (this.logged.has(key)) return;
    if (this.lookups.length >= this.o.maxLookups) {
      this.lookupsDropped++;
      return;
    }
    this.logged.add(key);
    this.lookups.push(l);
  }

  private progress(e: LocatorProgress): void {
    try {
      this.o.onProgress?.(e);
    } catch {
      // a listener's bug must not break a download
    }
  }

  /**
   * The module's `kind` file as a local path, searching the entries in path order; undefined
   * when no entry has it (`lookups` and `trace` say where it was looked for, and why not).
   * Never throws for a missing, corrupt or hostile file.
   */
  async locate(module: SymbolModule, kind: LocateKind, trace?: LocatorTrace): Promise<LocatedFile | undefined> {
    const k = moduleKeys(module, kind);
    if (!k.ok) {
      const l: LocatorLookup = { kind, module: k.label, result: 'rejected', reason: k.reason };
      this.record(l);
      trace?.(l);
      return undefined;
    }
    const id = [kind, module.name, module.pdbName, module.debugId, module.codeId].map((v) => v ?? '').join('\0');
    let p = this.inflight.get(id);
    if (!p) {
      p = this.search(k.keys).finally(() => this.inflight.delete(id));
      this.inflight.set(id, p);
    }
    const { found, records } = await p;
    if (trace) for (const r of records) trace(r);
    return found ? { ...found } : undefined;
  }

  private async search(keys: ModuleKeys): Promise<{ found?: LocatedFile; records: LocatorLookup[] }> {
    const records: LocatorLookup[] = [];
    const ctx: SearchContext = {
      keys,
      log: (l) => {
        const full: LocatorLookup = { kind: keys.kind, module: keys.label, ...l };
        records.push(full);
        this.record(full);
      },
    };
    if (keys.refused.length) ctx.log({ result: 'rejected', reason: keys.refused.join('; ') });
    for (const e of this.entries) {
      try {
        const found = await this.searchEntry(e, ctx);
        if (found) return { found, records };
      } catch (err) {
        // A local I/O failure in one entry (permissions, a vanished disk) does not end the search.
        ctx.log({ location: e.source.type === 'dir' ? e.source.path : e.source.server.display, result: 'error', reason: errnoOf(err) });
      }
    }
    return { records };
  }

  private async searchEntry(e: ResolvedEntry, ctx: SearchContext): Promise<LocatedFile | undefined> {
    for (let i = 0; i < e.caches.length; i++) {
      const hit = await this.searchDir(e.caches[i]!, false, e.caches[0]!, ctx);
      if (hit) {
        this.stats.cacheHits++;
        return { ...(await this.fill(e.caches.slice(0, i), hit, ctx)), origin: 'cache' };
      }
    }
    if (e.source.type === 'dir') {
      const hit = await this.searchDir(e.source.path, e.flat, e.caches[0] ?? this.defaultCacheDir, ctx);
      return hit && hit.layout !== 'flat' ? this.fill(e.caches, hit, ctx) : hit;
    }
    return this.fromServer(e, e.source.server, ctx);
  }

  /**
   * Copies a keyed hit into each cache (symsrv's cascade: found upstream, copied downstream);
   * the returned file is the nearest copy. A cache that cannot be written is skipped, logged.
   */
  private async fill(caches: string[], hit: LocatedFile, ctx: SearchContext): Promise<LocatedFile> {
    const key = ctx.keys.remote;
    if (!key || caches.length === 0) return hit;
    let nearest: string | undefined;
    for (const c of caches) {
      const target = await this.cachePath(c, key);
      if (resolve(target) === resolve(hit.path)) {
        nearest ??= target;
        continue;
      }
      try {
        await copyInto(c, hit.path, target);
        nearest ??= target;
      } catch (err) {
        ctx.log({ location: target, result: 'error', reason: `cannot copy into the cache (${err instanceof CacheEscapeError ? err.message : errnoOf(err)})` });
      }
    }
    return nearest ? { ...hit, path: nearest } : hit;
  }

  /** Whether the store at `root` is two-tier (index2.txt at its root), asked once per store. */
  private isTwoTier(root: string): Promise<boolean> {
    let p = this.twoTierDirs.get(root);
    if (!p) {
      p = stat(join(root, 'index2.txt')).then((s) => s.isFile(), () => false);
      this.twoTierDirs.set(root, p);
    }
    return p;
  }

  /** The directory components of `key` in a store, two-tier when asked (and the prefix is safe). */
  private keyDir(key: FileKey, twoTier: boolean): string[] {
    const prefix = twoTierPrefix(key.dir);
    return twoTier && key.layout === 'symstore' && componentReason(prefix) === undefined ? [prefix, key.dir, key.id] : [key.dir, key.id];
  }

  /** Where `key`'s file goes in the cache at `root` (the cache's own layout). */
  private async cachePath(root: string, key: FileKey): Promise<string> {
    return join(root, ...this.keyDir(key, await this.isTwoTier(root)), key.file);
  }

  /** A local file at `path` checked as the module's: found, or why not (logged). */
  private async tryFile(path: string, ctx: SearchContext, quietMiss = false): Promise<{ verified: boolean } | undefined> {
    let st;
    try {
      st = await stat(path);
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (!quietMiss) ctx.log({ location: path, result: 'missing' });
      } else ctx.log({ location: path, result: code === 'ENAMETOOLONG' ? 'rejected' : 'error', reason: `cannot stat (${code})` });
      return undefined;
    }
    if (!st.isFile()) {
      ctx.log({ location: path, result: 'missing', reason: 'not a regular file' });
      return undefined;
    }
    try {
      const c = await checkFile(path, ctx.keys.kind, ctx.keys.expect);
      if (!c.ok) {
        ctx.log({ location: path, result: c.result, reason: c.reason });
        return undefined;
      }
      return { verified: c.verified };
    } catch (err) {
      ctx.log({ location: path, result: 'error', reason: `cannot read (${errnoOf(err)})` });
      return undefined;
    }
  }

  /** One local directory (a store or a cache): keyed layouts, then flat when asked. */
  private async searchDir(root: string, flat: boolean, outCache: string, ctx: SearchContext): Promise<LocatedFile | undefined> {
    const { keys } = ctx;
    const twoTier = keys.kind !== 'sym' && (await this.isTwoTier(root));
    for (const key of keys.local) {
      const dir = this.keyDir(key, twoTier);
      const layout = key.layout === 'breakpad' ? 'breakpad' : dir.length === 3 ? 'two-tier' : 'symstore';
      const base: Omit<LocatedFile, 'path'> = { kind: keys.kind, source: root, origin: 'local', layout, verified: true };
      const path = join(root, ...dir, key.file);
      if (await this.tryFile(path, ctx)) {
        ctx.log({ location: path, result: 'found' });
        return { ...base, path };
      }
      if (key.compressed) {
        const cab = join(root, ...dir, key.compressed);
        if (await this.exists(cab, ctx)) {
          const out = await this.decompress(cab, key, outCache, ctx);
          if (out) return { ...base, path: out, via: 'cab' };
        }
      }
      if (key.layout === 'symstore') {
        const ptr = join(root, ...dir, 'file.ptr');
        if (await this.exists(ptr, ctx)) {
          const target = await this.followLocalPointer(ptr, root, outCache, ctx);
          if (target) return { ...base, path: target, via: 'file.ptr' };
        }
      }
    }
    if (flat) {
      for (const segs of keys.flat) {
        const path = join(root, ...segs);
        const r = await this.tryFile(path, ctx);
        if (r) {
          ctx.log({ location: path, result: 'found', ...(r.verified ? {} : { reason: 'flat: not verified' }) });
          return { kind: keys.kind, source: root, origin: 'local', layout: 'flat', verified: r.verified, path };
        }
      }
    }
    return undefined;
  }

  private async exists(path: string, ctx: SearchContext): Promise<boolean> {
    try {
      return (await stat(path)).isFile();
    } catch (err) {
      const code = errnoOf(err);
      ctx.log({ location: path, result: code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'error', ...(code === 'ENOENT' || code === 'ENOTDIR' ? {} : { reason: code }) });
      return false;
    }
  }

  /**
   * Decompresses the CAB at `cab` into the cache `outRoot` (the module's remote key, the cache's
   * layout) and checks the result. Reuses an earlier decompression. Undefined when it fails (logged).
   */
  private async decompress(cab: string, key: FileKey, outRoot: string, ctx: SearchContext): Promise<string | undefined> {
    const target = await this.cachePath(outRoot, ctx.keys.remote ?? key);
    if (await this.tryFile(target, ctx, true)) {
      ctx.log({ location: target, result: 'found', reason: `decompressed earlier from ${cab}` });
      return target;
    }
    const tmp = tempPathFor(target);
    try {
      await prepareDir(outRoot, target);
      await (await cabModule()).extractCab(cab, key.file, tmp, this.o.maxFileBytes);
      const c = await checkFile(tmp, ctx.keys.kind, ctx.keys.expect);
      if (!c.ok) {
        ctx.log({ location: cab, result: c.result, reason: `decompressed: ${c.reason}` });
        return undefined;
      }
      await commit(tmp, target);
      ctx.log({ location: cab, result: 'found', reason: `decompressed into ${target}` });
      return target;
    } catch (err) {
      ctx.log({ location: cab, ...this.cabFailure(err) });
      return undefined;
    } finally {
      await removeQuietly(tmp);
    }
  }

  private cabFailure(err: unknown): { result: LocatorLookupResult; reason: string } {
    if (cabLoaded && err instanceof cabLoaded.CabError) return { result: err.code === 'CabUnsupported' ? 'error' : err.code === 'CabTooLarge' ? 'rejected' : 'corrupt', reason: err.message };
    if (err instanceof CacheEscapeError) return { result: 'rejected', reason: err.message };
    return { result: 'error', reason: `cannot decompress (${errnoOf(err)})` };
  }

  /** Local directories of the symbol path (stores and caches), real paths: where an absolute file.ptr may point. */
  private roots(): Promise<string[]> {
    this.allowedRoots ??= (async () => {
      const dirs = new Set<string>([this.defaultCacheDir]);
      for (const e of this.entries) {
        if (e.source.type === 'dir') dirs.add(e.source.path);
        for (const c of e.caches) dirs.add(c);
      }
      const real = await Promise.all([...dirs].map((d) => realpath(d).catch(() => undefined)));
      return real.filter((d): d is string => d !== undefined);
    })();
    return this.allowedRoots;
  }

  /**
   * The local file a pointer's PATH names, if our policy lets us follow it (see the header):
   * relative → inside `storeRoot`; absolute → inside a directory of the symbol path.
   */
  private async pointerTarget(path: string, storeRoot: string | undefined): Promise<{ path: string } | { refused: string }> {
    let target: string;
    if (isAbsoluteAny(path)) {
      if (process.platform !== 'win32' && !path.startsWith('/')) return { refused: `file.ptr names a Windows path (${printable(path.slice(0, 200))}), which cannot be opened here` };
      target = resolve(path);
    } else {
      if (storeRoot === undefined) return { refused: 'relative file.ptr PATH with no store to resolve it in' };
      const parts = path.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
      const bad = parts.map(componentReason).find((r) => r !== undefined);
      if (parts.length === 0 || bad) return { refused: `file.ptr PATH refused: ${bad ?? 'empty'}` };
      target = join(storeRoot, ...parts);
    }
    let real: string;
    try {
      real = await realpath(target);
    } catch (err) {
      return { refused: `file.ptr target ${printable(target)} cannot be opened (${errnoOf(err)})` };
    }
    const inside = isAbsoluteAny(path) ? (await this.roots()).some((r) => isInside(r, real)) : isInside(await realpath(storeRoot!), real);
    if (!inside) return { refused: `file.ptr points outside the symbol path's directories (${printable(target)})` };
    return { path: real };
  }

  /** Reads a pointer file (bounded) and follows it to a checked local file, or logs why not. */
  private async followLocalPointer(ptr: string, storeRoot: string, outCache: string, ctx: SearchContext): Promise<string | undefined> {
    const parsed = parsePointer(await readAt(ptr, 0, MAX_POINTER_BYTES));
    if ('msg' in parsed) {
      ctx.log({ location: ptr, result: 'missing', reason: `file.ptr MSG: ${parsed.msg}` });
      return undefined;
    }
    if ('bad' in parsed) {
      ctx.log({ location: ptr, result: 'corrupt', reason: parsed.bad });
      return undefined;
    }
    return this.openPointerTarget(ptr, parsed.path, storeRoot, outCache, ctx);
  }

  private async openPointerTarget(ptrLocation: string, pathText: string, storeRoot: string | undefined, outCache: string, ctx: SearchContext): Promise<string | undefined> {
    const t = await this.pointerTarget(pathText, storeRoot);
    if ('refused' in t) {
      ctx.log({ location: ptrLocation, result: 'rejected', reason: t.refused });
      return undefined;
    }
    if (await isCab(t.path).catch(() => false)) {
      const key = ctx.keys.remote;
      return key ? this.decompress(t.path, key, outCache, ctx) : undefined;
    }
    if (await this.tryFile(t.path, ctx)) {
      ctx.log({ location: t.path, result: 'found', reason: `through ${ptrLocation}` });
      return t.path;
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Servers.

  private url(server: ServerState, components: string[]): URL {
    return new URL(server.base + components.map(encodeURIComponent).join('/'));
  }

  private serverFailed(server: ServerState, why: string, ctx: SearchContext): void {
    server.failures++;
    if (server.down || server.failures < this.o.serverFailureLimit) return;
    server.down = true;
    const reason = `marked down after ${server.failures} consecutive failures (last: ${why}); not asked again in this run`;
    ctx.log({ location: server.display, result: 'error', reason });
    this.progress({ type: 'server-down', url: server.display, reason });
  }

  /** One GET under the gate, with stats, progress and the server's failure count. */
  private async get(server: ServerState, url: URL, dest: string | null, what: LocateKind | 'cab' | 'ptr' | 'index2', ctx: SearchContext): Promise<HttpOutcome> {
    return this.gate.run(async () => {
      const display = redactUrl(url);
      const started = Date.now();
      let lastStep = 0;
      const event = { kind: ctx.keys.kind, module: ctx.keys.label, url: display };
      this.progress({ type: 'download-start', ...event });
      const limit = what === 'ptr' ? MAX_POINTER_BYTES : what === 'index2' ? MAX_INDEX2_BYTES : this.o.maxFileBytes;
      const { httpGetToFile } = await httpModule();
      this.agents ??= Promise.all([import('node:http'), import('node:https')]).then(
        ([{ Agent: Http }, { Agent: Https }]) => (this.agentsMade = { http: new Http({ keepAlive: true, maxSockets: this.o.concurrency }), https: new Https({ keepAlive: true, maxSockets: this.o.concurrency }) }),
      );
      const agents = await this.agents;
      const outcome = await httpGetToFile(url, dest ?? '', {
        connectTimeoutMs: this.o.connectTimeoutMs,
        totalTimeoutMs: this.o.totalTimeoutMs,
        maxBytes: limit,
        maxRedirects: this.o.maxRedirects,
        userAgent: this.o.userAgent,
        agents,
        discard: dest === null,
        onRequest: () => void this.stats.requests++,
        onBytes: (bytes, expectedBytes) => {
          if (bytes - lastStep < PROGRESS_STEP_BYTES) return;
          lastStep = bytes;
          this.progress({ type: 'download-progress', ...event, bytes, ...(expectedBytes !== undefined ? { expectedBytes } : {}) });
        },
        sniff: what === 'index2' ? (h) => (Buffer.from(h).toString('latin1').trimStart().startsWith('<') ? 'an HTML page' : undefined) : (h) => sniff(what, h),
      });
      const raw = 'rawBytes' in outcome ? outcome.rawBytes : 0;
      this.stats.bytesDownloaded += raw;
      if (outcome.type === 'timeout') {
        this.stats.timeouts++;
        this.serverFailed(server, `${outcome.phase} timeout`, ctx);
      } else if (outcome.type === 'network') this.serverFailed(server, outcome.code, ctx);
      else if (outcome.type === 'http-error' && outcome.serverFault) this.serverFailed(server, `HTTP ${outcome.status}`, ctx);
      else if (outcome.type !== 'local-error') server.failures = 0;
      const { result, reason } = describe(outcome, this.o);
      this.progress({ type: 'download-end', ...event, bytes: raw, result, ...(reason ? { reason } : {}), ms: Date.now() - started });
      return outcome;
    });
  }

  /** Whether the server's store is two-tier (asks for index2.txt once per server); undefined: the probe failed. */
  private serverTwoTier(server: ServerState, ctx: SearchContext): Promise<boolean | undefined> {
    server.twoTier ??= (async () => {
      const url = this.url(server, ['index2.txt']);
      const o = await this.get(server, url, null, 'index2', ctx);
      if (o.type === 'ok') {
        ctx.log({ location: redactUrl(url), result: 'found', reason: 'two-tier store' });
        return true;
      }
      if (o.type === 'timeout' || o.type === 'network' || (o.type === 'http-error' && o.serverFault)) {
        const { result, reason } = describe(o, this.o);
        ctx.log({ location: redactUrl(url), result, reason });
        // Not asked again: a file is asked of a server at most once per process, index2.txt too
        // (unknown: the server's files are asked for in the plain layout).
        return undefined;
      }
      return false;
    })();
    return server.twoTier;
  }

  private async fromServer(e: ResolvedEntry, server: ServerState, ctx: SearchContext): Promise<LocatedFile | undefined> {
    const key = ctx.keys.remote;
    if (!key) return undefined; // no id: nothing a server could be asked for
    if (this.o.offline) {
      ctx.log({ location: server.display, result: 'offline', reason: 'offline: servers are not asked' });
      return undefined;
    }
    const cacheRoot = e.caches[0]!;
    const finalPath = await this.cachePath(cacheRoot, key);
    const memoKey = `${server.key}\0${finalPath}`;
    const earlier = this.remote.get(memoKey);
    if (earlier) {
      const r = await earlier;
      if (r) return { ...r };
      this.stats.negativeHits++;
      ctx.log({ location: redactUrl(this.url(server, [key.dir, key.id, key.file])), result: 'cached-miss', reason: 'not on this server earlier in this run' });
      return undefined;
    }
    const p = this.fetchFile(e, server, cacheRoot, finalPath, ctx).catch((err: unknown) => {
      ctx.log({ location: server.display, result: 'error', reason: errnoOf(err) });
      return undefined;
    });
    this.remote.set(memoKey, p);
    const r = await p;
    if (r) this.remote.delete(memoKey); // the cache has it now; a later search finds it there
    else if (this.remote.size > MAX_REMEMBERED_MISSES) this.remote.delete(this.remote.keys().next().value!);
    return r;
  }

  private async fetchFile(e: ResolvedEntry, server: ServerState, cacheRoot: string, finalPath: string, ctx: SearchContext): Promise<LocatedFile | undefined> {
    const key = ctx.keys.remote!;
    const marker = join(dirname(finalPath), markerName(key.file, server.tag));
    const where = redactUrl(this.url(server, [key.dir, key.id, key.file]));
    if (await markerFresh(marker, this.o.negativeTtlMs)) {
      this.stats.negativeHits++;
      ctx.log({ location: where, result: 'cached-miss', reason: `a miss was recorded in ${marker} less than ${Math.round(this.o.negativeTtlMs / 60000)} min ago` });
      return undefined;
    }
    const remember = async (reason: string) => {
      await writeMarker(cacheRoot, marker, { url: where, reason });
    };
    if (server.down) {
      ctx.log({ location: where, result: 'error', reason: 'server marked down earlier in this run' });
      return undefined;
    }
    let twoTier = false;
    if (key.layout === 'symstore') {
      const t = await this.serverTwoTier(server, ctx);
      if (t === undefined) {
        ctx.log({ location: where, result: 'error', reason: 'not asked: the server did not answer' });
        return undefined;
      }
      twoTier = t;
    }
    const dir = this.keyDir(key, twoTier);
    const layout: LocatedFile['layout'] = key.layout === 'breakpad' ? 'breakpad' : dir.length === 3 ? 'two-tier' : 'symstore';
    const variants: Array<{ name: string; as: 'file' | 'cab' | 'ptr' }> = [{ name: key.file, as: 'file' }];
    if (key.compressed) variants.push({ name: key.compressed, as: 'cab' });
    if (key.layout === 'symstore') variants.push({ name: 'file.ptr', as: 'ptr' });
    try {
      await prepareDir(cacheRoot, finalPath);
    } catch (err) {
      ctx.log({ location: finalPath, result: err instanceof CacheEscapeError ? 'rejected' : 'error', reason: `cannot use the cache (${err instanceof CacheEscapeError ? err.message : errnoOf(err)})` });
      return undefined;
    }
    for (const v of variants) {
      if (server.down) {
        ctx.log({ location: where, result: 'error', reason: 'server marked down earlier in this run' });
        return undefined;
      }
      const url = this.url(server, [...dir, v.name]);
      const got = await this.download(server, url, v.as === 'file' ? ctx.keys.kind : v.as, finalPath, ctx);
      if (got.type === 'missing') continue;
      if (got.type === 'stop') {
        if (got.remember) await remember(got.reason);
        return undefined;
      }
      const base = { kind: ctx.keys.kind, source: redactUrl(url), origin: 'download' as const, layout, verified: true };
      if (v.as === 'file') {
        const placed = await this.place(got.tmp, finalPath, url, ctx);
        if (placed.ok) return this.fill(e.caches, { ...base, path: finalPath }, ctx);
        if (placed.remember) await remember(placed.reason);
        return undefined;
      }
      if (v.as === 'cab') {
        const out = await this.fromDownloadedCab(got.tmp, url, key, finalPath, ctx);
        if (out.ok) return this.fill(e.caches, { ...base, path: finalPath, via: 'cab' }, ctx);
        if (out.remember) await remember(out.reason);
        return undefined;
      }
      const followed = await this.fromDownloadedPointer(got.tmp, url, server, cacheRoot, finalPath, ctx);
      if (followed.ok) return this.fill(e.caches, { ...base, path: finalPath, via: 'file.ptr', source: followed.source }, ctx);
      if (followed.remember) await remember(followed.reason);
      return undefined;
    }
    await remember('not on the server');
    return undefined;
  }

  /**
   * Downloads `url` to a temp file next to `finalPath`. 'missing' for a 404; 'stop' (logged)
   * for anything that ends this file's requests to this server.
   */
  private async download(server: ServerState, url: URL, what: LocateKind | 'cab' | 'ptr', finalPath: string, ctx: SearchContext): Promise<{ type: 'ok'; tmp: string } | { type: 'missing' } | { type: 'stop'; remember: boolean; reason: string }> {
    const tmp = tempPathFor(finalPath);
    const o = await this.get(server, url, tmp, what, ctx);
    const location = redactUrl(url);
    if (o.type === 'ok') return { type: 'ok', tmp };
    await removeQuietly(tmp);
    const { result, reason } = describe(o, this.o);
    ctx.log({ location, result, reason });
    if (o.type === 'missing') return { type: 'missing' };
    // A timeout, a body that is not the file, a refused redirect: remembered on disk too (the
    // negative cache, cache.ts). A refused connection, a 5xx, a 401/403 or a local write error
    // say nothing lasting about the file: remembered for this process only.
    const lasting = o.type === 'timeout' || o.type === 'corrupt' || o.type === 'rejected';
    return { type: 'stop', remember: lasting, reason: reason ?? result };
  }

  /** Checks a downloaded file and moves it into the cache. */
  private async place(tmp: string, finalPath: string, url: URL, ctx: SearchContext): Promise<{ ok: true } | { ok: false; remember: boolean; reason: string }> {
    try {
      const c = await checkFile(tmp, ctx.keys.kind, ctx.keys.expect);
      if (!c.ok) {
        ctx.log({ location: redactUrl(url), result: c.result, reason: `${c.reason}; not cached` });
        return { ok: false, remember: true, reason: c.reason };
      }
      await commit(tmp, finalPath);
      this.stats.downloads++;
      ctx.log({ location: redactUrl(url), result: 'found', reason: `downloaded to ${finalPath}` });
      return { ok: true };
    } catch (err) {
      ctx.log({ location: finalPath, result: 'error', reason: `cannot store the download (${errnoOf(err)})` });
      return { ok: false, remember: false, reason: errnoOf(err) };
    } finally {
      await removeQuietly(tmp);
    }
  }

  private async fromDownloadedCab(cabTmp: string, url: URL, key: FileKey, finalPath: string, ctx: SearchContext): Promise<{ ok: true } | { ok: false; remember: boolean; reason: string }> {
    const out = tempPathFor(finalPath);
    try {
      await (await cabModule()).extractCab(cabTmp, key.file, out, this.o.maxFileBytes);
    } catch (err) {
      await removeQuietly(out);
      const f = this.cabFailure(err);
      ctx.log({ location: redactUrl(url), ...f });
      return { ok: false, remember: cabLoaded !== undefined && err instanceof cabLoaded.CabError, reason: f.reason };
    } finally {
      await removeQuietly(cabTmp);
    }
    return this.place(out, finalPath, url, ctx);
  }

  /** A downloaded file.ptr: MSG → a miss; PATH → the same server (relative) or an allowed local file (absolute). */
  private async fromDownloadedPointer(ptrTmp: string, url: URL, server: ServerState, cacheRoot: string, finalPath: string, ctx: SearchContext): Promise<{ ok: true; source: string } | { ok: false; remember: boolean; reason: string }> {
    let parsed: ReturnType<typeof parsePointer>;
    try {
      parsed = parsePointer(await readAt(ptrTmp, 0, MAX_POINTER_BYTES));
    } finally {
      await removeQuietly(ptrTmp);
    }
    const location = redactUrl(url);
    if ('msg' in parsed) {
      ctx.log({ location, result: 'missing', reason: `file.ptr MSG: ${parsed.msg}` });
      return { ok: false, remember: true, reason: `file.ptr MSG: ${parsed.msg}` };
    }
    if ('bad' in parsed) {
      ctx.log({ location, result: 'corrupt', reason: parsed.bad });
      return { ok: false, remember: true, reason: parsed.bad };
    }
    const path = parsed.path;
    if (isAbsoluteAny(path)) {
      const local = await this.openPointerTarget(location, path, undefined, cacheRoot, ctx);
      if (!local) return { ok: false, remember: true, reason: 'file.ptr target not usable' };
      if (resolve(local) !== resolve(finalPath)) {
        try {
          await copyInto(cacheRoot, local, finalPath);
        } catch (err) {
          ctx.log({ location: finalPath, result: 'error', reason: `cannot copy into the cache (${errnoOf(err)})` });
          return { ok: false, remember: false, reason: errnoOf(err) };
        }
      }
      return { ok: true, source: local };
    }
    // Relative: a file of the same store, under the server's URL.
    const parts = path.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
    const bad = parts.map(componentReason).find((r) => r !== undefined);
    if (parts.length === 0 || bad) {
      ctx.log({ location, result: 'rejected', reason: `file.ptr PATH refused: ${bad ?? 'empty'}` });
      return { ok: false, remember: true, reason: 'file.ptr PATH refused' };
    }
    if (server.down) return { ok: false, remember: false, reason: 'server down' };
    const target = this.url(server, parts);
    const compressed = parts[parts.length - 1]!.endsWith('_');
    const got = await this.download(server, target, compressed ? 'cab' : ctx.keys.kind, finalPath, ctx);
    if (got.type === 'missing') return { ok: false, remember: true, reason: 'file.ptr target not on the server' };
    if (got.type === 'stop') return { ok: false, remember: got.remember, reason: got.reason };
    const key = ctx.keys.remote!;
    const r = compressed ? await this.fromDownloadedCab(got.tmp, target, key, finalPath, ctx) : await this.place(got.tmp, finalPath, target, ctx);
    return r.ok ? { ok: true, source: redactUrl(target) } : r;
  }
}

/** A lookup result and reason for an HTTP outcome. */
function describe(o: HttpOutcome, opts: { connectTimeoutMs: number; totalTimeoutMs: number }): { result: LocatorLookupResult; reason?: string } {
  switch (o.type) {
    case 'ok':
      return { result: 'found' };
    case 'missing':
      return { result: 'missing', reason: `HTTP ${o.status}` };
    case 'http-error':
      return { result: 'error', reason: `HTTP ${o.status}` };
    case 'timeout':
      return { result: 'error', reason: o.phase === 'connect' ? `no connection within ${opts.connectTimeoutMs} ms` : `no complete answer within ${opts.totalTimeoutMs} ms` };
    case 'network':
      return { result: 'error', reason: o.reason };
    case 'rejected':
      return { result: 'rejected', reason: o.reason };
    case 'corrupt':
      return { result: 'corrupt', reason: o.reason };
    case 'local-error':
      return { result: 'error', reason: o.reason };
  }
}
