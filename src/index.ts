// Node entry: openDump(path), triageFile(path), scanDumps(root).

export * from './core.js';
export { openDump, triageFile, triageSource, type TriageFileOptions } from './triage-file.js';
export { scanDumps } from './scan/scan.js';
export { releaseWorkers } from './scan/pool.js';
export type { ScanOptions, ScanResult } from './scan/scan.js';
// The shared PostgreSQL store and queue (`--db`): node-postgres is loaded on first use.
export { PgStore, type ClaimedJob, type FileFound, type QueueStatus } from './fleet/pg-store.js';
export { enqueueShare, type FleetScanOptions, type FleetScanSummary } from './fleet/fleet-scan.js';
export { runFleetWorker, type FleetWorkerOptions, type FleetWorkerResult } from './fleet/fleet-worker.js';
export { resolveDbTarget, redactDbUrl, DatabaseUnavailableError, type DbTarget } from './fleet/connection.js';
