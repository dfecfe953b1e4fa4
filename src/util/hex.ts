// Hex formatting used in messages and in the JSON contract: lowercase, `0x` prefix, no padding
// unless asked for. Addresses and codes are always strings in output, never JSON numbers.

export function hex(value: number | bigint): string {
  if (typeof value === 'bigint') return value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
  if (!Number.isFinite(value)) return String(value);
  return value < 0 ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}

/**
 * A PE image's identity for symbol servers and Breakpad's INFO CODE_ID: TimeDateStamp as 8 hex
 * digits, then SizeOfImage in hex, uppercase.
 */
export function peCodeId(timestamp: number, sizeOfImage: number): string {
  return `${(timestamp >>> 0).toString(16).toUpperCase().padStart(8, '0')}${(sizeOfImage >>> 0).toString(16).toUpperCase()}`;
}

/** Zero-padded hex with `digits` digits: hexPad(0x133, 8) → "0x00000133". */
export function hexPad(value: number | bigint, digits: number): string {
  const v = typeof value === 'bigint' ? value : BigInt(value >>> 0 === value ? value : Math.trunc(value));
  return `0x${(v < 0n ? -v : v).toString(16).padStart(digits, '0')}`;
}

/** A bug check code as WinDbg prints it: 0x00000133. */
export function bugcheckHex(code: number): string {
  return hexPad(code >>> 0, 8);
}

/** Pointer-width hex, e.g. for STACK_TEXT columns: ffff8000`12345678 style without the tick. */
export function pointerHex(value: bigint, pointerSize: 4 | 8): string {
  return hexPad(value, pointerSize * 2);
}

/** Parse "0x1f", "1f" (hex when marked or containing a-f), or decimal. Returns undefined on junk. */
export function parseNumber(text: string): bigint | undefined {
  const t = text.trim().replace(/`/g, '');
  if (/^0x[0-9a-f]+$/i.test(t)) return BigInt(t);
  if (/^[0-9]+$/.test(t)) return BigInt(t);
  if (/^[0-9a-f]+$/i.test(t)) return BigInt(`0x${t}`);
  return undefined;
}

const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Bytes as lowercase hex, two digits each, no prefix (what Buffer's toString('hex') gives, without Buffer). */
export function bytesHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX_BYTE[bytes[i]!]!;
  return out;
}
