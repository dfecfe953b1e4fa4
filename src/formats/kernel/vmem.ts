// MemoryReader implementations by kernel virtual address. Missing bytes are missing, never zeros.
//  - RangeMemory: small dumps, a list of captured VA ranges (stack, data page, data blocks, KDBG).
//  - PagedMemory: full dumps, page-table translation + physical page map.

import { PAGE_SIZE } from '../../../native-structs/constants/kernel.js';
import type { ByteSource } from '../../reader/byte-source.js';
import type { MemoryReader } from '../../analysis/facts/types.js';
import { LIMITS } from '../../limits.js';
import type { PhysicalMemory, Translator } from './translate.js';

export interface VaRange {
  address: bigint;
  size: number;
  fileOffset: number;
  /** What the range is: 'stack', 'data-block', 'kdbg', 'data-page'. */
  kind: string;
}

/** Upper bound of one read through a MemoryReader (module headers, stacks, strings). */
const MAX_VA_READ = LIMITS.maxStackScanBytes * 4;

export class RangeMemory implements MemoryReader {
  /** Sorted by address, each with its registration order; overlapping ranges: first registered wins. */
  private readonly sorted: Array<{ r: VaRange; end: bigint; order: number }>;
  /** maxEnd[i]: the highest end among sorted[0..i] (how far back a covering range can start). */
  private readonly maxEnd: bigint[];
  constructor(private readonly source: ByteSource, readonly ranges: VaRange[], private readonly addressMask: bigint) {
    this.sorted = ranges.map((r, order) => ({ r, end: r.address + BigInt(r.size), order })).sort((a, b) => (a.r.address < b.r.address ? -1 : a.r.address > b.r.address ? 1 : a.order - b.order));
    this.maxEnd = [];
    let m = 0n;
    for (const e of this.sorted) this.maxEnd.push((m = e.end > m ? e.end : m));
  }

  /** The first registered range that covers `address` (binary search; a walk looks up many). */
  private find(address: bigint): VaRange | undefined {
    let lo = 0;
    let hi = this.sorted.length - 1;
    let last = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid]!.r.address <= address) {
        last = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let best: { r: VaRange; order: number } | undefined;
    for (let i = last; i >= 0 && this.maxEnd[i]! > address; i--) {
      const e = this.sorted[i]!;
      if (address < e.end && (!best || e.order < best.order)) best = e;
    }
    return best?.r;
  }

  async fileOffsetOf(address: bigint): Promise<number | undefined> {
    address &= this.addressMask;
    const r = this.find(address);
    return r ? r.fileOffset + Number(address - r.address) : undefined;
  }

  async readPrefix(address: bigint, maxLength: number): Promise<Uint8Array> {
    address &= this.addressMask;
    const want = Math.max(0, Math.min(maxLength, MAX_VA_READ));
    const parts: Uint8Array[] = [];
    let got = 0;
    let at = address;
    while (got < want) {
      const r = this.find(at);
      if (!r) break;
      const inRange = Number(at - r.address);
      const n = Math.min(want - got, r.size - inRange);
      const b = await this.source.readAvailable(r.fileOffset + inRange, n, r.kind);
      parts.push(b);
      got += b.length;
      at += BigInt(b.length);
      if (b.length < n) break; // file truncated
    }
    if (parts.length === 1) return parts[0]!.slice();
    const out = new Uint8Array(got);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  async read(address: bigint, length: number): Promise<Uint8Array | undefined> {
    if (length > MAX_VA_READ) return undefined;
    const b = await this.readPrefix(address, length);
    return b.length === length ? b : undefined;
  }
}

export class PagedMemory implements MemoryReader {
  constructor(private readonly translator: Translator, private readonly phys: PhysicalMemory, private readonly addressMask: bigint) {}

  async fileOffsetOf(address: bigint): Promise<number | undefined> {
    const pa = await this.translator.translate(address & this.addressMask);
    if (pa === undefined) return undefined;
    const off = await this.phys.map.lookup(Number(pa >> 12n));
    return off === undefined ? undefined : off + Number(pa & 0xfffn);
  }

  async readPrefix(address: bigint, maxLength: number): Promise<Uint8Array> {
    address &= this.addressMask;
    const want = Math.max(0, Math.min(maxLength, MAX_VA_READ));
    const out = new Uint8Array(want);
    let got = 0;
    while (got < want) {
      const va = (address + BigInt(got)) & this.addressMask;
      const pa = await this.translator.translate(va);
      if (pa === undefined) break;
      const page = await this.phys.page(Number(pa >> 12n));
      if (!page) break;
      const inPage = Number(pa & 0xfffn);
      const n = Math.min(want - got, PAGE_SIZE - inPage);
      out.set(page.subarray(inPage, inPage + n), got);
      got += n;
    }
    return got === want ? out : out.slice(0, got);
  }

  async read(address: bigint, length: number): Promise<Uint8Array | undefined> {
    if (length > MAX_VA_READ) return undefined;
    const b = await this.readPrefix(address, length);
    return b.length === length ? b : undefined;
  }
}

/** Memory with nothing in it (header-only dumps, unknown layouts). */
export const NO_MEMORY: MemoryReader = {
  async read() {
    return undefined;
  },
  async readPrefix() {
    return new Uint8Array(0);
  },
  async fileOffsetOf() {
    return undefined;
  },
};

export function u64At(b: Uint8Array, at: number): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(at, true);
}
export function u32At(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
}
