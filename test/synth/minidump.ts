// SynthMinidump: builds user-mode minidumps (MDMP) for tests, fixtures and benchmarks, encoding every
// structure from the same native-structs declarations the parser is compiled from.
//
// Usage:
//
//   const bytes = new SynthMinidump({ arch: 'x64', timestamp: 1_700_000_000 })
//     .addSystemInfo({ major: 10, minor: 0, build: 19041, cpus: 8, vendor: 'GenuineIntel' })
//     .addMiscInfo({ processId: 4242, processCreateTime: 1_699_999_000 })
//     .addModule({ name: 'C:\\Windows\\System32\\ntdll.dll', base: 0x7ff800000000n, size: 0x1f0000,
//                  version: [10, 0, 19041, 1], pdb: { name: 'ntdll.pdb', guid: '1EB9FACB-04C7-3C5D-EA71-60764CD333D0', age: 1 } })
//     .addThread({ id: 0x1a2c, context: { rip: 0x7ff800001234n, rsp: 0x5000n }, stack: { start: 0x5000n, bytes: stackBytes } })
//     .addThreadName(0x1a2c, 'main')
//     .addException({ threadId: 0x1a2c, code: 0xc0000005, address: 0x7ff800001234n, parameters: [0n, 0x10n] })
//     .addMemory(0x7ff800001200n, codeBytes)          // MemoryList range
//     .addMemory64(0x10000n, bigRange)                // Memory64List range (full-memory style)
//     .addUnloadedModule({ name: 'old.dll', base: 0x10000000n, size: 0x5000 })
//     .addStream(0x47670001, rawBytes)                // any stream, raw payload
//     .build();                                       // → Uint8Array
//
// Layout produced by build(): header (32 bytes), directory (12 × streams), then the auxiliary data
// (strings, CodeView records, contexts, stack and memory bytes) and each stream payload, 4-aligned;
// Memory64List data is contiguous at the end of the file, as dbghelp writes it. Streams appear in
// the directory in the order they were first added (ThreadList, ModuleList ... are each one stream,
// collecting every addThread / addModule call). RVAs are resolved at build(), so the calls can
// come in any order.
//
// Registers: `context` takes lowercase register names of the arch's CONTEXT (x64: rax..r15, rip,
// eflags, segCs...; x86: eax..edi, eip, esp, ebp, eflags; arm64: x0..x28, fp, lr, sp, pc, cpsr).
// `contextBytes` replaces the encoded context with raw bytes (XSTATE tails, broken contexts).
//
// Hostile helpers: `addStream(type, bytes)` puts any payload in; `addRawDirectoryEntry(type, rva,
// size)` adds a directory entry that points wherever you like; `setHeader({...})` overrides header
// fields (version, numberOfStreams, streamDirectoryRva, flags).

import { CONTEXT_AMD64, CONTEXT_ARM64, CONTEXT_ARM64_OLD, CONTEXT_X86 } from '../../native-structs/contexts.js';
import { MINIDUMP_DIRECTORY, MINIDUMP_HEADER } from '../../native-structs/minidump/header.js';
import { MINIDUMP_MEMORY64_LIST, MINIDUMP_MEMORY_DESCRIPTOR, MINIDUMP_MEMORY_DESCRIPTOR64, MINIDUMP_MEMORY_INFO, MINIDUMP_MEMORY_INFO_LIST } from '../../native-structs/minidump/memory.js';
import { MINIDUMP_MODULE, MINIDUMP_UNLOADED_MODULE, MINIDUMP_UNLOADED_MODULE_LIST, CV_INFO_PDB20, CV_INFO_PDB70 } from '../../native-structs/minidump/modules.js';
import { MINIDUMP_THREAD, MINIDUMP_THREAD_INFO, MINIDUMP_THREAD_INFO_LIST, MINIDUMP_THREAD_NAME } from '../../native-structs/minidump/threads.js';
import { MINIDUMP_EXCEPTION_STREAM } from '../../native-structs/minidump/exception.js';
import { MINIDUMP_MISC_INFO, MINIDUMP_MISC_INFO_2, MINIDUMP_MISC_INFO_3, MINIDUMP_MISC_INFO_4, MINIDUMP_MISC_INFO_5, MINIDUMP_SYSTEM_INFO } from '../../native-structs/minidump/system.js';
import { MDRAW_BREAKPAD_INFO } from '../../native-structs/minidump/breakpad.js';
import { ContextCpu, CvSignature, MINIDUMP_SIGNATURE, MINIDUMP_VERSION, PlatformId, ProcessorArchitecture, StreamType, VS_FFI_SIGNATURE } from '../../native-structs/constants/minidump.js';
import type { StructDef } from '../../native-structs/define.js';
import { concat, encodeArray, encodeStruct, utf16, type Values } from './encode.js';

export type SynthArch = 'x86' | 'x64' | 'arm64' | 'arm64-old';
export type SynthOs = 'windows' | 'linux' | 'macos' | 'android' | 'ios';

export interface SynthSystemInfo {
  arch?: SynthArch;
  os?: SynthOs;
  /** Overrides the value derived from `arch` / `os`. */
  processorArchitecture?: number;
  platformId?: number;
  major?: number;
  minor?: number;
  build?: number;
  /** Service pack / CSD text (MINIDUMP_STRING). */
  csd?: string;
  cpus?: number;
  productType?: number;
  processorLevel?: number;
  processorRevision?: number;
  suiteMask?: number;
  /** x86/x64: 12-character cpuid vendor string, e.g. "GenuineIntel". */
  vendor?: string;
  versionInformation?: number;
  featureInformation?: number;
}

export interface SynthPdb {
  name: string;
  /** "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX" (RSDS) */
  guid?: string;
  age?: number;
  /** 'RSDS' (default) or 'NB10' (then `signature` is the time stamp). */
  kind?: 'RSDS' | 'NB10';
  signature?: number;
}

export interface SynthModule {
  /** Full path as recorded (MINIDUMP_STRING). */
  name: string;
  base: bigint;
  size: number;
  timestamp?: number;
  checksum?: number;
  /** File version a.b.c.d (VS_FIXEDFILEINFO); omitted = all-zero version info. */
  version?: [number, number, number, number];
  productVersion?: [number, number, number, number];
  pdb?: SynthPdb;
  /** Raw CodeView record instead of `pdb`. */
  cvRecord?: Uint8Array;
}

export interface SynthThread {
  id: number;
  /** Register values by lowercase name; the CONTEXT layout follows the dump's arch. */
  context?: Record<string, bigint | number>;
  /** Raw context bytes instead of `context` (e.g. an XSTATE tail, a truncated context). */
  contextBytes?: Uint8Array;
  stack?: { start: bigint; bytes: Uint8Array };
  /** Also list the stack in the MemoryList stream (what dbghelp does). Default true. */
  stackInMemoryList?: boolean;
  teb?: bigint;
  suspendCount?: number;
  priorityClass?: number;
  priority?: number;
}

export interface SynthException {
  threadId: number;
  code: number;
  flags?: number;
  address: bigint;
  parameters?: bigint[];
  /** NumberParameters as written (defaults to parameters.length); lets tests write an absurd value. */
  numberParameters?: number;
  nestedRecord?: bigint;
  /** Exception context registers; default: the context of the thread `threadId`. */
  context?: Record<string, bigint | number>;
  contextBytes?: Uint8Array;
}

export interface SynthMiscInfo {
  /** 1..5, default 2 (44 bytes) */
  version?: 1 | 2 | 3 | 4 | 5;
  processId?: number;
  processCreateTime?: number;
  processUserTime?: number;
  processKernelTime?: number;
  processorMaxMhz?: number;
  processorCurrentMhz?: number;
  /** v4 BuildString, e.g. "19041.1.amd64fre.vb_release.191206-1406" */
  buildString?: string;
  /** Flags1 as written; default: the bits for the fields given. */
  flags1?: number;
}

export interface SynthUnloadedModule {
  name: string;
  base: bigint;
  size: number;
  timestamp?: number;
  checksum?: number;
}

export interface SynthMemoryInfo {
  base: bigint;
  size: bigint | number;
  allocationBase?: bigint;
  allocationProtect?: number;
  state?: number;
  protect?: number;
  type?: number;
}

export interface SynthHeader {
  version?: number;
  numberOfStreams?: number;
  streamDirectoryRva?: number;
  checkSum?: number;
  timeDateStamp?: number;
  flags?: bigint;
}

const ARCH_CODE: Record<SynthArch, number> = {
  x86: ProcessorArchitecture.Intel,
  x64: ProcessorArchitecture.Amd64,
  arm64: ProcessorArchitecture.Arm64,
  'arm64-old': ProcessorArchitecture.Arm64Old,
};

const OS_PLATFORM: Record<SynthOs, number> = {
  windows: PlatformId.Win32NT,
  linux: PlatformId.Linux,
  macos: PlatformId.MacOS,
  android: PlatformId.Android,
  ios: PlatformId.Ios,
};

/** Mixed-endian GUID bytes from "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX". */
export function guidBytes(text: string): Uint8Array {
  const h = text.replace(/[{}-]/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(h)) throw new Error(`bad GUID ${text}`);
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, parseInt(h.slice(0, 8), 16), true);
  dv.setUint16(4, parseInt(h.slice(8, 12), 16), true);
  dv.setUint16(6, parseInt(h.slice(12, 16), 16), true);
  for (let i = 0; i < 8; i++) b[8 + i] = parseInt(h.slice(16 + i * 2, 18 + i * 2), 16);
  return b;
}

/** MINIDUMP_STRING: u32 byte length, UTF-16LE, 2-byte NUL. */
export function minidumpString(text: string): Uint8Array {
  const body = utf16(text);
  const out = new Uint8Array(4 + body.length + 2);
  new DataView(out.buffer).setUint32(0, body.length, true);
  out.set(body, 4);
  return out;
}

/** MinidumpUTF8String (crashpad): u32 byte length, bytes, NUL. */
export function utf8String(text: string): Uint8Array {
  const body = new TextEncoder().encode(text);
  const out = new Uint8Array(4 + body.length + 1);
  new DataView(out.buffer).setUint32(0, body.length, true);
  out.set(body, 4);
  return out;
}

/** Encode a CodeView record (RSDS or NB10). */
export function codeViewRecord(pdb: SynthPdb): Uint8Array {
  const name = new TextEncoder().encode(`${pdb.name}\0`);
  if (pdb.kind === 'NB10') {
    return concat([encodeStruct(CV_INFO_PDB20, { cvSignature: CvSignature.NB10, signature: pdb.signature ?? 0, age: pdb.age ?? 1 }), name]);
  }
  return concat([
    encodeStruct(CV_INFO_PDB70, { cvSignature: CvSignature.RSDS, signature: guidBytes(pdb.guid ?? '00000000-0000-0000-0000-000000000000'), age: pdb.age ?? 1 }),
    name,
  ]);
}

function versionWords(v: [number, number, number, number] | undefined): [number, number] {
  if (!v) return [0, 0];
  return [((v[0] << 16) | v[1]) >>> 0, ((v[2] << 16) | v[3]) >>> 0];
}

/** Encode a CONTEXT for `arch` from lowercase register names. */
export function encodeContext(arch: SynthArch, regs: Record<string, bigint | number> = {}): Uint8Array {
  const v: Values = {};
  const put = (def: StructDef, flags: number | bigint): Uint8Array => {
    const known = new Set(def.fields.map((f) => f.name));
    for (const [k, val] of Object.entries(regs)) {
      if (known.has(k)) v[k] = val;
      else if (arch === 'arm64' && /^x\d+$/.test(k)) {
        const i = Number(k.slice(1));
        if (i === 29) v.fp = val;
        else if (i === 30) v.lr = val;
        else {
          const x = (v.x as Array<bigint | number> | undefined) ?? new Array<bigint | number>(29).fill(0n);
          x[i] = val;
          v.x = x;
        }
      } else if (arch === 'arm64-old' && /^(x\d+|fp|lr|sp|pc)$/.test(k)) {
        const idx = k === 'fp' ? 29 : k === 'lr' ? 30 : k === 'sp' ? 31 : k === 'pc' ? 32 : Number(k.slice(1));
        const r = (v.iregs as Array<bigint | number> | undefined) ?? new Array<bigint | number>(33).fill(0n);
        r[idx] = val;
        v.iregs = r;
      } else throw new Error(`${def.name} has no register ${k}`);
    }
    if (v.contextFlags === undefined) v.contextFlags = flags;
    return encodeStruct(def, v);
  };
  switch (arch) {
    case 'x86': return put(CONTEXT_X86, ContextCpu.X86 | 0x3f);
    case 'x64': return put(CONTEXT_AMD64, ContextCpu.Amd64 | 0x1f);
    case 'arm64': return put(CONTEXT_ARM64, ContextCpu.Arm64 | 0x7);
    case 'arm64-old': return put(CONTEXT_ARM64_OLD, BigInt(ContextCpu.Arm64Old) | 0x7n);
  }
}

/** Grows a file image; append() returns the RVA of the bytes. */
class Writer {
  private parts: Uint8Array[] = [];
  size = 0;
  append(b: Uint8Array, align = 4): number {
    const pad = (align - (this.size % align)) % align;
    if (pad) {
      this.parts.push(new Uint8Array(pad));
      this.size += pad;
    }
    const at = this.size;
    this.parts.push(b);
    this.size += b.length;
    return at;
  }
  finish(): Uint8Array {
    return concat(this.parts);
  }
}

interface PendingStream {
  type: number;
  /** Builds the payload; may append auxiliary data first. */
  make: (w: Writer) => Uint8Array;
}

export class SynthMinidump {
  private arch: SynthArch;
  private header: SynthHeader;
  private systemInfo?: SynthSystemInfo;
  private miscInfo?: SynthMiscInfo;
  private modules: SynthModule[] = [];
  private unloaded: SynthUnloadedModule[] = [];
  private threads: SynthThread[] = [];
  private threadNames: Array<{ id: number; name: string }> = [];
  private exception?: SynthException;
  private memory: Array<{ address: bigint; bytes: Uint8Array }> = [];
  private memory64: Array<{ address: bigint; bytes: Uint8Array }> = [];
  private memoryInfo: SynthMemoryInfo[] = [];
  private threadInfo: Array<{ id: number; dumpFlags?: number; createTime?: bigint; startAddress?: bigint }> = [];
  private extra: Array<{ type: number; bytes: Uint8Array }> = [];
  private rawEntries: Array<{ type: number; rva: number; size: number }> = [];
  private order: string[] = [];

  constructor(opts: { arch?: SynthArch; timestamp?: number; flags?: bigint } = {}) {
    this.arch = opts.arch ?? 'x64';
    this.header = { timeDateStamp: opts.timestamp ?? 0x5f000000, flags: opts.flags ?? 0n };
  }

  private touch(kind: string): void {
    if (!this.order.includes(kind)) this.order.push(kind);
  }

  /** Override header fields (hostile tests). */
  setHeader(h: SynthHeader): this {
    this.header = { ...this.header, ...h };
    return this;
  }

  addSystemInfo(s: SynthSystemInfo = {}): this {
    if (s.arch) this.arch = s.arch;
    this.systemInfo = s;
    this.touch('system');
    return this;
  }

  addMiscInfo(m: SynthMiscInfo): this {
    this.miscInfo = m;
    this.touch('misc');
    return this;
  }

  addModule(m: SynthModule): this {
    this.modules.push(m);
    this.touch('modules');
    return this;
  }

  addUnloadedModule(m: SynthUnloadedModule): this {
    this.unloaded.push(m);
    this.touch('unloaded');
    return this;
  }

  addThread(t: SynthThread): this {
    this.threads.push(t);
    this.touch('threads');
    if (t.stack && t.stackInMemoryList !== false) this.touch('memory');
    return this;
  }

  addThreadName(id: number, name: string): this {
    this.threadNames.push({ id, name });
    this.touch('names');
    return this;
  }

  addThreadInfo(t: { id: number; dumpFlags?: number; createTime?: bigint; startAddress?: bigint }): this {
    this.threadInfo.push(t);
    this.touch('threadinfo');
    return this;
  }

  addException(e: SynthException): this {
    this.exception = e;
    this.touch('exception');
    return this;
  }

  /** A MemoryList range. */
  addMemory(address: bigint, bytes: Uint8Array): this {
    this.memory.push({ address, bytes });
    this.touch('memory');
    return this;
  }

  /** A Memory64List range (data stored contiguously at the end of the file). */
  addMemory64(address: bigint, bytes: Uint8Array): this {
    this.memory64.push({ address, bytes });
    this.touch('memory64');
    return this;
  }

  addMemoryInfo(m: SynthMemoryInfo): this {
    this.memoryInfo.push(m);
    this.touch('memoryinfo');
    return this;
  }

  /** breakpad info stream (0x47670001). */
  addBreakpadInfo(dumpThreadId: number, requestingThreadId: number): this {
    return this.addStream(StreamType.BreakpadInfo, encodeStruct(MDRAW_BREAKPAD_INFO, { validity: 3, dumpThreadId, requestingThreadId }));
  }

  /** Any stream with a raw payload (added as its own directory entry, duplicates allowed). */
  addStream(type: number, bytes: Uint8Array): this {
    this.extra.push({ type, bytes });
    this.touch(`extra${this.extra.length - 1}`);
    return this;
  }

  /** A directory entry pointing wherever the test likes (not checked). */
  addRawDirectoryEntry(type: number, rva: number, size: number): this {
    this.rawEntries.push({ type, rva, size });
    return this;
  }

  private streams(): PendingStream[] {
    const out: PendingStream[] = [];
    const arch = this.arch;
    const memRanges = (): Array<{ address: bigint; bytes: Uint8Array }> => [
      ...this.threads.filter((t) => t.stack && t.stackInMemoryList !== false).map((t) => ({ address: t.stack!.start, bytes: t.stack!.bytes })),
      ...this.memory,
    ];
    const stackRva = new Map<SynthThread, number>();
    for (const kind of this.order) {
      switch (kind) {
        case 'system':
          out.push({ type: StreamType.SystemInfo, make: (w) => this.makeSystemInfo(w) });
          break;
        case 'misc':
          out.push({ type: StreamType.MiscInfo, make: () => this.makeMiscInfo() });
          break;
        case 'modules':
          out.push({
            type: StreamType.ModuleList,
            make: (w) => {
              const entries = this.modules.map((m) => {
                const nameRva = w.append(minidumpString(m.name));
                const cv = m.cvRecord ?? (m.pdb ? codeViewRecord(m.pdb) : undefined);
                const cvRva = cv ? w.append(cv) : 0;
                const [fms, fls] = versionWords(m.version);
                const [pms, pls] = versionWords(m.productVersion ?? m.version);
                return {
                  baseOfImage: m.base,
                  sizeOfImage: m.size,
                  checkSum: m.checksum ?? 0,
                  timeDateStamp: m.timestamp ?? 0,
                  moduleNameRva: nameRva,
                  versionInfo: m.version
                    ? { signature: VS_FFI_SIGNATURE, strucVersion: 0x10000, fileVersionMS: fms, fileVersionLS: fls, productVersionMS: pms, productVersionLS: pls, fileFlagsMask: 0x3f, fileOS: 0x40004, fileType: 2 }
                    : {},
                  cvRecord: { dataSize: cv?.length ?? 0, rva: cvRva },
                };
              });
              return concat([u32le(entries.length), encodeArray(MINIDUMP_MODULE, entries)]);
            },
          });
          break;
        case 'unloaded':
          out.push({
            type: StreamType.UnloadedModuleList,
            make: (w) => {
              const entries = this.unloaded.map((m) => ({
                baseOfImage: m.base, sizeOfImage: m.size, checkSum: m.checksum ?? 0, timeDateStamp: m.timestamp ?? 0,
                moduleNameRva: w.append(minidumpString(m.name)),
              }));
              return concat([
                encodeStruct(MINIDUMP_UNLOADED_MODULE_LIST, { sizeOfHeader: 12, sizeOfEntry: 24, numberOfEntries: entries.length }),
                encodeArray(MINIDUMP_UNLOADED_MODULE, entries),
              ]);
            },
          });
          break;
        case 'threads':
          out.push({
            type: StreamType.ThreadList,
            make: (w) => {
              const entries = this.threads.map((t) => {
                const ctx = t.contextBytes ?? encodeContext(arch, t.context);
                const ctxRva = w.append(ctx);
                let sRva = 0;
                if (t.stack) {
                  sRva = w.append(t.stack.bytes);
                  stackRva.set(t, sRva);
                }
                return {
                  threadId: t.id, suspendCount: t.suspendCount ?? 0, priorityClass: t.priorityClass ?? 0x20, priority: t.priority ?? 0, teb: t.teb ?? 0n,
                  stack: { startOfMemoryRange: t.stack?.start ?? 0n, memory: { dataSize: t.stack?.bytes.length ?? 0, rva: sRva } },
                  threadContext: { dataSize: ctx.length, rva: ctxRva },
                };
              });
              return concat([u32le(entries.length), encodeArray(MINIDUMP_THREAD, entries)]);
            },
          });
          break;
        case 'names':
          out.push({
            type: StreamType.ThreadNames,
            make: (w) => {
              const entries = this.threadNames.map((n) => ({ threadId: n.id, rvaOfThreadName: BigInt(w.append(minidumpString(n.name))) }));
              return concat([u32le(entries.length), encodeArray(MINIDUMP_THREAD_NAME, entries)]);
            },
          });
          break;
        case 'threadinfo':
          out.push({
            type: StreamType.ThreadInfoList,
            make: () => concat([
              encodeStruct(MINIDUMP_THREAD_INFO_LIST, { sizeOfHeader: 12, sizeOfEntry: 64, numberOfEntries: this.threadInfo.length }),
              encodeArray(MINIDUMP_THREAD_INFO, this.threadInfo.map((t) => ({ threadId: t.id, dumpFlags: t.dumpFlags ?? 0, createTime: t.createTime ?? 0n, startAddress: t.startAddress ?? 0n }))),
            ]),
          });
          break;
        case 'exception':
          out.push({
            type: StreamType.Exception,
            make: (w) => {
              const e = this.exception!;
              const thread = this.threads.find((t) => t.id === e.threadId);
              const ctx = e.contextBytes ?? (e.context ? encodeContext(arch, e.context) : thread?.contextBytes ?? encodeContext(arch, thread?.context));
              const ctxRva = w.append(ctx);
              const params = e.parameters ?? [];
              return encodeStruct(MINIDUMP_EXCEPTION_STREAM, {
                threadId: e.threadId,
                exceptionRecord: {
                  exceptionCode: e.code >>> 0, exceptionFlags: e.flags ?? 0, exceptionRecord: e.nestedRecord ?? 0n, exceptionAddress: e.address,
                  numberParameters: e.numberParameters ?? params.length, exceptionInformation: params.slice(0, 15),
                },
                threadContext: { dataSize: ctx.length, rva: ctxRva },
              });
            },
          });
          break;
        case 'memory':
          out.push({
            type: StreamType.MemoryList,
            make: (w) => {
              const ranges = memRanges();
              const entries = ranges.map((r) => {
                const t = this.threads.find((th) => th.stack && th.stack.bytes === r.bytes && th.stack.start === r.address);
                const rva = (t && stackRva.get(t)) || w.append(r.bytes);
                return { startOfMemoryRange: r.address, memory: { dataSize: r.bytes.length, rva } };
              });
              return concat([u32le(entries.length), encodeArray(MINIDUMP_MEMORY_DESCRIPTOR, entries)]);
            },
          });
          break;
        case 'memory64':
          out.push({
            type: StreamType.Memory64List,
            make: () => new Uint8Array(0), // filled in build(): data must come last
          });
          break;
        case 'memoryinfo':
          out.push({
            type: StreamType.MemoryInfoList,
            make: () => concat([
              encodeStruct(MINIDUMP_MEMORY_INFO_LIST, { sizeOfHeader: 16, sizeOfEntry: 48, numberOfEntries: BigInt(this.memoryInfo.length) }),
              encodeArray(MINIDUMP_MEMORY_INFO, this.memoryInfo.map((m) => ({
                baseAddress: m.base, allocationBase: m.allocationBase ?? m.base, allocationProtect: m.allocationProtect ?? 0x04,
                regionSize: BigInt(m.size), state: m.state ?? 0x1000, protect: m.protect ?? 0x04, type: m.type ?? 0x20000,
              }))),
            ]),
          });
          break;
        default: {
          const i = Number(kind.slice(5));
          const x = this.extra[i]!;
          out.push({ type: x.type, make: () => x.bytes });
        }
      }
    }
    return out;
  }

  private makeSystemInfo(w: Writer): Uint8Array {
    const s = this.systemInfo ?? {};
    const csdRva = w.append(minidumpString(s.csd ?? ''));
    let cpu = new Uint8Array(24);
    if (this.arch === 'x86' || this.arch === 'x64') {
      const vendor = new TextEncoder().encode((s.vendor ?? 'GenuineIntel').padEnd(12, ' ').slice(0, 12));
      const dv = new DataView(cpu.buffer);
      // cpuid 0 returns the vendor in ebx, edx, ecx: VendorId[0..2] hold those words in that order.
      cpu.set(vendor.subarray(0, 12), 0);
      dv.setUint32(12, s.versionInformation ?? 0x000906ea, true);
      dv.setUint32(16, s.featureInformation ?? 0xbfebfbff, true);
      dv.setUint32(20, 0, true);
    } else {
      cpu = new Uint8Array(24);
    }
    return encodeStruct(MINIDUMP_SYSTEM_INFO, {
      processorArchitecture: s.processorArchitecture ?? ARCH_CODE[this.arch],
      processorLevel: s.processorLevel ?? 6,
      processorRevision: s.processorRevision ?? 0x9e0a,
      numberOfProcessors: s.cpus ?? 4,
      productType: s.productType ?? 1,
      majorVersion: s.major ?? 10,
      minorVersion: s.minor ?? 0,
      buildNumber: s.build ?? 19041,
      platformId: s.platformId ?? OS_PLATFORM[s.os ?? 'windows'],
      csdVersionRva: csdRva,
      suiteMask: s.suiteMask ?? 0x100,
      cpu,
    });
  }

  private makeMiscInfo(): Uint8Array {
    const m = this.miscInfo!;
    const version = m.version ?? 2;
    const def = [MINIDUMP_MISC_INFO, MINIDUMP_MISC_INFO_2, MINIDUMP_MISC_INFO_3, MINIDUMP_MISC_INFO_4, MINIDUMP_MISC_INFO_5][version - 1]!;
    let flags = 0;
    if (m.processId !== undefined) flags |= 0x1;
    if (m.processCreateTime !== undefined || m.processUserTime !== undefined || m.processKernelTime !== undefined) flags |= 0x2;
    if (version >= 2 && (m.processorMaxMhz !== undefined || m.processorCurrentMhz !== undefined)) flags |= 0x4;
    if (version >= 4 && m.buildString !== undefined) flags |= 0x100;
    const v: Values = {
      sizeOfInfo: def.size,
      flags1: m.flags1 ?? flags,
      processId: m.processId ?? 0,
      processCreateTime: m.processCreateTime ?? 0,
      processUserTime: m.processUserTime ?? 0,
      processKernelTime: m.processKernelTime ?? 0,
    };
    if (version >= 2) {
      v.processorMaxMhz = m.processorMaxMhz ?? 0;
      v.processorCurrentMhz = m.processorCurrentMhz ?? 0;
    }
    if (version >= 4 && m.buildString !== undefined) v.buildString = utf16(m.buildString.slice(0, 259));
    return encodeStruct(def, v);
  }

  build(): Uint8Array {
    const streams = this.streams();
    const count = streams.length + this.rawEntries.length;
    const w = new Writer();
    w.append(new Uint8Array(32 + 12 * count));
    const dir: Array<{ streamType: number; location: { dataSize: number; rva: number } }> = [];
    let mem64Index = -1;
    for (const s of streams) {
      const payload = s.make(w);
      if (s.type === StreamType.Memory64List && payload.length === 0) {
        mem64Index = dir.length;
        dir.push({ streamType: s.type, location: { dataSize: 0, rva: 0 } });
        continue;
      }
      const rva = w.append(payload);
      dir.push({ streamType: s.type, location: { dataSize: payload.length, rva } });
    }
    if (mem64Index >= 0) {
      const table = concat([
        encodeStruct(MINIDUMP_MEMORY64_LIST, { numberOfMemoryRanges: BigInt(this.memory64.length), baseRva: 0n }),
        encodeArray(MINIDUMP_MEMORY_DESCRIPTOR64, this.memory64.map((r) => ({ startOfMemoryRange: r.address, dataSize: BigInt(r.bytes.length) }))),
      ]);
      const tableRva = w.append(table);
      let base = -1;
      for (const r of this.memory64) {
        const at = w.append(r.bytes, base < 0 ? 16 : 1);
        if (base < 0) base = at;
      }
      if (base < 0) base = w.size;
      new DataView(table.buffer, table.byteOffset).setBigUint64(8, BigInt(base), true);
      dir[mem64Index] = { streamType: StreamType.Memory64List, location: { dataSize: table.length, rva: tableRva } };
    }
    for (const r of this.rawEntries) dir.push({ streamType: r.type, location: { dataSize: r.size, rva: r.rva } });
    const out = w.finish();
    out.set(
      encodeStruct(MINIDUMP_HEADER, {
        signature: MINIDUMP_SIGNATURE,
        version: this.header.version ?? MINIDUMP_VERSION,
        numberOfStreams: this.header.numberOfStreams ?? count,
        streamDirectoryRva: this.header.streamDirectoryRva ?? 32,
        checkSum: this.header.checkSum ?? 0,
        timeDateStamp: this.header.timeDateStamp ?? 0,
        flags: this.header.flags ?? 0n,
      }),
      0,
    );
    out.set(encodeArray(MINIDUMP_DIRECTORY, dir), 32);
    return out;
  }
}

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}
