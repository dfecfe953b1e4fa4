// The handle every format returns from open. One core path for files and buffers.

import type { DumpWarning } from '../errors.js';
import type { CountingSource } from '../reader/byte-source.js';
import type { DumpFacts } from '../analysis/facts/types.js';

export interface OpenOptions {
  /** Expensive work that scans large parts of the file (full page maps, all memory). */
  deep?: boolean;
}

export interface DescribeOptions {
  /**
   * Entries shown of each list, then one CutSummary entry (util/list-budget.ts). Tables that
   * can hold 10^6 entries are then decoded only this far. Default: every entry.
   */
  listBudget?: number;
}

export interface Dump {
  readonly format: 'minidump' | 'kernel';
  /** The counting wrapper around the byte source: `source.bytesRead` is the I/O so far. */
  readonly source: CountingSource;
  /** Non-fatal anomalies found so far (grows as more is decoded). */
  readonly warnings: DumpWarning[];
  /** Format-neutral facts for triage and the report; memoized. */
  facts(): Promise<DumpFacts>;
  /** Every decoded structure as a plain object, for `dumptriage dump` (bigints allowed). */
  describe(opts?: DescribeOptions): Promise<Record<string, unknown>>;
  /** Format-specific summary to put in report.details. */
  details?(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}
