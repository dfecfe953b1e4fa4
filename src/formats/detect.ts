// Sniff the first bytes and name the format. Signature, not file name, decides.

import type { ByteSource } from '../reader/byte-source.js';
import { UnknownFormatError } from '../errors.js';

export type FormatName = 'minidump' | 'kernel32' | 'kernel64';

const MDMP = 0x504d444d; // "MDMP" little-endian
const PAGE = 0x45474150; // "PAGE"
const DUMP = 0x504d5544; // "DUMP"
const DU64 = 0x34365544; // "DU64"

/** Name the format from the first 8 bytes; undefined when no signature we handle matches. */
export function sniff(head: Uint8Array): FormatName | undefined {
  if (head.length < 4) return undefined;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const a = dv.getUint32(0, true);
  if (a === MDMP) return 'minidump';
  if (head.length < 8 || a !== PAGE) return undefined;
  const b = dv.getUint32(4, true);
  if (b === DUMP) return 'kernel32';
  if (b === DU64) return 'kernel64';
  return undefined;
}

/** Short human description of what a non-dump file looks like, for the error message. */
export function describeNonDump(head: Uint8Array, size: number): string {
  if (size === 0) return 'empty file (0 bytes)';
  const text = new TextDecoder('latin1').decode(head.subarray(0, 64));
  if (text.startsWith('-----BEGIN BREAKPAD MICRODUMP-----') || /microdump/i.test(text)) {
    return 'breakpad text microdump, not a binary dump';
  }
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4d && head[2] === 0x44 && head[3] === 0x4d) {
    return 'byte-swapped minidump signature (big-endian writer), not supported';
  }
  if (head[0] === 0x78 && (head[1] === 0x9c || head[1] === 0x01 || head[1] === 0xda)) return 'zlib-compressed data, not a dump (decompress it first)';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip-compressed data, not a dump (decompress it first)';
  if (text.startsWith('PAGE')) return 'PAGE signature without DUMP/DU64: not a kernel dump header';
  if (size < 4) return `too short (${size} bytes) to hold a dump signature`;
  return 'no minidump (MDMP) or kernel dump (PAGEDUMP/PAGEDU64) signature';
}

export async function detectFormat(source: ByteSource): Promise<FormatName> {
  const head = await source.readAvailable(0, 64, 'signature');
  const fmt = sniff(head);
  if (!fmt) throw new UnknownFormatError(describeNonDump(head, source.size), { struct: 'signature', offset: 0 });
  return fmt;
}
