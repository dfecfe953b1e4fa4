// Minidump decoding on synthetic dumps, through FileSource and BytesSource.

import { describe, expect, it } from 'vitest';
import { SynthMinidump } from '../../synth/minidump.js';
import { StreamType } from '../../../native-structs/constants/minidump.js';
import { openSynth, SOURCES } from './helpers.js';

const NTDLL = 0x7ff8_0000_0000n;
const APP = 0x7ff6_1000_0000n;
const VENDOR = 0x7ff9_2000_0000n;

function stackWith(words: bigint[], size = 0x200): Uint8Array {
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  words.forEach((w, i) => dv.setBigUint64(i * 8, w, true));
  return b;
}

function x64Dump(): Uint8Array {
  return new SynthMinidump({ arch: 'x64', timestamp: 1_700_000_000, flags: 0x1806n })
    .addSystemInfo({ arch: 'x64', major: 10, minor: 0, build: 19041, cpus: 8, vendor: 'GenuineIntel', processorLevel: 6, processorRevision: 0x9e0a })
    .addMiscInfo({ processId: 4242, processCreateTime: 1_699_999_000 })
    .addModule({ name: 'C:\\Program Files\\App\\app.exe', base: APP, size: 0x20000, timestamp: 0x5f5e100, checksum: 0x1234, version: [1, 2, 3, 4], pdb: { name: 'C:\\build\\app.pdb', guid: '0000000A-000B-000C-0102-030405060708', age: 1 } })
    .addModule({ name: 'C:\\Windows\\System32\\ntdll.dll', base: NTDLL, size: 0x1f0000, version: [10, 0, 19041, 1], pdb: { name: 'ntdll.pdb', guid: '1EB9FACB-04C7-3C5D-EA71-60764CD333D0', age: 1 } })
    .addModule({ name: 'C:\\Program Files\\Vendor\\vendor.dll', base: VENDOR, size: 0x10000, pdb: { name: 'vendor.pdb', kind: 'NB10', signature: 0x3e8a1b2c, age: 3 } })
    .addThread({ id: 0x1a2c, teb: 0x3000n, context: { rip: VENDOR + 0x1234n, rsp: 0x10_0000n, rbp: 0x10_0040n, rax: 0x41n }, stack: { start: 0x10_0000n, bytes: stackWith([APP + 0x500n, NTDLL + 0x42n]) } })
    .addThread({ id: 0x2b3d, context: { rip: NTDLL + 0x9f0n, rsp: 0x20_0000n }, stack: { start: 0x20_0000n, bytes: stackWith([NTDLL + 0x77n]) } })
    .addThreadName(0x1a2c, 'main')
    .addThreadName(0x2b3d, 'worker ü')
    .addUnloadedModule({ name: 'C:\\old\\gone.dll', base: 0x1000_0000n, size: 0x5000, timestamp: 0x60000000 })
    .addException({ threadId: 0x1a2c, code: 0xc0000005, address: VENDOR + 0x1234n, parameters: [1n, 0x10n] })
    .addMemory(VENDOR + 0x1200n, Uint8Array.from({ length: 0x80 }, (_, i) => i))
    .build();
}

describe.each(SOURCES)('minidump decoding via %s', (kind) => {
  it('decodes system, process, exception, modules, threads', async () => {
    const d = await openSynth(kind, x64Dump());
    const f = await d.facts();
    expect(f.format).toBe('minidump');
    expect(f.dumpType).toBe('minidump-full');
    expect(f.arch).toBe('x64');
    expect(f.pointerSize).toBe(8);
    expect(f.system).toMatchObject({ os: 'windows', osVersion: '10.0.19041', build: 19041, cpuCount: 8, cpuVendor: 'GenuineIntel', cpuDescription: 'GenuineIntel family 6 model 158 stepping 10', crashTime: '2023-11-14T22:13:20.000Z', uptimeSeconds: 1000 });
    expect(f.process).toMatchObject({ name: 'app.exe', pid: 4242 });
    expect(f.exception).toMatchObject({ code: 0xc0000005, address: VENDOR + 0x1234n, threadId: 0x1a2c, parameters: [1n, 0x10n] });
    expect(f.exception!.context!.ip).toBe(VENDOR + 0x1234n);
    expect(f.crashingThreadId).toBe(0x1a2c);
    expect(f.modules.map((m) => m.name)).toEqual(['app.exe', 'ntdll.dll', 'vendor.dll']);
    expect(f.modules[0]).toMatchObject({ path: 'C:\\Program Files\\App\\app.exe', base: APP, size: 0x20000, timestamp: 0x5f5e100, checksum: 0x1234, version: '1.2.3.4' });
    expect(f.modules[0]!.pdb).toEqual({ name: 'C:\\build\\app.pdb', guid: '0000000A-000B-000C-0102-030405060708', age: 1, debugId: '0000000A000B000C01020304050607081', kind: 'RSDS' });
    expect(f.modules[2]!.pdb).toMatchObject({ kind: 'NB10', name: 'vendor.pdb', age: 3, debugId: '3E8A1B2C3' });
    expect(f.modules[2]!.version).toBeUndefined();
    expect(f.unloadedModules).toEqual([expect.objectContaining({ name: 'gone.dll', path: 'C:\\old\\gone.dll', base: 0x1000_0000n, size: 0x5000, timestamp: 0x60000000 })]);
    expect(f.threads.map((t) => [t.id, t.name, t.crashing])).toEqual([[0x1a2c, 'main', true], [0x2b3d, 'worker ü', false]]);
    const t0 = f.threads[0]!;
    expect(t0.context).toMatchObject({ arch: 'x64', ip: VENDOR + 0x1234n, sp: 0x10_0000n, fp: 0x10_0040n });
    expect(t0.context!.registers.rax).toBe(0x41n);
    expect(t0.stack).toMatchObject({ startAddress: 0x10_0000n, size: 0x200 });
    expect(t0.teb).toBe(0x3000n);
    expect(f.extra.minidumpFlags).toEqual(['MiniDumpWithFullMemory', 'MiniDumpWithHandleData', 'MiniDumpWithFullMemoryInfo', 'MiniDumpWithThreadInfo']);
    expect(f.warnings).toEqual([]);
    await d.close();
  });

  it('reads memory by address: stacks and MemoryList, missing is undefined', async () => {
    const d = await openSynth(kind, x64Dump());
    const m = (await d.facts()).memory;
    const w = await m.read(0x10_0000n, 16);
    expect(new DataView(w!.buffer, w!.byteOffset).getBigUint64(0, true)).toBe(APP + 0x500n);
    expect(Array.from((await m.read(VENDOR + 0x1210n, 4))!)).toEqual([0x10, 0x11, 0x12, 0x13]);
    expect(await m.read(VENDOR + 0x1270n, 0x20)).toBeUndefined(); // runs past the captured range
    expect((await m.readPrefix(VENDOR + 0x1270n, 0x20)).length).toBe(0x10);
    expect(await m.read(0xdead_0000n, 8)).toBeUndefined();
    expect(await m.fileOffsetOf!(0xdead_0000n)).toBeUndefined();
    await d.close();
  });

  it('reads Memory64List ranges (contiguous data from BaseRva)', async () => {
    const a = Uint8Array.from({ length: 0x1000 }, (_, i) => i & 0xff);
    const b = Uint8Array.from({ length: 0x800 }, () => 0xcc);
    const bytes = new SynthMinidump({ arch: 'x64' }).addSystemInfo({}).addMemory64(0x40_0000n, a).addMemory64(0x40_1000n, b).addMemory64(0x90_0000n, Uint8Array.of(7, 8, 9)).build();
    const d = await openSynth(kind, bytes);
    const m = (await d.facts()).memory;
    const across = await m.read(0x40_0ffen, 4);
    expect(Array.from(across!)).toEqual([0xfe, 0xff, 0xcc, 0xcc]);
    expect(Array.from((await m.read(0x90_0001n, 2))!)).toEqual([8, 9]);
    expect(await m.read(0x90_0001n, 3)).toBeUndefined();
    await d.close();
  });

  it('decodes x86 and ARM64 contexts', async () => {
    const x86 = new SynthMinidump({ arch: 'x86' }).addSystemInfo({ arch: 'x86', major: 6, minor: 1, build: 7601, csd: 'Service Pack 1' })
      .addThread({ id: 7, context: { eip: 0x401000, esp: 0x12ff00, ebp: 0x12ff40, eax: 0x45 } })
      .addException({ threadId: 7, code: 0xc0000094, address: 0x401000n }).build();
    let d = await openSynth(kind, x86);
    let f = await d.facts();
    expect(f.arch).toBe('x86');
    expect(f.pointerSize).toBe(4);
    expect(f.system.servicePack).toBe('Service Pack 1');
    expect(f.threads[0]!.context).toMatchObject({ arch: 'x86', ip: 0x401000n, sp: 0x12ff00n, fp: 0x12ff40n });
    expect(f.threads[0]!.context!.registers.eax).toBe(0x45n);
    await d.close();
    const arm = new SynthMinidump({ arch: 'arm64' }).addSystemInfo({ arch: 'arm64' })
      .addThread({ id: 9, context: { pc: 0x7ffe_0000_1000n, sp: 0x5000n, fp: 0x5040n, lr: 0x7ffe_0000_2000n, x0: 1n, x28: 28n } }).build();
    d = await openSynth(kind, arm);
    f = await d.facts();
    expect(f.arch).toBe('arm64');
    expect(f.threads[0]!.context).toMatchObject({ arch: 'arm64', ip: 0x7ffe_0000_1000n, sp: 0x5000n, fp: 0x5040n });
    expect(f.threads[0]!.context!.registers).toMatchObject({ x0: 1n, x28: 28n, lr: 0x7ffe_0000_2000n });
    expect(f.exception).toBeUndefined();
    expect(f.crashingThreadId).toBeUndefined();
    await d.close();
  });

  it('accepts a context larger than the layout (XSTATE) and notes it in describe()', async () => {
    const base = new SynthMinidump({ arch: 'x64' });
    const ctx = new Uint8Array(0x4d0 + 0x340);
    const dv = new DataView(ctx.buffer);
    dv.setUint32(0x30, 0x0010005f, true); // AMD64 | CONTROL | INTEGER | SEGMENTS | FLOAT | XSTATE
    dv.setBigUint64(0xf8, 0x7ff7_0000_1000n, true);
    dv.setBigUint64(0x98, 0x8000n, true);
    const bytes = base.addSystemInfo({}).addThread({ id: 1, contextBytes: ctx }).build();
    const d = await openSynth(kind, bytes);
    const f = await d.facts();
    expect(f.threads[0]!.context).toMatchObject({ ip: 0x7ff7_0000_1000n, sp: 0x8000n });
    const desc = await d.describe();
    const t = (desc.streams as any).threadList.threads[0].context;
    expect(t.layout).toBe('CONTEXT_AMD64');
    expect(t.extraBytes).toBe(0x340);
    expect(t.xstate).toMatch(/XSTATE/);
    expect(f.warnings).toEqual([]);
    await d.close();
  });

  it('says which OS a non-Windows minidump came from and reads Linux streams', async () => {
    const enc = new TextEncoder();
    const bytes = new SynthMinidump({ arch: 'x64' })
      .addSystemInfo({ os: 'linux', csd: 'Linux 5.10.28 #1 SMP x86_64', major: 0, minor: 0, build: 0 })
      .addModule({ name: '/usr/bin/crashy', base: 0x40_0000n, size: 0x1000 })
      .addStream(StreamType.LinuxCmdLine, enc.encode('/usr/bin/crashy\0--flag\0'))
      .addStream(StreamType.LinuxLsbRelease, enc.encode('DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\n'))
      .addStream(StreamType.LinuxProcStatus, enc.encode('Name:\tcrashy\nPid:\t777\n'))
      .build();
    const d = await openSynth(kind, bytes);
    const f = await d.facts();
    expect(f.system.os).toBe('linux');
    expect(f.system.servicePack).toBe('Linux 5.10.28 #1 SMP x86_64');
    expect(f.process).toMatchObject({ name: 'crashy', pid: 777, commandLine: '/usr/bin/crashy --flag' });
    expect(f.extra.linux).toMatchObject({ lsbRelease: { DISTRIB_ID: 'Ubuntu', DISTRIB_RELEASE: '22.04' }, cmdLine: ['/usr/bin/crashy', '--flag'] });
    await d.close();
  });

  it('lists unknown streams, never drops them', async () => {
    const bytes = new SynthMinidump({ arch: 'x64' }).addSystemInfo({}).addStream(0x10000, Uint8Array.of(1, 2, 3, 4)).build();
    const d = await openSynth(kind, bytes);
    const f = await d.facts();
    expect(f.extra.unknownStreams).toEqual([expect.objectContaining({ type: '0x10000', size: 4 })]);
    const desc = await d.describe();
    expect(desc.unknownStreams).toEqual([expect.objectContaining({ type: 0x10000, size: 4 })]);
    const det = await d.details();
    expect((det.streams as Array<{ name: string }>).map((s) => s.name)).toEqual(['SystemInfoStream', 'UserStream 0x10000']);
    await d.close();
  });

  it('describe() returns header, directory and every decoded stream', async () => {
    const d = await openSynth(kind, x64Dump());
    const desc = await d.describe();
    expect((desc.header as any).signature).toBe('0x504d444d');
    expect((desc.directory as any[]).map((e) => e.name)).toContain('ExceptionStream');
    const s = desc.streams as any;
    expect(s.systemInfo.osVersion).toBe('10.0.19041');
    expect(s.moduleList[1].codeView.name).toBe('ntdll.pdb');
    expect(s.threadList.threads[0].context.fields.rip).toBe(VENDOR + 0x1234n);
    expect(s.exception.exceptionRecord.exceptionCode).toBe(0xc0000005);
    expect(s.threadNames.map((t: any) => t.name)).toEqual(['main', 'worker ü']);
    expect(s.miscInfo).toMatchObject({ version: 2, processId: 4242 });
    await d.close();
  });
});
