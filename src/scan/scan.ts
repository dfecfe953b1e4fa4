// Bulk scan of a dump share. Placeholder until the scan issue lands.
import type { TriageReport } from '../analysis/report.js';

export interface ScanOptions {
  jobs?: number;
}

export type ScanResult =
  | { path: string; ok: true; report: TriageReport }
  | { path: string; ok: false; error: { code: string; message: string; offset?: string; struct?: string } };

export async function* scanDumps(_root: string, _opts: ScanOptions = {}): AsyncGenerator<ScanResult> {
  throw new Error('scan not implemented yet');
}
