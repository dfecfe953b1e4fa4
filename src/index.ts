// Node entry: openDump(path), triageFile(path), scanDumps(root).

export * from './core.js';
export { openDump, triageFile, triageSource, type TriageFileOptions } from './triage-file.js';
export { scanDumps } from './scan/scan.js';
export { releaseWorkers } from './scan/pool.js';
export type { ScanOptions, ScanResult } from './scan/scan.js';
