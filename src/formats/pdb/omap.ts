// OMAP: address maps between an image as linked ("original") and as rewritten after linking
// (BBT/Vulcan for Windows binaries, Syzygy for Chrome: "transformed"). Two tables of
// (from, to) u32 pairs sorted by `from`: OMAPTO (transformed → original) and OMAPFROM
// (original → transformed); the length of an entry is implicit, up to the next one.
//
// Symbols in the PDB keep their original addresses. The lookups of a crash dump are in the
// transformed image, so `toOriginal` follows DIA's rule for one address: the last OMAPTO entry at
// or below it, plus the distance; an entry mapping to 0 means "injected code, no source".
//
// The ranges Breakpad writes (FUNC, PUBLIC, LINE) come from google/breakpad
// src/common/windows/omap.cc, which this file follows: OMAPTO is turned into ranges with explicit
// lengths, injected and removed bytes (BuildMapping, FillInRemovedLengths), and an original range
// maps to the transformed ranges that carry its bytes, merged where contiguous
// (MapAddressRange). All arithmetic is on u32, as Breakpad's DWORDs. One difference: Breakpad's
// endpoint index is built by a loop that is quadratic on overlapping ranges (real OMAP has
// none); here a max-segment-tree gives the same "smallest index of a range containing the
// endpoint" in O(n log n), so no table can make it slow.

import type { MsfStream } from './msf.js';
import { view } from './bytes.js';
import { MAX_OMAP_ENTRIES, MAX_OMAP_PIECES, PDB_CHUNK_BYTES, PDB_STRUCT } from './limits.js';
import { LimitExceededError } from '../../errors.js';

export interface AddressRange {
  rva: number;
  length: number;
}

/** An OMAP table as (from, to) pairs: `pairs[2i]` from, `pairs[2i + 1]` to. */
export async function readOmapTable(stream: MsfStream): Promise<Uint32Array> {
  const n = Math.floor(stream.size / 8);
  if (n > MAX_OMAP_ENTRIES) {
    throw new LimitExceededError(`OMAP table of ${n} entries is over the limit of ${MAX_OMAP_ENTRIES}`, { struct: PDB_STRUCT.omap, offset: stream.fileOffset(0), path: stream.msf.source.name });
  }
  const out = new Uint32Array(n * 2);
  const per = Math.floor(PDB_CHUNK_BYTES / 8);
  for (let i = 0; i < n; i += per) {
    const m = Math.min(per, n - i);
    const dv = view(await stream.read(i * 8, m * 8, PDB_STRUCT.omap));
    for (let j = 0; j < m * 2; j++) out[i * 2 + j] = dv.getUint32(j * 4, true);
  }
  return out;
}

/** Index of the last pair whose `from` is <= v in a table sorted by `from`, or -1. */
function lastAtOrBelow(pairs: Uint32Array, v: number): number {
  let lo = 0;
  let hi = pairs.length / 2 - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (pairs[mid * 2]! <= v) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

const u32 = (v: number): number => v >>> 0;

export class ImageMap {
  /** Breakpad's MappedRange fields, sorted by (rvaOriginal, length). */
  private readonly orig: Uint32Array;
  private readonly tran: Uint32Array;
  private readonly len: Uint32Array;
  private readonly injected: Uint32Array;
  private readonly removed: Uint32Array;
  /** Sorted unique endpoints and, for each, the smallest index of a range containing it. */
  private readonly endpoints: Uint32Array;
  private readonly endpointIndex: Uint32Array;
  private readonly n: number;

  /**
   * @param toSrc OMAPTO pairs (transformed, original)
   * @param fromSrc OMAPFROM pairs (original, transformed)
   * @param lengthOriginal the end of the original image (Breakpad: the highest segment end)
   */
  constructor(
    readonly toSrc: Uint32Array,
    readonly fromSrc: Uint32Array,
    readonly lengthOriginal: number,
  ) {
    // BuildMapping.
    const nt = toSrc.length / 2;
    const cap = nt + 1;
    let orig: Uint32Array = new Uint32Array(cap);
    let tran: Uint32Array = new Uint32Array(cap);
    let len: Uint32Array = new Uint32Array(cap);
    let inj: Uint32Array = new Uint32Array(cap);
    let rem: Uint32Array = new Uint32Array(cap);
    let n = 0;
    if (nt > 0 && fromSrc.length > 0) {
      const t0 = toSrc[0]!;
      const o0 = fromSrc[0]!;
      if (t0 > 0 && o0 > 0) {
        const header = Math.min(t0, o0);
        len[n] = header;
        inj[n] = t0 - header;
        rem[n] = o0 - header;
        n++;
      }
      for (let i = 0; i < nt; i++) {
        const t = toSrc[2 * i]!;
        const o = toSrc[2 * i + 1]!;
        if (o >= lengthOriginal) continue; // injected content
        let length: number;
        if (i + 1 < nt) {
          length = u32(toSrc[2 * (i + 1)]! - t);
          if (o + length > lengthOriginal) length = u32(lengthOriginal - o);
        } else {
          length = u32(lengthOriginal - o);
        }
        if (length === 0) continue;
        if (n > 0) inj[n - 1] = u32(inj[n - 1]! + u32(t - u32(tran[n - 1]! + len[n - 1]!)));
        orig[n] = o;
        tran[n] = t;
        len[n] = length;
        n++;
      }
    }
    // Sort by (original, length).
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => orig[a]! - orig[b]! || len[a]! - len[b]!);
    const pick = (a: Uint32Array): Uint32Array => {
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = a[order[i]!]!;
      return out;
    };
    orig = pick(orig);
    tran = pick(tran);
    len = pick(len);
    inj = pick(inj);
    rem = pick(rem);
    // FillInRemovedLengths.
    let fill = 0;
    let front = 0;
    for (let find = 0; find < n; find++) {
      if (front < orig[find]!) {
        const removed = u32(orig[find]! - front);
        for (; fill < find; fill++) {
          if (u32(orig[fill]! + len[fill]!) !== front) continue;
          rem[fill] = removed;
        }
      }
      front = u32(orig[find]! + len[find]!);
    }
    this.orig = orig;
    this.tran = tran;
    this.len = len;
    this.injected = inj;
    this.removed = rem;
    this.n = n;

    // BuildEndpointIndexMap: for each endpoint e, the smallest i with orig[i] <= e < end[i].
    const ends = new Uint32Array(n);
    const all = new Uint32Array(2 * n);
    for (let i = 0; i < n; i++) {
      ends[i] = u32(orig[i]! + len[i]! + rem[i]!);
      all[2 * i] = orig[i]!;
      all[2 * i + 1] = ends[i]!;
    }
    all.sort();
    let u = 0;
    for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[u++] = all[i]!;
    this.endpoints = all.slice(0, u);
    this.endpointIndex = new Uint32Array(u);
    // Max segment tree over `ends`, to find the first index in a prefix whose end is > e.
    let size = 1;
    while (size < n) size *= 2;
    // Leaves past n hold 0, which is never above an endpoint (endpoints are >= 0).
    const tree = new Uint32Array(2 * size);
    for (let i = 0; i < n; i++) tree[size + i] = ends[i]!;
    for (let i = size - 1; i >= 1; i--) tree[i] = Math.max(tree[2 * i]!, tree[2 * i + 1]!);
    const firstAbove = (prefix: number, e: number): number => {
      // Smallest i < prefix with ends[i] > e, or n.
      if (prefix <= 0 || tree[1]! <= e) return n;
      let node = 1;
      let lo = 0;
      let span = size;
      while (node < size) {
        span /= 2;
        const left = 2 * node;
        if (tree[left]! > e) node = left;
        else {
          node = left + 1;
          lo += span;
        }
        if (lo >= prefix) return n;
      }
      return lo < prefix && ends[lo]! > e ? lo : n;
    };
    // `firstAbove` descends to the leftmost leaf with end > e in the whole array; when that leaf
    // is past the prefix there is none inside it (any inside would be further left).
    for (let k = 0; k < u; k++) {
      const e = this.endpoints[k]!;
      // Ranges with orig <= e form a prefix (sorted by orig).
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (orig[mid]! <= e) lo = mid + 1;
        else hi = mid;
      }
      this.endpointIndex[k] = firstAbove(lo, e);
    }
  }

  get empty(): boolean {
    return this.n === 0;
  }

  get indexBytes(): number {
    return this.toSrc.byteLength + this.fromSrc.byteLength + this.n * 20 + this.endpoints.byteLength * 2;
  }

  /** DIA's translation of one transformed RVA to the original image; undefined for injected code. */
  toOriginal(rva: number): number | undefined {
    const i = lastAtOrBelow(this.toSrc, rva);
    if (i < 0) return undefined;
    const o = this.toSrc[2 * i + 1]!;
    if (o === 0) return undefined;
    return u32(o + (rva - this.toSrc[2 * i]!));
  }

  /**
   * Breakpad's subsequent_rva_block: the next OMAPFROM entry's original RVA when `rva` is exactly
   * an entry's, else 0. (An unsorted OMAPFROM table gives 0 everywhere, as Breakpad's.)
   */
  subsequentRvaBlock(rva: number): number {
    const f = this.fromSrc;
    const i = lastAtOrBelow(f, rva);
    if (i < 0 || f[2 * i] !== rva || 2 * i + 2 >= f.length) return 0;
    if (this.fromUnsorted === undefined) {
      this.fromUnsorted = false;
      for (let k = 0; k + 2 < f.length; k += 2) {
        if (f[k]! >= f[k + 2]!) {
          this.fromUnsorted = true;
          break;
        }
      }
    }
    return this.fromUnsorted ? 0 : f[2 * i + 2]!;
  }
  private fromUnsorted: boolean | undefined;

  /** True when the last mapRange met more than MAX_OMAP_PIECES entries and dropped the rest. */
  clipped = false;

  /** Breakpad's MapAddressRange: the transformed ranges holding the bytes of an original range. */
  mapRange(rva: number, length: number): AddressRange[] {
    if (this.n === 0) return [{ rva, length }];
    const qRva = rva;
    const qLen = length === 0 ? 1 : length;
    const qEnd = u32(qRva + qLen);
    // imin: the endpoint index at or just below the query start.
    const ep = this.endpoints;
    let lo = 0;
    let hi = ep.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ep[mid]! < qRva) lo = mid + 1;
      else hi = mid;
    }
    let imin: number;
    if (lo === ep.length) imin = this.n;
    else {
      let it = lo;
      if (it !== 0 && qRva < ep[it]!) it--;
      imin = this.endpointIndex[it]!;
    }
    // imax: the first range starting at or past the query end.
    lo = 0;
    hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.orig[mid]! < qEnd) lo = mid + 1;
      else hi = mid;
    }
    const imax = lo;
    const hits: Array<{ o: number; t: number; l: number; inj: number; rem: number }> = [];
    // Real ranges meet a few entries; a hostile one spanning the table stops at MAX_OMAP_PIECES.
    this.clipped = imax - imin > MAX_OMAP_PIECES;
    for (let i = imin; i < Math.min(imax, imin + MAX_OMAP_PIECES); i++) {
      const mr = { o: this.orig[i]!, t: this.tran[i]!, l: this.len[i]!, inj: this.injected[i]!, rem: this.removed[i]! };
      clip(qRva, qEnd, mr);
      if (mr.l + mr.inj > 0) hits.push(mr);
    }
    if (hits.length === 0) return [];
    hits.sort((a, b) => a.t - b.t || a.l - b.l);
    const out: AddressRange[] = [];
    if (length === 0) {
      out.push({ rva: hits[0]!.t, length: 0 });
      for (let i = 1; i < hits.length; i++) if (hits[i]!.t > out[out.length - 1]!.rva) out.push({ rva: hits[i]!.t, length: 0 });
      return out;
    }
    let begin = hits[0]!.t;
    let curContent = u32(begin + hits[0]!.l);
    let curInjected = u32(curContent + hits[0]!.inj);
    for (let i = 1; i < hits.length; i++) {
      const h = hits[i]!;
      if (curInjected < h.t) {
        if (begin < curContent) out.push({ rva: begin, length: u32(curContent - begin) });
        begin = h.t;
      }
      curContent = u32(h.t + h.l);
      curInjected = u32(curContent + h.inj);
    }
    if (begin < curContent) out.push({ rva: begin, length: u32(curContent - begin) });
    return out;
  }
}

/** Breakpad's ClipMappedRangeOriginal, on u32 values. */
function clip(cRva: number, cEnd: number, mr: { o: number; t: number; l: number; inj: number; rem: number }): void {
  if (cEnd <= mr.o || u32(mr.o + mr.l + mr.rem) <= cRva) {
    mr.l = 0;
    mr.inj = 0;
    mr.rem = 0;
    return;
  }
  if (mr.o < cRva) {
    const clipLeft = u32(cRva - mr.o);
    mr.o = u32(mr.o + clipLeft);
    mr.t = u32(mr.t + clipLeft);
    if (clipLeft > mr.l) {
      const trim = u32(clipLeft - mr.l);
      mr.l = 0;
      mr.inj = u32(mr.inj - Math.min(trim, mr.inj));
      mr.rem = u32(mr.rem - trim);
    } else {
      mr.l = u32(mr.l - clipLeft);
    }
  }
  const endOriginal = u32(mr.o + mr.l);
  if (cEnd < endOriginal) {
    mr.l = u32(mr.l - u32(endOriginal - cEnd));
    mr.inj = 0;
    mr.rem = 0;
    return;
  }
  const endRemoved = u32(endOriginal + mr.rem);
  if (cEnd < endRemoved) mr.rem = u32(cEnd - endOriginal);
  const endInjected = u32(endOriginal + mr.inj);
  if (cEnd < endInjected) mr.inj = u32(cEnd - endOriginal);
}
