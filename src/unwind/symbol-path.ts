// The symbol path as the walker's SymbolSource: the SymbolLocator (src/symbols) finds files in
// local stores, caches and on symbol servers; this file opens what it finds, through caches that
// serve every dump of the process:
// - a .sym through SymbolStore's process-wide index cache (a scan indexes each .sym once, in the
//   main thread, for all its workers);
// - a PDB through the PDB cache below (each opened once; its indexes are small, see docs/pdb.md);
// - a binary (for unwind data and exports) through the binaries cache.
// Search order per module: its .sym, then its PDB (the .sym also holds unwind data; a PDB only
// names), each along the symbol path in order. Node only (file I/O).
//
// In a scan's worker threads, `locate` goes to the main thread (setRemoteLocate): one locator per
// process, so that a file is asked of a server at most once per scan however many workers want it.

import { stat } from 'node:fs/promises';
import { SymbolStore } from '../formats/breakpad-sym/store.js';
import { isDumpError } from '../errors.js';
import { FileSource } from '../reader/file-source.js';
import { openPeImageFile, type PeImage } from '../formats/pe/image.js';
import type { PdbFile } from '../formats/pdb/pdb-file.js';
import { SymbolLocator, type LocatedFile, type LocateKind, type LocatorLookup, type SymbolLocatorOptions } from '../symbols/locate.js';
import { parseSymbolPath, parseSymbolsOption, type SymbolPathEntry } from '../symbols/symbol-path.js';
import type { SymbolModule } from '../formats/breakpad-sym/store.js';
import type { FoundSymbols, FunctionSymbols, SymbolLookupRecord, SymbolSource, SymbolTraceFn } from './sources.js';

/** Binaries kept open for their unwind data, process-wide, by path and load address (each holds one file handle). */
const MAX_OPEN_BINARIES = 64;
const binaries = new Map<string, Promise<{ source: FileSource; image: PeImage } | undefined>>();

/** Module answers remembered per symbol source; a miss is asked again after MISS_TTL_MS. */
const MAX_MEMO = 8192;
const MISS_TTL_MS = 5 * 60 * 1000;

/** PDBs kept open, process-wide, by path (each holds one handle and its indexes). */
const MAX_OPEN_PDBS = 32;
const pdbs = new Map<string, Promise<{ source: FileSource; pdb: PdbFile } | { error: string }>>();
let pdbLoads = 0;

/** PDBs opened by this thread since it started, and open now (a bench counts them). */
export function pdbCacheStats(): { loads: number; open: number } {
  return { loads: pdbLoads, open: pdbs.size };
}

async function openBinary(path: string, base: bigint): Promise<{ source: FileSource; image: PeImage } | undefined> {
  let source: FileSource | undefined;
  try {
    source = await FileSource.open(path);
    // The walker works in the dump's addresses: the image as loaded at this module's base.
    const image = await openPeImageFile(source, { loadAddress: base });
    return { source, image };
  } catch {
    await source?.close().catch(() => undefined);
    return undefined;
  }
}

async function loadPdb(path: string, debugId: string): Promise<{ source: FileSource; pdb: PdbFile } | { error: string }> {
  let source: FileSource | undefined;
  try {
    source = await FileSource.open(path);
    pdbLoads++;
    // Loaded on first use: most runs never open a PDB.
    const { openPdb } = await import('../formats/pdb/pdb-file.js');
    return { source, pdb: await openPdb(source, { expectDebugId: debugId }) };
  } catch (e) {
    await source?.close().catch(() => undefined);
    return { error: isDumpError(e) ? `${e.code}: ${e.message}` : (e as Error).message };
  }
}

function evictOldest<T>(map: Map<string, Promise<T>>, close: (v: T) => Promise<unknown> | undefined): void {
  const [oldest] = map.keys();
  const old = map.get(oldest!)!;
  map.delete(oldest!);
  void old.then(close).catch(() => undefined);
}

/** The PDB at `path`, opened once per process and checked against the module's debug id. */
function pdbAt(path: string, debugId: string): Promise<{ source: FileSource; pdb: PdbFile } | { error: string }> {
  const key = `${path}\0${debugId.toUpperCase()}`;
  let p = pdbs.get(key);
  if (p) {
    pdbs.delete(key);
    pdbs.set(key, p);
    return p;
  }
  if (pdbs.size >= MAX_OPEN_PDBS) evictOldest(pdbs, (v) => ('source' in v ? v.source.close() : undefined));
  p = loadPdb(path, debugId);
  pdbs.set(key, p);
  return p;
}

/** Closes the binaries and PDBs the symbol path opened (tests; a long-lived embedder between batches). */
export async function closeSymbolPathBinaries(): Promise<void> {
  const all = [...binaries.values()];
  binaries.clear();
  const allPdbs = [...pdbs.values()];
  pdbs.clear();
  for (const b of all) await (await b)?.source.close().catch(() => undefined);
  for (const p of allPdbs) {
    const v = await p;
    if ('source' in v) await v.source.close().catch(() => undefined);
  }
}

/** A locate that runs elsewhere (a scan worker asks the main thread): the file, and the places searched. */
export type RemoteLocate = (module: SymbolModule, kind: LocateKind) => Promise<{ found?: LocatedFile; lookups: LocatorLookup[] }>;
let remoteLocate: RemoteLocate | undefined;

/** Set in a scan's worker threads: every locate goes to the main thread's locator. */
export function setRemoteLocate(fn: RemoteLocate | undefined): void {
  remoteLocate = fn;
}

/** A PDB lookup that runs elsewhere (a scan worker asks the main thread, which opens each PDB once). */
export type RemotePdbOp = { op: 'open' } | { op: 'function'; rva: number } | { op: 'line'; rva: number };
export type RemotePdb = (path: string, debugId: string, op: RemotePdbOp) => Promise<unknown>;
let remotePdb: RemotePdb | undefined;

/** Set in a scan's worker threads: PDBs are opened and read by the main thread, once per scan. */
export function setRemotePdb(fn: RemotePdb | undefined): void {
  remotePdb = fn;
}

/** The other end of RemotePdb, in the main thread. */
export async function servePdbRequest(path: string, debugId: string, op: RemotePdbOp): Promise<unknown> {
  const opened = await pdbAt(path, debugId);
  if (!('pdb' in opened)) return { error: opened.error };
  if (op.op === 'open') return { ok: true };
  return op.op === 'function' ? ((await opened.pdb.findFunction(op.rva).catch(() => undefined)) ?? null) : ((await opened.pdb.findSourceLine(op.rva).catch(() => undefined)) ?? null);
}

async function remotePdbAt(remote: RemotePdb, path: string, debugId: string): Promise<{ pdb: FunctionSymbols } | { error: string }> {
  const r = (await remote(path, debugId, { op: 'open' })) as { ok?: boolean; error?: string } | undefined;
  if (!r?.ok) return { error: r?.error ?? 'the main thread could not open it' };
  return {
    pdb: {
      findFunction: async (rva) => ((await remote(path, debugId, { op: 'function', rva })) as Awaited<ReturnType<FunctionSymbols['findFunction']>> | null) ?? undefined,
      findSourceLine: async (rva) => ((await remote(path, debugId, { op: 'line', rva })) as { file: string; line: number } | null) ?? undefined,
    },
  };
}

export interface SymbolPathOptions {
  /** --symbols values: directories and server URLs. */
  symbolPaths?: readonly string[];
  /** A WinDbg symbol path, searched after symbolPaths. */
  symbolPath?: string;
  offline?: boolean;
  cacheDir?: string;
  locator?: Omit<SymbolLocatorOptions, 'offline' | 'cacheDir'>;
}

/** The entries of the symbol options, in search order (throws SymbolPathError). */
export function symbolPathEntries(o: Pick<SymbolPathOptions, 'symbolPaths' | 'symbolPath'>): SymbolPathEntry[] {
  return [...(o.symbolPaths?.length ? parseSymbolsOption(o.symbolPaths) : []), ...(o.symbolPath ? parseSymbolPath(o.symbolPath) : [])];
}

const toRecord = (l: LocatorLookup): SymbolLookupRecord => ({ module: l.module, kind: l.kind, ...(l.location !== undefined ? { location: l.location } : {}), result: l.result, ...(l.reason !== undefined ? { reason: l.reason } : {}) });

/** A SymbolSource over the symbol path, in search order. */
export function pathSymbolSource(o: SymbolPathOptions): SymbolSource & { locator: SymbolLocator; store: SymbolStore } {
  const locator = new SymbolLocator(symbolPathEntries(o), { ...o.locator, ...(o.offline ? { offline: true } : {}), ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}) });
  const store = new SymbolStore([]);
  const locate = async (module: SymbolModule, kind: LocateKind, trace?: SymbolTraceFn): Promise<LocatedFile | undefined> => {
    if (remoteLocate) {
      const r = await remoteLocate(module, kind);
      if (trace) for (const l of r.lookups) trace(toRecord(l));
      return r.found;
    }
    return locator.locate(module, kind, trace && ((l) => trace(toRecord(l))));
  };
  const label = (key: SymbolModule) => key.name || key.pdbName || '?';
  // Each module's answer, kept for the dumps that follow (a scan's dumps share most modules): a
  // lookup is a handful of stat calls or requests, a memo hit none. The places searched are kept
  // with it and replayed to each dump's trace. A miss is kept MISS_TTL_MS only: symbols may appear.
  const memo = new Map<string, { at: number; hit: boolean; p: Promise<{ found: FoundSymbols; records: SymbolLookupRecord[] }> }>();
  const memoKey = (key: SymbolModule, what: string) => [what, key.name, key.pdbName, key.debugId, key.codeId].map((v) => v ?? '').join('\0');
  const remembered = <T extends FoundSymbols>(k: string, trace: SymbolTraceFn | undefined, run: (t: SymbolTraceFn) => Promise<T>, isHit: (v: T) => boolean): Promise<T> => {
    const now = Date.now();
    let m = memo.get(k);
    if (m && !m.hit && now - m.at > MISS_TTL_MS) m = undefined;
    if (!m) {
      if (memo.size >= MAX_MEMO) memo.delete(memo.keys().next().value!);
      const records: SymbolLookupRecord[] = [];
      const entry = { at: now, hit: false, p: undefined as unknown as Promise<{ found: FoundSymbols; records: SymbolLookupRecord[] }> };
      entry.p = run((l) => records.length < 256 && records.push(l)).then((found) => {
        entry.hit = isHit(found);
        return { found, records };
      });
      memo.set(k, entry);
      m = entry;
    }
    return m.p.then(({ found, records }) => {
      if (trace) for (const r of records) trace(r);
      return found as T;
    });
  };
  const source: SymbolSource = {
    findSymbols: (key, trace) => remembered(memoKey(key, 'symbols'), trace, (t) => findSymbolsNow(key, t), (v) => !!(v.sym || v.pdb)),
    forgetMisses: () => {
      for (const [k, m] of memo) if (!m.hit) memo.delete(k);
    },
    findImage: async (key, base, trace) => (await remembered(memoKey(key, `image\0${base}`), trace, async (t) => ({ image: await findImageNow(key, base, t) }) as FoundSymbols & { image?: PeImage }, (v) => !!v.image)).image,
  };
  const impl = {
    async findSymbols(key: SymbolModule, trace?: SymbolTraceFn): Promise<FoundSymbols> {
      let corrupt: string | undefined;
      const sym = await locate(key, 'sym', trace);
      if (sym) {
        try {
          const file = await store.openIndexed(sym.path, await stat(sym.path));
          if (!key.debugId || file.module.debugId.toUpperCase() === key.debugId.toUpperCase()) return { sym: file, source: sym.path };
          trace?.({ module: label(key), kind: 'sym', location: sym.path, result: 'mismatch', reason: `MODULE line has debug id ${file.module.debugId}` });
        } catch (e) {
          corrupt = `${sym.path}: ${isDumpError(e) ? `${e.code}: ${e.message}` : (e as Error).message}`;
          trace?.({ module: label(key), kind: 'sym', location: sym.path, result: 'corrupt', reason: corrupt });
        }
      }
      if (key.debugId) {
        const pdb = await locate(key, 'pdb', trace);
        if (pdb) {
          const opened = remotePdb ? await remotePdbAt(remotePdb, pdb.path, key.debugId) : await pdbAt(pdb.path, key.debugId);
          if ('pdb' in opened) return { pdb: opened.pdb, source: pdb.path };
          const mismatch = /mismatch|debug id/i.test(opened.error);
          trace?.({ module: label(key), kind: 'pdb', location: pdb.path, result: mismatch ? 'mismatch' : 'corrupt', reason: opened.error });
          if (!mismatch) corrupt ??= `${pdb.path}: ${opened.error}`;
        }
      }
      return corrupt ? { corrupt } : {};
    },
    async findImage(key: SymbolModule, base: bigint, trace?: SymbolTraceFn): Promise<PeImage | undefined> {
      if (!key.codeId) return undefined;
      const found = await locate(key, 'binary', trace);
      if (!found) return undefined;
      const cacheKey = `${found.path}\0${base}`;
      let p = binaries.get(cacheKey);
      if (!p) {
        if (binaries.size >= MAX_OPEN_BINARIES) evictOldest(binaries, (b) => b?.source.close());
        p = openBinary(found.path, base);
        binaries.set(cacheKey, p);
      }
      const opened = await p;
      // A flat hit is checked inside: its TimeDateStamp and SizeOfImage must be the module's.
      if (opened && key.codeId) {
        const want = key.codeId.toUpperCase();
        const have = opened.image.codeId.toUpperCase();
        if (want !== have) {
          trace?.({ module: label(key), kind: 'binary', location: found.path, result: 'mismatch', reason: `TimeDateStamp+SizeOfImage ${have}, wanted ${want}` });
          return undefined;
        }
      }
      return opened?.image;
    },
  };
  const findSymbolsNow = impl.findSymbols;
  const findImageNow = impl.findImage;
  return { ...source, locator, store };
}

/** The local symbol path (directories only), as before the locator: kept for embedders and tests. */
export function localSymbolSource(paths: readonly string[]): SymbolSource & { locator: SymbolLocator; store: SymbolStore } {
  return pathSymbolSource({ symbolPaths: paths, offline: true });
}
