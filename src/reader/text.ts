// All text decoding lives here. Text stays raw bytes until asked for.

import { LIMITS } from '../limits.js';

const utf16 = new TextDecoder('utf-16le', { fatal: false });
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** UTF-16LE to string; stops at the first NUL when `stopAtNul`. Invalid units become U+FFFD. */
export function decodeUtf16(bytes: Uint8Array, stopAtNul = true): string {
  let end = bytes.length & ~1;
  if (stopAtNul) {
    for (let i = 0; i + 1 < end; i += 2) {
      if (bytes[i] === 0 && bytes[i + 1] === 0) {
        end = i;
        break;
      }
    }
  }
  end = Math.min(end, LIMITS.maxStringChars * 2);
  return utf16.decode(bytes.subarray(0, end));
}

/** UTF-8 to string; stops at the first NUL when `stopAtNul`. */
export function decodeUtf8(bytes: Uint8Array, stopAtNul = true): string {
  let end = bytes.length;
  if (stopAtNul) {
    const nul = bytes.indexOf(0);
    if (nul >= 0) end = nul;
  }
  return utf8.decode(bytes.subarray(0, Math.min(end, LIMITS.maxStringChars * 4)));
}

/**
 * windows-1252 characters of bytes 0x80-0x9F; every other byte is its own code point (Latin-1).
 * The five bytes the code page leaves undefined become U+FFFD (as iconv-lite, which decoded these
 * strings before, gave them). A table, not TextDecoder('windows-1252'): Node 20's drops bytes
 * 0x80-0x9F, and a Node built without full ICU has no such decoder at all.
 */
const CP1252_HIGH = [
  0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
  0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
];

/**
 * ANSI code page text (CSDVersion of old dumps, CommentStreamA, kernel ASCII names) as
 * windows-1252, which is what an English Windows writes; stops at the first NUL when `stopAtNul`.
 */
export function decodeAnsi(bytes: Uint8Array, stopAtNul = true): string {
  let end = bytes.length;
  if (stopAtNul) {
    const nul = bytes.indexOf(0);
    if (nul >= 0) end = nul;
  }
  end = Math.min(end, LIMITS.maxStringChars);
  const units = new Uint16Array(end);
  for (let i = 0; i < end; i++) {
    const b = bytes[i]!;
    units[i] = b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80]! : b;
  }
  let out = '';
  for (let at = 0; at < end; at += 8192) out += String.fromCharCode(...units.subarray(at, at + 8192));
  return out;
}

/** Windows FILETIME (100 ns since 1601) to ISO 8601; undefined for 0 or absurd values. */
export function filetimeToIso(ft: bigint): string | undefined {
  if (ft <= 0n) return undefined;
  const ms = Number(ft / 10_000n) - 11_644_473_600_000;
  // Past year 9999 toISOString() switches to the 6-digit "+010000-" form: not ISO 8601 basic.
  if (ms < 0 || ms > 253_402_300_799_999) return undefined;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Unix time_t seconds to ISO 8601; undefined for 0. */
export function unixToIso(seconds: number | bigint): string | undefined {
  const s = Number(seconds);
  if (!s || s < 0 || s > 253_402_300_799) return undefined; // year <= 9999 (see filetimeToIso)
  return new Date(s * 1000).toISOString();
}

/** Two uppercase hex digits for each byte value. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

/** A 16-byte GUID in Microsoft's mixed-endian text form, uppercase, no braces. */
export function formatGuid(b: Uint8Array): string {
  const h = (i: number): string => HEX2[b[i]!]!;
  return `${h(3)}${h(2)}${h(1)}${h(0)}-${h(5)}${h(4)}-${h(7)}${h(6)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}

/**
 * File name part of a recorded module path (either separator), capped at 255 characters, the
 * longest name a Windows (or Linux, macOS) file system allows: a longer "name" is hostile data, and
 * the name is repeated in frames, buckets and findings, so an uncapped one multiplies a report.
 */
export function fileNameOf(path: string): string {
  const i = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  const name = i >= 0 ? path.slice(i + 1) : path;
  return name.length > MAX_FILE_NAME ? `${name.slice(0, MAX_FILE_NAME - 1)}…` : name;
}

const MAX_FILE_NAME = 255;
