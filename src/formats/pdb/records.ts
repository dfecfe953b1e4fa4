// CodeView record walking: symbol and type records are `u16 length, u16 kind, data[length - 2]`,
// back to back. A walk reads its byte range in chunks (PDB_CHUNK_BYTES, never less than the
// largest record: 64 KiB + 2), so a stream of any size costs one chunk of memory. A record
// shorter than its kind field, or one running past the range, ends the walk: what follows
// cannot be framed, and the caller counts it as a problem.

import type { MsfStream } from './msf.js';
import { view } from './bytes.js';
import { PDB_CHUNK_BYTES } from './limits.js';

/** The largest record: a 16-bit length plus the length field itself. */
const MAX_RECORD = 0xffff + 2;

export interface WalkEnd {
  /** Stream offset where framing failed, when it did. */
  badAt?: number;
  reason?: string;
}

/**
 * Calls `visit(kind, bytes, at)` for each record in [start, end) of `stream`, where `bytes` holds
 * the whole record (length and kind included) and `at` is its stream offset. `visit` returns
 * false to stop. `bytes` is a view into a chunk: copy what must outlive the call.
 */
export async function walkRecords(
  stream: MsfStream,
  start: number,
  end: number,
  struct: string,
  visit: (kind: number, bytes: Uint8Array, at: number) => boolean | void,
  chunkBytes = PDB_CHUNK_BYTES,
): Promise<WalkEnd> {
  const chunk = Math.max(chunkBytes, MAX_RECORD);
  end = Math.min(end, stream.size);
  let pos = start;
  // One buffer for the walk: `bytes` is a view into it, valid during the visit only (as documented).
  const scratch = new Uint8Array(Math.max(0, Math.min(chunk, end - pos)));
  while (pos + 4 <= end) {
    const buf = await stream.read(pos, Math.min(chunk, end - pos), struct, scratch);
    const dv = view(buf);
    let p = 0;
    while (p + 4 <= buf.length) {
      const len = dv.getUint16(p, true);
      if (len < 2) return { badAt: pos + p, reason: `record length ${len} is shorter than its kind field` };
      const total = len + 2;
      if (p + total > buf.length) {
        if (pos + p + total > end) return { badAt: pos + p, reason: `record of ${total} bytes runs past the end of its substream at ${end}` };
        break; // refill from this record
      }
      if (visit(dv.getUint16(p + 2, true), buf.subarray(p, p + total), pos + p) === false) return {};
      p += total;
    }
    if (p === 0) return { badAt: pos, reason: 'record does not fit a chunk' };
    pos += p;
  }
  return {};
}
