// SynthKernelDump: builds Windows kernel dumps (PAGEDUMP / PAGEDU64) from the native-structs
// declarations, for every dump type the reader handles: 1 (runs), 2 (legacy summary), 4 (small /
// triage), 5/6 (SDMP/FDMP bitmaps), 8/9/10 (RDMP). Full dumps get real page tables (x64 4-level
// with PCID bits and large pages, x86 PAE and non-PAE, ARM64), a PsLoadedModuleList, a
// KDDEBUGGER_DATA64 (plain or encoded), PE headers with CodeView records, KPRCB/ETHREAD/EPROCESS
// and MmUnloadedDrivers. Output is either bytes or a SPARSE file (only the pages that hold data
// are written; the length is set with truncate), so a "64 GiB" complete dump costs a few KiB.

import { open } from 'node:fs/promises';
import { DUMP_HEADER32, DUMP_HEADER64, PHYSICAL_MEMORY_DESCRIPTOR32, PHYSICAL_MEMORY_DESCRIPTOR64, PHYSICAL_MEMORY_RUN32, PHYSICAL_MEMORY_RUN64 } from '../../native-structs/kernel/dump-header.js';
import { BITMAP_DUMP_HEADER, RDMP_HEADER64, SUMMARY_DUMP32, SUMMARY_DUMP64 } from '../../native-structs/kernel/bitmap.js';
import {
  DUMP_DRIVER_ENTRY32, DUMP_DRIVER_ENTRY64, DUMP_MM_STORAGE32, DUMP_MM_STORAGE64, DUMP_UNLOADED_DRIVERS32, DUMP_UNLOADED_DRIVERS64,
  TRIAGE_DATA_BLOCK, TRIAGE_DUMP32, TRIAGE_DUMP64, TRIAGE_DUMP_VALID,
} from '../../native-structs/kernel/triage.js';
import { KDDEBUGGER_DATA64, KDBG_OWNER_TAG } from '../../native-structs/kernel/kdbg.js';
import { KLDR_DATA_TABLE_ENTRY32, KLDR_DATA_TABLE_ENTRY64, UNLOADED_DRIVERS32, UNLOADED_DRIVERS64 } from '../../native-structs/kernel/ldr.js';
import { CONTEXT_AMD64, CONTEXT_ARM64, CONTEXT_X86 } from '../../native-structs/contexts.js';
import { CV_INFO_PDB70, IMAGE_DEBUG_DIRECTORY, IMAGE_DOS_HEADER, IMAGE_NT_HEADERS_COMMON, IMAGE_OPTIONAL_HEADER32, IMAGE_OPTIONAL_HEADER64 } from '../../native-structs/pe/pe.js';
import { DumpType, KernelSignature, MachineType } from '../../native-structs/constants/kernel.js';
import { concat, encodeInto, encodeStruct, utf16, type Values } from './encode.js';

export type SynthArch = 'x64' | 'x86' | 'arm64';
const PAGE = 0x1000;

export interface SynthDriver {
  name: string;
  /** Full path for the loader entry; defaults to \SystemRoot\system32\drivers\<name>. */
  path?: string;
  base: bigint;
  size: number;
  timestamp?: number;
  checksum?: number;
  /** Write an MZ/PE header (+ RSDS record) at `base` in full dumps (default true). */
  pe?: boolean;
  pdb?: { name: string; guid: Uint8Array; age: number };
}

export interface SynthUnloaded {
  name: string;
  start: bigint;
  end: bigint;
  /** FILETIME of the unload (full dumps only; not in the triage record). */
  time?: bigint;
}

export interface KdbgKeys {
  kiWaitNever: bigint;
  kiWaitAlways: bigint;
  kdpDataBlockEncoded: bigint;
}

export interface SynthKernelOptions {
  arch?: SynthArch;
  /** x86 only: PAE paging (3-level). */
  pae?: boolean;
  dumpType?: number;
  /** Types 5/6: sub-header signature (default SDMP). */
  bitmapSignature?: 'SDMP' | 'FDMP';
  build?: number;
  cpus?: number;
  bugcheck?: { code: number; args?: (bigint | number)[] };
  /** FILETIME. */
  systemTime?: bigint;
  /** 100 ns units. */
  systemUpTime?: bigint;
  productType?: number;
  suiteMask?: number;
  comment?: string;
  /** Physical pages the dump describes (runs / bitmap size). Default: enough for what was written. */
  ramPages?: number;
  /** Bitmap / RDMP: mark every page present, not only written ones (use with writeFile: sparse). */
  allPresent?: boolean;
  /** Type 1: the physical runs (default one run from PFN 0 covering ramPages). */
  runs?: { basePage: number; pageCount: number }[];
  /** Encode the KDBG block with these keys (full dumps). */
  kdbgEncoded?: KdbgKeys;
  /** Omit KDBG entirely. */
  noKdbg?: boolean;
  /** Low bits OR-ed into DirectoryTableBase (x64 PCID) to test masking. */
  pcid?: number;
  processName?: string;
  pid?: number;
  tid?: number;
  /** Triage: write an incomplete dump (no TRGD marker). */
  noValidMarker?: boolean;
  /** Header RequiredDumpSpace override. */
  requiredDumpSpace?: bigint;
  /** KDBG NtBuildLab: this ASCII string written at a kernel VA the KDBG points to (e.g. "19041.1.amd64fre.vb_release.191206-1406"). */
  ntBuildLab?: string;
}

export interface SynthContext {
  ip: bigint;
  sp: bigint;
  fp?: bigint;
  /** Extra registers by lowercase name (rax, rbx..., x0..x28, lr, eax...). */
  regs?: Record<string, bigint>;
}

/** Synthetic KDBG layout offsets the builder writes (and the reader must honour). */
export const SYNTH_OFFSETS = {
  prcbCurrentThread: 0x8,
  prcbContext: 0x100,
  kthreadApcProcess: 0xb8,
  kthreadInitialStack: 0x28,
  kthreadStackLimit: 0x30,
  kthreadStackBase: 0x38,
  sizeEProcess: 0x800,
  sizeEThread: 0x800,
  sizePrcb: 0x400,
  /** ImageFileName offset used when the build has no known offset (found by the reader's scan). */
  imageFileNameFallback: 0x2e8,
  /** ETHREAD.Cid / EPROCESS.UniqueProcessId for x64 19041. */
  cid19041: 0x478,
  pid19041: 0x440,
} as const;

function imageFileNameOffset(arch: SynthArch, build: number): number {
  if (arch === 'x64' && build >= 19041 && build <= 22631) return 0x5a8;
  if (arch === 'arm64' && build === 22000) return 0x560;
  return SYNTH_OFFSETS.imageFileNameFallback;
}

const M64 = (1n << 64n) - 1n;
function ror64(v: bigint, n: bigint): bigint {
  const s = n & 63n;
  return s === 0n ? v : ((v >> s) | (v << (64n - s))) & M64;
}
function bswap64(v: bigint): bigint {
  let r = 0n;
  for (let i = 0n; i < 8n; i++) r = (r << 8n) | ((v >> (8n * i)) & 0xffn);
  return r;
}

/** Inverse of the KdCopyDataBlock decoding (memory-translation.md §5.1). */
export function encodeKdbgBlock(plain: Uint8Array, keys: KdbgKeys): Uint8Array {
  const out = new Uint8Array(plain.length & ~7);
  const s = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
  const d = new DataView(out.buffer);
  for (let i = 0; i < out.length; i += 8) {
    let t = s.getBigUint64(i, true) ^ keys.kiWaitAlways;
    t = bswap64(t) ^ keys.kdpDataBlockEncoded;
    t = ror64(t, keys.kiWaitNever & 0x3fn) ^ keys.kiWaitNever;
    d.setBigUint64(i, t, true);
  }
  return out;
}

function fillPAGE(b: Uint8Array): void {
  for (let i = 0; i + 4 <= b.length; i += 4) b.set([0x50, 0x41, 0x47, 0x45], i);
}

interface Piece {
  offset: number;
  bytes: Uint8Array;
}

export class SynthKernelDump {
  readonly arch: SynthArch;
  readonly bits: 32 | 64;
  readonly opts: SynthKernelOptions;
  /** Physical pages written, by PFN. */
  readonly phys = new Map<number, Uint8Array>();
  private nextPfn = 0x10;
  private root = 0;
  /** Virtual page → PFN, for the builder's own writes (mirrors the real tables). */
  private readonly vmap = new Map<bigint, number>();
  private readonly large: { va: bigint; size: bigint; pfn: number }[] = [];
  private heap: bigint;
  readonly drivers: SynthDriver[] = [];
  readonly unloaded: SynthUnloaded[] = [];
  context: SynthContext;
  stack?: { address: bigint; bytes: Uint8Array };
  /** Triage: extra (VA, bytes) data blocks. */
  readonly dataBlocks: { address: bigint; bytes: Uint8Array }[] = [];
  /** Addresses chosen by the builder (for assertions). */
  readonly addresses: Record<string, bigint> = {};

  constructor(opts: SynthKernelOptions = {}) {
    this.opts = opts;
    this.arch = opts.arch ?? 'x64';
    this.bits = this.arch === 'x86' ? 32 : 64;
    this.heap = this.bits === 64 ? 0xfffff800_10000000n : 0x82000000n;
    this.context = { ip: this.kva(0x1000), sp: this.kva(0x50000 - 0x800) };
    if (this.isFull) this.root = this.allocPfn();
  }

  get dumpType(): number {
    return this.opts.dumpType ?? DumpType.Triage;
  }
  get isFull(): boolean {
    return this.dumpType !== DumpType.Triage && this.dumpType !== DumpType.Header;
  }
  get ptr(): number {
    return this.bits / 8;
  }
  get ntBuild(): number {
    return this.opts.build ?? 19041;
  }

  /** A kernel VA in the builder's fixed region (offset from a base). */
  kva(offset: number): bigint {
    return (this.bits === 64 ? 0xfffff800_00000000n : 0x80000000n) + BigInt(offset);
  }

  allocPfn(): number {
    while (this.phys.has(this.nextPfn)) this.nextPfn++;
    const pfn = this.nextPfn++;
    this.phys.set(pfn, new Uint8Array(PAGE));
    return pfn;
  }

  private physPage(pfn: number): Uint8Array {
    let p = this.phys.get(pfn);
    if (!p) {
      p = new Uint8Array(PAGE);
      this.phys.set(pfn, p);
    }
    return p;
  }

  private putEntry(pfn: number, index: number, value: bigint, size: 4 | 8): void {
    const dv = new DataView(this.physPage(pfn).buffer);
    if (size === 8) dv.setBigUint64(index * 8, value, true);
    else dv.setUint32(index * 4, Number(value & 0xffffffffn), true);
  }
  private getEntry(pfn: number, index: number, size: 4 | 8): bigint {
    const dv = new DataView(this.physPage(pfn).buffer);
    return size === 8 ? dv.getBigUint64(index * 8, true) : BigInt(dv.getUint32(index * 4, true));
  }

  /** Next-level table for entry `index` of `table`, created when absent. */
  private table(table: number, index: number, size: 4 | 8, offset = 0): number {
    const e = this.getEntry(table, index + offset, size);
    if (e & 1n) return Number((e & 0x000f_ffff_ffff_f000n) >> 12n);
    const pfn = this.allocPfn();
    const flags = this.arch === 'arm64' ? 3n : 3n;
    this.putEntry(table, index + offset, (BigInt(pfn) << 12n) | flags, size);
    return pfn;
  }

  /**
   * Map virtual page `va` to `pfn` (a new page when omitted). `transition` writes a Windows
   * transition PTE (P=0, bit 11) instead of a present one.
   */
  mapPage(va: bigint, pfn?: number, opt: { transition?: boolean } = {}): number {
    va &= ~0xfffn;
    const target = pfn ?? this.allocPfn();
    const leaf = opt.transition ? (BigInt(target) << 12n) | 0x800n : (BigInt(target) << 12n) | (this.arch === 'arm64' ? 3n : 3n);
    if (this.arch === 'x64') {
      const pdpt = this.table(this.root, Number((va >> 39n) & 0x1ffn), 8);
      const pd = this.table(pdpt, Number((va >> 30n) & 0x1ffn), 8);
      const pt = this.table(pd, Number((va >> 21n) & 0x1ffn), 8);
      this.putEntry(pt, Number((va >> 12n) & 0x1ffn), leaf, 8);
    } else if (this.arch === 'arm64') {
      let t = this.root;
      for (let level = 0; level < 3; level++) t = this.table(t, Number((va >> BigInt(39 - 9 * level)) & 0x1ffn), 8);
      this.putEntry(t, Number((va >> 12n) & 0x1ffn), leaf, 8);
    } else if (this.opts.pae) {
      // PDPT lives at root+0x20 (32-byte aligned, tests the & ~0x1f mask).
      const pdIndex = Number((va >> 30n) & 3n);
      const pd = this.table(this.root, pdIndex, 8, 4);
      const pt = this.table(pd, Number((va >> 21n) & 0x1ffn), 8);
      this.putEntry(pt, Number((va >> 12n) & 0x1ffn), leaf, 8);
    } else {
      const pt = this.table(this.root, Number(va >> 22n), 4);
      this.putEntry(pt, Number((va >> 12n) & 0x3ffn), leaf, 4);
    }
    this.vmap.set(va >> 12n, target);
    if (pfn === undefined) this.physPage(target);
    return target;
  }

  /** Map a large page: x64/PAE '2M' (PDE.PS), x64 '1G' (PDPTE.PS), x86 '4M', ARM64 '2M' block. */
  mapLarge(va: bigint, kind: '2M' | '1G' | '4M', basePfn: number): void {
    const size = kind === '1G' ? 1n << 30n : kind === '4M' ? 1n << 22n : 1n << 21n;
    va &= ~(size - 1n);
    const entry = (BigInt(basePfn) << 12n) | (this.arch === 'arm64' ? 1n : 0x83n);
    if (this.arch === 'x64') {
      const pdpt = this.table(this.root, Number((va >> 39n) & 0x1ffn), 8);
      if (kind === '1G') this.putEntry(pdpt, Number((va >> 30n) & 0x1ffn), entry, 8);
      else this.putEntry(this.table(pdpt, Number((va >> 30n) & 0x1ffn), 8), Number((va >> 21n) & 0x1ffn), entry, 8);
    } else if (this.arch === 'arm64') {
      const l1 = this.table(this.root, Number((va >> 39n) & 0x1ffn), 8);
      const l2 = this.table(l1, Number((va >> 30n) & 0x1ffn), 8);
      this.putEntry(l2, Number((va >> 21n) & 0x1ffn), entry, 8);
    } else if (this.opts.pae) {
      const pd = this.table(this.root, Number((va >> 30n) & 3n), 8, 4);
      this.putEntry(pd, Number((va >> 21n) & 0x1ffn), entry, 8);
    } else {
      this.putEntry(this.root, Number(va >> 22n), entry, 4);
    }
    this.large.push({ va, size, pfn: basePfn });
  }

  private pfnOf(va: bigint, create: boolean): number | undefined {
    const vpn = va >> 12n;
    const hit = this.vmap.get(vpn);
    if (hit !== undefined) return hit;
    for (const l of this.large) if (va >= l.va && va < l.va + l.size) return l.pfn + Number((va - l.va) >> 12n);
    return create ? this.mapPage(va) : undefined;
  }

  /** Write bytes at a kernel VA (full dumps: through page tables; small dumps: recorded blocks). */
  writeVirtual(va: bigint, bytes: Uint8Array): void {
    if (!this.isFull) {
      this.dataBlocks.push({ address: va, bytes });
      return;
    }
    let done = 0;
    while (done < bytes.length) {
      const at = va + BigInt(done);
      const pfn = this.pfnOf(at, true)!;
      const off = Number(at & 0xfffn);
      const n = Math.min(bytes.length - done, PAGE - off);
      this.physPage(pfn).set(bytes.subarray(done, done + n), off);
      done += n;
    }
  }

  /** Reserve `size` bytes of kernel VA (8-aligned) in the builder's heap. */
  alloc(size: number): bigint {
    const va = this.heap;
    this.heap += BigInt((size + 15) & ~15);
    return va;
  }

  private ptrBytes(v: bigint): Uint8Array {
    const b = new Uint8Array(this.ptr);
    const dv = new DataView(b.buffer);
    if (this.ptr === 8) dv.setBigUint64(0, BigInt.asUintN(64, v), true);
    else dv.setUint32(0, Number(v & 0xffffffffn), true);
    return b;
  }

  setContext(ctx: SynthContext): this {
    this.context = ctx;
    return this;
  }
  setStack(address: bigint, bytes: Uint8Array): this {
    this.stack = { address, bytes };
    return this;
  }
  addDriver(d: SynthDriver): this {
    this.drivers.push(d);
    return this;
  }
  addUnloaded(u: SynthUnloaded): this {
    this.unloaded.push(u);
    return this;
  }

  contextBytes(ctx: SynthContext): Uint8Array {
    const r = ctx.regs ?? {};
    if (this.arch === 'x64') {
      const v: Values = { contextFlags: 0x10001f, mxCsr: 0x1f80, segCs: 0x10, segSs: 0x18, eflags: 0x40286 };
      for (const n of ['rax', 'rcx', 'rdx', 'rbx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15']) v[n] = r[n] ?? 0n;
      v.rip = ctx.ip;
      v.rsp = ctx.sp;
      v.rbp = ctx.fp ?? 0n;
      return encodeStruct(CONTEXT_AMD64, v);
    }
    if (this.arch === 'arm64') {
      const x = Array.from({ length: 29 }, (_, i) => r[`x${i}`] ?? 0n);
      return encodeStruct(CONTEXT_ARM64, { contextFlags: 0x400003, cpsr: 0x80000144, x, fp: ctx.fp ?? 0n, lr: r.lr ?? 0n, sp: ctx.sp, pc: ctx.ip, fpsr: 0x10 });
    }
    const v: Values = { contextFlags: 0x1001f, segCs: 8, segSs: 0x10, eflags: 0x246 };
    for (const n of ['eax', 'ecx', 'edx', 'ebx', 'esi', 'edi']) v[n] = Number(r[n] ?? 0n);
    v.eip = Number(ctx.ip);
    v.esp = Number(ctx.sp);
    v.ebp = Number(ctx.fp ?? 0n);
    return encodeStruct(CONTEXT_X86, v);
  }

  private machine(): number {
    return this.arch === 'x64' ? MachineType.AMD64 : this.arch === 'arm64' ? MachineType.ARM64 : MachineType.I386;
  }

  private ntBuildLabAt?: bigint;
  /** Where opts.ntBuildLab lives (written once, NUL-terminated), or 0. */
  private ntBuildLabVa(): bigint {
    const text = this.opts.ntBuildLab;
    if (text === undefined) return 0n;
    if (this.ntBuildLabAt === undefined) {
      this.ntBuildLabAt = this.alloc(text.length + 1);
      this.writeVirtual(this.ntBuildLabAt, concat([new TextEncoder().encode(text), new Uint8Array(1)]));
    }
    return this.ntBuildLabAt;
  }

  /** KDDEBUGGER_DATA64 bytes for the given VAs. */
  kdbgBytes(v: { kernBase: bigint; psLoadedModuleList: bigint; kiProcessorBlock?: bigint; mmUnloadedDrivers?: bigint; mmLastUnloadedDriver?: bigint }): Uint8Array {
    const sx = (a: bigint): bigint => (this.bits === 32 ? BigInt.asUintN(64, BigInt.asIntN(32, a)) : a);
    const o = SYNTH_OFFSETS;
    return encodeStruct(KDDEBUGGER_DATA64, {
      ownerTag: KDBG_OWNER_TAG,
      size: KDDEBUGGER_DATA64.size,
      kernBase: sx(v.kernBase),
      psLoadedModuleList: sx(v.psLoadedModuleList),
      psActiveProcessHead: sx(this.kva(0x300)),
      kiProcessorBlock: sx(v.kiProcessorBlock ?? 0n),
      mmUnloadedDrivers: sx(v.mmUnloadedDrivers ?? 0n),
      mmLastUnloadedDriver: sx(v.mmLastUnloadedDriver ?? 0n),
      ntBuildLab: sx(this.ntBuildLabVa()),
      offsetPrcbCurrentThread: o.prcbCurrentThread,
      offsetPrcbContext: o.prcbContext,
      offsetKThreadApcProcess: o.kthreadApcProcess,
      offsetKThreadInitialStack: o.kthreadInitialStack,
      offsetKThreadStackLimit: o.kthreadStackLimit,
      offsetKThreadStackBase: o.kthreadStackBase,
      sizeEProcess: o.sizeEProcess,
      sizeEThread: o.sizeEThread,
      sizePrcb: o.sizePrcb,
      mmPageSize: 0x1000n,
    });
  }

  /** KPRCB / ETHREAD / EPROCESS copies for a thread at `thread`, process at `process`. */
  private blocks(thread: bigint, process: bigint, contextVa: bigint): { prcb: Uint8Array; ethread: Uint8Array; eprocess: Uint8Array } {
    const o = SYNTH_OFFSETS;
    const prcb = new Uint8Array(o.sizePrcb);
    prcb.set(this.ptrBytes(thread), o.prcbCurrentThread);
    prcb.set(this.ptrBytes(contextVa), o.prcbContext);
    const ethread = new Uint8Array(o.sizeEThread);
    const stackTop = this.stack ? this.stack.address + BigInt(this.stack.bytes.length) : this.context.sp + 0x1000n;
    ethread.set(this.ptrBytes(stackTop), o.kthreadInitialStack);
    ethread.set(this.ptrBytes(stackTop - 0x6000n), o.kthreadStackLimit);
    ethread.set(this.ptrBytes(stackTop), o.kthreadStackBase);
    ethread.set(this.ptrBytes(process), o.kthreadApcProcess);
    const eprocess = new Uint8Array(o.sizeEProcess);
    const nameAt = imageFileNameOffset(this.arch, this.ntBuild);
    eprocess.set(new TextEncoder().encode((this.opts.processName ?? 'System').slice(0, 14)), nameAt);
    if (this.arch === 'x64' && this.ntBuild === 19041) {
      eprocess.set(this.ptrBytes(BigInt(this.opts.pid ?? 4)), o.pid19041);
      ethread.set(this.ptrBytes(BigInt(this.opts.pid ?? 4)), o.cid19041);
      ethread.set(this.ptrBytes(BigInt(this.opts.tid ?? 0x108)), o.cid19041 + 8);
    }
    return { prcb, ethread, eprocess };
  }

  private headerPage(extra: { physicalMemoryBlock?: Uint8Array; kdbg: bigint; psLoadedModuleList: bigint; dtb: bigint; required: bigint }): Uint8Array {
    const def = this.bits === 64 ? DUMP_HEADER64 : DUMP_HEADER32;
    const page = new Uint8Array(def.size);
    fillPAGE(page);
    const bc = this.opts.bugcheck ?? { code: 0x7e };
    const args = [0, 1, 2, 3].map((i) => BigInt(bc.args?.[i] ?? 0));
    const comment = new Uint8Array(128);
    if (this.opts.comment !== undefined) comment.set(new TextEncoder().encode(this.opts.comment).subarray(0, 127));
    else fillPAGE(comment);
    const ctx = new Uint8Array(this.bits === 64 ? 3000 : 1200);
    fillPAGE(ctx);
    ctx.set(this.contextBytes(this.context));
    const pmb = new Uint8Array(this.bits === 64 ? 704 : 700);
    fillPAGE(pmb);
    if (extra.physicalMemoryBlock) pmb.set(extra.physicalMemoryBlock);
    const values: Values = {
      signature: KernelSignature.PAGE,
      validDump: this.bits === 64 ? KernelSignature.DU64 : KernelSignature.DUMP,
      majorVersion: 0xf,
      minorVersion: this.ntBuild,
      directoryTableBase: extra.dtb,
      pfnDataBase: this.kva(0x400),
      psLoadedModuleList: extra.psLoadedModuleList,
      psActiveProcessHead: this.kva(0x300),
      machineImageType: this.machine(),
      numberProcessors: this.opts.cpus ?? 4,
      bugCheckCode: bc.code,
      bugCheckParameter: this.bits === 64 ? args : args.map((a) => Number(a & 0xffffffffn)),
      kdDebuggerDataBlock: extra.kdbg,
      physicalMemoryBlock: pmb,
      contextRecord: ctx,
      exception: { exceptionCode: 0x80000003, exceptionFlags: 1, exceptionAddress: this.bits === 64 ? this.context.ip : Number(this.context.ip) },
      comment,
      dumpType: this.dumpType,
      requiredDumpSpace: this.opts.requiredDumpSpace ?? extra.required,
      systemTime: this.opts.systemTime ?? 132583451029877650n,
      systemUpTime: this.opts.systemUpTime ?? 37_471_209n,
      miniDumpFields: this.dumpType === DumpType.Triage ? 0xcff : 0,
      secondaryDataState: KernelSignature.PAGE,
      productType: this.opts.productType ?? 1,
      suiteMask: this.opts.suiteMask ?? 0x110,
      writerStatus: KernelSignature.PAGE,
      kdSecondaryVersion: this.bits === 64 ? 2 : 0,
    };
    if (this.bits === 32) {
      values.paeEnabled = this.opts.pae ? 1 : 0;
      for (const k of ['directoryTableBase', 'pfnDataBase', 'psLoadedModuleList', 'psActiveProcessHead', 'kdDebuggerDataBlock']) values[k] = Number(BigInt(values[k] as bigint) & 0xffffffffn);
      values.requiredDumpSpace = values.requiredDumpSpace as bigint;
      delete values.kdSecondaryVersion;
    }
    encodeInto(def, values, page);
    return page;
  }

  // ---------------------------------------------------------------- full dumps

  private peImage(d: SynthDriver): Uint8Array {
    const img = new Uint8Array(PAGE);
    encodeInto(IMAGE_DOS_HEADER, { eMagic: 0x5a4d, eLfanew: 0x80 }, img, 0);
    const is64 = this.bits === 64;
    const opt = is64 ? IMAGE_OPTIONAL_HEADER64 : IMAGE_OPTIONAL_HEADER32;
    encodeInto(IMAGE_NT_HEADERS_COMMON, { signature: 0x4550, fileHeader: { machine: this.machine(), numberOfSections: 0, timeDateStamp: d.timestamp ?? 0, sizeOfOptionalHeader: opt.size } }, img, 0x80);
    const dirs = Array.from({ length: 16 }, () => ({ virtualAddress: 0, size: 0 }));
    const debugRva = 0x400;
    const cvRva = 0x440;
    if (d.pdb) dirs[6] = { virtualAddress: debugRva, size: IMAGE_DEBUG_DIRECTORY.size };
    encodeInto(opt, { magic: is64 ? 0x20b : 0x10b, sizeOfImage: d.size, checkSum: d.checksum ?? 0, numberOfRvaAndSizes: 16, dataDirectory: dirs, imageBase: is64 ? d.base : Number(d.base) }, img, 0x80 + 0x18);
    if (d.pdb) {
      const name = new TextEncoder().encode(d.pdb.name);
      encodeInto(IMAGE_DEBUG_DIRECTORY, { type: 2, sizeOfData: CV_INFO_PDB70.size + name.length + 1, addressOfRawData: cvRva, timeDateStamp: d.timestamp ?? 0 }, img, debugRva);
      encodeInto(CV_INFO_PDB70, { cvSignature: 0x53445352, signature: d.pdb.guid, age: d.pdb.age }, img, cvRva);
      img.set(name, cvRva + CV_INFO_PDB70.size);
    }
    return img;
  }

  private unicodeString(text: string): { len: number; buf: bigint } {
    const b = utf16(text);
    const va = this.alloc(b.length + 2);
    this.writeVirtual(va, concat([b, new Uint8Array(2)]));
    return { len: b.length, buf: va };
  }

  /** Lay out kernel objects in virtual memory (full dumps). */
  private buildKernelMemory(): { kdbg: bigint; head: bigint } {
    const ptr = this.ptr;
    // Loaded module list.
    const head = this.alloc(2 * ptr);
    const ldrDef = this.bits === 64 ? KLDR_DATA_TABLE_ENTRY64 : KLDR_DATA_TABLE_ENTRY32;
    const entries = this.drivers.map(() => this.alloc(ldrDef.size));
    const link = (i: number): bigint => (i < 0 || i >= entries.length ? head : entries[i]!);
    this.drivers.forEach((d, i) => {
      const full = this.unicodeString(d.path ?? `\\SystemRoot\\system32\\drivers\\${d.name}`);
      const base = this.unicodeString(d.name);
      const v: Values = {
        inLoadOrderFlink: link(i + 1), inLoadOrderBlink: link(i - 1), dllBase: d.base, sizeOfImage: d.size,
        fullDllNameLength: full.len, fullDllNameMaximumLength: full.len + 2, fullDllNameBuffer: full.buf,
        baseDllNameLength: base.len, baseDllNameMaximumLength: base.len + 2, baseDllNameBuffer: base.buf,
        checkSum: d.checksum ?? 0, timeDateStamp: d.timestamp ?? 0, loadCount: 1,
      };
      if (this.bits === 32) for (const k of Object.keys(v)) if (typeof v[k] === 'bigint') v[k] = Number((v[k] as bigint) & 0xffffffffn);
      this.writeVirtual(entries[i]!, encodeStruct(ldrDef, v));
      if (d.pe !== false) this.writeVirtual(d.base, this.peImage(d));
    });
    this.writeVirtual(head, concat([this.ptrBytes(link(0)), this.ptrBytes(link(entries.length - 1))]));
    this.addresses.psLoadedModuleList = head;

    // Unloaded drivers.
    let mmUnloaded = 0n;
    let mmLast = 0n;
    if (this.unloaded.length) {
      const udef = this.bits === 64 ? UNLOADED_DRIVERS64 : UNLOADED_DRIVERS32;
      const arr = this.alloc(50 * udef.size);
      this.unloaded.slice(0, 50).forEach((u, i) => {
        const s = this.unicodeString(u.name);
        const v: Values = { nameLength: s.len, nameMaximumLength: s.len + 2, nameBuffer: s.buf, startAddress: u.start, endAddress: u.end, currentTime: u.time ?? 0n };
        if (this.bits === 32) for (const k of ['nameBuffer', 'startAddress', 'endAddress']) v[k] = Number((v[k] as bigint) & 0xffffffffn);
        this.writeVirtual(arr + BigInt(i * udef.size), encodeStruct(udef, v));
      });
      mmUnloaded = this.alloc(ptr);
      this.writeVirtual(mmUnloaded, this.ptrBytes(arr));
      mmLast = this.alloc(4);
      this.writeVirtual(mmLast, Uint8Array.of(this.unloaded.length, 0, 0, 0));
    }

    // Stack.
    if (this.stack) this.writeVirtual(this.stack.address, this.stack.bytes);

    // Processor block → KPRCB → thread → process; KPRCB.Context → CONTEXT.
    const cpus = this.opts.cpus ?? 4;
    const kpb = this.alloc(cpus * ptr);
    const prcbs = Array.from({ length: cpus }, () => this.alloc(SYNTH_OFFSETS.sizePrcb));
    const thread = this.alloc(SYNTH_OFFSETS.sizeEThread);
    const process = this.alloc(SYNTH_OFFSETS.sizeEProcess);
    const ctxVa = this.alloc(0x500);
    const idle = this.alloc(SYNTH_OFFSETS.sizeEThread);
    const b = this.blocks(thread, process, ctxVa);
    this.writeVirtual(thread, b.ethread);
    this.writeVirtual(idle, new Uint8Array(SYNTH_OFFSETS.sizeEThread));
    this.writeVirtual(process, b.eprocess);
    this.writeVirtual(ctxVa, this.contextBytes(this.context));
    // The crashing CPU is the last one; the others run an idle thread with no stack info.
    prcbs.forEach((p, i) => {
      const pb = new Uint8Array(SYNTH_OFFSETS.sizePrcb);
      if (i === cpus - 1) pb.set(b.prcb);
      else pb.set(this.ptrBytes(idle), SYNTH_OFFSETS.prcbCurrentThread);
      this.writeVirtual(p, pb);
    });
    this.writeVirtual(kpb, concat(prcbs.map((p) => this.ptrBytes(p))));
    Object.assign(this.addresses, { kiProcessorBlock: kpb, thread, process, prcb: prcbs[cpus - 1]!, context: ctxVa });

    // KDBG.
    let kdbg = 0n;
    if (!this.opts.noKdbg) {
      kdbg = this.alloc(KDDEBUGGER_DATA64.size);
      let kb = this.kdbgBytes({ kernBase: this.drivers[0]?.base ?? 0n, psLoadedModuleList: head, kiProcessorBlock: kpb, mmUnloadedDrivers: mmUnloaded, mmLastUnloadedDriver: mmLast });
      if (this.opts.kdbgEncoded) kb = encodeKdbgBlock(kb, this.opts.kdbgEncoded);
      this.writeVirtual(kdbg, kb);
      this.addresses.kdbg = kdbg;
    }
    return { kdbg, head };
  }

  private dtb(): bigint {
    const base = BigInt(this.root) << 12n;
    if (this.arch === 'x86' && this.opts.pae) return base + 0x20n;
    return base | BigInt(this.opts.pcid ?? 0);
  }

  private layoutFull(): { pieces: Piece[]; size: number } {
    const { kdbg, head } = this.buildKernelMemory();
    const hs = this.bits === 64 ? 0x2000 : 0x1000;
    const maxPfn = Math.max(...this.phys.keys()) + 1;
    const ram = Math.max(this.opts.ramPages ?? 0, maxPfn);
    const pieces: Piece[] = [];
    const t = this.dumpType;
    const placePages = (offsetOf: (pfn: number) => number | undefined): void => {
      for (const [pfn, bytes] of [...this.phys.entries()].sort((a, b) => a[0] - b[0])) {
        const off = offsetOf(pfn);
        if (off !== undefined) pieces.push({ offset: off, bytes });
      }
    };
    let size = hs;
    let pmb: Uint8Array | undefined;
    if (t === DumpType.Full) {
      const runs = this.opts.runs ?? [{ basePage: 0, pageCount: ram }];
      const desc = this.bits === 64 ? PHYSICAL_MEMORY_DESCRIPTOR64 : PHYSICAL_MEMORY_DESCRIPTOR32;
      const rdef = this.bits === 64 ? PHYSICAL_MEMORY_RUN64 : PHYSICAL_MEMORY_RUN32;
      const total = runs.reduce((a, r) => a + r.pageCount, 0);
      pmb = concat([
        encodeStruct(desc, { numberOfRuns: runs.length, numberOfPages: this.bits === 64 ? BigInt(total) : total }),
        ...runs.map((r) => encodeStruct(rdef, this.bits === 64 ? { basePage: BigInt(r.basePage), pageCount: BigInt(r.pageCount) } : r)),
      ]);
      placePages(runPlacement(runs, hs));
      size = hs + total * PAGE;
    } else if (t === DumpType.BitmapFull || t === DumpType.BitmapKernel || t === DumpType.Summary) {
      const bitmap = new Uint8Array(Math.ceil(ram / 8));
      const present = (pfn: number): boolean => this.opts.allPresent === true || this.phys.has(pfn);
      let count = 0;
      const rank = new Map<number, number>();
      if (this.opts.allPresent) {
        bitmap.fill(0xff);
        if (ram % 8) bitmap[bitmap.length - 1] = (1 << ram % 8) - 1;
        count = ram;
      } else {
        for (const pfn of [...this.phys.keys()].sort((a, b) => a - b)) {
          if (!present(pfn)) continue;
          bitmap[pfn >> 3]! |= 1 << (pfn & 7);
          rank.set(pfn, count++);
        }
      }
      let first: number;
      let sub: Uint8Array;
      if (t === DumpType.Summary) {
        const sdef = this.bits === 64 ? SUMMARY_DUMP64 : SUMMARY_DUMP32;
        first = Math.ceil((hs + sdef.size + bitmap.length) / PAGE) * PAGE;
        sub = encodeStruct(sdef, { signature: KernelSignature.SDMP, validDump: KernelSignature.DUMP, headerSize: first, bitmapSize: ram, pages: count, sizeOfBitMap: ram });
      } else {
        first = Math.ceil((hs + BITMAP_DUMP_HEADER.size + bitmap.length) / PAGE) * PAGE;
        sub = encodeStruct(BITMAP_DUMP_HEADER, {
          signature: this.opts.bitmapSignature === 'FDMP' ? KernelSignature.FDMP : KernelSignature.SDMP,
          validDump: KernelSignature.DUMP, dumpOptions: 0, firstPage: BigInt(first), totalPresentPages: BigInt(count), pages: BigInt(ram),
        });
      }
      pieces.push({ offset: hs, bytes: concat([sub, bitmap]) });
      placePages((pfn) => (this.opts.allPresent ? first + pfn * PAGE : rank.has(pfn) ? first + rank.get(pfn)! * PAGE : undefined));
      size = first + count * PAGE;
    } else if (t >= DumpType.RdmpKernel && t <= DumpType.RdmpComplete) {
      // Runs of consecutive written PFNs (or one run of all RAM).
      const runs: { basePage: number; pageCount: number }[] = [];
      if (this.opts.allPresent) runs.push({ basePage: 1, pageCount: ram - 1 });
      else {
        for (const pfn of [...this.phys.keys()].sort((a, b) => a - b)) {
          const last = runs[runs.length - 1];
          if (last && last.basePage + last.pageCount === pfn) last.pageCount++;
          else runs.push({ basePage: pfn, pageCount: 1 });
        }
      }
      const total = runs.reduce((a, r) => a + r.pageCount, 0);
      const first = hs + RDMP_HEADER64.size + runs.length * 16;
      const table = concat(runs.map((r) => encodeStruct(PHYSICAL_MEMORY_RUN64, { basePage: BigInt(r.basePage), pageCount: BigInt(r.pageCount) })));
      const h = encodeStruct(RDMP_HEADER64, {
        marker: 0x40, signature: KernelSignature.RDMP, validDump: KernelSignature.DUMP,
        metadataSize: BigInt(runs.length * 16 + 0x10), firstPageOffset: BigInt(first),
        reserved1: BigInt(runs.length), reserved2: BigInt(total),
      });
      pieces.push({ offset: hs, bytes: concat([h, table]) });
      placePages(runPlacement(runs, first));
      size = first + total * PAGE;
    }
    pieces.unshift({ offset: 0, bytes: this.headerPage({ physicalMemoryBlock: pmb, kdbg, psLoadedModuleList: head, dtb: this.dtb(), required: BigInt(size) }) });
    return { pieces, size };
  }

  // ---------------------------------------------------------------- small dumps

  private layoutTriage(): { pieces: Piece[]; size: number } {
    const is64 = this.bits === 64;
    const hs = is64 ? 0x2000 : 0x1000;
    const tdef = is64 ? TRIAGE_DUMP64 : TRIAGE_DUMP32;
    const parts: Piece[] = [];
    let at = hs + tdef.size;
    const place = (bytes: Uint8Array): number => {
      at = (at + 7) & ~7;
      const off = at;
      parts.push({ offset: off, bytes });
      at += bytes.length;
      return off;
    };
    const mmDef = is64 ? DUMP_MM_STORAGE64 : DUMP_MM_STORAGE32;
    const mmOffset = place(encodeStruct(mmDef, { version: 1, size: mmDef.size, committedPages: is64 ? 0x1234n : 0x1234 }));
    const udef = is64 ? DUMP_UNLOADED_DRIVERS64 : DUMP_UNLOADED_DRIVERS32;
    const slot = new Uint8Array(is64 ? 8 : 4);
    new DataView(slot.buffer).setUint32(0, this.unloaded.length, true);
    const unloadedOffset = place(concat([slot, ...this.unloaded.map((u) => {
      const units = Array.from(utf16(u.name.slice(0, 12))).reduce<number[]>((a, _, i, arr) => (i % 2 ? a : [...a, arr[i]! | (arr[i + 1]! << 8)]), []);
      return encodeStruct(udef, { nameLength: Math.min(u.name.length, 12) * 2, nameMaximumLength: 24, driverName: units, startAddress: is64 ? u.start : Number(u.start), endAddress: is64 ? u.end : Number(u.end) });
    })]));
    const thread = this.kva(0x9000);
    const process = this.kva(0xa000);
    const ctxVa = this.kva(0xb000);
    const b = this.blocks(thread, process, ctxVa);
    const prcbOffset = place(b.prcb);
    const processOffset = place(b.eprocess);
    const threadOffset = place(b.ethread);
    const stack = this.stack ?? { address: this.context.sp, bytes: new Uint8Array(0x100) };
    const callStackOffset = place(stack.bytes);
    const kdbgVa = this.opts.noKdbg ? 0n : this.kva(0x7000);
    const kdbg = this.kdbgBytes({ kernBase: this.drivers[0]?.base ?? 0n, psLoadedModuleList: this.kva(0x200) });
    const debuggerDataOffset = this.opts.noKdbg ? 0 : place(this.opts.kdbgEncoded ? encodeKdbgBlock(kdbg, this.opts.kdbgEncoded) : kdbg);
    // Driver list and string pool: names are full paths, as real dumps have them.
    const edef = is64 ? DUMP_DRIVER_ENTRY64 : DUMP_DRIVER_ENTRY32;
    const listSize = this.drivers.length * edef.size;
    at = (at + 7) & ~7;
    const driverListOffset = at;
    at += listSize;
    at = (at + 7) & ~7;
    const stringPoolOffset = at;
    const strings: Uint8Array[] = [];
    const nameOffsets: number[] = [];
    let poolAt = stringPoolOffset;
    for (const d of this.drivers) {
      const text = d.path ?? `\\SystemRoot\\system32\\drivers\\${d.name}`;
      const s = new Uint8Array((4 + 2 * (text.length + 1) + 7) & ~7);
      new DataView(s.buffer).setUint32(0, text.length, true);
      s.set(utf16(text), 4);
      nameOffsets.push(poolAt);
      strings.push(s);
      poolAt += s.length;
    }
    const pool = concat(strings);
    const list = concat(this.drivers.map((d, i) => encodeStruct(edef, {
      driverNameOffset: nameOffsets[i],
      ldrEntry: is64
        ? { dllBase: d.base, sizeOfImage: d.size, timeDateStamp: d.timestamp ?? 0, checkSum: d.checksum ?? 0, loadCount: 1 }
        : { dllBase: Number(d.base), sizeOfImage: d.size, timeDateStamp: d.timestamp ?? 0, checkSum: d.checksum ?? 0, loadCount: 1 },
    })));
    parts.push({ offset: driverListOffset, bytes: list });
    parts.push({ offset: stringPoolOffset, bytes: pool });
    at = stringPoolOffset + pool.length;
    // Data blocks: the PRCB context plus anything written with writeVirtual.
    const blocks = [{ address: ctxVa, bytes: this.contextBytes(this.context) }, ...this.dataBlocks];
    at = (at + 7) & ~7;
    const dataBlocksOffset = at;
    at += blocks.length * TRIAGE_DATA_BLOCK.size;
    const entries: Values[] = [];
    for (const blk of blocks) {
      const off = place(blk.bytes);
      entries.push({ address: BigInt.asUintN(64, this.bits === 32 ? BigInt.asIntN(32, blk.address) : blk.address), offset: off, size: blk.bytes.length });
    }
    parts.push({ offset: dataBlocksOffset, bytes: concat(entries.map((e) => encodeStruct(TRIAGE_DATA_BLOCK, e))) });
    at = (at + 7) & ~7;
    const validOffset = at;
    const size = validOffset + 4;
    if (!this.opts.noValidMarker) {
      const v = new Uint8Array(4);
      new DataView(v.buffer).setUint32(0, TRIAGE_DUMP_VALID, true);
      parts.push({ offset: validOffset, bytes: v });
    }
    const w = (v: bigint): bigint | number => (is64 ? v : Number(v & 0xffffffffn));
    const triage = encodeStruct(tdef, {
      servicePackBuild: 0, sizeOfDump: size, validOffset, contextOffset: is64 ? 0x348 : 0x320, exceptionOffset: is64 ? 0xf00 : 0x7d0,
      mmOffset, unloadedDriversOffset: unloadedOffset, prcbOffset, processOffset, threadOffset,
      callStackOffset, sizeOfCallStack: stack.bytes.length, driverListOffset, driverCount: this.drivers.length,
      stringPoolOffset, stringPoolSize: pool.length, brokenDriverOffset: 0, triageOptions: 0xffffffff,
      topOfStack: w(stack.address), dataPageAddress: w(0n), debuggerDataOffset, debuggerDataSize: this.opts.noKdbg ? 0 : kdbg.length,
      dataBlocksOffset, dataBlocksCount: blocks.length,
    });
    parts.unshift({ offset: hs, bytes: triage });
    parts.unshift({ offset: 0, bytes: this.headerPage({ kdbg: kdbgVa, psLoadedModuleList: this.kva(0x200), dtb: 0x1ad000n, required: BigInt(size) }) });
    Object.assign(this.addresses, { thread, process, context: ctxVa, kdbg: kdbgVa });
    return { pieces: parts, size };
  }

  private layoutMemo?: { pieces: Piece[]; size: number };
  layout(): { pieces: Piece[]; size: number } {
    this.layoutMemo ??= this.isFull ? this.layoutFull() : this.dumpType === DumpType.Header ? this.layoutHeaderOnly() : this.layoutTriage();
    return this.layoutMemo;
  }

  private layoutHeaderOnly(): { pieces: Piece[]; size: number } {
    const hs = this.bits === 64 ? 0x2000 : 0x1000;
    return { pieces: [{ offset: 0, bytes: this.headerPage({ kdbg: 0n, psLoadedModuleList: 0n, dtb: 0n, required: BigInt(hs) }) }], size: hs };
  }

  /** The whole dump in memory (small and medium dumps). */
  build(): Uint8Array {
    const { pieces, size } = this.layout();
    if (size > 512 * 1024 * 1024) throw new Error(`dump of ${size} bytes: use writeFile (sparse)`);
    const out = new Uint8Array(size);
    for (const p of pieces) out.set(p.bytes.subarray(0, Math.max(0, Math.min(p.bytes.length, size - p.offset))), p.offset);
    return out;
  }

  /** Write a sparse file: only the pieces are written, the length is set with truncate. */
  async writeFile(path: string): Promise<number> {
    const { pieces, size } = this.layout();
    const fh = await open(path, 'w');
    try {
      for (const p of pieces) await fh.write(p.bytes, 0, p.bytes.length, p.offset);
      await fh.truncate(size);
    } finally {
      await fh.close();
    }
    return size;
  }
}

/**
 * Where each PFN of a run-based dump sits: the runs' pages follow each other from `firstOffset`
 * (types 1 and 8-10 lay pages out the same way).
 */
function runPlacement(runs: Array<{ basePage: number; pageCount: number }>, firstOffset: number): (pfn: number) => number | undefined {
  const starts: number[] = [];
  let acc = 0;
  for (const r of runs) {
    starts.push(acc);
    acc += r.pageCount;
  }
  return (pfn) => {
    const i = runs.findIndex((r) => pfn >= r.basePage && pfn < r.basePage + r.pageCount);
    return i < 0 ? undefined : firstOffset + (starts[i]! + pfn - runs[i]!.basePage) * PAGE;
  };
}
