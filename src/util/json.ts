// The JSON form of reports and dump trees: bigints as lowercase hex strings, byte arrays as hex
// (capped), Maps as objects, Sets as arrays. One set of rules for the CLI and the scan.
//
// The values are converted in one pass first and the result is handed to the native
// JSON.stringify without a replacer: a replacer is a call into JavaScript for every key of the
// document, and for a scan's thousands of reports that was a tenth of the time spent per dump.
// The pass copies only the objects that hold something to convert; the rest is passed as is.

import { hex } from './hex.js';

export const MAX_BYTES_SHOWN = 256;
/** Nesting beyond this is a bug (a cycle): refused with a TypeError, as JSON.stringify would. */
const MAX_DEPTH = 512;

/** Hex of the first MAX_BYTES_SHOWN bytes, with the full length when cut. */
export function bytesText(value: Uint8Array): string {
  const shown = value.subarray(0, MAX_BYTES_SHOWN);
  const text = Buffer.from(shown.buffer, shown.byteOffset, shown.byteLength).toString('hex');
  return value.length > MAX_BYTES_SHOWN ? `${text}… (${value.length} bytes)` : text;
}

/** The value with every bigint, byte array, Map and Set replaced by its JSON form. */
export function toJsonValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'bigint') return hex(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) throw new TypeError('JSON: nesting too deep (a cycle?)');
  if (value instanceof Uint8Array) return bytesText(value);
  if (value instanceof Map) return toJsonValue(Object.fromEntries(value), depth + 1);
  if (value instanceof Set) return toJsonValue([...value], depth + 1);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const n = toJsonValue(v, depth + 1);
      if (out) out.push(n);
      else if (n !== v) {
        out = value.slice(0, i);
        out.push(n);
      }
    }
    return out ?? value;
  }
  // Dates and other objects with their own JSON form are left to it.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  let out: Record<string, unknown> | undefined;
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    const n = toJsonValue(v, depth + 1);
    if (n !== v) {
      out ??= { ...obj };
      out[k] = n;
    }
  }
  return out ?? value;
}

export function toJsonText(value: unknown, pretty = false): string {
  return JSON.stringify(toJsonValue(value), undefined, pretty ? 2 : undefined);
}
