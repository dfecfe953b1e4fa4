// The minidump Dump handle: lazy, memoized stream decoding; facts() for triage; describe() for
// `dumptriage dump`; details() for report.details.
//
// What facts() reads: header, directory, SystemInfo, MiscInfo, the module / unloaded module /
// thread / thread-name tables with their strings and CodeView records (coalesced windows), the
// general-register prefix of each thread context, the exception stream and its context, and the
// small breakpad/crashpad streams. It never reads memory contents or the Memory64List table: the
// MemoryReader does that on demand.

import { StreamType, MinidumpTypeFlag } from '../../../native-structs/constants/minidump.js';
import type { Arch, CpuContext, DumpFacts, ModuleFacts, ThreadFacts, UnloadedModuleFacts } from '../../analysis/facts/types.js';
import { isDumpError, type DumpWarning } from '../../errors.js';
import type { CountingSource } from '../../reader/byte-source.js';
import { unixToIso } from '../../reader/text.js';
import { hex } from '../../util/hex.js';
import type { DescribeOptions, Dump, OpenOptions } from '../dump.js';
import { cutAtDecode, isCutSummary } from '../../util/list-budget.js';
import { chooseLayout, decodeFullContext, registerPrefixSize, registersFrom, contextKindFromFlags } from '../cpu-context.js';
import { buildLabFacts } from '../build-lab.js';
import { MinidumpFile, type StreamEntry } from './file.js';
import { MinidumpMemory } from './memory.js';
import { isKnownStreamType, minidumpFlagNames, streamTypeName } from './names.js';
import type { StreamContext } from './stream.js';
import { STREAM_DECODERS } from './streams/index.js';
import type { AssertionInfo } from './streams/assertion-info.js';
import type { BreakpadInfo } from './streams/breakpad-info.js';
import { dumpDictionary, stringAnnotations, type CrashpadInfo } from './streams/crashpad-info.js';
import type { ExceptionStream } from './streams/exception.js';
import { addMemoryListRanges } from './streams/memory-list.js';
import { addMemory64Ranges, type Memory64List } from './streams/memory64-list.js';
import type { MiscInfo } from './streams/misc-info.js';
import type { Module } from './streams/module-list.js';
import type { SystemInfo } from './streams/system-info.js';
import type { ThreadList, RawThread } from './streams/thread-list.js';
import type { ThreadName } from './streams/thread-names.js';
import type { UnloadedModule } from './streams/unloaded-module-list.js';
import { parseKeyValues } from './streams/linux-text.js';

/** What `stream()` gives for a stream the dump does not have (or cannot decode at all). */
const ABSENT: Promise<undefined> = Promise.resolve(undefined);

const POINTER_8: ReadonlySet<Arch> = new Set<Arch>(['x64', 'arm64', 'ppc64', 'mips64', 'ia64', 'riscv64']);

/** Tables that may hold 10^6 entries: under a list budget, decoded only that far (describe). */
const CUT_AT_DECODE = new Map<number, { what: string; list: (v: unknown) => unknown[] }>([
  [StreamType.MemoryList, { what: 'memory ranges', list: (v) => v as unknown[] }],
  [StreamType.Memory64List, { what: 'memory ranges', list: (v) => (v as Memory64List).ranges }],
  [StreamType.MemoryInfoList, { what: 'memory info entries', list: (v) => v as unknown[] }],
  [StreamType.HandleData, { what: 'handles', list: (v) => (v as { handles: unknown[] }).handles }],
]);

export class MinidumpDump implements Dump {
  readonly format = 'minidump' as const;
  private readonly memo = new Map<number, Promise<unknown>>();
  private system?: SystemInfo;
  private factsMemo?: Promise<DumpFacts>;
  private memoryReader?: MinidumpMemory;

  private constructor(
    readonly file: MinidumpFile,
    private readonly opts: OpenOptions,
  ) {}

  get source(): CountingSource {
    return this.file.source;
  }

  get warnings(): DumpWarning[] {
    return this.file.warnings;
  }

  static async open(source: CountingSource, opts: OpenOptions): Promise<MinidumpDump> {
    const file = await MinidumpFile.open(source);
    const dump = new MinidumpDump(file, opts);
    dump.system = await dump.stream<SystemInfo>(StreamType.SystemInfo);
    if (!dump.system) file.warn('NoSystemInfo', 'no usable SystemInfo stream: OS and CPU unknown, contexts decoded from their flags');
    return dump;
  }

  /** Decode a stream by type, once; undefined when absent, out of bounds or undecodable (warning). */
  stream<T>(type: number): Promise<T | undefined> {
    let p = this.memo.get(type);
    if (!p) {
      const entry = this.file.findStream(type);
      // Most streams asked for are absent: one shared settled promise, no async call for them.
      p = entry?.inBounds && STREAM_DECODERS.has(entry.type) ? this.decodeEntry(entry) : ABSENT;
      this.memo.set(type, p);
    }
    return p as Promise<T | undefined>;
  }

  private async decodeEntry(entry: StreamEntry | undefined): Promise<unknown> {
    if (!entry || !entry.inBounds) return undefined;
    const decoder = STREAM_DECODERS.get(entry.type);
    if (!decoder) return undefined;
    return this.inStream(entry, (ctx) => decoder.decode(ctx));
  }

  /** Runs a reader over a stream's context; a dump error becomes one StreamDecodeFailed warning. */
  private async inStream<T>(entry: StreamEntry, run: (ctx: StreamContext) => Promise<T>): Promise<T | undefined> {
    const ctx: StreamContext = {
      file: this.file,
      entry,
      system: this.system,
      deep: Boolean(this.opts.deep),
      stream: (t) => this.stream(t),
    };
    try {
      return await run(ctx);
    } catch (e) {
      if (!isDumpError(e)) throw e;
      this.file.warn('StreamDecodeFailed', `${streamTypeName(entry.type)} could not be decoded (${e.code}): ${e.message}`, e.offset ?? entry.rva);
      return undefined;
    }
  }

  /** Runs a table reader (not memoized: its caller keeps the result) over a stream when present. */
  private async withStream(type: number, run: (ctx: StreamContext) => Promise<void>): Promise<void> {
    const entry = this.file.findStream(type);
    if (entry?.inBounds) await this.inStream(entry, run);
  }

  get arch(): Arch {
    return this.system?.arch ?? 'unknown';
  }

  private async threadList(): Promise<ThreadList | undefined> {
    return (await this.stream<ThreadList>(StreamType.ThreadList)) ?? (await this.stream<ThreadList>(StreamType.ThreadExList));
  }

  /**
   * Read and decode the general registers of a context location, once per (rva, size, arch):
   * threads that share a CONTEXT share the decoded (read-only) object, and its warnings are
   * given once, naming the first thread.
   */
  private registers(loc: { dataSize: number; rva: number }, what: string, archHint: Arch): Promise<CpuContext | undefined> {
    if (loc.dataSize === 0 || loc.rva === 0) return Promise.resolve(undefined);
    return this.file.decodeOnce('CONTEXT', loc.rva, loc.dataSize, archHint, () => this.decodeRegisters(loc, what, archHint));
  }

  private async decodeRegisters(loc: { dataSize: number; rva: number }, what: string, archHint: Arch): Promise<CpuContext | undefined> {
    if (loc.rva > this.file.size || loc.dataSize > this.file.size - loc.rva) {
      this.file.warn('ContextOutOfBounds', `${what}: context (${loc.dataSize} bytes at ${hex(loc.rva)}) is outside the file`, loc.rva);
      return undefined;
    }
    const want = Math.min(loc.dataSize, registerPrefixSize(archHint));
    const head = await this.file.read(loc.rva, want, 'CONTEXT');
    const chosen = chooseLayout(head, archHint, loc.dataSize);
    if (!chosen) {
      this.file.warn('UnknownContext', `${what}: context of ${loc.dataSize} bytes names no CPU we decode`, loc.rva);
      return undefined;
    }
    if (chosen.mismatch) this.file.warn('ContextMismatch', `${what}: ${chosen.mismatch}`, loc.rva);
    if (loc.dataSize < chosen.layout.def.size) {
      this.file.warn('ShortContext', `${what}: context is ${loc.dataSize} bytes, ${chosen.layout.def.name} needs ${chosen.layout.def.size}`, loc.rva);
    }
    let bytes = head;
    if (head.length < chosen.layout.prefix && loc.dataSize >= chosen.layout.prefix) bytes = await this.file.read(loc.rva, chosen.layout.prefix, 'CONTEXT');
    const ctx = registersFrom(bytes, chosen.layout, { struct: chosen.layout.def.name, offset: loc.rva });
    if (!ctx) this.file.warn('ShortContext', `${what}: context too short for the general registers`, loc.rva);
    return ctx;
  }

  /** Every field of a context location, decoded once per (rva, size): shared, read-only. */
  private fullContext(loc: { dataSize: number; rva: number }): Promise<Record<string, unknown> | undefined> {
    if (loc.dataSize === 0 || loc.rva === 0 || loc.rva > this.file.size || loc.dataSize > this.file.size - loc.rva) return Promise.resolve(undefined);
    return this.file.decodeOnce('CONTEXT (full)', loc.rva, loc.dataSize, this.arch, () => this.decodeFullContextAt(loc));
  }

  private async decodeFullContextAt(loc: { dataSize: number; rva: number }): Promise<Record<string, unknown> | undefined> {
    const bytes = await this.file.read(loc.rva, Math.min(loc.dataSize, 64 * 1024), 'CONTEXT');
    const chosen = chooseLayout(bytes, this.arch, loc.dataSize);
    if (!chosen) return { size: loc.dataSize, undecoded: 'no known CPU in ContextFlags' };
    return decodeFullContext(bytes, chosen.layout, loc.rva);
  }

  memory(): MinidumpMemory {
    if (!this.memoryReader) {
      const hasLarge = this.file.findStream(StreamType.Memory64List)?.inBounds === true;
      this.memoryReader = new MinidumpMemory(
        this.file,
        async (into) => {
          await this.withStream(StreamType.MemoryList, (ctx) => addMemoryListRanges(ctx, into));
          // Threads may share one stack descriptor (hostile dumps): each distinct range once.
          const seen = new Set<string>();
          for (const t of (await this.threadList())?.threads ?? []) {
            const s = t.stack;
            if (s.memory.rva === 0 || s.memory.dataSize === 0) continue;
            const key = `${s.startOfMemoryRange}:${s.memory.dataSize}:${s.memory.rva}`;
            if (seen.has(key)) continue;
            seen.add(key);
            into.add(s.startOfMemoryRange, s.startOfMemoryRange + BigInt(s.memory.dataSize), s.memory.rva);
          }
        },
        (into) => this.withStream(StreamType.Memory64List, (ctx) => addMemory64Ranges(ctx, into)),
        hasLarge,
      );
    }
    return this.memoryReader;
  }

  facts(): Promise<DumpFacts> {
    if (!this.factsMemo) this.factsMemo = this.buildFacts();
    return this.factsMemo;
  }

  private async buildFacts(): Promise<DumpFacts> {
    const f = this.file;
    const h = f.header;
    const sys = this.system;
    const misc = await this.stream<MiscInfo>(StreamType.MiscInfo);
    const exc = await this.stream<ExceptionStream>(StreamType.Exception);
    let arch: Arch = sys?.arch ?? 'unknown';

    const modules: ModuleFacts[] = ((await this.stream<Module[]>(StreamType.ModuleList)) ?? []).map((m) => {
      const out: ModuleFacts = { name: m.name, path: m.path, base: m.raw.baseOfImage, size: m.raw.sizeOfImage, at: { struct: 'MINIDUMP_MODULE', offset: m.offset } };
      if (m.raw.timeDateStamp) out.timestamp = m.raw.timeDateStamp;
      out.checksum = m.raw.checkSum;
      if (m.version) out.version = m.version;
      if (m.productVersion) out.productVersion = m.productVersion;
      if (m.codeView) out.pdb = { name: m.codeView.name, guid: m.codeView.guid, age: m.codeView.age, debugId: m.codeView.debugId, kind: m.codeView.kind };
      return out;
    });
    const unloadedModules: UnloadedModuleFacts[] = ((await this.stream<UnloadedModule[]>(StreamType.UnloadedModuleList)) ?? []).map((m) => {
      const out: UnloadedModuleFacts = { name: m.name, path: m.path, base: m.baseOfImage, size: m.sizeOfImage, at: { struct: 'MINIDUMP_UNLOADED_MODULE', offset: m.offset } };
      if (m.timeDateStamp) out.timestamp = m.timeDateStamp;
      out.checksum = m.checkSum;
      return out;
    });

    const list = await this.threadList();
    const names = new Map<number, string>();
    for (const n of (await this.stream<ThreadName[]>(StreamType.ThreadNames)) ?? []) if (n.name !== undefined && !names.has(n.threadId)) names.set(n.threadId, n.name);

    // No SystemInfo: take the architecture from the first context that names a CPU.
    const rawThreads: RawThread[] = list?.threads ?? [];
    if (arch === 'unknown') {
      const loc = exc?.threadContext ?? rawThreads[0]?.threadContext;
      if (loc && loc.dataSize >= 0x34 && loc.rva <= f.size - 0x34) {
        const head = await f.read(loc.rva, 0x34, 'CONTEXT');
        const dv = new DataView(head.buffer, head.byteOffset);
        const k = contextKindFromFlags(dv.getUint32(0x30, true)) === 'amd64' ? 'amd64' : contextKindFromFlags(dv.getUint32(0, true));
        arch = k === 'amd64' ? 'x64' : k === 'x86' ? 'x86' : k === 'arm64' || k === 'arm64-old' ? 'arm64' : k === 'arm' || k === 'arm-windows' ? 'arm' : 'unknown';
      }
    }

    const excContext = exc ? await this.registers(exc.threadContext, 'exception context', arch) : undefined;
    const listStart = (f.findStream(StreamType.ThreadList) ?? f.findStream(StreamType.ThreadExList))?.rva ?? 0;
    const threads: ThreadFacts[] = [];
    const prefix = registerPrefixSize(arch);
    await f.prefetchEach(rawThreads, (t) => [{ offset: t.threadContext.rva, length: Math.min(t.threadContext.dataSize, prefix) }], async (t) => {
      const crashing = exc !== undefined && t.threadId === exc.threadId;
      const th: ThreadFacts = { id: t.threadId, crashing, teb: t.teb, priority: t.priority, suspendCount: t.suspendCount };
      const name = names.get(t.threadId);
      if (name !== undefined) th.name = name;
      const ctx = crashing && excContext ? excContext : await this.registers(t.threadContext, `thread ${t.threadId}`, arch);
      if (ctx) th.context = ctx;
      if (t.stack.memory.dataSize > 0 || t.stack.startOfMemoryRange !== 0n) {
        th.stack = { startAddress: t.stack.startOfMemoryRange, size: t.stack.memory.dataSize, at: { struct: 'MINIDUMP_THREAD', offset: listStart } };
      }
      threads.push(th);
    });

    const facts: DumpFacts = {
      format: 'minidump',
      dumpType: (h.flags & BigInt(MinidumpTypeFlag.MiniDumpWithFullMemory)) !== 0n ? 'minidump-full' : 'minidump',
      arch,
      pointerSize: POINTER_8.has(arch) ? 8 : 4,
      system: { os: sys?.os ?? 'unknown' },
      modules,
      unloadedModules,
      threads,
      memory: this.memory(),
      extra: {},
      warnings: f.warnings,
    };
    const s = facts.system;
    if (sys) {
      s.osVersion = sys.osVersion;
      s.build = sys.raw.buildNumber;
      if (sys.csdVersion) s.servicePack = sys.csdVersion;
      if (sys.productType) s.productType = sys.productType;
      s.cpuCount = sys.raw.numberOfProcessors;
      if (sys.cpuVendor) s.cpuVendor = sys.cpuVendor;
      if (sys.cpuDescription) s.cpuDescription = sys.cpuDescription;
    }
    if (s.os === 'windows') {
      // OS_VERSION's revision and BUILDLAB_STR (src/formats/build-lab.ts): MiscInfo v4+ BuildString
      // when it has a known shape, else Crashpad's update build revision in CSDVersion ("282").
      const lab = misc?.buildString ? buildLabFacts(misc.buildString, 'MINIDUMP_MISC_INFO_4.BuildString', s.osVersion) : undefined;
      if (lab) Object.assign(s, lab);
      if (!s.osVersionFull && s.osVersion && sys?.csdVersion && /^\d{1,6}$/.test(sys.csdVersion.trim())) {
        s.osVersionFull = `${s.osVersion}.${Number(sys.csdVersion.trim())}`;
        s.osVersionFullSource = 'MINIDUMP_SYSTEM_INFO.CSDVersion';
      }
    }
    const crashTime = unixToIso(h.timeDateStamp);
    if (crashTime) s.crashTime = crashTime;
    if (misc?.processCreateTime && h.timeDateStamp >= misc.processCreateTime) s.uptimeSeconds = h.timeDateStamp - misc.processCreateTime;

    const process: NonNullable<DumpFacts['process']> = {};
    if (modules[0]) process.name = modules[0].name;
    if (misc?.processId !== undefined) process.pid = misc.processId;
    if (misc?.processCreateTimeIso) process.createTime = misc.processCreateTimeIso;

    if (exc) {
      const r = exc.exceptionRecord;
      facts.exception = {
        code: r.exceptionCode >>> 0,
        flags: r.exceptionFlags >>> 0,
        address: r.exceptionAddress,
        threadId: exc.threadId,
        parameters: exc.parameters,
        at: { struct: 'MINIDUMP_EXCEPTION_STREAM', offset: exc.offset },
      };
      if (r.exceptionRecord !== 0n) facts.exception.nestedRecord = r.exceptionRecord;
      if (excContext) facts.exception.context = excContext;
      facts.crashingThreadId = exc.threadId;
      if (!rawThreads.some((t) => t.threadId === exc.threadId) && rawThreads.length > 0) {
        f.warn('ExceptionThreadMissing', `exception thread ${exc.threadId} is not in the thread list`, exc.offset);
      }
    }

    await this.addExtras(facts, process);
    if (Object.keys(process).length > 0) facts.process = process;
    return facts;
  }

  private async addExtras(facts: DumpFacts, process: NonNullable<DumpFacts['process']>): Promise<void> {
    const x = facts.extra;
    x.minidumpFlags = minidumpFlagNames(this.file.header.flags);
    if (this.system) {
      x.platform = this.system.platformName;
      x.processorArchitecture = this.system.archName;
    }
    const bp = await this.stream<BreakpadInfo>(StreamType.BreakpadInfo);
    if (bp) x.breakpad = bp;
    const assertion = await this.stream<AssertionInfo>(StreamType.AssertionInfo);
    if (assertion) x.assertion = assertion;
    const cp = await this.stream<CrashpadInfo>(StreamType.CrashpadInfo);
    if (cp) {
      const modules = cp.modules.map((m) => ({
        module: facts.modules[m.moduleIndex]?.name ?? `#${m.moduleIndex}`,
        listAnnotations: m.listAnnotations,
        simpleAnnotations: m.simpleAnnotations,
        annotations: stringAnnotations(m.annotationObjects),
      })).filter((m) => m.listAnnotations.length || Object.keys(m.simpleAnnotations).length || Object.keys(m.annotations).length);
      x.crashpad = { reportId: cp.reportId, clientId: cp.clientId, simpleAnnotations: cp.simpleAnnotations, modules };
      // Null-prototype, filled by plain stores (Object.assign onto a plain object would run the
      // __proto__ setter for a dump's `__proto__` key).
      const all = dumpDictionary();
      for (const d of [cp.simpleAnnotations, ...modules.flatMap((m) => [m.simpleAnnotations, m.annotations])]) {
        for (const [k, v] of Object.entries(d)) all[k] = v;
      }
      const reason = all.MozCrashReason ?? all['moz_crash_reason'];
      if (reason) x.mozCrashReason = reason;
    }
    const linux: Record<string, unknown> = {};
    const lsb = this.file.findStream(StreamType.LinuxLsbRelease);
    if (lsb && lsb.dataSize <= 16 * 1024) {
      const text = await this.stream<string>(StreamType.LinuxLsbRelease);
      if (text) linux.lsbRelease = parseKeyValues(text);
    }
    const cmd = this.file.findStream(StreamType.LinuxCmdLine);
    if (cmd && cmd.dataSize <= 16 * 1024) {
      const argv = await this.stream<string[]>(StreamType.LinuxCmdLine);
      if (argv && argv.length) {
        linux.cmdLine = argv;
        process.commandLine = argv.join(' ');
      }
    }
    const status = this.file.findStream(StreamType.LinuxProcStatus);
    if (status && status.dataSize <= 16 * 1024) {
      const text = await this.stream<string>(StreamType.LinuxProcStatus);
      const m = text ? /^Name:\s*(.+)$/m.exec(text) : null;
      if (m) linux.processName = m[1]!.trim();
      const pid = text ? /^Pid:\s*(\d+)$/m.exec(text) : null;
      if (pid && process.pid === undefined) process.pid = Number(pid[1]);
    }
    if (Object.keys(linux).length) x.linux = linux;
    const comment = (await this.stream<string>(StreamType.CommentW)) ?? (await this.stream<string>(StreamType.CommentA));
    if (comment) x.comment = comment;
    const unknown = this.file.entries().filter((e) => !isKnownStreamType(e.type)).map((e) => ({ type: hex(e.type), rva: hex(e.rva), size: e.dataSize }));
    if (unknown.length) x.unknownStreams = unknown;
  }

  async details(): Promise<Record<string, unknown>> {
    const h = this.file.header;
    return {
      minidumpFlags: minidumpFlagNames(h.flags),
      flags: hex(h.flags),
      version: hex(h.version),
      ...(this.system ? { platform: this.system.platformName, processorArchitecture: this.system.archName } : {}),
      streams: this.file.entries().map((e) => ({ type: hex(e.type), name: streamTypeName(e.type), rva: hex(e.rva), size: e.dataSize, ...(e.duplicate ? { duplicate: true } : {}), ...(e.inBounds ? {} : { outOfBounds: true }) })),
    };
  }

  async describe(opts: DescribeOptions = {}): Promise<Record<string, unknown>> {
    const f = this.file;
    const h = f.header;
    const out: Record<string, unknown> = {
      format: 'minidump',
      header: {
        signature: hex(h.signature),
        version: hex(h.version),
        numberOfStreams: h.numberOfStreams,
        streamDirectoryRva: hex(h.streamDirectoryRva),
        checkSum: hex(h.checkSum),
        timeDateStamp: h.timeDateStamp,
        timeDateStampIso: unixToIso(h.timeDateStamp),
        flags: h.flags,
        flagNames: minidumpFlagNames(h.flags),
      },
      directory: f.directory.map((e) => ({ index: e.index, streamType: e.type, name: streamTypeName(e.type), dataSize: e.dataSize, rva: e.rva, ...(e.duplicate ? { duplicate: true } : {}), ...(e.inBounds ? {} : { outOfBounds: true }) })),
    };
    const streams: Record<string, unknown> = {};
    const unknown: Array<{ type: number; rva: number; size: number }> = [];
    for (const e of f.entries()) {
      if (e.duplicate) continue;
      const decoder = STREAM_DECODERS.get(e.type);
      if (!decoder) {
        unknown.push({ type: e.type, rva: e.rva, size: e.dataSize });
        continue;
      }
      const cutList = opts.listBudget !== undefined ? CUT_AT_DECODE.get(e.type) : undefined;
      let value: unknown;
      if (cutList) {
        // Decoded only up to the budget (not memoized: triage wants the whole table).
        let total = 0;
        const budget = opts.listBudget!;
        value = await this.inStream(e, (ctx) => decoder.decode({ ...ctx, listBudget: budget, onCut: (n) => (total = n) }));
        const list = value === undefined ? undefined : cutList.list(value);
        if (list && total > 0) list.push(cutAtDecode(list.length, total, cutList.what));
      } else value = await this.stream<unknown>(e.type);
      if (value === undefined) {
        streams[decoder.key] = { undecoded: true, rva: e.rva, size: e.dataSize };
        continue;
      }
      if (e.type === StreamType.ThreadList || e.type === StreamType.ThreadExList) {
        const tl = value as ThreadList;
        // A CONTEXT that an earlier thread already showed is given by reference, not again
        // (hostile dumps point thousands of threads at one CONTEXT).
        const threads = [];
        const shownBy = new Map<string, { sameAsIndex: number; sameAsThreadId: number }>();
        for (const [i, t] of tl.threads.entries()) {
          const key = `${t.threadContext.rva}:${t.threadContext.dataSize}`;
          const first = t.threadContext.rva !== 0 && t.threadContext.dataSize !== 0 ? shownBy.get(key) : undefined;
          if (first !== undefined) {
            threads.push({ ...t, context: first });
            continue;
          }
          shownBy.set(key, { sameAsIndex: i, sameAsThreadId: t.threadId });
          threads.push({ ...t, context: await this.fullContext(t.threadContext) });
        }
        value = { count: tl.count, padded: tl.padded, threads };
      } else if (e.type === StreamType.Exception) {
        const ex = value as ExceptionStream;
        value = { ...ex, context: await this.fullContext(ex.threadContext) };
      } else if (e.type === StreamType.ModuleList) {
        value = (value as Module[]).map((m) => ({ ...m.raw, path: m.path, name: m.name, codeId: m.codeId, version: m.version, productVersion: m.productVersion, codeView: m.codeView }));
      } else if (e.type === StreamType.SystemInfo) {
        const s = value as SystemInfo;
        value = { ...s.raw, cpu: s.cpu, arch: s.archName, os: s.platformName, osVersion: s.osVersion, csdVersion: s.csdVersion, cpuVendor: s.cpuVendor, cpuDescription: s.cpuDescription };
      } else if (e.type === StreamType.Memory64List) {
        const m = value as Memory64List;
        value = { numberOfMemoryRanges: m.numberOfMemoryRanges, baseRva: m.baseRva, ranges: m.ranges.map((r) => (isCutSummary(r) ? r : { startOfMemoryRange: r.startOfMemoryRange, dataSize: r.dataSize, rva: r.rva })) };
      }
      streams[decoder.key] = value;
    }
    out.streams = streams;
    if (unknown.length) out.unknownStreams = unknown;
    out.warnings = f.warnings;
    return out;
  }

  async close(): Promise<void> {
    await this.file.source.close();
  }
}
