// End-to-end: synthetic kernel dumps of every type through both byte sources.
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BytesSource, CountingSource, type ByteSource } from '../../../src/reader/byte-source.js';
import { FileSource } from '../../../src/reader/file-source.js';
import { openKernelDump, type KernelDumpFile } from '../../../src/formats/kernel/index.js';
import { SynthKernelDump, type SynthKernelOptions } from '../../synth/kernel.js';
import { populate } from './populate.js';

async function sources(bytes: Uint8Array): Promise<[string, () => Promise<ByteSource>][]> {
  const dir = await mkdtemp(join(tmpdir(), 'dt-kernel-'));
  const path = join(dir, 'k.dmp');
  await writeFile(path, bytes);
  return [
    ['BytesSource', async () => new BytesSource(bytes, 'k.dmp')],
    ['FileSource', async () => FileSource.open(path)],
  ];
}

async function open(bytes: Uint8Array, src: () => Promise<ByteSource>, bits: 32 | 64): Promise<KernelDumpFile> {
  return (await openKernelDump(new CountingSource(await src()), bits, {})) as KernelDumpFile;
}

const CASES: [string, SynthKernelOptions, string][] = [
  ['small x64', { dumpType: 4, processName: 'svchost.exe', bugcheck: { code: 0x1000007e, args: [0xffffffffc0000005n, 0xfffff8048b58334cn, 1n, 2n] } }, 'small'],
  ['small x86', { arch: 'x86', dumpType: 4, build: 7601, bugcheck: { code: 0xd1, args: [0x10, 2, 0, 0x8b58334c] } }, 'small'],
  ['small arm64', { arch: 'arm64', dumpType: 4, build: 22000, bugcheck: { code: 0x1c8, args: [0x1b58] } }, 'small'],
  ['complete x64 (type 1)', { dumpType: 1, pcid: 0x2, bugcheck: { code: 0x50 } }, 'complete'],
  ['complete x86 non-PAE (type 1)', { arch: 'x86', pae: false, dumpType: 1, build: 7601, processName: 'csrss.exe' }, 'complete'],
  ['complete x86 PAE (type 1)', { arch: 'x86', pae: true, dumpType: 1, build: 7601 }, 'complete'],
  ['complete arm64 (type 1)', { arch: 'arm64', dumpType: 1, build: 22000 }, 'complete'],
  ['bitmap kernel SDMP (type 5)', { dumpType: 5 }, 'bitmap-kernel'],
  ['bitmap complete FDMP (type 5)', { dumpType: 5, bitmapSignature: 'FDMP' }, 'bitmap-complete'],
  ['live kernel (type 6)', { dumpType: 6 }, 'live-kernel'],
  ['summary (type 2) x64', { dumpType: 2 }, 'kernel'],
  ['summary (type 2) x86 PAE', { arch: 'x86', pae: true, dumpType: 2, build: 7601 }, 'kernel'],
  ['rdmp kernel (type 8)', { dumpType: 8 }, 'rdmp-kernel'],
  ['rdmp kernel+user (type 9)', { dumpType: 9 }, 'rdmp-kernel-user'],
  ['rdmp complete (type 10)', { dumpType: 10 }, 'rdmp-complete'],
];

describe.each(CASES)('%s', (_name, opts, typeName) => {
  const s = populate(new SynthKernelDump({ cpus: 2, ...opts }));
  const bytes = s.build();
  it.each([['BytesSource'], ['FileSource']])('decodes end to end through %s', async (which) => {
    const src = (await sources(bytes)).find(([n]) => n === which)![1];
    const d = await open(bytes, src, s.bits);
    try {
      const f = await d.facts();
      expect(f.format).toBe('kernel');
      expect(f.dumpType).toBe(typeName);
      expect(f.arch).toBe(s.arch);
      expect(f.bugcheck?.code).toBe(opts.bugcheck?.code ?? 0x7e);
      const args = (opts.bugcheck?.args ?? []).map((a) => BigInt(a));
      expect(f.bugcheck?.args.slice(0, args.length)).toEqual(args);
      expect(f.system.build).toBe(opts.build ?? 19041);
      expect(f.system.cpuCount).toBe(2);
      expect(f.system.crashTime).toBe('2021-02-21T01:38:22.987Z');
      expect(f.system.uptimeSeconds).toBe(3);
      expect(f.system.productType).toBe('workstation');
      expect(f.modules.map((m) => m.name)).toEqual(['ntoskrnl.exe', 'hal.dll', 'amdppm.sys']);
      const amd = f.modules[2]!;
      expect(amd.base).toBe(s.drivers[2]!.base);
      expect(amd.size).toBe(0x2e000);
      expect(amd.timestamp).toBe(0x60a1b2c4);
      expect(amd.checksum).toBe(0x31337);
      expect(f.modules[0]!.path).toBe('\\SystemRoot\\system32\\ntoskrnl.exe');
      if (typeName !== 'small') {
        expect(f.modules[0]!.pdb?.name).toBe('ntkrnlmp.pdb');
        expect(f.modules[0]!.pdb?.age).toBe(1);
        expect(f.modules[0]!.pdb?.guid).toBe('04030201-0605-0807-090A-0B0C0D0E0F10');
        expect(f.unloadedModules[0]?.unloadTime).toBe('2021-02-21T01:38:20.000Z');
      }
      expect(f.unloadedModules.map((u) => [u.name, u.base, u.size])).toEqual([['dam.sys', s.unloaded[0]!.start, 0x1c000]]);
      expect(f.process?.name).toBe(opts.processName ?? 'System');
      const t = f.threads[0]!;
      expect(t.crashing).toBe(true);
      expect(t.context?.ip).toBe(s.context.ip);
      expect(t.context?.sp).toBe(s.context.sp);
      expect(t.context?.fp).toBe(s.context.fp);
      // The stack is readable through facts().memory, the return address into amdppm included.
      const slot = await f.memory.read(s.context.sp + 0x18n, s.bits / 8);
      expect(slot).toBeDefined();
      const v = s.bits === 64 ? new DataView(slot!.buffer, slot!.byteOffset).getBigUint64(0, true) : BigInt(new DataView(slot!.buffer, slot!.byteOffset).getUint32(0, true));
      expect(v).toBe(s.drivers[2]!.base + 0x334cn);
      expect(t.stack?.startAddress).toBe(s.context.sp);
      // Missing memory is missing, not zeros.
      expect(await f.memory.read(s.kva(0x7fff0000), 8)).toBeUndefined();
      expect((f.extra.kernel as Record<string, unknown>).kdbgState).toBe('decoded');
      if (s.arch === 'x64' && (opts.build ?? 19041) === 19041) expect(f.crashingThreadId).toBe(0x108);
      const desc = await d.describe();
      expect((desc.header as Record<string, unknown>).bugCheckCode).toBe(`0x${(opts.bugcheck?.code ?? 0x7e).toString(16)}`);
    } finally {
      await d.close();
    }
  });
});
