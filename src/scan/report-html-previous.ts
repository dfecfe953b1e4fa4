// 'New since the last scan' for the HTML report: when the scan kept an index, the start of the
// scan before the current one, read from the index's `scans` table (read-only; the index is
// closed when the report is written).

import type Database from 'better-sqlite3';
import { loadSqlite } from './sqlite.js';

/**
 * Start (ISO) of the last finished scan before the newest one recorded in the index at
 * `indexPath` (the newest is the scan the report is about), or null when there is none or the
 * index cannot be read.
 */
export function previousScanStart(indexPath: string | null | undefined): string | null {
  if (!indexPath) return null;
  let db: Database.Database | undefined;
  try {
    const Sqlite = loadSqlite();
    db = new Sqlite(indexPath, { readonly: true, fileMustExist: true });
    const rows = db.prepare('SELECT started, finished FROM scans ORDER BY id DESC LIMIT 50').all() as Array<{ started: string; finished: string | null }>;
    const prev = rows.slice(1).find((r) => r.finished !== null && Number.isFinite(Date.parse(r.started)));
    return prev ? new Date(Date.parse(prev.started)).toISOString() : null;
  } catch {
    return null;
  } finally {
    db?.close();
  }
}
