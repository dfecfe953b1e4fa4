// What a found or downloaded file must look like before it counts: a few bounded reads of its
// head, never the whole file. A server that answers 200 with an HTML error page, a truncated
// download, or a file of the right name but another build is refused here, so it is neither
// returned nor kept in the cache as a hit.
//
//   .sym     first line `MODULE <os> <arch> <debug id> <name>` naming the wanted debug id
//            (store.ts checks the same line when it indexes the file)
//   .pdb     an MSF 7.00 or 2.00 signature, or a Portable PDB's metadata root (BSJB); its GUID
//            and age are not read here (the PDB reader checks them: the age that matches the
//            CodeView record is the DBI stream's, not the PDB stream's)
//   binary   MZ, PE\0\0, and the TimeDateStamp and SizeOfImage of the code id
//   CAB      `MSCF`

import { open } from 'node:fs/promises';
import type { Expect, LocateKind } from './keys.js';

export type CheckResult = { ok: true; verified: boolean } | { ok: false; result: 'corrupt' | 'mismatch'; reason: string };

/** Enough of a file's head for every signature below. */
export const SNIFF_BYTES = 64;

const MSF7 = Buffer.from('Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0', 'latin1');
const MSF2 = Buffer.from('Microsoft C/C++ program database 2.00\r\n\x1aJG\0\0', 'latin1');
const BSJB = Buffer.from('BSJB', 'latin1');
const MSCF = Buffer.from('MSCF', 'latin1');
const MODULE = Buffer.from('MODULE ', 'latin1');

/** Up to `length` bytes from `offset` (fewer at the end of the file). */
export async function readAt(path: string, offset: number, length: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

function startsWith(head: Uint8Array, sig: Buffer): boolean {
  if (head.length < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (head[i] !== sig[i]) return false;
  return true;
}

/** `head` looks like a web page or an XML error (a server's error page served with 200). */
function looksLikeMarkup(head: Uint8Array): boolean {
  return Buffer.from(head).toString('latin1').replace(/^\xef\xbb\xbf/, '').trimStart().startsWith('<');
}

const WHAT = { sym: 'a Breakpad .sym file', pdb: 'a PDB', binary: 'a PE binary', cab: 'a CAB archive', ptr: 'a file.ptr' } as const;

/**
 * Why the first bytes of a file (SNIFF_BYTES, or all of a shorter one) cannot be the file
 * wanted, or undefined when they can. Downloads are checked as they stream, so an error page is
 * dropped after its first packet.
 */
export function sniff(kind: LocateKind | 'cab' | 'ptr', head: Uint8Array): string | undefined {
  if (head.length === 0) return 'empty file';
  let ok: boolean;
  switch (kind) {
    case 'sym':
      ok = startsWith(head, MODULE);
      break;
    case 'pdb':
      ok = startsWith(head, MSF7) || startsWith(head, MSF2) || startsWith(head, BSJB);
      break;
    case 'binary':
      ok = head.length >= 2 && head[0] === 0x4d && head[1] === 0x5a;
      break;
    case 'cab':
      ok = startsWith(head, MSCF);
      break;
    case 'ptr':
      ok = /^(PATH|MSG):/i.test(Buffer.from(head).toString('latin1').replace(/^\xef\xbb\xbf/, '').trimStart());
      if (!ok) return 'not a symstore file.ptr (no PATH: or MSG: line)';
      break;
  }
  if (ok) return undefined;
  return looksLikeMarkup(head) ? `an HTML page, not ${WHAT[kind]}` : `not ${WHAT[kind]} (wrong signature)`;
}

/** The file is a CAB (`MSCF`), as a compressed `.pd_`/`.dl_` must be. */
export async function isCab(path: string): Promise<boolean> {
  return startsWith(await readAt(path, 0, 4), MSCF);
}

/** The MODULE line of a .sym file (the first line, at most 4 KiB), split. */
async function moduleLine(path: string): Promise<string[] | undefined> {
  const head = await readAt(path, 0, 4096);
  const nl = head.indexOf(0x0a);
  const line = head.subarray(0, nl < 0 ? head.length : nl).toString('utf8').replace(/\r$/, '');
  const parts = line.split(' ');
  return parts[0] === 'MODULE' && parts.length >= 5 ? parts : undefined;
}

/** TimeDateStamp and SizeOfImage from a PE file's headers (two small reads), or why not. */
export async function readPeStamp(path: string): Promise<{ timeDateStamp: number; sizeOfImage: number } | string> {
  const dos = await readAt(path, 0, 64);
  if (dos.length < 64 || dos.readUInt16LE(0) !== 0x5a4d) return 'no MZ signature';
  const lfanew = dos.readUInt32LE(0x3c);
  // File header (24 bytes with the signature), then the optional header up to SizeOfImage (+60).
  const nt = await readAt(path, lfanew, 24 + 64);
  if (nt.length < 24 + 64) return 'truncated PE header';
  if (nt.readUInt32LE(0) !== 0x4550) return 'no PE signature';
  const magic = nt.readUInt16LE(24);
  if (magic !== 0x10b && magic !== 0x20b) return `unknown optional header magic 0x${magic.toString(16)}`;
  return { timeDateStamp: nt.readUInt32LE(8), sizeOfImage: nt.readUInt32LE(24 + 56) };
}

const hex8 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/**
 * Whether the file at `path` is the `kind` file `expect` describes. `verified` says the id inside
 * was compared (a .sym's MODULE line, a binary's header); a PDB is only checked for its signature.
 */
export async function checkFile(path: string, kind: LocateKind, expect: Expect): Promise<CheckResult> {
  const head = await readAt(path, 0, SNIFF_BYTES);
  const bad = sniff(kind, head);
  if (bad !== undefined) return { ok: false, result: 'corrupt', reason: bad };
  if (kind === 'sym') {
    const parts = await moduleLine(path);
    if (!parts) return { ok: false, result: 'corrupt', reason: 'no MODULE line' };
    if (expect.debugId === undefined) return { ok: true, verified: false };
    if (parts[3]!.toUpperCase() !== expect.debugId.toUpperCase()) return { ok: false, result: 'mismatch', reason: `MODULE line has debug id ${parts[3]!.slice(0, 80)}` };
    return { ok: true, verified: true };
  }
  if (kind === 'pdb') return { ok: true, verified: false };
  const stamp = await readPeStamp(path);
  if (typeof stamp === 'string') return { ok: false, result: 'corrupt', reason: stamp };
  if (!expect.stamp) return { ok: true, verified: false };
  if (stamp.timeDateStamp !== expect.stamp.timeDateStamp || stamp.sizeOfImage !== expect.stamp.sizeOfImage) {
    return {
      ok: false,
      result: 'mismatch',
      reason: `TimeDateStamp ${hex8(stamp.timeDateStamp)} SizeOfImage 0x${stamp.sizeOfImage.toString(16)}, wanted ${hex8(expect.stamp.timeDateStamp)} 0x${expect.stamp.sizeOfImage.toString(16)}`,
    };
  }
  return { ok: true, verified: true };
}
