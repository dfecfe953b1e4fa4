// The sample dumps shipped in dumps-fixtures/: built here, deterministically, from SynthMinidump.
// test/synth/build-fixtures.ts writes them (and their .expected.json); the fixture test checks a
// rebuild gives identical bytes and that the CLI reports the expected values.

import { SynthMinidump } from './minidump.js';

export interface FixtureExpected {
  format: 'minidump';
  dumpType: string;
  arch: string;
  os: string;
  osVersion: string;
  process: { name: string; pid: number };
  exception?: { code: string; address: string; threadId: number; parameters: string[] };
  modules: string[];
  threads: Array<{ id: number; name?: string; crashing: boolean }>;
  /** The module the faulting address lies in, when there is an exception. */
  faultModule?: string;
}

export interface Fixture {
  name: string;
  describe: string;
  build(): Uint8Array;
  expected: FixtureExpected;
}

const le64 = (words: bigint[], size: number): Uint8Array => {
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  words.forEach((w, i) => dv.setBigUint64(i * 8, w, true));
  return b;
};
const le32 = (words: number[], size: number): Uint8Array => {
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return b;
};
const hx = (v: bigint | number): string => `0x${v.toString(16)}`;

// ---- x64: access violation inside a third-party DLL ----
const X64 = {
  app: 0x7ff6_4a20_0000n,
  vendor: 0x7ffa_1c30_0000n,
  ntdll: 0x7ffb_2e40_0000n,
  kernel32: 0x7ffb_2d10_0000n,
  kernelbase: 0x7ffb_2b80_0000n,
  ucrt: 0x7ffb_2b50_0000n,
};
const X64_FAULT = X64.vendor + 0x1a2bn;

function x64Modules(s: SynthMinidump): SynthMinidump {
  return s
    .addModule({ name: 'C:\\Program Files\\Contoso\\SampleApp\\SampleApp.exe', base: X64.app, size: 0x3c000, timestamp: 0x65a1b2c3, checksum: 0x4a1f0, version: [2, 4, 1, 900], pdb: { name: 'D:\\build\\SampleApp\\x64\\Release\\SampleApp.pdb', guid: '6B3F9A11-2C44-4E8B-9A77-0D1E2F3A4B5C', age: 1 } })
    .addModule({ name: 'C:\\Windows\\SYSTEM32\\ntdll.dll', base: X64.ntdll, size: 0x1f8000, timestamp: 0x1a2b3c4d, checksum: 0x1fd2e1, version: [10, 0, 19041, 3636], pdb: { name: 'ntdll.pdb', guid: '1EB9FACB-04C7-3C5D-EA71-60764CD333D0', age: 1 } })
    .addModule({ name: 'C:\\Windows\\System32\\KERNEL32.DLL', base: X64.kernel32, size: 0xbf000, timestamp: 0x2b3c4d5e, checksum: 0xc1a3e, version: [10, 0, 19041, 3636], pdb: { name: 'kernel32.pdb', guid: '2C5A1D3E-4F60-7182-93A4-B5C6D7E8F901', age: 1 } })
    .addModule({ name: 'C:\\Windows\\System32\\KERNELBASE.dll', base: X64.kernelbase, size: 0x2f6000, timestamp: 0x3c4d5e6f, checksum: 0x2f8a11, version: [10, 0, 19041, 3636], pdb: { name: 'kernelbase.pdb', guid: '3D6B2E4F-5071-8293-A4B5-C6D7E8F90A12', age: 1 } })
    .addModule({ name: 'C:\\Windows\\System32\\ucrtbase.dll', base: X64.ucrt, size: 0x100000, timestamp: 0x4d5e6f70, checksum: 0x10d3a2, version: [10, 0, 19041, 3636], pdb: { name: 'ucrtbase.pdb', guid: '4E7C3F50-6182-93A4-B5C6-D7E8F90A1B23', age: 1 } })
    .addModule({ name: 'C:\\Program Files\\Contoso\\SampleApp\\plugins\\VendorPlugin.dll', base: X64.vendor, size: 0x28000, timestamp: 0x5f1e2d3c, checksum: 0x2b1c4, version: [3, 1, 7, 0], pdb: { name: 'C:\\vendor\\out\\VendorPlugin.pdb', guid: '5F8D4061-7293-A4B5-C6D7-E8F90A1B2C34', age: 2 } });
}

function buildX64Crash(): Uint8Array {
  const mainStack = 0x0000_00a1_b2cf_e000n;
  const workerStack = 0x0000_00a1_b2df_e000n;
  // Return addresses a stack scan finds: VendorPlugin → SampleApp → kernel32 → ntdll.
  const main = le64([0n, X64.vendor + 0x2044n, 0x11n, X64.app + 0x1550n, 0n, X64.app + 0x2210n, X64.kernel32 + 0x17034n, 0n, X64.ntdll + 0x526a1n], 0x400);
  const worker = le64([X64.kernelbase + 0x30fcen, 0n, X64.app + 0x3f12n, X64.kernel32 + 0x17034n, X64.ntdll + 0x526a1n], 0x200);
  // mov eax, dword ptr [rcx+10h] ; ret  around the faulting instruction.
  const code = new Uint8Array(0x40).fill(0xcc);
  code.set([0x48, 0x85, 0xc9, 0x8b, 0x41, 0x10, 0xc3], 0x20 - 3);
  return x64Modules(new SynthMinidump({ arch: 'x64', timestamp: 1_716_900_000, flags: 0x1104n }))
    .addSystemInfo({ arch: 'x64', major: 10, minor: 0, build: 19045, cpus: 8, vendor: 'GenuineIntel', processorLevel: 6, processorRevision: 0x9e0a })
    .addMiscInfo({ processId: 7312, processCreateTime: 1_716_899_100, version: 2 })
    .addThread({ id: 0x2a4c, teb: 0xa1b2d0e000n, context: { rip: X64_FAULT, rsp: mainStack, rbp: mainStack + 0x40n, rcx: 0n, rax: 0n, rdx: 0x1n, eflags: 0x10246, segCs: 0x33, segSs: 0x2b }, stack: { start: mainStack, bytes: main } })
    .addThread({ id: 0x1e90, teb: 0xa1b2d10000n, context: { rip: X64.ntdll + 0x9d0e4n, rsp: workerStack, rbp: 0n, eflags: 0x246, segCs: 0x33, segSs: 0x2b }, stack: { start: workerStack, bytes: worker } })
    .addThreadName(0x2a4c, 'Main Thread')
    .addThreadName(0x1e90, 'PluginWorker')
    .addUnloadedModule({ name: 'C:\\Windows\\System32\\dbghelp.dll', base: 0x7ffb_1f00_0000n, size: 0x1e4000, timestamp: 0x6e7f8091 })
    .addException({ threadId: 0x2a4c, code: 0xc0000005, address: X64_FAULT, parameters: [0n, 0x10n] })
    .addMemory(X64_FAULT - 0x20n, code)
    .build();
}

function buildX64Hang(): Uint8Array {
  const mainStack = 0x0000_0031_4e7f_e000n;
  const workerStack = 0x0000_0031_4e8f_e000n;
  return x64Modules(new SynthMinidump({ arch: 'x64', timestamp: 1_716_950_000, flags: 0x1004n }))
    .addSystemInfo({ arch: 'x64', major: 10, minor: 0, build: 22631, cpus: 16, vendor: 'AuthenticAMD', processorLevel: 25, processorRevision: 0x5000 })
    .addMiscInfo({ processId: 9120, processCreateTime: 1_716_940_000 })
    .addThread({ id: 0x3b10, context: { rip: X64.ntdll + 0x9d0e4n, rsp: mainStack, eflags: 0x246 }, stack: { start: mainStack, bytes: le64([X64.kernelbase + 0x30fcen, 0n, X64.vendor + 0x4410n, X64.app + 0x1a80n], 0x300) } })
    .addThread({ id: 0x41cc, context: { rip: X64.ntdll + 0x9da14n, rsp: workerStack, eflags: 0x246 }, stack: { start: workerStack, bytes: le64([X64.kernelbase + 0x61d2en, X64.vendor + 0x5120n], 0x200) } })
    .addThreadName(0x3b10, 'Main Thread')
    .build();
}

// ---- x86: access violation writing through a null pointer in the application ----
const X86 = { app: 0x0040_0000, ntdll: 0x7784_0000, kernel32: 0x7632_0000, msvcr: 0x6f2a_0000 };
function buildX86Crash(): Uint8Array {
  const stack = 0x0019_f000;
  const fault = X86.app + 0x11d4;
  return new SynthMinidump({ arch: 'x86', timestamp: 1_700_100_000 })
    .addSystemInfo({ arch: 'x86', major: 10, minor: 0, build: 19045, cpus: 4, vendor: 'GenuineIntel', processorLevel: 6, processorRevision: 0x8e0c })
    .addMiscInfo({ processId: 4404, processCreateTime: 1_700_099_950 })
    .addModule({ name: 'C:\\Tools\\LegacyTool.exe', base: BigInt(X86.app), size: 0x1a000, timestamp: 0x4f2e1d0c, checksum: 0x1c2d3, version: [1, 0, 0, 12], pdb: { name: 'LegacyTool.pdb', kind: 'NB10', signature: 0x4f2e1d0c, age: 1 } })
    .addModule({ name: 'C:\\Windows\\SysWOW64\\ntdll.dll', base: BigInt(X86.ntdll), size: 0x1a4000, timestamp: 0x1f2e3d4c, version: [10, 0, 19041, 3636], pdb: { name: 'wntdll.pdb', guid: '6A7B8C9D-0E1F-2A3B-4C5D-6E7F8A9B0C1D', age: 1 } })
    .addModule({ name: 'C:\\Windows\\SysWOW64\\KERNEL32.DLL', base: BigInt(X86.kernel32), size: 0xf0000, timestamp: 0x2e3d4c5b, version: [10, 0, 19041, 3636], pdb: { name: 'wkernel32.pdb', guid: '7B8C9D0E-1F2A-3B4C-5D6E-7F8A9B0C1D2E', age: 1 } })
    .addModule({ name: 'C:\\Windows\\SysWOW64\\MSVCR100.dll', base: BigInt(X86.msvcr), size: 0xbf000, timestamp: 0x4d5f0c1e, version: [10, 0, 40219, 325], pdb: { name: 'msvcr100.i386.pdb', guid: '8C9D0E1F-2A3B-4C5D-6E7F-8A9B0C1D2E3F', age: 1 } })
    .addThread({ id: 0x1b58, context: { eip: fault, esp: stack, ebp: stack + 0x18, eax: 0, ecx: 0x41, eflags: 0x10246, segCs: 0x23, segSs: 0x2b }, stack: { start: BigInt(stack), bytes: le32([0, X86.app + 0x1340, 0, X86.msvcr + 0x5c5e4, X86.kernel32 + 0x1fa29, X86.ntdll + 0x67a9e], 0x200) } })
    .addException({ threadId: 0x1b58, code: 0xc0000005, address: BigInt(fault), parameters: [1n, 0n] })
    .build();
}

// ---- ARM64: access violation reading freed memory in a DLL ----
const A64 = { app: 0x7ff7_1200_0000n, lib: 0x7ffc_5510_0000n, ntdll: 0x7ffd_8a20_0000n, kernelbase: 0x7ffd_8760_0000n };
function buildArm64Crash(): Uint8Array {
  const stack = 0x0000_0067_88af_e000n;
  const fault = A64.lib + 0x8c14n;
  return new SynthMinidump({ arch: 'arm64', timestamp: 1_705_000_000 })
    .addSystemInfo({ arch: 'arm64', major: 10, minor: 0, build: 22631, cpus: 8, processorLevel: 0x0d, processorRevision: 0x0e01 })
    .addMiscInfo({ processId: 2280, processCreateTime: 1_704_999_000 })
    .addModule({ name: 'C:\\Program Files\\Fabrikam\\Viewer\\Viewer.exe', base: A64.app, size: 0x54000, timestamp: 0x659a0b1c, version: [5, 2, 0, 118], pdb: { name: 'Viewer.pdb', guid: '9DAE1F20-3B4C-5D6E-7F80-91A2B3C4D5E6', age: 1 } })
    .addModule({ name: 'C:\\Windows\\SYSTEM32\\ntdll.dll', base: A64.ntdll, size: 0x2a0000, timestamp: 0x7a8b9cad, version: [10, 0, 22621, 3155], pdb: { name: 'ntdll.pdb', guid: 'AEBF2031-4C5D-6E7F-8091-A2B3C4D5E6F7', age: 1 } })
    .addModule({ name: 'C:\\Windows\\System32\\KERNELBASE.dll', base: A64.kernelbase, size: 0x5c0000, timestamp: 0x8b9cadbe, version: [10, 0, 22621, 3155], pdb: { name: 'kernelbase.pdb', guid: 'BFC03142-5D6E-7F80-91A2-B3C4D5E6F708', age: 1 } })
    .addModule({ name: 'C:\\Program Files\\Fabrikam\\Viewer\\ImageCodec.dll', base: A64.lib, size: 0x3e000, timestamp: 0x63c1d2e3, version: [1, 9, 4, 2], pdb: { name: 'ImageCodec.pdb', guid: 'C0D14253-6E7F-8091-A2B3-C4D5E6F70819', age: 3 } })
    .addThread({ id: 0x2f04, context: { pc: fault, sp: stack, fp: stack + 0x30n, lr: A64.app + 0x2d48n, x0: 0xdeadbeefn, x8: 0xfeeefeeefeeefeeen, cpsr: 0x60000000 }, stack: { start: stack, bytes: le64([stack + 0x60n, A64.app + 0x2d48n, 0n, 0n, stack + 0x90n, A64.app + 0x11f0n, 0n, A64.kernelbase + 0x4a21cn], 0x300) } })
    .addThread({ id: 0x35a8, context: { pc: A64.ntdll + 0x1b74n, sp: stack + 0x100000n, fp: 0n, lr: A64.kernelbase + 0x2c88n } })
    .addThreadName(0x2f04, 'RenderThread')
    .addException({ threadId: 0x2f04, code: 0xc0000005, address: fault, parameters: [0n, 0xfeeefeeefeeefef6n] })
    .build();
}

export const FIXTURES: Fixture[] = [
  {
    name: 'sample-app-crash-x64',
    describe: 'x64 access violation (read of 0x10) inside a third-party plug-in DLL; 6 modules, 2 named threads, stacks with return addresses',
    build: buildX64Crash,
    expected: {
      format: 'minidump', dumpType: 'minidump', arch: 'x64', os: 'windows', osVersion: '10.0.19045',
      process: { name: 'SampleApp.exe', pid: 7312 },
      exception: { code: '0xc0000005', address: hx(X64_FAULT), threadId: 0x2a4c, parameters: ['0x0', '0x10'] },
      modules: ['SampleApp.exe', 'ntdll.dll', 'KERNEL32.DLL', 'KERNELBASE.dll', 'ucrtbase.dll', 'VendorPlugin.dll'],
      threads: [{ id: 0x2a4c, name: 'Main Thread', crashing: true }, { id: 0x1e90, name: 'PluginWorker', crashing: false }],
      faultModule: 'VendorPlugin.dll',
    },
  },
  {
    name: 'sample-app-crash-x86',
    describe: 'x86 access violation writing to a null pointer inside the application itself',
    build: buildX86Crash,
    expected: {
      format: 'minidump', dumpType: 'minidump', arch: 'x86', os: 'windows', osVersion: '10.0.19045',
      process: { name: 'LegacyTool.exe', pid: 4404 },
      exception: { code: '0xc0000005', address: hx(X86.app + 0x11d4), threadId: 0x1b58, parameters: ['0x1', '0x0'] },
      modules: ['LegacyTool.exe', 'ntdll.dll', 'KERNEL32.DLL', 'MSVCR100.dll'],
      threads: [{ id: 0x1b58, crashing: true }],
      faultModule: 'LegacyTool.exe',
    },
  },
  {
    name: 'sample-app-crash-arm64',
    describe: 'ARM64 access violation reading freed memory (0xfeeefeee... pattern) inside an image codec DLL',
    build: buildArm64Crash,
    expected: {
      format: 'minidump', dumpType: 'minidump', arch: 'arm64', os: 'windows', osVersion: '10.0.22631',
      process: { name: 'Viewer.exe', pid: 2280 },
      exception: { code: '0xc0000005', address: hx(A64.lib + 0x8c14n), threadId: 0x2f04, parameters: ['0x0', '0xfeeefeeefeeefef6'] },
      modules: ['Viewer.exe', 'ntdll.dll', 'KERNELBASE.dll', 'ImageCodec.dll'],
      threads: [{ id: 0x2f04, name: 'RenderThread', crashing: true }, { id: 0x35a8, crashing: false }],
      faultModule: 'ImageCodec.dll',
    },
  },
  {
    name: 'sample-app-hang-x64',
    describe: 'x64 hang dump (no exception stream): main thread blocked in a wait inside ntdll, called from the plug-in',
    build: buildX64Hang,
    expected: {
      format: 'minidump', dumpType: 'minidump', arch: 'x64', os: 'windows', osVersion: '10.0.22631',
      process: { name: 'SampleApp.exe', pid: 9120 },
      modules: ['SampleApp.exe', 'ntdll.dll', 'KERNEL32.DLL', 'KERNELBASE.dll', 'ucrtbase.dll', 'VendorPlugin.dll'],
      threads: [{ id: 0x3b10, name: 'Main Thread', crashing: false }, { id: 0x41cc, crashing: false }],
    },
  },
];
