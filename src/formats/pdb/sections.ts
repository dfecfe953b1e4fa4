// Image section headers saved in the PDB (the DBI debug header's SectionHdr stream, and
// SectionHdrOrig for an image rewritten after linking) and the section:offset → RVA translation
// every symbol address goes through.

import type { MsfStream } from './msf.js';
import { formatError, view } from './bytes.js';
import { PDB_STRUCT } from './limits.js';

/** IMAGE_SECTION_HEADER is 40 bytes; COFF allows at most 65,279 sections (96 in PE images). */
const SECTION_HEADER_BYTES = 40;
const MAX_SECTIONS = 65_279;

export interface SectionHeader {
  name: string;
  virtualSize: number;
  virtualAddress: number;
  characteristics: number;
}

export async function readSectionHeaders(stream: MsfStream): Promise<SectionHeader[]> {
  const n = Math.min(Math.floor(stream.size / SECTION_HEADER_BYTES), MAX_SECTIONS);
  if (stream.size % SECTION_HEADER_BYTES !== 0 && n === 0) {
    throw formatError(stream.msf.source, 'OutOfBounds', PDB_STRUCT.sections, stream.fileOffset(0), `section header stream of ${stream.size} bytes holds no 40-byte header`);
  }
  const b = await stream.read(0, n * SECTION_HEADER_BYTES, PDB_STRUCT.sections);
  const dv = view(b);
  const out: SectionHeader[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * SECTION_HEADER_BYTES;
    let e = o;
    while (e < o + 8 && b[e] !== 0) e++;
    out.push({
      name: String.fromCharCode(...b.subarray(o, e)),
      virtualSize: dv.getUint32(o + 8, true),
      virtualAddress: dv.getUint32(o + 12, true),
      characteristics: dv.getUint32(o + 36, true),
    });
  }
  return out;
}

/**
 * RVA of section:offset by the given headers (1-based section numbers, as in CodeView), or
 * undefined for section 0, a section past the table, or a sum past 32 bits. The offset is not
 * checked against the section size: DIA does not either (a symbol may sit just past it).
 */
export function sectionRva(headers: readonly SectionHeader[], section: number, offset: number): number | undefined {
  if (section < 1 || section > headers.length) return undefined;
  const rva = headers[section - 1]!.virtualAddress + offset;
  return rva > 0xffff_ffff ? undefined : rva;
}
