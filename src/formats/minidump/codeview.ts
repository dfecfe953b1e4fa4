// CodeView records (MINIDUMP_MODULE.CvRecord): RSDS (PDB 7.0), NB10 (PDB 2.0), breakpad's ELF
// build id (BpEL), and the rare NB09/NB11. → PDB name, GUID, age, breakpad debug id.

import { CV_INFO_PDB20, CV_INFO_PDB70 } from '../../../native-structs/minidump/modules.js';
import { CvSignature } from '../../../native-structs/constants/minidump.js';
import type { PdbFacts } from '../../analysis/facts/types.js';
import { decodeStruct } from '../../reader/struct-codec.js';
import { formatGuid } from '../../reader/text.js';
import { bytesHex } from '../../util/hex.js';

export interface CodeView extends PdbFacts {
  /** The signature word as text: RSDS, NB10, BpEL, NB09, NB11, or hex. */
  cvSignature: string;
  /** ELF build id (hex), for BpEL records and Linux modules. */
  buildId?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

function nameFrom(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  const b = nul >= 0 ? bytes.subarray(0, nul) : bytes;
  try {
    return utf8.decode(b);
  } catch {
    // Not UTF-8: the spec says fall back to Latin-1 (recorded names are bytes, not text).
    return latin1.decode(b);
  }
}

/** Decode a CodeView record; undefined when it is too short or of an unknown kind. */
export function decodeCodeView(bytes: Uint8Array, fileOffset: number): CodeView | undefined {
  if (bytes.length < 4) return undefined;
  const sig = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (sig === CvSignature.RSDS && bytes.length >= CV_INFO_PDB70.size) {
    const r = decodeStruct<{ signature: Uint8Array; age: number }>(CV_INFO_PDB70, bytes, fileOffset);
    const guid = formatGuid(r.signature);
    return {
      kind: 'RSDS',
      cvSignature: 'RSDS',
      name: nameFrom(bytes.subarray(CV_INFO_PDB70.size)),
      guid,
      age: r.age,
      debugId: `${guid.replace(/-/g, '')}${r.age.toString(16).toUpperCase()}`,
    };
  }
  if (sig === CvSignature.NB10 && bytes.length >= CV_INFO_PDB20.size) {
    const r = decodeStruct<{ signature: number; age: number }>(CV_INFO_PDB20, bytes, fileOffset);
    const s = r.signature.toString(16).toUpperCase().padStart(8, '0');
    return { kind: 'NB10', cvSignature: 'NB10', name: nameFrom(bytes.subarray(CV_INFO_PDB20.size)), guid: s, age: r.age, debugId: `${s}${r.age.toString(16).toUpperCase()}` };
  }
  if (sig === CvSignature.BpEL) {
    const id = bytes.subarray(4);
    // breakpad turns the first 16 bytes of the build id into a GUID-shaped debug id, age 0.
    const g = new Uint8Array(16);
    g.set(id.subarray(0, 16));
    const guid = formatGuid(g);
    return { kind: 'ELF', cvSignature: 'BpEL', name: '', guid, age: 0, debugId: `${guid.replace(/-/g, '')}0`, buildId: bytesHex(id) };
  }
  if (sig === CvSignature.NB09 || sig === CvSignature.NB11) {
    return { kind: sig === CvSignature.NB09 ? 'NB09' : 'NB11', cvSignature: sig === CvSignature.NB09 ? 'NB09' : 'NB11', name: '', guid: '', age: 0, debugId: '' };
  }
  return undefined;
}
