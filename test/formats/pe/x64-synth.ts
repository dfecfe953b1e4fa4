// Lays out synthetic x64 images for the unwind tests: functions with their UNWIND_INFO in .xdata,
// a sorted .pdata, code bytes in .text, and a stack of known words beside the image.

import { PeMachine } from '../../../src/formats/pe/image.js';
import { Bytes, SynthPe, encodeRuntimeFunction, encodeX64UnwindInfo, type X64UnwindInfoSpec } from './build-pe.js';

export const TEXT = 0x1000;
export const XDATA = 0x8000;
export const PDATA = 0xc000;
export const BASE = 0x7ff6_1000_0000n;

export interface FnSpec {
  begin: number;
  end: number;
  /** UNWIND_INFO; `chainTo` names another function (by index) whose entry is stored as the chain. */
  unwind?: X64UnwindInfoSpec & { chainTo?: number };
  /** Raw UNWIND_INFO bytes instead (hostile data). */
  raw?: Uint8Array;
  /** UnwindData = (RVA of function `indirectTo`'s .pdata entry) | 1, or a raw RVA. */
  indirectTo?: number;
  indirectRaw?: number;
  /** Code bytes at `begin`. */
  code?: number[];
}

export interface BuiltX64 {
  bytes: Uint8Array;
  /** RVA of each function's UNWIND_INFO (undefined for indirections). */
  xdataRva: (number | undefined)[];
  /** RVA of each function's .pdata entry. */
  entryRva: number[];
}

/** Functions must be given sorted by `begin`. .text is filled with int3 (0xCC) around the code given. */
export function buildX64(fns: FnSpec[], opts: { pdataSize?: number; extraSections?: boolean } = {}): BuiltX64 {
  const entryRva = fns.map((_, i) => PDATA + 12 * i);
  const xdataRva: (number | undefined)[] = [];
  // pass 1: sizes
  let at = XDATA;
  for (const f of fns) {
    if (f.indirectTo !== undefined || f.indirectRaw !== undefined) {
      xdataRva.push(undefined);
      continue;
    }
    xdataRva.push(at);
    const size = f.raw ? f.raw.length : encodeX64UnwindInfo({ ...f.unwind!, chain: f.unwind!.chainTo !== undefined ? { begin: 0, end: 0, unwind: 0 } : f.unwind!.chain }).length;
    at += Math.ceil(size / 4) * 4;
  }
  const xdata = new Bytes();
  fns.forEach((f, i) => {
    const rva = xdataRva[i];
    if (rva === undefined) return;
    xdata.at(rva - XDATA);
    if (f.raw) xdata.raw(f.raw);
    else {
      const u = f.unwind!;
      const chain = u.chainTo !== undefined ? { begin: fns[u.chainTo]!.begin, end: fns[u.chainTo]!.end, unwind: xdataRva[u.chainTo]! } : u.chain;
      xdata.raw(encodeX64UnwindInfo({ ...u, chain }));
    }
  });
  const pdata = new Bytes();
  fns.forEach((f, i) => {
    const unwind = f.indirectRaw ?? (f.indirectTo !== undefined ? entryRva[f.indirectTo]! | 1 : xdataRva[i]!);
    pdata.raw(encodeRuntimeFunction(f.begin, f.end, unwind));
  });
  const text = new Uint8Array(XDATA - TEXT).fill(0xcc);
  for (const f of fns) if (f.code) text.set(f.code, f.begin - TEXT);
  const pe = new SynthPe({ machine: PeMachine.AMD64, imageBase: BASE })
    .addSection({ name: '.text', rva: TEXT, bytes: text })
    .addSection({ name: '.xdata', rva: XDATA, bytes: xdata.bytes(), virtualSize: PDATA - XDATA })
    .addSection({ name: '.pdata', rva: PDATA, bytes: pdata.bytes().length ? pdata.bytes() : new Uint8Array(12), virtualSize: 0x1000 })
    .setDirectory(3, PDATA, opts.pdataSize ?? 12 * fns.length);
  return { bytes: pe.build(), xdataRva, entryRva };
}
