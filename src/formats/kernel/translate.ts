// Virtual → physical translation through the dump's own page tables (memory-translation.md):
// x64 4-level (PCID bits masked off the root, 1 GiB / 2 MiB pages, transition PTEs), x86 PAE and
// non-PAE, ARM64 (4 KiB granule, 48-bit). Table pages are read from physical memory through the
// page map; a table page that is not in the dump makes the address unreadable.

import { PAGE_SIZE } from '../../../native-structs/constants/kernel.js';
import type { ByteSource } from '../../reader/byte-source.js';
import type { DumpWarning } from '../../errors.js';
import { LIMITS } from '../../limits.js';
import { hex } from '../../util/hex.js';
import type { PhysicalMap } from './physmap.js';

export type PagingMode = 'x64' | 'x86' | 'pae' | 'arm64';

/** Reads physical pages through the page map, with a small LRU of recently used pages. */
export class PhysicalMemory {
  private readonly cache = new Map<number, Uint8Array | null>();
  pagesRead = 0;
  constructor(readonly source: ByteSource, readonly map: PhysicalMap, private readonly cacheSize = 512) {}

  async page(pfn: number): Promise<Uint8Array | undefined> {
    const hit = this.cache.get(pfn);
    if (hit !== undefined) return hit ?? undefined;
    const off = await this.map.lookup(pfn);
    let bytes: Uint8Array | null = null;
    if (off !== undefined) {
      const got = await this.source.readAvailable(off, PAGE_SIZE, 'physical page');
      if (got.length === PAGE_SIZE) bytes = got.slice();
      this.pagesRead++;
    }
    this.cache.set(pfn, bytes);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as number);
    return bytes ?? undefined;
  }

  /** Read a little-endian entry of `size` bytes at physical address `pa`. */
  async entry(pa: bigint, size: 4 | 8): Promise<bigint | undefined> {
    const pfn = Number(pa >> 12n);
    const p = await this.page(pfn);
    if (!p) return undefined;
    const at = Number(pa & 0xfffn);
    if (at + size > PAGE_SIZE) return undefined;
    const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
    return size === 8 ? dv.getBigUint64(at, true) : BigInt(dv.getUint32(at, true));
  }
}

const FRAME_X64 = 0x000f_ffff_ffff_f000n;
const FRAME_1G = 0x000f_ffff_c000_0000n;
const FRAME_2M = 0x000f_ffff_ffe0_0000n;
const FRAME_ARM64 = 0x0000_ffff_ffff_f000n;

/** Present, or a Windows transition entry (bit 11 set, bit 10 clear) that still maps RAM. */
function usable(e: bigint): boolean {
  return (e & 1n) === 1n || ((e & 0x800n) !== 0n && (e & 0x400n) === 0n);
}

export interface Translation {
  pa: bigint;
  /** Levels walked, for `dump` and evidence. */
  path?: bigint[];
}

export class Translator {
  translated = 0;
  private capped = false;
  private readonly tlb = new Map<bigint, bigint | null>();
  readonly root: bigint;
  constructor(
    readonly phys: PhysicalMemory,
    readonly mode: PagingMode,
    directoryTableBase: bigint,
    private readonly warnings: DumpWarning[],
  ) {
    // x64: the low 12 bits may hold a PCID; PAE: 32-byte aligned PDPT; ARM64: TTBR ASID bits dropped.
    this.root = mode === 'pae' ? directoryTableBase & 0xffff_ffe0n : mode === 'x86' ? directoryTableBase & 0xffff_f000n : mode === 'x64' ? directoryTableBase & FRAME_X64 : directoryTableBase & FRAME_ARM64;
  }

  /** Physical address of `va`, or undefined when unmapped or a table page is missing. */
  async translate(va: bigint): Promise<bigint | undefined> {
    const vpn = va >> 12n;
    const hit = this.tlb.get(vpn);
    if (hit !== undefined) return hit === null ? undefined : hit | (va & 0xfffn);
    if (this.translated >= LIMITS.maxPagesTranslated) {
      if (!this.capped) {
        this.capped = true;
        this.warnings.push({ code: 'TranslationCapped', message: `stopped translating after ${LIMITS.maxPagesTranslated} pages (LIMITS.maxPagesTranslated)` });
      }
      return undefined;
    }
    this.translated++;
    const pa = await this.walk(va & ~0xfffn);
    this.tlb.set(vpn, pa ?? null);
    return pa === undefined ? undefined : pa | (va & 0xfffn);
  }

  private async walk(va: bigint): Promise<bigint | undefined> {
    switch (this.mode) {
      case 'x64': return this.walkX64(va);
      case 'pae': return this.walkPae(va);
      case 'x86': return this.walkX86(va);
      case 'arm64': return this.walkArm64(va);
    }
  }

  private async walkX64(va: bigint): Promise<bigint | undefined> {
    va = BigInt.asUintN(64, va);
    const top = va >> 47n;
    if (top !== 0n && top !== 0x1ffffn) return undefined; // non-canonical
    const m = this.phys;
    const pml4e = await m.entry(this.root + 8n * ((va >> 39n) & 0x1ffn), 8);
    if (pml4e === undefined || !usable(pml4e)) return undefined;
    const pdpte = await m.entry((pml4e & FRAME_X64) + 8n * ((va >> 30n) & 0x1ffn), 8);
    if (pdpte === undefined || !usable(pdpte)) return undefined;
    if ((pdpte & 1n) && (pdpte & 0x80n)) return (pdpte & FRAME_1G) | (va & 0x3fff_f000n);
    return this.walkPdPt(pdpte & FRAME_X64, va);
  }

  /** The two lowest levels, shared by x64 and PAE: 8-byte PDE (2 MiB pages) → PTE. */
  private async walkPdPt(pageDirectory: bigint, va: bigint): Promise<bigint | undefined> {
    const m = this.phys;
    const pde = await m.entry(pageDirectory + 8n * ((va >> 21n) & 0x1ffn), 8);
    if (pde === undefined || !usable(pde)) return undefined;
    if ((pde & 1n) && (pde & 0x80n)) return (pde & FRAME_2M) | (va & 0x1f_f000n);
    const pte = await m.entry((pde & FRAME_X64) + 8n * ((va >> 12n) & 0x1ffn), 8);
    if (pte === undefined || !usable(pte)) return undefined;
    return pte & FRAME_X64;
  }

  private async walkPae(va: bigint): Promise<bigint | undefined> {
    va &= 0xffff_ffffn;
    const m = this.phys;
    const pdpte = await m.entry(this.root + 8n * ((va >> 30n) & 3n), 8);
    if (pdpte === undefined || (pdpte & 1n) !== 1n) return undefined;
    return this.walkPdPt(pdpte & FRAME_X64, va);
  }

  private async walkX86(va: bigint): Promise<bigint | undefined> {
    va &= 0xffff_ffffn;
    const m = this.phys;
    const pde = await m.entry(this.root + 4n * (va >> 22n), 4);
    if (pde === undefined || !usable(pde)) return undefined;
    if ((pde & 1n) && (pde & 0x80n)) return (pde & 0xffc0_0000n) | (va & 0x3f_f000n);
    const pte = await m.entry((pde & 0xffff_f000n) + 4n * ((va >> 12n) & 0x3ffn), 4);
    if (pte === undefined || !usable(pte)) return undefined;
    return pte & 0xffff_f000n;
  }

  private async walkArm64(va: bigint): Promise<bigint | undefined> {
    va = BigInt.asUintN(64, va);
    const m = this.phys;
    let table = this.root;
    for (let level = 0; level < 4; level++) {
      const shift = BigInt(39 - 9 * level);
      const d = await m.entry(table + 8n * ((va >> shift) & 0x1ffn), 8);
      if (d === undefined || (d & 1n) !== 1n) return undefined;
      const isTable = (d & 2n) === 2n;
      if (level === 3) return isTable ? d & FRAME_ARM64 : undefined;
      if (!isTable) {
        if (level === 0) return undefined; // no 512 GiB blocks with a 4 KiB granule
        const span = 1n << shift;
        return (d & FRAME_ARM64 & ~(span - 1n)) | (va & (span - 1n) & ~0xfffn);
      }
      table = d & FRAME_ARM64;
    }
    return undefined;
  }

  describe(): Record<string, unknown> {
    return { mode: this.mode, root: hex(this.root), pagesTranslated: this.translated };
  }
}
