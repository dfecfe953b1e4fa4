// The local symbol path (--symbols DIR, library option symbolPaths) as the walker's SymbolSource:
// Breakpad stores (NAME/DEBUGID/NAME.sym) and folders of binaries, through SymbolStore, whose
// process-wide cache indexes each .sym once for all the dumps of a scan. Node only (file I/O).

import { SymbolStore } from '../formats/breakpad-sym/store.js';
import { FileSource } from '../reader/byte-source.js';
import { openPeImageFile, type PeImage } from '../formats/pe/image.js';
import type { SymbolSource } from './sources.js';

/** Binaries kept open for their unwind data, process-wide, by path and load address (each holds one file handle). */
const MAX_OPEN_BINARIES = 64;
const binaries = new Map<string, Promise<{ source: FileSource; image: PeImage } | undefined>>();

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

/** Closes the binaries the symbol path opened (tests; a long-lived embedder between batches). */
export async function closeSymbolPathBinaries(): Promise<void> {
  const all = [...binaries.values()];
  binaries.clear();
  for (const b of all) await (await b)?.source.close().catch(() => undefined);
}

/** A SymbolSource over local directories, in search order. */
export function localSymbolSource(paths: readonly string[]): SymbolSource & { store: SymbolStore } {
  const store = new SymbolStore(paths);
  return {
    store,
    async findSymbols(key, trace) {
      const found = await store.findSymFile(key, trace && ((l) => trace({ module: l.module, kind: l.kind, location: l.path, result: l.result, reason: l.reason })));
      return found ? { sym: found.sym, source: found.path } : {};
    },
    async findImage(key, base, trace) {
      const found = await store.findBinary(key, trace && ((l) => trace({ module: l.module, kind: l.kind, location: l.path, result: l.result, reason: l.reason })));
      if (!found || !found.verified) return undefined;
      const cacheKey = `${found.path}\0${base}`;
      let p = binaries.get(cacheKey);
      if (!p) {
        if (binaries.size >= MAX_OPEN_BINARIES) {
          const [oldest] = binaries.keys();
          const old = binaries.get(oldest!)!;
          binaries.delete(oldest!);
          void old.then((b) => b?.source.close()).catch(() => undefined);
        }
        p = openBinary(found.path, base);
        binaries.set(cacheKey, p);
      }
      return (await p)?.image;
    },
  };
}
