// Kernel fuzz seeds from SynthKernelDump (test/synth/kernel.ts): every dump type the reader
// handles, plus hostile memory that only a full dump can carry: a PsLoadedModuleList whose
// entries loop without returning to the head, an entry linked to itself, a PML4 entry that points
// at the PML4 itself, and a PTE pointing past the end of the dump.

import { SynthKernelDump, type SynthArch } from '../../synth/kernel.js';
import type { Seed } from './mutate.js';

function drivers(k: SynthKernelDump): SynthKernelDump {
  const base = k.bits === 64 ? 0xfffff800_00000000n : 0x80000000n;
  k.addDriver({ name: 'ntoskrnl.exe', base: base + 0x200000n, size: 0x100000, timestamp: 0x5f000000 })
    .addDriver({ name: 'hal.dll', base: base + 0x400000n, size: 0x20000 })
    .addDriver({ name: 'evil.sys', base: base + 0x600000n, size: 0x8000, timestamp: 0x12345678 })
    .addUnloaded({ name: 'gone.sys', start: base + 0x800000n, end: base + 0x808000n });
  return k;
}

function full(arch: SynthArch, dumpType: number, extra: { pae?: boolean } = {}): SynthKernelDump {
  const k = drivers(new SynthKernelDump({ arch, dumpType, bugcheck: { code: 0xd1, args: [0x10, 2, 0, 0] }, ...extra }));
  const stack = new Uint8Array(0x200);
  k.setStack(k.context.sp, stack);
  return k;
}

/** Little-endian pointer-size read/write on the built file, through the type-1 run table. */
class FullDumpPatcher {
  private readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  /** File offset of physical address `pa` (x64 type-1 dump), or -1. */
  fileOffset(pa: bigint): number {
    const pfn = Number(pa >> 12n);
    const runs = this.dv.getUint32(0x88, true);
    let filePage = 0;
    for (let i = 0; i < Math.min(runs, 42); i++) {
      const base = Number(this.dv.getBigUint64(0x98 + 16 * i, true));
      const count = Number(this.dv.getBigUint64(0xa0 + 16 * i, true));
      if (pfn >= base && pfn < base + count) return 0x2000 + 0x1000 * (filePage + pfn - base) + Number(pa & 0xfffn);
      filePage += count;
    }
    return -1;
  }
  private entry(tablePa: bigint, index: bigint): { at: number; value: bigint } {
    const at = this.fileOffset(tablePa + index * 8n);
    return { at, value: at < 0 ? 0n : this.dv.getBigUint64(at, true) };
  }
  /** File offsets of the PML4E, PDPTE, PDE, PTE of `va` (4 KiB pages only). */
  walk(va: bigint): number[] {
    let table = this.dv.getBigUint64(0x10, true) & ~0xfffn & ((1n << 52n) - 1n);
    const out: number[] = [];
    for (const shift of [39n, 30n, 21n, 12n]) {
      const e = this.entry(table, (va >> shift) & 0x1ffn);
      if (e.at < 0) return out;
      out.push(e.at);
      table = e.value & 0x000f_ffff_ffff_f000n;
    }
    return out;
  }
  readVa(va: bigint): bigint {
    const pte = this.walk(va);
    if (pte.length < 4) return 0n;
    const at = this.fileOffset((this.dv.getBigUint64(pte[3]!, true) & 0x000f_ffff_ffff_f000n) + (va & 0xfffn));
    return at < 0 ? 0n : this.dv.getBigUint64(at, true);
  }
  writeVa(va: bigint, value: bigint): void {
    const pte = this.walk(va);
    if (pte.length < 4) return;
    const at = this.fileOffset((this.dv.getBigUint64(pte[3]!, true) & 0x000f_ffff_ffff_f000n) + (va & 0xfffn));
    if (at >= 0) this.dv.setBigUint64(at, value, true);
  }
}

function hostileVariants(): Seed[] {
  const out: Seed[] = [];
  const make = (): { k: SynthKernelDump; bytes: Uint8Array; p: FullDumpPatcher; head: bigint } => {
    const k = full('x64', 1);
    const bytes = k.build();
    return { k, bytes, p: new FullDumpPatcher(bytes), head: k.addresses.psLoadedModuleList! };
  };
  {
    // entry[2].Flink → entry[0]: a loop that never returns to the head.
    const { bytes, p, head } = make();
    const e0 = p.readVa(head);
    const e1 = p.readVa(e0);
    const e2 = p.readVa(e1);
    p.writeVa(e2, e0);
    out.push({ name: 'synth:kernel-x64-list-loop', bytes });
  }
  {
    // entry[1] linked to itself (Flink and Blink).
    const { bytes, p, head } = make();
    const e1 = p.readVa(p.readVa(head));
    p.writeVa(e1, e1);
    p.writeVa(e1 + 8n, e1);
    out.push({ name: 'synth:kernel-x64-list-self', bytes });
  }
  {
    // The PML4 entry covering the kernel points at the PML4 itself (a self-map where none is
    // expected), and the PTE of the stack points past the end of the dump.
    const { k, bytes, p } = make();
    const dv = new DataView(bytes.buffer);
    const walk = p.walk(k.context.sp);
    const pml4 = dv.getBigUint64(0x10, true) & ~0xfffn;
    if (walk[0] !== undefined) dv.setBigUint64(walk[0], pml4 | 3n, true);
    out.push({ name: 'synth:kernel-x64-pml4-self', bytes });
    const b2 = make();
    const w2 = b2.p.walk(b2.k.context.sp);
    if (w2[3] !== undefined) new DataView(b2.bytes.buffer).setBigUint64(w2[3], (0xfffffffffn << 12n) | 3n, true);
    out.push({ name: 'synth:kernel-x64-pte-past-end', bytes: b2.bytes });
    // A PDE that claims a large page at a huge PFN.
    const b3 = make();
    const w3 = b3.p.walk(b3.k.addresses.psLoadedModuleList!);
    if (w3[2] !== undefined) new DataView(b3.bytes.buffer).setBigUint64(w3[2], (0x7ffffffffn << 21n) | 0x83n, true);
    out.push({ name: 'synth:kernel-x64-pde-large-bogus', bytes: b3.bytes });
  }
  return out;
}

export function kernelSeeds(): Seed[] {
  const out: Seed[] = [];
  const add = (name: string, build: () => Uint8Array): void => {
    out.push({ name, bytes: build() });
  };
  add('synth:kernel-x64-full', () => full('x64', 1).build());
  add('synth:kernel-x64-bitmap', () => full('x64', 5).build());
  add('synth:kernel-x64-rdmp', () => full('x64', 10).build());
  add('synth:kernel-x86-pae-full', () => full('x86', 1, { pae: true }).build());
  add('synth:kernel-arm64-full', () => full('arm64', 1).build());
  add('synth:kernel-x64-triage', () => drivers(new SynthKernelDump({ arch: 'x64', dumpType: 4, bugcheck: { code: 0x7e, args: [0xc0000005n, 0xfffff80000201000n, 0, 0] } })).build());
  add('synth:kernel-x86-triage', () => drivers(new SynthKernelDump({ arch: 'x86', dumpType: 4, bugcheck: { code: 0x50 } })).build());
  out.push(...hostileVariants());
  return out;
}
