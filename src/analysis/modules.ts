// Address → module lookup over the loaded and unloaded module lists (binary search over sorted
// ranges). A loaded module wins over an unloaded one that used to occupy the same range.

import type { ModuleFacts, UnloadedModuleFacts } from './facts/types.js';

export interface ModuleHit {
  module: ModuleFacts | UnloadedModuleFacts;
  unloaded: boolean;
  offset: bigint;
}

interface Range {
  start: bigint;
  end: bigint;
  module: ModuleFacts | UnloadedModuleFacts;
  unloaded: boolean;
}

/** Overlapping modules remembered (each is a warning's worth; a hostile list may overlap everywhere). */
const MAX_OVERLAPS = 64;

function sortedRanges(list: Array<ModuleFacts | UnloadedModuleFacts>, unloaded: boolean): Range[] {
  return list
    .filter((m) => m.size > 0)
    .map((m) => ({ start: m.base, end: m.base + BigInt(m.size), module: m, unloaded }))
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

function search(ranges: Range[], address: bigint): Range | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  let found: Range | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (r.start <= address) {
      found = r;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // Overlapping ranges (hostile or odd dumps): walk back while a previous range covers it.
  if (found && address < found.end) return found;
  return undefined;
}

export class ModuleIndex {
  private readonly loaded: Range[];
  private readonly unloaded: Range[];
  readonly lowest: bigint;
  readonly highest: bigint;
  /** The same over loaded modules only. */
  readonly loadedLowest: bigint;
  readonly loadedHighest: bigint;

  constructor(modules: readonly ModuleFacts[], unloadedModules: readonly UnloadedModuleFacts[]) {
    this.loaded = sortedRanges([...modules], false);
    this.unloaded = sortedRanges([...unloadedModules], true);
    const all = [...this.loaded, ...this.unloaded];
    this.lowest = all.reduce((m, r) => (r.start < m ? r.start : m), all[0]?.start ?? 0n);
    this.highest = all.reduce((m, r) => (r.end > m ? r.end : m), 0n);
    this.loadedLowest = this.loaded.reduce((m, r) => (r.start < m ? r.start : m), this.loaded[0]?.start ?? 0n);
    this.loadedHighest = this.loaded.reduce((m, r) => (r.end > m ? r.end : m), 0n);
    // Loaded modules whose ranges overlap (sorted by start: one pass against the furthest end so far).
    let far: Range | undefined;
    for (const r of this.loaded) {
      if (far && r.start < far.end) {
        if (this.overlapping.size < MAX_OVERLAPS) {
          this.overlapping.set(r.module as ModuleFacts, far.module as ModuleFacts);
          if (!this.overlapping.has(far.module as ModuleFacts)) this.overlapping.set(far.module as ModuleFacts, r.module as ModuleFacts);
        }
      }
      if (!far || r.end > far.end) far = r;
    }
  }

  /**
   * Loaded modules whose address range overlaps another's (a module list no loader could have
   * made: hostile, corrupt, or a module moved onto another), each to one it overlaps. An address
   * in such a module cannot be attributed with confidence.
   */
  readonly overlapping = new Map<ModuleFacts, ModuleFacts>();

  find(address: bigint): ModuleHit | undefined {
    if (address < this.lowest || address >= this.highest) return undefined;
    const r = search(this.loaded, address) ?? search(this.unloaded, address);
    return r ? { module: r.module, unloaded: r.unloaded, offset: address - r.start } : undefined;
  }

  findLoaded(address: bigint): ModuleHit | undefined {
    // Most stack words a walk asks about are data: one range test turns them away.
    if (address < this.loadedLowest || address >= this.loadedHighest) return undefined;
    const r = search(this.loaded, address);
    return r ? { module: r.module, unloaded: false, offset: address - r.start } : undefined;
  }

  findUnloaded(address: bigint): ModuleHit | undefined {
    const r = search(this.unloaded, address);
    return r ? { module: r.module, unloaded: true, offset: address - r.start } : undefined;
  }

  /** Loaded module by file name (case-insensitive). */
  byName(name: string): ModuleFacts | undefined {
    const n = name.toLowerCase();
    return this.loaded.find((r) => r.module.name.toLowerCase() === n)?.module as ModuleFacts | undefined;
  }
}

/** Little-endian pointer at `offset` of `bytes`. */
export function readPointer(bytes: Uint8Array, offset: number, size: 4 | 8): bigint | undefined {
  if (offset < 0 || offset + size > bytes.length) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return size === 8 ? dv.getBigUint64(offset, true) : BigInt(dv.getUint32(offset, true));
}

/** x64 canonical form (bits 63..47 all equal); other architectures: always true. */
export function isCanonical(address: bigint, arch: string): boolean {
  if (arch !== 'x64') return true;
  const top = address >> 47n;
  return top === 0n || top === 0x1ffffn;
}
