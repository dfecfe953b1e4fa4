// Node entry points for one dump file: openDump(path), triageFile(path), triageSource(source).
// Kept apart from src/index.ts so that the scan's workers can use them without importing the
// package entry (which imports the scan again).

import type { ByteSource } from './reader/byte-source.js';
import { FileSource } from './reader/file-source.js';
import { openDumpFromSource, triage, wrapUnexpected } from './core.js';
import type { Dump, OpenOptions } from './formats/dump.js';
import type { TriageOptions } from './defaults.js';
import type { TriageReport } from './analysis/report.js';
import type { SymbolSource } from './unwind/sources.js';
import { pathSymbolSource } from './unwind/symbol-path.js';
import type { LocatorProgress, SymbolLocator } from './symbols/locate.js';

export { countingSourceFor } from './core.js';

/** One symbol source per symbol path, for the life of the process: its caches serve every dump. */
const symbolSources = new Map<string, ReturnType<typeof pathSymbolSource>>();

type SymbolOptions = Pick<TriageOptions, 'symbolPaths' | 'symbolPath' | 'symbolCacheDir' | 'offline' | 'symbolTimeoutMs'>;

function pathSourceFor(opts: SymbolOptions): ReturnType<typeof pathSymbolSource> {
  const key = JSON.stringify([opts.symbolPaths ?? [], opts.symbolPath ?? '', opts.symbolCacheDir ?? '', !!opts.offline, opts.symbolTimeoutMs ?? 0]);
  let s = symbolSources.get(key);
  if (!s) {
    if (symbolSources.size >= 16) {
      for (const old of symbolSources.values()) void old.locator.close();
      symbolSources.clear();
    }
    s = pathSymbolSource({
      ...(opts.symbolPaths ? { symbolPaths: opts.symbolPaths } : {}),
      ...(opts.symbolPath ? { symbolPath: opts.symbolPath } : {}),
      ...(opts.symbolCacheDir ? { cacheDir: opts.symbolCacheDir } : {}),
      ...(opts.offline ? { offline: true } : {}),
      locator: {
        onProgress: (e) => symbolProgress?.(e),
        ...(opts.symbolTimeoutMs ? { totalTimeoutMs: opts.symbolTimeoutMs, connectTimeoutMs: Math.min(opts.symbolTimeoutMs, 5000) } : {}),
      },
    });
    symbolSources.set(key, s);
  }
  return s;
}

let symbolProgress: ((e: LocatorProgress) => void) | undefined;

/** Receives symbol-server download events of every symbol source (the CLI draws them on a TTY). */
export function setSymbolProgressListener(fn: ((e: LocatorProgress) => void) | undefined): void {
  symbolProgress = fn;
}

/** The symbol options of a triage, as one symbol source (shared by every dump of the process). */
export function symbolSourceFor(opts: SymbolOptions): SymbolSource {
  return pathSourceFor(opts);
}

/** The locator behind symbolSourceFor (a scan's main thread serves its workers' lookups with it). */
export function symbolLocatorFor(opts: SymbolOptions): SymbolLocator {
  return pathSourceFor(opts).locator;
}

/** Closes the symbol sources' server connections (a long-lived embedder; tests). */
export async function closeSymbolSources(): Promise<void> {
  for (const s of symbolSources.values()) await s.locator.close();
  symbolSources.clear();
}

/** FileSource.open with the path on every error. */
async function openFile(path: string): Promise<FileSource> {
  try {
    return await FileSource.open(path);
  } catch (e) {
    throw wrapUnexpected(e, path);
  }
}

/** Open a dump file read-only. Close the handle when done. */
export async function openDump(path: string, opts: OpenOptions = {}): Promise<Dump> {
  const source = await openFile(path);
  try {
    return await openDumpFromSource(source, opts);
  } catch (e) {
    await source.close().catch(() => undefined);
    throw wrapUnexpected(e, path);
  }
}

export interface TriageFileOptions extends TriageOptions, OpenOptions {
  /** VMware / ESXi log files or folders to correlate with (issue 6). */
  vmLogs?: string[];
}

/** Open, triage and close one dump file. */
export async function triageFile(path: string, opts: TriageFileOptions = {}): Promise<TriageReport> {
  const source = await openFile(path);
  try {
    return await triageSource(source, path, opts);
  } finally {
    await source.close();
  }
}

/**
 * Triage a dump from an open source (the scan opens each file once, sniffs it and triages it
 * through the same handle). Closes the dump it opens, and so the source.
 */
export async function triageSource(source: ByteSource, path: string, opts: TriageFileOptions = {}): Promise<TriageReport> {
  let dump: Dump;
  if (((opts.symbolPaths && opts.symbolPaths.length > 0) || opts.symbolPath) && !opts.symbolSource) opts = { ...opts, symbolSource: symbolSourceFor(opts) };
  try {
    dump = await openDumpFromSource(source, opts);
  } catch (e) {
    throw wrapUnexpected(e, path);
  }
  try {
    const report = await triage(dump, opts, path);
    if (opts.vmLogs && opts.vmLogs.length > 0) {
      const { correlateReport } = await import('./vmlog/correlate-report.js');
      await correlateReport(report, opts.vmLogs);
    }
    report.input.bytesRead = dump.source.bytesRead;
    return report;
  } finally {
    await dump.close();
  }
}
