// Structure discovery for structure-aware mutation. Reads a dump leniently, with its own few
// lines of offset arithmetic taken from the specs (minidump.md §1/§4, kernel-dump.md §3/§6,
// triage-dump.md §3/§6), independent of the decoders under test: it finds the counts, RVAs,
// sizes and structure boundaries worth attacking. It never throws on any input.

export type FieldKind = 'count' | 'rva' | 'size' | 'address' | 'enum' | 'signature';

export interface Field {
  at: number;
  width: 1 | 2 | 4 | 8;
  kind: FieldKind;
  what: string;
}

export interface Layout {
  format: 'minidump' | 'kernel64' | 'kernel32' | 'unknown';
  fields: Field[];
  /** File offsets where one structure ends and another begins (truncation points). */
  boundaries: number[];
}

/** Entries of one table visited at most (keeps discovery cheap on big dumps). */
const MAX_ENTRIES = 48;
const MAX_STREAMS = 256;

class View {
  readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  has(at: number, n: number): boolean {
    return at >= 0 && n >= 0 && at + n <= this.bytes.length;
  }
  u16(at: number): number {
    return this.has(at, 2) ? this.dv.getUint16(at, true) : 0;
  }
  u32(at: number): number {
    return this.has(at, 4) ? this.dv.getUint32(at, true) : 0;
  }
  u64(at: number): number {
    if (!this.has(at, 8)) return 0;
    const v = this.dv.getBigUint64(at, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }
}

class Builder {
  fields: Field[] = [];
  boundaries = new Set<number>();
  constructor(readonly v: View) {}
  f(at: number, width: Field['width'], kind: FieldKind, what: string): void {
    if (this.v.has(at, width)) this.fields.push({ at, width, kind, what });
  }
  b(...offsets: number[]): void {
    for (const o of offsets) if (o > 0 && o < this.v.bytes.length) this.boundaries.add(o);
  }
}

export function discoverLayout(bytes: Uint8Array): Layout {
  const v = new View(bytes);
  const b = new Builder(v);
  let format: Layout['format'] = 'unknown';
  const sig = v.u32(0);
  if (sig === 0x504d444d) {
    format = 'minidump';
    minidump(b);
  } else if (sig === 0x45474150 && v.u32(4) === 0x34365544) {
    format = 'kernel64';
    kernel(b, 64);
  } else if (sig === 0x45474150 && v.u32(4) === 0x504d5544) {
    format = 'kernel32';
    kernel(b, 32);
  }
  b.b(1, 2, 4, 8);
  return { format, fields: b.fields, boundaries: [...b.boundaries].sort((x, y) => x - y) };
}

// ---------------------------------------------------------------- minidump (minidump.md)

function mdString(b: Builder, rva: number, what: string): void {
  if (rva === 0 || !b.v.has(rva, 4)) return;
  b.f(rva, 4, 'size', `${what}.Length`);
  b.b(rva, rva + 4, rva + 4 + Math.min(b.v.u32(rva), 0x10000));
}

function location(b: Builder, at: number, what: string): void {
  b.f(at, 4, 'size', `${what}.DataSize`);
  b.f(at + 4, 4, 'rva', `${what}.Rva`);
  const size = b.v.u32(at);
  const rva = b.v.u32(at + 4);
  b.b(rva, rva + size);
}

function minidump(b: Builder): void {
  const v = b.v;
  b.f(0, 4, 'signature', 'MINIDUMP_HEADER.Signature');
  b.f(4, 4, 'enum', 'MINIDUMP_HEADER.Version');
  b.f(8, 4, 'count', 'MINIDUMP_HEADER.NumberOfStreams');
  b.f(12, 4, 'rva', 'MINIDUMP_HEADER.StreamDirectoryRva');
  b.f(24, 8, 'enum', 'MINIDUMP_HEADER.Flags');
  b.b(32);
  const n = Math.min(v.u32(8), MAX_STREAMS);
  const dir = v.u32(12);
  b.b(dir, dir + 12 * n);
  for (let i = 0; i < n; i++) {
    const e = dir + 12 * i;
    if (!v.has(e, 12)) break;
    b.b(e);
    b.f(e, 4, 'enum', `MINIDUMP_DIRECTORY[${i}].StreamType`);
    b.f(e + 4, 4, 'size', `MINIDUMP_DIRECTORY[${i}].DataSize`);
    b.f(e + 8, 4, 'rva', `MINIDUMP_DIRECTORY[${i}].Rva`);
    const type = v.u32(e);
    const size = v.u32(e + 4);
    const rva = v.u32(e + 8);
    b.b(rva, rva + size, rva + 4);
    if (!v.has(rva, 4)) continue;
    stream(b, type, rva, size);
  }
}

/** Classic list: u32 count, optional 4 pad bytes, entries. Returns the entries' start. */
function listStart(v: View, rva: number, size: number, entry: number): number {
  const count = v.u32(rva);
  return size === 8 + count * entry ? rva + 8 : rva + 4;
}

function stream(b: Builder, type: number, rva: number, size: number): void {
  const v = b.v;
  switch (type) {
    case 3: // ThreadList
    case 8: { // ThreadExList
      const entry = type === 3 ? 48 : 64;
      b.f(rva, 4, 'count', `${type === 3 ? 'ThreadList' : 'ThreadExList'}.NumberOfThreads`);
      const start = listStart(v, rva, size, entry);
      for (let i = 0; i < Math.min(v.u32(rva), MAX_ENTRIES); i++) {
        const t = start + entry * i;
        if (!v.has(t, entry)) break;
        b.b(t);
        b.f(t + 0x18, 8, 'address', `MINIDUMP_THREAD[${i}].Stack.StartOfMemoryRange`);
        location(b, t + 0x20, `MINIDUMP_THREAD[${i}].Stack.Memory`);
        location(b, t + 0x28, `MINIDUMP_THREAD[${i}].ThreadContext`);
        const ctx = v.u32(t + 0x2c);
        if (v.has(ctx, 0x30)) b.f(ctx + 0x30, 4, 'enum', `CONTEXT[${i}].ContextFlags`);
      }
      return;
    }
    case 4: { // ModuleList
      b.f(rva, 4, 'count', 'ModuleList.NumberOfModules');
      const start = listStart(v, rva, size, 108);
      for (let i = 0; i < Math.min(v.u32(rva), MAX_ENTRIES); i++) {
        const m = start + 108 * i;
        if (!v.has(m, 108)) break;
        b.b(m);
        b.f(m, 8, 'address', `MINIDUMP_MODULE[${i}].BaseOfImage`);
        b.f(m + 8, 4, 'size', `MINIDUMP_MODULE[${i}].SizeOfImage`);
        b.f(m + 0x14, 4, 'rva', `MINIDUMP_MODULE[${i}].ModuleNameRva`);
        mdString(b, v.u32(m + 0x14), `MINIDUMP_MODULE[${i}].ModuleName`);
        location(b, m + 0x4c, `MINIDUMP_MODULE[${i}].CvRecord`);
        location(b, m + 0x54, `MINIDUMP_MODULE[${i}].MiscRecord`);
      }
      return;
    }
    case 5: { // MemoryList
      b.f(rva, 4, 'count', 'MemoryList.NumberOfMemoryRanges');
      const start = listStart(v, rva, size, 16);
      for (let i = 0; i < Math.min(v.u32(rva), MAX_ENTRIES); i++) {
        const d = start + 16 * i;
        if (!v.has(d, 16)) break;
        b.f(d, 8, 'address', `MINIDUMP_MEMORY_DESCRIPTOR[${i}].StartOfMemoryRange`);
        location(b, d + 8, `MINIDUMP_MEMORY_DESCRIPTOR[${i}].Memory`);
      }
      return;
    }
    case 6: // Exception
      b.f(rva + 8, 4, 'enum', 'MINIDUMP_EXCEPTION.ExceptionCode');
      b.f(rva + 0x18, 8, 'address', 'MINIDUMP_EXCEPTION.ExceptionAddress');
      b.f(rva + 0x20, 4, 'count', 'MINIDUMP_EXCEPTION.NumberParameters');
      location(b, rva + 0xa0, 'MINIDUMP_EXCEPTION_STREAM.ThreadContext');
      b.b(rva + 0xa8);
      return;
    case 7: // SystemInfo
      b.f(rva, 2, 'enum', 'MINIDUMP_SYSTEM_INFO.ProcessorArchitecture');
      b.f(rva + 0x14, 4, 'enum', 'MINIDUMP_SYSTEM_INFO.PlatformId');
      b.f(rva + 0x18, 4, 'rva', 'MINIDUMP_SYSTEM_INFO.CSDVersionRva');
      mdString(b, v.u32(rva + 0x18), 'MINIDUMP_SYSTEM_INFO.CSDVersion');
      b.b(rva + 0x38);
      return;
    case 9: { // Memory64List
      b.f(rva, 8, 'count', 'Memory64List.NumberOfMemoryRanges');
      b.f(rva + 8, 8, 'rva', 'Memory64List.BaseRva');
      b.b(rva + 16, v.u64(rva + 8));
      for (let i = 0; i < Math.min(v.u64(rva), MAX_ENTRIES); i++) {
        const d = rva + 16 + 16 * i;
        if (!v.has(d, 16)) break;
        b.f(d, 8, 'address', `MINIDUMP_MEMORY_DESCRIPTOR64[${i}].StartOfMemoryRange`);
        b.f(d + 8, 8, 'size', `MINIDUMP_MEMORY_DESCRIPTOR64[${i}].DataSize`);
      }
      return;
    }
    case 12: // HandleData
    case 14: // UnloadedModuleList
    case 16: // MemoryInfoList
    case 17: { // ThreadInfoList
      const name = { 12: 'HandleData', 14: 'UnloadedModuleList', 16: 'MemoryInfoList', 17: 'ThreadInfoList' }[type]!;
      b.f(rva, 4, 'size', `${name}.SizeOfHeader`);
      b.f(rva + 4, 4, 'size', `${name}.SizeOfEntry`);
      b.f(rva + 8, type === 16 ? 8 : 4, 'count', `${name}.NumberOfEntries`);
      const header = v.u32(rva);
      const entry = v.u32(rva + 4);
      b.b(rva + header);
      if (type === 14 && entry >= 24) {
        for (let i = 0; i < Math.min(v.u32(rva + 8), MAX_ENTRIES); i++) {
          const m = rva + header + entry * i;
          if (!v.has(m, 24)) break;
          b.f(m + 0x14, 4, 'rva', `MINIDUMP_UNLOADED_MODULE[${i}].ModuleNameRva`);
          mdString(b, v.u32(m + 0x14), `MINIDUMP_UNLOADED_MODULE[${i}].ModuleName`);
        }
      }
      return;
    }
    case 15: // MiscInfo
      b.f(rva, 4, 'size', 'MINIDUMP_MISC_INFO.SizeOfInfo');
      b.f(rva + 4, 4, 'enum', 'MINIDUMP_MISC_INFO.Flags1');
      return;
    case 24: { // ThreadNames
      b.f(rva, 4, 'count', 'ThreadNames.NumberOfThreadNames');
      for (let i = 0; i < Math.min(v.u32(rva), MAX_ENTRIES); i++) {
        const t = rva + 4 + 12 * i;
        if (!v.has(t, 12)) break;
        b.f(t + 4, 8, 'rva', `MINIDUMP_THREAD_NAME[${i}].RvaOfThreadName`);
        mdString(b, v.u64(t + 4), `MINIDUMP_THREAD_NAME[${i}].ThreadName`);
      }
      return;
    }
    default:
      // Extension streams (breakpad, crashpad, Linux text): the first u32 is often a count/size.
      b.f(rva, 4, 'count', `stream 0x${type.toString(16)} first u32`);
      return;
  }
}

// ---------------------------------------------------------------- kernel (kernel-dump.md, triage-dump.md)

function kernel(b: Builder, bits: 32 | 64): void {
  const v = b.v;
  const w: 4 | 8 = bits === 64 ? 8 : 4;
  const hdr = bits === 64 ? 0x2000 : 0x1000;
  const ptr = (at: number): number => (bits === 64 ? v.u64(at) : v.u32(at));
  b.f(0, 4, 'signature', 'Signature');
  b.f(4, 4, 'signature', 'ValidDump');
  b.f(8, 4, 'enum', 'MajorVersion');
  b.f(12, 4, 'enum', 'MinorVersion');
  b.b(hdr);
  const o = bits === 64
    ? { dtb: 0x10, pfn: 0x18, psl: 0x20, psa: 0x28, mach: 0x30, nproc: 0x34, bug: 0x38, params: 0x40, kdbg: 0x80, pmb: 0x88, ctx: 0x348, exc: 0xf00, type: 0xf98, req: 0xfa0, time: 0xfa8, comment: 0xfb0, uptime: 0x1030 }
    : { dtb: 0x10, pfn: 0x14, psl: 0x18, psa: 0x1c, mach: 0x20, nproc: 0x24, bug: 0x28, params: 0x2c, kdbg: 0x60, pmb: 0x64, ctx: 0x320, exc: 0x7d0, type: 0xf88, req: 0xfa0, time: 0xfc0, comment: 0x820, uptime: 0xfb8 };
  b.f(o.dtb, w, 'address', 'DirectoryTableBase');
  b.f(o.pfn, w, 'address', 'PfnDataBase');
  b.f(o.psl, w, 'address', 'PsLoadedModuleList');
  b.f(o.psa, w, 'address', 'PsActiveProcessHead');
  b.f(o.mach, 4, 'enum', 'MachineImageType');
  b.f(o.nproc, 4, 'count', 'NumberProcessors');
  b.f(o.bug, 4, 'enum', 'BugCheckCode');
  for (let i = 0; i < 4; i++) b.f(o.params + w * i, w, 'address', `BugCheckParameter${i + 1}`);
  b.f(o.kdbg, w, 'address', 'KdDebuggerDataBlock');
  b.f(o.type, 4, 'enum', 'DumpType');
  b.f(o.req, 8, 'size', 'RequiredDumpSpace');
  b.f(o.time, 8, 'enum', 'SystemTime');
  b.f(o.uptime, 8, 'enum', 'SystemUpTime');
  b.f(o.ctx + (bits === 64 ? 0x30 : 0), 4, 'enum', 'CONTEXT.ContextFlags');
  b.f(o.exc + (bits === 64 ? 0x18 : 0x10), 4, 'count', 'EXCEPTION_RECORD.NumberParameters');
  b.b(o.pmb, o.ctx, o.exc, o.comment);
  const dumpType = v.u32(o.type);
  // Run list (type 1), always described: a mutated DumpType may send the reader here.
  b.f(o.pmb, 4, 'count', 'PHYSICAL_MEMORY_DESCRIPTOR.NumberOfRuns');
  b.f(o.pmb + (bits === 64 ? 8 : 4), w, 'count', 'PHYSICAL_MEMORY_DESCRIPTOR.NumberOfPages');
  const runs = Math.min(v.u32(o.pmb), bits === 64 ? 42 : 86);
  const run0 = o.pmb + (bits === 64 ? 16 : 8);
  let filePage = hdr;
  for (let i = 0; i < runs; i++) {
    const r = run0 + 2 * w * i;
    b.f(r, w, 'address', `Run[${i}].BasePage`);
    b.f(r + w, w, 'count', `Run[${i}].PageCount`);
    filePage += 0x1000 * Math.min(ptr(r + w), 0x100000);
    b.b(filePage);
  }
  if (dumpType === 5 || dumpType === 6 || dumpType === 2) {
    b.f(hdr, 4, 'signature', 'SUMMARY_DUMP.Signature');
    b.f(hdr + 0x20, 8, 'rva', 'SUMMARY_DUMP.FirstPage');
    b.f(hdr + 0x28, 8, 'count', 'SUMMARY_DUMP.TotalPresentPages');
    b.f(hdr + 0x30, 8, 'count', 'SUMMARY_DUMP.Pages');
    b.f(hdr + 0x38, 8, 'enum', 'SUMMARY_DUMP.Bitmap[0]');
    b.b(hdr + 0x38, hdr + 0x38 + Math.ceil(Math.min(v.u64(hdr + 0x30), 1 << 30) / 8), v.u64(hdr + 0x20));
  }
  if (dumpType >= 8 && dumpType <= 10) {
    b.f(hdr + 0x10, 8, 'size', 'RDMP.MetadataSize');
    b.f(hdr + 0x18, 8, 'rva', 'RDMP.FirstPageOffset');
    b.f(hdr + 0x20, 4, 'count', 'RDMP.NumberOfRanges');
    b.f(hdr + 0x30, 8, 'address', 'RDMP.Run[0].Pfn');
    b.f(hdr + 0x38, 8, 'count', 'RDMP.Run[0].PageCount');
  }
  if (dumpType === 4) triage(b, bits, hdr);
}

function triage(b: Builder, bits: 32 | 64, t: number): void {
  const v = b.v;
  const names: Array<[number, string, FieldKind]> = [
    [0x04, 'SizeOfDump', 'size'], [0x08, 'ValidOffset', 'rva'], [0x0c, 'ContextOffset', 'rva'],
    [0x10, 'ExceptionOffset', 'rva'], [0x14, 'MmOffset', 'rva'], [0x18, 'UnloadedDriversOffset', 'rva'],
    [0x1c, 'PrcbOffset', 'rva'], [0x20, 'ProcessOffset', 'rva'], [0x24, 'ThreadOffset', 'rva'],
    [0x28, 'CallStackOffset', 'rva'], [0x2c, 'SizeOfCallStack', 'size'], [0x30, 'DriverListOffset', 'rva'],
    [0x34, 'DriverCount', 'count'], [0x38, 'StringPoolOffset', 'rva'], [0x3c, 'StringPoolSize', 'size'],
    [0x40, 'BrokenDriverOffset', 'rva'], [0x44, 'TriageOptions', 'enum'],
  ];
  const tail: Array<[number, string, FieldKind]> = bits === 64
    ? [[0x48, 'TopOfStack', 'address'], [0x60, 'DataPageAddress', 'address'], [0x68, 'DataPageOffset', 'rva'], [0x6c, 'DataPageSize', 'size'],
      [0x70, 'DebuggerDataOffset', 'rva'], [0x74, 'DebuggerDataSize', 'size'], [0x78, 'DataBlocksOffset', 'rva'], [0x7c, 'DataBlocksCount', 'count']]
    : [[0x48, 'TopOfStack', 'address'], [0x4c, 'DataPageAddress', 'address'], [0x50, 'DataPageOffset', 'rva'], [0x54, 'DataPageSize', 'size'],
      [0x58, 'DebuggerDataOffset', 'rva'], [0x5c, 'DebuggerDataSize', 'size'], [0x60, 'DataBlocksOffset', 'rva'], [0x64, 'DataBlocksCount', 'count']];
  for (const [off, name, kind] of [...names, ...tail]) {
    const width = bits === 64 && kind === 'address' ? 8 : 4;
    b.f(t + off, width, kind, `TRIAGE_DUMP.${name}`);
    if (kind === 'rva') b.b(v.u32(t + off));
  }
  b.b(t + (bits === 64 ? 0x80 : 0x68));
  const cs = v.u32(t + 0x28);
  b.b(cs + v.u32(t + 0x2c));
  // Driver list: DUMP_DRIVER_ENTRY, name offset first (triage-dump.md §6.2).
  const stride = bits === 64 ? 0x90 : 0x4c;
  const ldr = bits === 64 ? 8 : 4;
  const list = v.u32(t + 0x30);
  for (let i = 0; i < Math.min(v.u32(t + 0x34), MAX_ENTRIES); i++) {
    const e = list + stride * i;
    if (!v.has(e, stride)) break;
    b.b(e);
    b.f(e, 4, 'rva', `DUMP_DRIVER_ENTRY[${i}].DriverNameOffset`);
    const base = bits === 64 ? 0x30 : 0x18;
    const size = bits === 64 ? 0x40 : 0x20;
    b.f(e + ldr + base, bits === 64 ? 8 : 4, 'address', `DUMP_DRIVER_ENTRY[${i}].DllBase`);
    b.f(e + ldr + size, 4, 'size', `DUMP_DRIVER_ENTRY[${i}].SizeOfImage`);
    const name = v.u32(e);
    if (v.has(name, 4)) {
      b.f(name, 4, 'size', `DUMP_STRING[${i}].Length`);
      b.b(name, name + 4);
    }
  }
  const unl = v.u32(t + 0x18);
  if (v.has(unl, 4)) b.f(unl, 4, 'count', 'UnloadedDrivers.Count');
  const mm = v.u32(t + 0x14);
  if (v.has(mm, 8)) {
    b.f(mm, 4, 'enum', 'DUMP_MM_STORAGE.Version');
    b.f(mm + 4, 4, 'size', 'DUMP_MM_STORAGE.Size');
  }
  const blocks = v.u32(t + (bits === 64 ? 0x78 : 0x60));
  const nblocks = v.u32(t + (bits === 64 ? 0x7c : 0x64));
  for (let i = 0; i < Math.min(nblocks, MAX_ENTRIES); i++) {
    const d = blocks + 16 * i;
    if (!v.has(d, 16)) break;
    b.f(d, 8, 'address', `TRIAGE_DATA_BLOCK[${i}].Address`);
    b.f(d + 8, 4, 'rva', `TRIAGE_DATA_BLOCK[${i}].Offset`);
    b.f(d + 12, 4, 'size', `TRIAGE_DATA_BLOCK[${i}].Size`);
    b.b(v.u32(d + 8));
  }
}
