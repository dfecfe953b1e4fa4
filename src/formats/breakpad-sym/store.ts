// Local symbol stores: Breakpad .sym files in the simple_symbol_supplier layout and folders of
// binaries, over the directories given with `--symbols DIR` (library option `symbolPaths`).
//
//   DIR/<debug file>/<debug id>/<debug file without .pdb>.sym    ntdll.pdb/1EB9...1/ntdll.sym
//   DIR/<module>/<TimeDateStamp %08X><SizeOfImage %x>/<module>   ntdll.dll/A1B2C3D41F0000/ntdll.dll
//   DIR/<module>                                                 ntdll.dll
//
// Indexed symbol files are kept in ONE process-wide LRU cache keyed by real path, so a scan of
// many dumps indexes each .sym once. The cache is bounded by SYMBOL_CACHE_LIMITS: a count of
// files and a total of index bytes (the typed arrays; the files themselves are never in memory).
// File handles are pooled apart from the indexes: at most maxOpenHandles stay open, the least
// recently used is closed, and a SymFile whose handle was closed reopens it on its next lookup
// (after checking the file's size and mtime did not change). So a SymFile evicted from the cache
// while a walk still holds it keeps working; it is simply no longer counted or shared.
// closeAllSymbolFiles() drops the cache and closes every pooled handle (tests call it in afterAll).
//
// Names come from dumps and are hostile. A module or debug-file name is cut to its last path
// component (as Breakpad's PathnameStripper does), then refused when it is empty, contains `..`,
// NUL or a control character, or is over 255 bytes; debug ids must be hex. No separator ever
// reaches a joined path, so no name can leave its store directory.

import { realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  IMAGE_DOS_HEADER, IMAGE_DOS_SIGNATURE, IMAGE_NT_HEADERS_COMMON, IMAGE_NT_OPTIONAL_HDR32_MAGIC, IMAGE_NT_OPTIONAL_HDR64_MAGIC,
  IMAGE_NT_SIGNATURE, IMAGE_OPTIONAL_HEADER32, IMAGE_OPTIONAL_HEADER64,
} from '../../../native-structs/pe/pe.js';
import type { ByteSource } from '../../reader/byte-source.js';
import { FileSource } from '../../reader/file-source.js';
import { compileStructs, decodeStruct } from '../../reader/struct-codec.js';
import { DumpIoError, isDumpError } from '../../errors.js';
import { hex, hexPad } from '../../util/hex.js';
import { openSymFile, snapshotSymFile, symFileFromSnapshot, SYM_STRUCT, type SymFile, type SymIndexSnapshot } from './sym-file.js';

compileStructs(IMAGE_DOS_HEADER, IMAGE_NT_HEADERS_COMMON, IMAGE_OPTIONAL_HEADER32, IMAGE_OPTIONAL_HEADER64);

export interface SymbolCacheLimits {
  maxFiles: number;
  maxIndexBytes: number;
  maxOpenHandles: number;
}

/** Default bounds of the process-wide cache (see configureSymbolCache). */
export const SYMBOL_CACHE_LIMITS: Readonly<SymbolCacheLimits> = {
  /** Indexed symbol files kept. A scan of one product's dumps meets a few hundred modules. */
  maxFiles: 256,
  /**
   * Bytes of typed-array indexes kept, all files together. ntdll.sym: ~100 KiB; a 6 MB
   * combase.sym: ~500 KiB; a 400 MB xul.sym: ~30 MiB. A file whose index alone is larger is
   * returned but not cached.
   */
  maxIndexBytes: 128 * 1024 * 1024,
  /** File handles kept open for lookups (the rest reopen on their next read). */
  maxOpenHandles: 32,
};

let limits: SymbolCacheLimits = { ...SYMBOL_CACHE_LIMITS };

/**
 * Change the cache bounds (a memory-constrained host; tests). Returns the previous ones. The
 * cache and the handle pool shrink to the new bounds at their next insertion.
 */
export function configureSymbolCache(bounds: Partial<SymbolCacheLimits>): SymbolCacheLimits {
  const previous = limits;
  const next = { ...limits, ...bounds };
  for (const [k, v] of Object.entries(next)) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`symbol cache bound ${k} must be a positive integer`);
  }
  limits = next;
  return previous;
}

/** Entries in one store's `lookups` log; past it they are counted in `lookupsDropped`. */
const MAX_LOOKUP_LOG = 10_000;
/** Longest file name most file systems allow. */
const MAX_NAME_BYTES = 255;
/** Debug ids are a GUID (32 hex) plus an age; ELF build ids can be longer. */
const MAX_DEBUG_ID_CHARS = 64;

/** A module to find symbols or a binary for. */
export interface SymbolModule {
  /** Module file name (`ntdll.dll`). */
  name: string;
  /** Debug file name from the CodeView record (`ntdll.pdb`). */
  pdbName?: string;
  /** Breakpad debug id: GUID hex + age hex (`1EB9FACB04C73C5DEA7160764CD333D01`). */
  debugId?: string;
  /** TimeDateStamp (8 hex digits) + SizeOfImage (hex), as the module list gives it. */
  codeId?: string;
}

export type SymbolLookupResult = 'found' | 'missing' | 'corrupt' | 'mismatch' | 'rejected' | 'error';

/** One place searched, for `--verbose`. */
export interface SymbolLookup {
  kind: 'sym' | 'binary';
  module: string;
  /** Absent when the module's names were refused before any path was built. */
  path?: string;
  result: SymbolLookupResult;
  reason?: string;
}

export interface FoundSymFile {
  sym: SymFile;
  path: string;
}

export interface FoundBinary {
  path: string;
  timeDateStamp: number;
  sizeOfImage: number;
  /** The header matched the module's code id (false: no code id to check against). */
  verified: boolean;
}

// ---------------------------------------------------------------------------------------------
// Pooled file handles.

const pool = new Map<ReopenableFileSource, true>();

async function trimPool(keep: ReopenableFileSource): Promise<void> {
  if (pool.size <= limits.maxOpenHandles) return;
  const closing: Promise<void>[] = [];
  let over = pool.size - limits.maxOpenHandles;
  for (const s of pool.keys()) {
    if (over <= 0) break;
    if (s === keep || s.busy) continue;
    closing.push(s.close());
    over--;
  }
  await Promise.all(closing);
}

/**
 * A read-only file that may be closed between reads: the next read reopens it, after checking
 * that its size and modification time are those it had when indexed.
 */
class ReopenableFileSource implements ByteSource {
  private file: FileSource | undefined;
  private opening: Promise<FileSource> | undefined;
  private active = 0;
  private closeWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  constructor(
    readonly name: string,
    readonly size: number,
    private readonly mtimeMs: number,
  ) {}

  get busy(): boolean {
    return this.active > 0;
  }

  private async acquire(): Promise<FileSource> {
    this.active++;
    try {
      if (this.file) {
        pool.delete(this);
        pool.set(this, true);
        return this.file;
      }
      this.opening ??= this.reopen();
      return await this.opening;
    } catch (e) {
      await this.release();
      throw e;
    }
  }

  private async reopen(): Promise<FileSource> {
    try {
      const f = await FileSource.open(this.name);
      let st: Stats | undefined;
      try {
        st = await stat(this.name);
      } catch (e) {
        await f.close();
        throw new DumpIoError('IoError', 'symbol file vanished since it was indexed', { path: this.name, struct: SYM_STRUCT, cause: e });
      }
      if (f.size !== this.size || st.mtimeMs !== this.mtimeMs) {
        await f.close();
        throw new DumpIoError('IoError', 'symbol file changed since it was indexed', { path: this.name, struct: SYM_STRUCT });
      }
      this.file = f;
      pool.set(this, true);
      await trimPool(this);
      return f;
    } finally {
      this.opening = undefined;
    }
  }

  private async release(): Promise<void> {
    if (--this.active > 0 || this.closeWaiters.length === 0) return;
    const waiters = this.closeWaiters.splice(0);
    try {
      await this.closeNow();
      for (const w of waiters) w.resolve();
    } catch (e) {
      for (const w of waiters) w.reject(e);
    }
  }

  private async closeNow(): Promise<void> {
    const f = this.file;
    this.file = undefined;
    pool.delete(this);
    if (f) await f.close();
  }

  /** `op` on the open file, the handle held (reopened if the pool closed it) for its duration. */
  private async using<T>(op: (f: FileSource) => Promise<T>): Promise<T> {
    const f = await this.acquire();
    try {
      return await op(f);
    } finally {
      await this.release();
    }
  }

  read(offset: number, length: number, struct?: string): Promise<Uint8Array> {
    return this.using((f) => f.read(offset, length, struct));
  }

  readAvailable(offset: number, length: number, struct?: string): Promise<Uint8Array> {
    return this.using((f) => f.readAvailable(offset, length, struct));
  }

  readInto(offset: number, target: Uint8Array, struct?: string): Promise<number> {
    return this.using((f) => f.readInto(offset, target, struct));
  }

  /** Closes the handle now, or when the reads in flight end. A later read reopens it. */
  close(): Promise<void> {
    if (this.active > 0) return new Promise((resolve, reject) => this.closeWaiters.push({ resolve, reject }));
    return this.closeNow();
  }
}

// ---------------------------------------------------------------------------------------------
// The process-wide cache of indexed symbol files.

interface CacheEntry {
  sym: SymFile;
  source: ReopenableFileSource;
  bytes: number;
  size: number;
  mtimeMs: number;
}

const cache = new Map<string, CacheEntry>();
let cacheBytes = 0;
const loading = new Map<string, Promise<SymFile>>();

function cacheDelete(key: string): CacheEntry | undefined {
  const e = cache.get(key);
  if (!e) return undefined;
  cache.delete(key);
  cacheBytes -= e.bytes;
  return e;
}

async function cacheInsert(key: string, entry: CacheEntry): Promise<void> {
  if (entry.bytes > limits.maxIndexBytes) return; // returned to the caller, not kept
  cache.set(key, entry);
  cacheBytes += entry.bytes;
  const evicted: CacheEntry[] = [];
  for (const k of cache.keys()) {
    if (cache.size <= limits.maxFiles && cacheBytes <= limits.maxIndexBytes) break;
    if (k === key) continue;
    evicted.push(cacheDelete(k)!);
  }
  await Promise.all(evicted.map((e) => e.source.close()));
}

/** .sym files indexed by this thread since it started (a scan's bench counts them). */
let loads = 0;

/**
 * Where a thread gets an index it has not built: a scan's worker threads ask the main thread,
 * which indexes each file once for all of them (undefined: index here, as without a provider).
 */
export type SymIndexProvider = (path: string, size: number, mtimeMs: number) => Promise<SymIndexSnapshot | undefined>;
let provider: SymIndexProvider | undefined;

export function setSymIndexProvider(p: SymIndexProvider | undefined): void {
  provider = p;
}

/**
 * For a provider's other end: the index of the .sym at `path` (the real path a worker found),
 * from this thread's cache or built now, as data. Undefined when it cannot be indexed here (the
 * worker then indexes it itself and meets the same typed error).
 */
export async function symIndexSnapshot(path: string, size: number, mtimeMs: number): Promise<SymIndexSnapshot | undefined> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch {
    return undefined;
  }
  if (st.size !== size || st.mtimeMs !== mtimeMs) return undefined;
  try {
    const sym = await new SymbolStore([]).openIndexed(path, st);
    return snapshotSymFile(sym);
  } catch {
    return undefined;
  }
}

async function loadSymFile(key: string, st: Stats): Promise<SymFile> {
  const source = new ReopenableFileSource(key, st.size, st.mtimeMs);
  if (provider) {
    const snap = await provider(key, st.size, st.mtimeMs).catch(() => undefined);
    if (snap) {
      try {
        return symFileFromSnapshot(source, snap);
      } catch {
        // fall through: index it here
      }
    }
  }
  loads++;
  let sym: SymFile;
  try {
    sym = await openSymFile(source);
  } catch (e) {
    await source.close();
    throw e;
  }
  await cacheInsert(key, { sym, source, bytes: sym.indexBytes + sym.nameIndex.bytes, size: st.size, mtimeMs: st.mtimeMs });
  return sym;
}

/** Indexed symbol files cached, their index bytes, and file handles open. */
export function symbolCacheStats(): { files: number; indexBytes: number; openHandles: number; loads: number } {
  return { files: cache.size, indexBytes: cacheBytes, openHandles: pool.size, loads };
}

/** Drop every cached index and close every symbol-file handle (SymFiles still held reopen on use). */
export async function closeAllSymbolFiles(): Promise<void> {
  await Promise.allSettled([...loading.values()]);
  cache.clear();
  cacheBytes = 0;
  await Promise.all([...pool.keys()].map((s) => s.close()));
}

// ---------------------------------------------------------------------------------------------
// Names.

/** The last component of a Windows or POSIX path (Breakpad's PathnameStripper::File). */
export function moduleFileName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/** A reason to refuse `name` as a path component, or undefined when it is safe. */
export function unsafeNameReason(name: string): string | undefined {
  if (name === '' || name === '.') return 'empty name';
  if (name.includes('..')) return 'name contains ".."';
  if (name.includes('/') || name.includes('\\')) return 'name contains a path separator';
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) < 0x20) return 'name contains NUL or a control character';
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return `name over ${MAX_NAME_BYTES} bytes`;
  return undefined;
}

function isHex(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function withoutExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** TimeDateStamp and SizeOfImage from a code id: 8 hex digits, then 1-8 more. */
function parseCodeId(codeId: string | undefined): { timeDateStamp: number; sizeOfImage: number } | undefined {
  if (codeId === undefined || codeId.length < 9 || codeId.length > 16 || !isHex(codeId)) return undefined;
  return { timeDateStamp: parseInt(codeId.slice(0, 8), 16), sizeOfImage: parseInt(codeId.slice(8), 16) };
}

function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

type Probe = { ok: true; stats: Stats } | { ok: false; result: SymbolLookupResult; reason: string };

async function probeFile(path: string): Promise<Probe> {
  try {
    const st = await stat(path);
    if (!st.isFile()) return { ok: false, result: 'missing', reason: 'not a regular file' };
    return { ok: true, stats: st };
  } catch (e) {
    const code = errnoOf(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, result: 'missing', reason: 'no such file' };
    if (code === 'ENAMETOOLONG') return { ok: false, result: 'rejected', reason: 'path too long' };
    return { ok: false, result: 'error', reason: `cannot stat (${code ?? String(e)})` };
  }
}

// ---------------------------------------------------------------------------------------------
// PE headers of binaries.

type Raw = Record<string, unknown>;

/** TimeDateStamp and SizeOfImage from a PE file's headers (two small reads), or why not. */
async function readPeStamp(path: string): Promise<{ timeDateStamp: number; sizeOfImage: number } | string> {
  const f = await FileSource.open(path);
  try {
    const dosBytes = await f.readAvailable(0, IMAGE_DOS_HEADER.size, IMAGE_DOS_HEADER.name);
    if (dosBytes.length < IMAGE_DOS_HEADER.size) return 'too small for a PE file';
    const dos = decodeStruct<Raw>(IMAGE_DOS_HEADER, dosBytes);
    if (dos.eMagic !== IMAGE_DOS_SIGNATURE) return 'no MZ signature';
    const lfanew = dos.eLfanew as number;
    if (lfanew >= f.size) return `e_lfanew ${hex(lfanew)} is past the end of the file`;
    const nt = await f.readAvailable(lfanew, IMAGE_NT_HEADERS_COMMON.size + IMAGE_OPTIONAL_HEADER64.size, IMAGE_NT_HEADERS_COMMON.name);
    if (nt.length < IMAGE_NT_HEADERS_COMMON.size + 2) return 'truncated PE header';
    const common = decodeStruct<Raw>(IMAGE_NT_HEADERS_COMMON, nt, lfanew);
    if (common.signature !== IMAGE_NT_SIGNATURE) return 'no PE signature';
    const at = IMAGE_NT_HEADERS_COMMON.size;
    const magic = nt[at]! | (nt[at + 1]! << 8);
    const def = magic === IMAGE_NT_OPTIONAL_HDR64_MAGIC ? IMAGE_OPTIONAL_HEADER64 : magic === IMAGE_NT_OPTIONAL_HDR32_MAGIC ? IMAGE_OPTIONAL_HEADER32 : undefined;
    if (!def) return `unknown optional header magic ${hex(magic)}`;
    if (nt.length < at + def.size) return 'truncated optional header';
    const opt = decodeStruct<Raw>(def, nt, lfanew, at);
    return { timeDateStamp: (common.fileHeader as Raw).timeDateStamp as number, sizeOfImage: opt.sizeOfImage as number };
  } finally {
    await f.close();
  }
}

// ---------------------------------------------------------------------------------------------

export class SymbolStore {
  /** The store directories, absolute, in search order. */
  readonly roots: readonly string[];
  /** Every place searched and what was there. */
  readonly lookups: SymbolLookup[] = [];
  lookupsDropped = 0;
  private readonly logged = new Set<string>();

  constructor(symbolPaths: readonly string[] = []) {
    this.roots = unique(symbolPaths.map((p) => resolve(p)));
  }

  private log(entry: SymbolLookup): void {
    const key = `${entry.kind}\0${entry.module}\0${entry.path ?? ''}\0${entry.result}`;
    if (this.logged.has(key)) return;
    if (this.lookups.length >= MAX_LOOKUP_LOG) {
      this.lookupsDropped++;
      return;
    }
    this.logged.add(key);
    this.lookups.push(entry);
  }

  /** Names cut to their last component and checked; a refusal is logged. */
  private safeNames(kind: 'sym' | 'binary', module: SymbolModule): { name?: string; pdbName?: string } | undefined {
    const out: { name?: string; pdbName?: string } = {};
    for (const field of ['name', 'pdbName'] as const) {
      const raw = module[field];
      if (raw === undefined || raw === '') continue;
      const name = moduleFileName(raw);
      const why = unsafeNameReason(name);
      if (why !== undefined) {
        this.log({ kind, module: printable(raw), result: 'rejected', reason: `${field}: ${why}` });
        continue;
      }
      out[field] = name;
    }
    return out.name !== undefined || out.pdbName !== undefined ? out : undefined;
  }

  /** Candidate .sym paths, store by store, most specific first. */
  private symPaths(names: { name?: string; pdbName?: string }, debugId: string): string[] {
    const debugFiles: string[] = [];
    if (names.pdbName !== undefined) debugFiles.push(names.pdbName);
    if (names.name !== undefined) debugFiles.push(names.name, `${withoutExtension(names.name)}.pdb`);
    const ids = unique([debugId, debugId.toUpperCase()]);
    const paths: string[] = [];
    for (const root of this.roots) {
      for (const d of unique(debugFiles)) {
        const isPdb = d.length > 4 && d.slice(-4).toLowerCase() === '.pdb';
        // simple_symbol_supplier: strip .pdb, else append .sym; also the name without extension.
        const files = isPdb ? [`${d.slice(0, -4)}.sym`] : unique([`${d}.sym`, `${withoutExtension(d)}.sym`]);
        for (const id of ids) for (const f of files) paths.push(join(root, d, id, f));
      }
    }
    return unique(paths);
  }

  /**
   * The .sym file for a module: the first candidate that exists, indexes, and names the same
   * debug id on its MODULE line. Undefined when none does (see `lookups` for why).
   */
  async findSymFile(module: SymbolModule): Promise<FoundSymFile | undefined> {
    const label = printable(module.name || module.pdbName || '?');
    const names = this.safeNames('sym', module);
    if (!names) return undefined;
    const debugId = module.debugId ?? '';
    if (!isHex(debugId) || debugId.length > MAX_DEBUG_ID_CHARS) {
      this.log({ kind: 'sym', module: label, result: 'rejected', reason: debugId === '' ? 'no debug id' : 'debug id is not hex' });
      return undefined;
    }
    for (const path of this.symPaths(names, debugId)) {
      const probe = await probeFile(path);
      if (!probe.ok) {
        this.log({ kind: 'sym', module: label, path, result: probe.result, reason: probe.reason });
        continue;
      }
      let sym: SymFile;
      try {
        sym = await this.openCached(path, probe.stats);
      } catch (e) {
        if (!isDumpError(e)) throw e;
        this.log({ kind: 'sym', module: label, path, result: e.code === 'IoError' || e.code === 'NotAFile' ? 'error' : 'corrupt', reason: `${e.code}: ${e.message}` });
        continue;
      }
      if (sym.module.debugId.toUpperCase() !== debugId.toUpperCase()) {
        this.log({ kind: 'sym', module: label, path, result: 'mismatch', reason: `MODULE line has debug id ${sym.module.debugId}` });
        continue;
      }
      this.log({ kind: 'sym', module: label, path, result: 'found' });
      return { sym, path };
    }
    return undefined;
  }

  /** The cached index of the file at `path` (indexing it when needed). */
  openIndexed(path: string, st: Stats): Promise<SymFile> {
    return this.openCached(path, st);
  }

  private async openCached(path: string, st: Stats): Promise<SymFile> {
    let key: string;
    try {
      key = await realpath(path);
    } catch (e) {
      throw new DumpIoError('IoError', `cannot resolve (${errnoOf(e) ?? String(e)})`, { path, cause: e });
    }
    const hit = cache.get(key);
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) {
      cache.delete(key);
      cache.set(key, hit);
      return hit.sym;
    }
    if (hit) await cacheDelete(key)!.source.close(); // the file changed: index it again
    let pending = loading.get(key);
    if (!pending) {
      pending = loadSymFile(key, st).finally(() => loading.delete(key));
      loading.set(key, pending);
    }
    return pending;
  }

  /**
   * A binary for a module, to read its unwind data: `DIR/NAME/CODEID/NAME`, then `DIR/NAME`.
   * With a code id, a file counts only when its TimeDateStamp and SizeOfImage match; without
   * one, `DIR/NAME` is returned unverified.
   */
  async findBinary(module: SymbolModule): Promise<FoundBinary | undefined> {
    const label = printable(module.name || '?');
    const names = this.safeNames('binary', { name: module.name });
    if (!names?.name) return undefined;
    const name = names.name;
    const want = parseCodeId(module.codeId);
    if (module.codeId !== undefined && !want) this.log({ kind: 'binary', module: label, result: 'rejected', reason: 'code id is not 9-16 hex digits' });
    const paths: string[] = [];
    for (const root of this.roots) {
      if (want) {
        const ts = hexPad(want.timeDateStamp, 8).slice(2).toUpperCase();
        const dirs = unique([module.codeId!, module.codeId!.toUpperCase(), `${ts}${want.sizeOfImage.toString(16)}`, `${ts}${want.sizeOfImage.toString(16).toUpperCase()}`]);
        for (const d of dirs) paths.push(join(root, name, d, name));
      }
      paths.push(join(root, name));
    }
    for (const path of unique(paths)) {
      const probe = await probeFile(path);
      if (!probe.ok) {
        this.log({ kind: 'binary', module: label, path, result: probe.result, reason: probe.reason });
        continue;
      }
      let stamp: { timeDateStamp: number; sizeOfImage: number } | string;
      try {
        stamp = await readPeStamp(path);
      } catch (e) {
        if (!isDumpError(e)) throw e;
        this.log({ kind: 'binary', module: label, path, result: e.code === 'IoError' || e.code === 'NotAFile' ? 'error' : 'corrupt', reason: `${e.code}: ${e.message}` });
        continue;
      }
      if (typeof stamp === 'string') {
        this.log({ kind: 'binary', module: label, path, result: 'corrupt', reason: stamp });
        continue;
      }
      if (want && (stamp.timeDateStamp !== want.timeDateStamp || stamp.sizeOfImage !== want.sizeOfImage)) {
        this.log({
          kind: 'binary', module: label, path, result: 'mismatch',
          reason: `TimeDateStamp ${hexPad(stamp.timeDateStamp, 8)} SizeOfImage ${hex(stamp.sizeOfImage)}, wanted ${hexPad(want.timeDateStamp, 8)} ${hex(want.sizeOfImage)}`,
        });
        continue;
      }
      this.log({ kind: 'binary', module: label, path, result: 'found', ...(want ? {} : { reason: 'not verified (no code id)' }) });
      return { path, ...stamp, verified: want !== undefined };
    }
    return undefined;
  }
}

/** A hostile name made safe to print: control characters escaped, length capped. */
function printable(name: string): string {
  let out = '';
  for (const ch of name.slice(0, 300)) {
    const c = ch.codePointAt(0)!;
    out += c < 0x20 || c === 0x7f ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
  }
  return name.length > 300 ? `${out}...` : out;
}
