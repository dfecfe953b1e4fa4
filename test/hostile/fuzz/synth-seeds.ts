// Synthetic fuzz seeds from the test/synth builders: small, structurally rich dumps that reach
// code the corpus may not (every stream kind, each arch, full-memory lists, hostile strings).

import { SynthMinidump } from '../../synth/minidump.js';
import { withCrashpadInfo } from '../../synth/crashpad-keys.js';
import type { Seed } from './mutate.js';
import { kernelSeeds } from './kernel-seeds.js';

const ESC = '\u001b';

function stack(n: number, fill: (i: number) => number): Uint8Array {
  const b = new Uint8Array(n);
  const dv = new DataView(b.buffer);
  for (let i = 0; i + 8 <= n; i += 8) dv.setBigUint64(i, BigInt(fill(i)), true);
  return b;
}

function userSeeds(): Seed[] {
  const out: Seed[] = [];
  const ntdll = 0x7ff800000000n;
  const app = 0x7ff600000000n;
  // A Windows x64 access violation with everything a dbghelp minidump usually has.
  out.push({
    name: 'synth:minidump-x64-av',
    bytes: new SynthMinidump({ arch: 'x64', timestamp: 1_700_000_000 })
      .addSystemInfo({ major: 10, minor: 0, build: 19041, cpus: 8, vendor: 'GenuineIntel', csd: 'Service Pack 1' })
      .addMiscInfo({ version: 5, processId: 4242, processCreateTime: 1_699_999_000, buildString: '19041.1.amd64fre' })
      .addModule({ name: 'C:\\app\\app.exe', base: app, size: 0x20000, timestamp: 0x5f000000, version: [1, 2, 3, 4], pdb: { name: 'app.pdb', guid: '1EB9FACB-04C7-3C5D-EA71-60764CD333D0', age: 2 } })
      .addModule({ name: 'C:\\Windows\\System32\\ntdll.dll', base: ntdll, size: 0x1f0000, version: [10, 0, 19041, 1] })
      .addUnloadedModule({ name: 'old.dll', base: 0x10000000n, size: 0x5000, timestamp: 1 })
      .addThread({ id: 0x1a2c, context: { rip: app + 0x1234n, rsp: 0x5000n, rbp: 0x5080n }, stack: { start: 0x5000n, bytes: stack(0x400, (i) => (i % 32 === 8 ? Number(app) + 0x1100 + i : 0)) } })
      .addThread({ id: 0x1a30, context: { rip: ntdll + 0x9000n, rsp: 0x9000n }, stack: { start: 0x9000n, bytes: stack(0x200, () => 0) } })
      .addThreadName(0x1a2c, 'main')
      .addThreadInfo({ id: 0x1a2c, startAddress: app + 0x1000n })
      .addException({ threadId: 0x1a2c, code: 0xc0000005, address: app + 0x1234n, parameters: [0n, 0x10n] })
      .addMemory(app + 0x1200n, new Uint8Array(0x100).fill(0x90))
      .addMemoryInfo({ base: app, size: 0x20000, state: 0x1000, protect: 0x20, type: 0x1000000 })
      .addBreakpadInfo(0x1a30, 0x1a2c)
      .build(),
  });
  // Full-memory style: Memory64List with contiguous data at the end of the file.
  out.push({
    name: 'synth:minidump-x64-full',
    bytes: new SynthMinidump({ arch: 'x64', flags: 0x2n })
      .addSystemInfo({ major: 10, build: 22621, cpus: 2 })
      .addModule({ name: 'C:\\app\\svc.exe', base: app, size: 0x3000 })
      .addThread({ id: 7, context: { rip: app + 0x10n, rsp: 0x20000n }, stack: { start: 0x20000n, bytes: stack(0x100, () => 0) }, stackInMemoryList: false })
      .addException({ threadId: 7, code: 0xc0000409, address: app + 0x10n, parameters: [7n] })
      .addMemory64(0x20000n, stack(0x100, () => 0))
      .addMemory64(app, new Uint8Array(0x3000).fill(0xcc))
      .build(),
  });
  // 32-bit x86 and ARM64.
  out.push({
    name: 'synth:minidump-x86',
    bytes: new SynthMinidump({ arch: 'x86' })
      .addSystemInfo({ major: 6, minor: 1, build: 7601 })
      .addModule({ name: 'C:\\app\\old.exe', base: 0x400000n, size: 0x10000 })
      .addThread({ id: 1, context: { eip: 0x401000, esp: 0x12f000, ebp: 0x12f010 }, stack: { start: 0x12f000n, bytes: stack(0x100, () => 0x401010) } })
      .addException({ threadId: 1, code: 0xc0000005, address: 0x401000n, parameters: [1n, 0n] })
      .build(),
  });
  out.push({
    name: 'synth:minidump-arm64',
    bytes: new SynthMinidump({ arch: 'arm64' })
      .addSystemInfo({ major: 10, build: 22000, cpus: 8 })
      .addModule({ name: 'C:\\app\\arm.exe', base: 0x140000000n, size: 0x10000 })
      .addThread({ id: 2, context: { pc: 0x140001000n, sp: 0x8000n, fp: 0x8010n, lr: 0x140001100n }, stack: { start: 0x8000n, bytes: stack(0x80, () => 0) } })
      .addException({ threadId: 2, code: 0xc000001d, address: 0x140001000n })
      .build(),
  });
  // Hostile strings: ANSI escapes, bidi overrides, CSV formula starters in every name.
  out.push({ name: 'synth:minidump-hostile-strings', bytes: hostileStringsMinidump() });
  // Crashpad annotations (UTF-8 keys and values, module lists, typed objects) and a Linux text
  // stream: string fields the strings strategy (shapes.ts) rewrites.
  out.push({ name: 'synth:minidump-crashpad', bytes: crashpadMinidump() });
  return out;
}

/** Module, thread and CSD strings that try terminal, HTML and CSV injection. */
export const HOSTILE_MODULE_NAME = `C:\\evil\\=cmd|' -C calc'!A0${ESC}[31mRED${ESC}[0m\u202egpj.exe${ESC}]0;pwned\u0007<script>.dll`;
export const HOSTILE_THREAD_NAME = `${ESC}[2J${ESC}[Hwiped\r\n=HYPERLINK("http://x")`;
export const HOSTILE_CSD = `${ESC}[5m\u2066blink\u2069`;

export function hostileStringsMinidump(): Uint8Array {
  const base = 0x7ff700000000n;
  return new SynthMinidump({ arch: 'x64' })
    .addSystemInfo({ major: 10, build: 19041, cpus: 4, csd: HOSTILE_CSD })
    .addModule({ name: HOSTILE_MODULE_NAME, base, size: 0x10000, pdb: { name: `${ESC}[31mevil.pdb`, guid: '1EB9FACB-04C7-3C5D-EA71-60764CD333D0', age: 1 } })
    .addThread({ id: 9, context: { rip: base + 0x100n, rsp: 0x7000n }, stack: { start: 0x7000n, bytes: stack(0x40, () => 0) } })
    .addThreadName(9, HOSTILE_THREAD_NAME)
    .addException({ threadId: 9, code: 0xc0000005, address: base + 0x100n, parameters: [0n, 0n] })
    .build();
}

function crashpadMinidump(): Uint8Array {
  const base = 0x7ff700000000n;
  const b = new SynthMinidump({ arch: 'x64' })
    .addSystemInfo({ major: 10, build: 19041, cpus: 4 })
    .addModule({ name: 'C:\\app\\app.exe', base, size: 0x10000 })
    .addUnloadedModule({ name: 'gone.dll', base: 0x10000000n, size: 0x5000, timestamp: 1 })
    .addThread({ id: 9, context: { rip: base + 0x100n, rsp: 0x7000n }, stack: { start: 0x7000n, bytes: stack(0x40, () => 0) } })
    .addThreadName(9, 'main')
    .addException({ threadId: 9, code: 0xc0000005, address: base + 0x100n, parameters: [0n, 0n] });
  return withCrashpadInfo(b, {
    simple: [['plain', 'value'], [`${ESC}[31mkey`, 'v'], ['__proto__', 'kept']],
    modules: [{ moduleIndex: 0, list: ['first', 'second'], simple: [['constructor', 'x']], objects: [{ name: 'obj', value: 'val' }] }],
  });
}

export async function synthSeeds(): Promise<Seed[]> {
  return [...userSeeds(), ...kernelSeeds()];
}
