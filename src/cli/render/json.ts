// JSON output. bigints become lowercase hex strings, byte arrays become hex (capped).

import { hex } from '../../util/hex.js';

const MAX_BYTES_SHOWN = 256;

export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return hex(value);
  if (value instanceof Uint8Array) {
    const shown = value.subarray(0, MAX_BYTES_SHOWN);
    const text = Buffer.from(shown.buffer, shown.byteOffset, shown.byteLength).toString('hex');
    return value.length > MAX_BYTES_SHOWN ? `${text}… (${value.length} bytes)` : text;
  }
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}

export function toJson(value: unknown, pretty = false): string {
  return JSON.stringify(value, jsonReplacer, pretty ? 2 : undefined);
}
