// Node entry: openDump(path), triageFile(path), scanDumps(root).

import { FileSource } from './reader/byte-source.js';
import { openDumpFromSource, triage, wrapUnexpected } from './core.js';
import type { Dump, OpenOptions } from './formats/dump.js';
import type { TriageOptions } from './defaults.js';
import type { TriageReport } from './analysis/report.js';

export * from './core.js';
export { scanDumps } from './scan/scan.js';
export type { ScanOptions, ScanResult } from './scan/scan.js';

/** Open a dump file read-only. Close the handle when done. */
export async function openDump(path: string, opts: OpenOptions = {}): Promise<Dump> {
  let source: FileSource;
  try {
    source = await FileSource.open(path);
  } catch (e) {
    throw wrapUnexpected(e, path);
  }
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
  const dump = await openDump(path, opts);
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
