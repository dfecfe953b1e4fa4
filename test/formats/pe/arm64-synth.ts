// Lays out synthetic ARM64 images: functions with packed .pdata words or .xdata records.

import { PeMachine } from '../../../src/formats/pe/image.js';
import { Bytes, SynthPe, encodeArm64Xdata, roundUp, type Arm64XdataSpec } from './build-pe.js';

export const A_BASE = 0x7ff6_2000_0000n;
export const A_TEXT = 0x1000;

export interface Arm64FnSpec {
  begin: number;
  /** A packed UnwindData word (Flag 1/2, or 3 for hostile data). */
  packed?: number;
  xdata?: Arm64XdataSpec;
  /** Raw .xdata bytes (hostile). */
  raw?: Uint8Array;
}

export interface BuiltArm64 {
  bytes: Uint8Array;
  xdataRva: (number | undefined)[];
  pdataRva: number;
  xdataBase: number;
}

export function buildArm64(fns: Arm64FnSpec[], textSize = 0x8000): BuiltArm64 {
  const xdataBase = A_TEXT + roundUp(textSize, 0x1000);
  const xdata = new Bytes();
  const xdataRva: (number | undefined)[] = [];
  for (const f of fns) {
    if (f.packed !== undefined) {
      xdataRva.push(undefined);
      continue;
    }
    xdata.align(4);
    xdataRva.push(xdataBase + xdata.length);
    xdata.raw(f.raw ?? encodeArm64Xdata(f.xdata!));
  }
  const xbytes = xdata.bytes();
  const pdataRva = xdataBase + roundUp(Math.max(xbytes.length, 1), 0x1000);
  const pdata = new Bytes();
  fns.forEach((f, i) => pdata.u32(f.begin).u32(f.packed ?? xdataRva[i]!));
  const pe = new SynthPe({ machine: PeMachine.ARM64, imageBase: A_BASE })
    .addSection({ name: '.text', rva: A_TEXT, bytes: new Uint8Array(textSize) })
    .addSection({ name: '.xdata', rva: xdataBase, bytes: xbytes.length ? xbytes : new Uint8Array(4) })
    .addSection({ name: '.pdata', rva: pdataRva, bytes: pdata.length ? pdata.bytes() : new Uint8Array(8) })
    .setDirectory(3, pdataRva, pdata.length);
  return { bytes: pe.build(), xdataRva, pdataRva, xdataBase };
}

export interface PackedCombo {
  cr: number;
  regI: number;
  regF: number;
  h: boolean;
  locSz: number;
  frameSize: number;
  begin: number;
  word: number;
}

/** Bytes of each packed function in the matrix image (64 instructions). */
export const MATRIX_FN_LENGTH = 0x100;

/**
 * Every combination of CR 0-3, RegI {0,1,2,3,10}, RegF {0,1,2,7}, H {0,1} and a local area of
 * {0, 32, 512, 528, 4080, 4096} bytes, as packed .pdata entries 0x100 bytes apart. Left out: a
 * chained frame without a local area (no room for <x29,lr>) and CR = 1 with RegI = 1 (no encoding).
 */
export function packedMatrix(): { combos: PackedCombo[]; fns: Arm64FnSpec[] } {
  const combos: PackedCombo[] = [];
  let begin = A_TEXT;
  for (const cr of [0, 1, 2, 3])
    for (const regI of [0, 1, 2, 3, 10])
      for (const regF of [0, 1, 2, 7])
        for (const h of [false, true])
          for (const locSz of [0, 32, 512, 528, 4080, 4096]) {
            if ((cr === 2 || cr === 3) && locSz === 0) continue;
            if (cr === 1 && regI === 1) continue;
            const intSz = 8 * regI + (cr === 1 ? 8 : 0);
            const fpSz = regF ? 8 * regF + 8 : 0;
            const savSz = (intSz + fpSz + (h ? 64 : 0) + 15) & ~15;
            const frameSize = savSz + locSz;
            const word = packArm64Word({ functionLength: MATRIX_FN_LENGTH, regF, regI, h, cr, frameSize });
            combos.push({ cr, regI, regF, h, locSz, frameSize, begin, word });
            begin += MATRIX_FN_LENGTH;
          }
  return { combos, fns: combos.map((c) => ({ begin: c.begin, packed: c.word })) };
}

function packArm64Word(p: { functionLength: number; regF: number; regI: number; h: boolean; cr: number; frameSize: number }): number {
  return (1 | ((p.functionLength / 4) << 2) | (p.regF << 13) | (p.regI << 16) | ((p.h ? 1 : 0) << 20) | (p.cr << 21) | ((p.frameSize / 16) << 23)) >>> 0;
}
