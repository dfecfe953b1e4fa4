// `--csv FILE`: one row per file found. Every cell goes through escapeCsv (quoting and the
// formula-injection guard).

import { escapeCsv } from '../util/escape.js';
import type { DumpDigest } from './digest.js';
import { digestLinkTimestamp } from '../analysis/timestamps.js';

export const CSV_COLUMNS = [
  'path', 'host', 'status', 'time', 'time_source', 'format', 'dump_type', 'kind', 'category', 'bucket_id',
  'module', 'image', 'image_timestamp', 'image_version', 'bugcheck', 'bugcheck_name', 'exception', 'exception_name',
  'process', 'summary', 'error_code', 'error_message', 'size', 'mtime', 'image_timestamp_kind',
] as const;
// image_timestamp is the cause module's link date (ISO), or `build id 0x...` when its
// TimeDateStamp is a hash (Windows 10+ reproducible builds) or an impossible date;
// image_timestamp_kind says which ('date' | 'build-id'), empty when there is none.

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvRow(d: DumpDigest): string {
  const lt = digestLinkTimestamp(d);
  const cells: Array<string | number | null | undefined> = [
    d.rel, d.host, d.status, d.time, d.timeSource, d.format, d.dumpType, d.kind, d.category, d.bucketId,
    d.module, d.image, lt?.text, d.imageVersion, d.bugcheck, d.bugcheckName, d.exception, d.exceptionName,
    d.process, d.summary, d.error?.code, d.error?.message, d.size, d.mtimeMs >= 0 ? new Date(d.mtimeMs).toISOString() : '', lt?.kind,
  ];
  return `${cells.map((c) => escapeCsv(c === null || c === undefined ? '' : String(c))).join(',')}\r\n`;
}
