// Kernel dumps (PAGEDUMP / PAGEDU64): header, small-dump triage block, physical page map,
// virtual address translation, symbol-less module and process discovery, facts for triage.
// Opening reads the header page (plus the page-map sub-header or triage header); everything
// else is read lazily on first need.

import { StringBudget } from '../../reader/string-budget.js';
import type { CountingSource } from '../../reader/byte-source.js';
import type { Dump, OpenOptions } from '../dump.js';
import type { Arch, CpuContext, DumpFacts, MemoryReader, ModuleFacts, UnloadedModuleFacts } from '../../analysis/facts/types.js';
import { DumpType, MachineType, PAGE_FILL32 } from '../../../native-structs/constants/kernel.js';
import { DumpFormatError, TruncatedDumpError, UnsupportedDumpError, type DumpWarning } from '../../errors.js';
import { fileNameOf, filetimeToIso } from '../../reader/text.js';
import { hex } from '../../util/hex.js';
import { decodeKernelHeader, type KernelHeader } from './header.js';
import { archOfMachine, decodeContext } from './context.js';
import { buildBitmapMap, buildRdmpMap, buildRunMapFromHeader, buildSummaryMap, type PhysicalMap } from './physmap.js';
import { PhysicalMemory, Translator, type PagingMode } from './translate.js';
import { NO_MEMORY, PagedMemory, RangeMemory, type VaRange } from './vmem.js';
import { readTriageBlock, type TriageBlock } from './triage.js';
import { decodeKdbg, type KdbgResult } from './kdbg.js';
import { buildLabFacts } from '../build-lab.js';
import { findImageFileName, isKernelPointer, readPointer, readUnloadedDrivers, walkLoadedModules } from './modules.js';
import { describeKernelDump, detailsOfKernelDump } from './describe.js';

export { decodeKernelHeader, type KernelHeader } from './header.js';
export { decodeEncodedKdbg, decodeKdbg } from './kdbg.js';

/** Name of a dump kind as it appears in report.input.dumpType (see docs/kernel.md). */
export function dumpTypeName(type: number, bitmapSignature?: string): string {
  switch (type) {
    case DumpType.Full: return 'complete';
    case DumpType.Summary: return 'kernel'; // DUMP_TYPE_SUMMARY: the "kernel memory dump" of XP..Win7
    case DumpType.Header: return 'header-only';
    case DumpType.Triage: return 'small';
    case DumpType.BitmapFull: return bitmapSignature === 'FDMP' ? 'bitmap-complete' : 'bitmap-kernel';
    case DumpType.BitmapKernel: return bitmapSignature === 'FDMP' ? 'live-complete' : 'live-kernel';
    case DumpType.Automatic: return 'automatic';
    case DumpType.RdmpKernel: return 'rdmp-kernel';
    case DumpType.RdmpKernelAndUser: return 'rdmp-kernel-user';
    case DumpType.RdmpComplete: return 'rdmp-complete';
    default: return `unknown-${type}`;
  }
}

function windowsVersion(build: number): string | undefined {
  if (build >= 10240) return `10.0.${build}`;
  if (build >= 9600) return `6.3.${build}`;
  if (build >= 9200) return `6.2.${build}`;
  if (build >= 7600) return `6.1.${build}`;
  if (build >= 6000) return `6.0.${build}`;
  if (build >= 3790) return `5.2.${build}`;
  if (build >= 2600) return `5.1.${build}`;
  if (build >= 2195) return `5.0.${build}`;
  return undefined;
}

const PRODUCT_TYPE: Record<number, string> = { 1: 'workstation', 2: 'domain-controller', 3: 'server' };

/** ETHREAD.Cid / EPROCESS.UniqueProcessId where known (arch:build). */
const CID_OFFSETS: Record<string, { cid: number; pid: number }> = {
  'x64:19041': { cid: 0x478, pid: 0x440 }, 'x64:19042': { cid: 0x478, pid: 0x440 }, 'x64:19043': { cid: 0x478, pid: 0x440 },
  'x64:19044': { cid: 0x478, pid: 0x440 }, 'x64:19045': { cid: 0x478, pid: 0x440 },
};

export interface CrashingThreadInfo {
  prcbAddress?: bigint;
  threadAddress?: bigint;
  processAddress?: bigint;
  processName?: string;
  processNameOffset?: number;
  processNameHow?: string;
  pid?: number;
  tid?: number;
  stackBase?: bigint;
  stackLimit?: bigint;
  initialStack?: bigint;
  cpu?: number;
  /** VA of the CONTEXT the KPRCB points at (KDBG OffsetPrcbContext): the bug check frame. */
  contextAddress?: bigint;
  context?: CpuContext;
}

export class KernelDumpFile implements Dump {
  readonly format = 'kernel' as const;
  readonly arch: Arch;
  readonly pointerBits: 32 | 64;
  dumpTypeName: string;
  physMap?: PhysicalMap;
  subHeader?: Record<string, unknown>;
  triage?: TriageBlock;
  translator?: Translator;
  memory: MemoryReader = NO_MEMORY;
  context?: CpuContext;
  private kdbgMemo?: Promise<KdbgResult>;
  private factsMemo?: Promise<DumpFacts>;
  private threadMemo?: Promise<CrashingThreadInfo>;
  private modulesMemo?: Promise<ModuleFacts[]>;

  constructor(
    readonly source: CountingSource,
    readonly header: KernelHeader,
    readonly warnings: DumpWarning[],
    readonly opts: OpenOptions,
  ) {
    this.arch = archOfMachine(header.machineImageType);
    this.pointerBits = header.bits === 32 ? 32 : 64;
    this.dumpTypeName = dumpTypeName(header.dumpType);
    this.context = decodeContext(this.arch, header.contextRecord, header.contextOffset);
    if (!this.context) warnings.push({ code: 'NoContext', message: `no CONTEXT decoder for machine ${hex(header.machineImageType)}`, offset: header.contextOffset });
  }

  get addressMask(): bigint {
    return this.pointerBits === 32 ? 0xffff_ffffn : 0xffff_ffff_ffff_ffffn;
  }

  /** Build the page map (or triage block) and the memory reader. */
  /** One string budget for the whole dump (driver names from the triage block and the loader list). */
  private stringsBudget: StringBudget | undefined;
  private get strings(): StringBudget {
    return (this.stringsBudget ??= new StringBudget(this.warnings));
  }

  async init(): Promise<void> {
    const h = this.header;
    const w = this.warnings;
    const required = h.requiredDumpSpace;
    if (required > 0n && required !== BigInt(PAGE_FILL32) && required > BigInt(this.source.size) && h.dumpType !== DumpType.Triage) {
      w.push({ code: 'TruncatedDump', message: `RequiredDumpSpace is ${required} bytes but the file has ${this.source.size}: analysing what is there`, offset: 0 });
    }
    switch (h.dumpType) {
      case DumpType.Triage:
        this.triage = await readTriageBlock(this.source, h.headerSize, h.bits, w, this.strings);
        this.memory = new RangeMemory(this.source, this.triageRanges(), this.addressMask);
        return;
      case DumpType.Full:
        this.physMap = buildRunMapFromHeader(h.physicalMemoryBlock, h.physicalMemoryBlockOffset, h.bits, h.headerSize, this.source.size, w);
        break;
      case DumpType.Summary: {
        const r = await buildSummaryMap(this.source, h.headerSize, h.bits, w);
        this.physMap = r.map;
        this.subHeader = r.header;
        break;
      }
      case DumpType.BitmapFull:
      case DumpType.BitmapKernel: {
        const r = await buildBitmapMap(this.source, h.headerSize, w);
        this.physMap = r.map;
        this.subHeader = r.header;
        this.dumpTypeName = dumpTypeName(h.dumpType, (r.map.summary().signature as string) ?? undefined);
        break;
      }
      case DumpType.RdmpKernel:
      case DumpType.RdmpKernelAndUser:
      case DumpType.RdmpComplete: {
        if (h.bits !== 64) throw new UnsupportedDumpError(`RDMP dump type ${h.dumpType} in a 32-bit header`, { struct: 'DUMP_HEADER32', offset: h.offsets.dumpType });
        const r = await buildRdmpMap(this.source, h.headerSize, h.dumpType, w);
        this.physMap = r.map;
        this.subHeader = r.header;
        break;
      }
      default:
        w.push({ code: 'NoPageMap', message: `dump type ${h.dumpType} (${this.dumpTypeName}) has no physical memory we can read: header only`, offset: h.offsets.dumpType });
        return;
    }
    const mode: PagingMode | undefined =
      this.arch === 'x64' ? 'x64' : this.arch === 'arm64' ? 'arm64' : this.arch === 'x86' ? (h.paeEnabled ? 'pae' : 'x86') : undefined;
    if (!mode) {
      w.push({ code: 'NoTranslation', message: `no page-table walker for machine ${hex(h.machineImageType)}` });
      return;
    }
    const phys = new PhysicalMemory(this.source, this.physMap);
    this.translator = new Translator(phys, mode, h.directoryTableBase, w);
    this.memory = new PagedMemory(this.translator, phys, this.addressMask);
  }

  private triageRanges(): VaRange[] {
    const t = this.triage!;
    const ranges = [...t.ranges];
    if (t.debuggerData && this.header.kdDebuggerDataBlock) {
      ranges.push({ address: this.header.kdDebuggerDataBlock & this.addressMask, size: t.debuggerData.size, fileOffset: t.debuggerData.offset, kind: 'kdbg' });
    }
    return ranges;
  }

  /** KDDEBUGGER_DATA64, from the triage copy or through translation. */
  kdbg(): Promise<KdbgResult> {
    this.kdbgMemo ??= (async () => {
      const t = this.triage;
      let bytes: Uint8Array | undefined;
      let off = 0;
      if (t?.debuggerData) {
        off = t.debuggerData.offset;
        bytes = await this.source.read(off, Math.min(t.debuggerData.size, 0x1000), 'KDDEBUGGER_DATA64');
      } else if (!t && this.header.kdDebuggerDataBlock) {
        bytes = await this.memory.readPrefix(this.header.kdDebuggerDataBlock & this.addressMask, 0x3a8);
        off = (await this.memory.fileOffsetOf?.(this.header.kdDebuggerDataBlock)) ?? 0;
      }
      if (!bytes || bytes.length === 0) return { state: 'short', size: 0 } as KdbgResult;
      const r = decodeKdbg(bytes, off, this.header.bits);
      if (r.state === 'encoded') this.warnings.push({ code: 'KdbgEncoded', message: 'KDDEBUGGER_DATA64 is encoded (no "KDBG" tag) and cannot be decoded without symbols: using the header copies', offset: off });
      return r;
    })();
    return this.kdbgMemo;
  }

  /**
   * The kernel's build lab string, read through KDDEBUGGER_DATA64.NtBuildLab ("19041.1.amd64fre.vb_release.191206-1406"):
   * undefined when the pointer or the page is not in the dump (kernel-generated triage dumps of
   * 26100 leave it out). ASCII, NUL-terminated within 128 bytes, or it is not taken.
   */
  async ntBuildLab(): Promise<string | undefined> {
    const k = await this.kdbg();
    const va = k.fields?.ntBuildLab as bigint | undefined;
    if (!va || !isKernelPointer(va, this.pointerBits)) return undefined;
    const bytes = await this.memory.readPrefix(va & this.addressMask, 128);
    const end = bytes.indexOf(0);
    if (end <= 0) return undefined;
    for (let i = 0; i < end; i++) if (bytes[i]! < 0x20 || bytes[i]! > 0x7e) return undefined;
    return String.fromCharCode(...bytes.subarray(0, end));
  }

  private ptrSize(): number {
    return this.pointerBits / 8;
  }

  /** The bug-checking thread, its process and stack, from the triage copies or through KDBG. */
  crashingThread(): Promise<CrashingThreadInfo> {
    this.threadMemo ??= (async () => {
      const info: CrashingThreadInfo = {};
      const k = await this.kdbg();
      const f = k.fields ?? {};
      const n = (name: string): number | undefined => (f[name] === undefined ? undefined : Number(f[name]));
      const bits = this.pointerBits;
      const ptr = this.ptrSize();
      const build = this.header.minorVersion;
      const cid = CID_OFFSETS[`${this.arch}:${build}`];
      const threadFields = (thread: Uint8Array): CrashingThreadInfo => {
        const r: CrashingThreadInfo = {};
        const init = n('offsetKThreadInitialStack');
        const lim = n('offsetKThreadStackLimit');
        const base = n('offsetKThreadStackBase');
        if (init && init + ptr <= thread.length) r.initialStack = readPointer(thread, init, bits);
        if (lim && lim + ptr <= thread.length) r.stackLimit = readPointer(thread, lim, bits);
        if (base && base + ptr <= thread.length) r.stackBase = readPointer(thread, base, bits);
        const ap = n('offsetKThreadApcProcess');
        if (ap && ap + ptr <= thread.length) r.processAddress = readPointer(thread, ap, bits);
        if (cid && cid.cid + 2 * ptr <= thread.length) r.tid = Number(readPointer(thread, cid.cid + ptr, bits));
        return r;
      };
      const readProcess = (proc: Uint8Array): void => {
        const name = findImageFileName(proc, this.arch, build);
        if (name) {
          info.processName = name.name;
          info.processNameOffset = name.offset;
          info.processNameHow = name.how;
        }
        if (cid && cid.pid + ptr <= proc.length) info.pid = Number(readPointer(proc, cid.pid, bits));
      };
      const t = this.triage;
      if (t) {
        if (t.prcb) {
          const prcb = await this.source.read(t.prcb.offset, t.prcb.size, 'KPRCB copy');
          const cur = n('offsetPrcbCurrentThread');
          if (cur && cur + ptr <= prcb.length) info.threadAddress = readPointer(prcb, cur, bits);
          const oc = n('offsetPrcbContext');
          if (oc && oc + ptr <= prcb.length) info.contextAddress = readPointer(prcb, oc, bits);
        }
        if (t.thread) Object.assign(info, threadFields(await this.source.read(t.thread.offset, t.thread.size, 'ETHREAD copy')));
        if (t.process) readProcess(await this.source.read(t.process.offset, t.process.size, 'EPROCESS copy'));
        await this.loadPrcbContext(info);
        return info;
      }
      // Full dumps: KiProcessorBlock[cpu] → KPRCB → CurrentThread → ApcState.Process.
      const kpb = f.kiProcessorBlock as bigint | undefined;
      const cur = n('offsetPrcbCurrentThread');
      if (!kpb || !cur || !isKernelPointer(kpb, bits)) return info;
      const cpus = Math.min(Math.max(1, this.header.numberProcessors), 64);
      const arr = await this.memory.readPrefix(kpb, cpus * ptr);
      const sp = this.context?.sp;
      let chosen: CrashingThreadInfo | undefined;
      for (let cpu = 0; cpu * ptr + ptr <= arr.length; cpu++) {
        const prcb = readPointer(arr, cpu * ptr, bits);
        if (!isKernelPointer(prcb, bits)) continue;
        const tb = await this.memory.read(prcb + BigInt(cur), ptr);
        if (!tb) continue;
        const thread = readPointer(tb, 0, bits);
        if (!isKernelPointer(thread, bits)) continue;
        const tbytes = await this.memory.readPrefix(thread, Math.max(0x800, (n('sizeEThread') ?? 0)));
        const cand: CrashingThreadInfo = { ...threadFields(tbytes), prcbAddress: prcb, threadAddress: thread, cpu };
        const oc = n('offsetPrcbContext');
        const cb = oc ? await this.memory.read(prcb + BigInt(oc), ptr) : undefined;
        if (cb) cand.contextAddress = readPointer(cb, 0, bits);
        const lo = cand.stackLimit;
        const hi = cand.initialStack ?? cand.stackBase;
        if (sp !== undefined && lo !== undefined && hi !== undefined && sp >= lo && sp <= hi) {
          chosen = cand;
          break;
        }
        chosen ??= cand;
      }
      if (!chosen) return info;
      Object.assign(info, chosen);
      await this.loadPrcbContext(info);
      if (info.processAddress && isKernelPointer(info.processAddress, bits)) {
        const size = Math.min(Math.max(n('sizeEProcess') ?? 0, 0x800), 0x1000);
        readProcess(await this.memory.readPrefix(info.processAddress, size));
      }
      return info;
    })();
    return this.threadMemo;
  }

  /** Decode the CONTEXT the KPRCB points at, when it is in the dump and looks sane. */
  private async loadPrcbContext(info: CrashingThreadInfo): Promise<void> {
    const a = info.contextAddress;
    if (!a || !isKernelPointer(a, this.pointerBits)) return;
    const size = this.arch === 'x64' ? 0x4d0 : this.arch === 'arm64' ? 0x390 : this.arch === 'x86' ? 0x2cc : 0;
    if (!size) return;
    const bytes = await this.memory.read(a, size);
    if (!bytes) return;
    const off = (await this.memory.fileOffsetOf?.(a)) ?? 0;
    const ctx = decodeContext(this.arch, bytes, off);
    if (ctx && isKernelPointer(ctx.sp, this.pointerBits) && isKernelPointer(ctx.ip, this.pointerBits)) {
      ctx.at = { struct: `${ctx.at?.struct ?? 'CONTEXT'} (KPRCB.Context)`, offset: off };
      info.context = ctx;
    }
  }

  /** Loaded drivers: the triage list, or a PsLoadedModuleList walk. */
  modules(): Promise<ModuleFacts[]> {
    this.modulesMemo ??= (async () => {
      const t = this.triage;
      if (t) {
        const def = this.pointerBits === 64 ? 'DUMP_DRIVER_ENTRY64' : 'DUMP_DRIVER_ENTRY32';
        return t.drivers.map((d) => {
          // Real dumps store the full path (\SystemRoot\system32\ntoskrnl.exe) in the pool.
          const m: ModuleFacts = { name: fileNameOf(d.name), path: d.name, base: d.base, size: d.size, at: { struct: def, offset: d.offset } };
          if (d.timestamp) m.timestamp = d.timestamp;
          if (d.checksum) m.checksum = d.checksum;
          return m;
        });
      }
      if (!this.physMap) return [];
      const k = await this.kdbg();
      const head = (k.fields?.psLoadedModuleList as bigint | undefined) ?? this.header.psLoadedModuleList;
      return walkLoadedModules(this.memory, head & this.addressMask, this.pointerBits, this.warnings, true, this.strings);
    })();
    return this.modulesMemo;
  }

  async unloadedModules(): Promise<UnloadedModuleFacts[]> {
    const t = this.triage;
    if (t) {
      const def = this.pointerBits === 64 ? 'DUMP_UNLOADED_DRIVERS64' : 'DUMP_UNLOADED_DRIVERS32';
      return t.unloaded.map((u) => ({
        name: u.name,
        path: u.name,
        base: u.start,
        size: u.end > u.start && u.end - u.start < 1n << 32n ? Number(u.end - u.start) : 0,
        at: { struct: def, offset: u.offset },
      }));
    }
    if (!this.physMap) return [];
    const k = await this.kdbg();
    const v = k.fields?.mmUnloadedDrivers as bigint | undefined;
    if (!v || !isKernelPointer(v, this.pointerBits)) return [];
    return readUnloadedDrivers(this.memory, v, this.pointerBits, this.warnings, this.strings);
  }

  facts(): Promise<DumpFacts> {
    this.factsMemo ??= (async () => {
      const h = this.header;
      const [modules, unloadedModules, thread, kdbg] = [await this.modules(), await this.unloadedModules(), await this.crashingThread(), await this.kdbg()];
      const build = h.minorVersion;
      const headerStruct = h.bits === 64 ? 'DUMP_HEADER64' : 'DUMP_HEADER32';
      const sysTime = filetimeToIso(h.systemTime);
      const facts: DumpFacts = {
        format: 'kernel',
        dumpType: this.dumpTypeName,
        arch: this.arch,
        pointerSize: this.pointerBits === 64 ? 8 : 4,
        system: {
          os: 'windows',
          build,
          cpuCount: h.numberProcessors,
        },
        bugcheck: {
          code: h.bugCheckCode,
          args: h.bugCheckParameters.map((a) => a & this.addressMask) as [bigint, bigint, bigint, bigint],
          at: { struct: headerStruct, offset: h.offsets.bugCheckCode },
        },
        modules,
        unloadedModules,
        threads: [],
        memory: this.memory,
        extra: {},
        warnings: this.warnings,
      };
      const ver = windowsVersion(build);
      if (ver) facts.system.osVersion = ver;
      // OS_VERSION's revision and BUILDLAB_STR, from the kernel's own NtBuildLab string when the dump holds it.
      const labText = await this.ntBuildLab();
      const lab = labText ? buildLabFacts(labText, 'KDDEBUGGER_DATA64.NtBuildLab', ver) : undefined;
      if (lab) Object.assign(facts.system, lab);
      if (sysTime) facts.system.crashTime = sysTime;
      if (h.systemUpTime > 0n && h.systemUpTime !== 0x4547415045474150n) facts.system.uptimeSeconds = Number(h.systemUpTime / 10_000_000n);
      const pt = PRODUCT_TYPE[h.productType];
      if (pt) facts.system.productType = pt;
      if (thread.processName) facts.process = { name: thread.processName, ...(thread.pid !== undefined ? { pid: thread.pid } : {}) };
      const exc = h.exception;
      if (exc.code !== 0 && exc.code !== PAGE_FILL32 && exc.code !== 0x80000003) {
        facts.exception = {
          code: exc.code,
          flags: exc.flags,
          address: exc.address & this.addressMask,
          threadId: thread.tid ?? 0,
          parameters: exc.information.slice(0, Math.min(15, exc.numberParameters)),
          at: { struct: h.bits === 64 ? 'EXCEPTION_RECORD64' : 'EXCEPTION_RECORD32', offset: exc.offset },
        };
        if (exc.record) facts.exception.nestedRecord = exc.record;
        if (this.context) facts.exception.context = this.context;
      }
      const tid = thread.tid ?? 0;
      const th: DumpFacts['threads'][number] = { id: tid, crashing: true };
      // The bug-checking frame: KPRCB.Context when present (what WinDbg and rizin show), else
      // the header CONTEXT (which on x64 0x7E dumps holds the faulting context instead).
      const ctx = thread.context ?? this.context;
      if (ctx) th.context = ctx;
      if (this.triage?.stack) {
        th.stack = { startAddress: this.triage.stack.address, size: this.triage.stack.size, at: { struct: 'TRIAGE_DUMP.CallStack', offset: this.triage.stack.offset } };
      } else if (ctx && (thread.initialStack ?? thread.stackBase) !== undefined && (thread.initialStack ?? thread.stackBase)! > ctx.sp && (thread.initialStack ?? thread.stackBase)! - ctx.sp < 0x10_0000n) {
        th.stack = { startAddress: ctx.sp, size: Number((thread.initialStack ?? thread.stackBase)! - ctx.sp) };
      } else if (ctx && this.physMap) {
        th.stack = { startAddress: ctx.sp, size: 0x3000 };
      }
      facts.threads.push(th);
      if (thread.tid !== undefined) facts.crashingThreadId = thread.tid;
      facts.extra = {
        kernel: {
          dumpTypeValue: h.dumpType,
          majorVersion: h.majorVersion,
          checkedBuild: h.majorVersion === 0xc,
          machineImageType: h.machineImageType,
          directoryTableBase: h.directoryTableBase,
          pfnDataBase: h.pfnDataBase,
          psLoadedModuleList: h.psLoadedModuleList,
          psActiveProcessHead: h.psActiveProcessHead,
          kdDebuggerDataBlock: h.kdDebuggerDataBlock,
          paeEnabled: h.paeEnabled,
          comment: h.comment || undefined,
          suiteMask: h.suiteMask,
          miniDumpFields: h.miniDumpFields,
          secondaryDataState: h.secondaryDataState,
          writerStatus: h.writerStatus,
          requiredDumpSpace: h.requiredDumpSpace,
          headerContext: this.context,
          prcbContextAddress: thread.contextAddress,
          headerException: { code: exc.code, flags: exc.flags, address: exc.address, numberParameters: exc.numberParameters },
          kdbgState: kdbg.state,
          kdbg: kdbg.fields ? pickKdbg(kdbg.fields) : undefined,
          prcbAddress: thread.prcbAddress,
          threadAddress: thread.threadAddress,
          processAddress: thread.processAddress,
          processNameSource: thread.processNameHow,
          stackBase: thread.stackBase,
          stackLimit: thread.stackLimit,
          initialStack: thread.initialStack,
          cpu: thread.cpu,
          pageMap: this.physMap?.summary(),
        },
      };
      if (this.triage) {
        const t = this.triage;
        (facts.extra as Record<string, unknown>).triage = {
          valid: t.valid,
          overflowed: t.overflowed,
          triageOptions: t.raw.triageOptions,
          brokenDriver: t.brokenDriver?.name ?? null,
          brokenDriverOffset: t.raw.brokenDriverOffset,
          callStackSize: t.stack?.size ?? 0,
          topOfStack: t.stack?.address,
          driverCount: t.drivers.length,
          unloadedDriverCount: t.unloaded.length,
          dataBlockCount: t.dataBlockCount,
          mm: t.mm,
          prcbOffset: t.prcb?.offset,
          processOffset: t.process?.offset,
          threadOffset: t.thread?.offset,
        };
      }
      return facts;
    })();
    return this.factsMemo;
  }

  describe(): Promise<Record<string, unknown>> {
    return describeKernelDump(this);
  }

  details(): Promise<Record<string, unknown>> {
    return detailsOfKernelDump(this);
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}

const KDBG_PICK = ['kernBase', 'psLoadedModuleList', 'psActiveProcessHead', 'kiProcessorBlock', 'mmUnloadedDrivers', 'mmLastUnloadedDriver', 'mmPfnDatabase', 'ntBuildLab', 'cmNtCSDVersion', 'offsetPrcbCurrentThread', 'offsetKThreadApcProcess', 'offsetKThreadInitialStack', 'offsetKThreadStackLimit', 'offsetKThreadStackBase', 'sizeEProcess', 'sizeEThread', 'pteBase', 'size'];
function pickKdbg(f: Record<string, bigint | number>): Record<string, bigint | number> {
  const out: Record<string, bigint | number> = {};
  for (const k of KDBG_PICK) if (f[k] !== undefined) out[k] = f[k]!;
  return out;
}

export async function openKernelDump(source: CountingSource, bits: 32 | 64, opts: OpenOptions): Promise<Dump> {
  const headerSize = bits === 64 ? 0x2000 : 0x1000;
  const struct = bits === 64 ? 'DUMP_HEADER64' : 'DUMP_HEADER32';
  if (source.size < headerSize) {
    throw new TruncatedDumpError({ struct, offset: 0, wanted: headerSize, available: source.size, path: source.name });
  }
  const page = await source.read(0, headerSize, struct);
  const header = decodeKernelHeader(page, bits);
  const warnings: DumpWarning[] = [];
  if (bits === 64 && header.machineImageType === MachineType.I386) {
    throw new DumpFormatError('BadValue', 'a 64-bit header with an x86 machine type', { struct, offset: 0x30 });
  }
  const dump = new KernelDumpFile(source, header, warnings, opts);
  await dump.init();
  return dump;
}
