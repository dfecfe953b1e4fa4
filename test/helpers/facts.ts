// A small factory for format-neutral DumpFacts, for rule and pipeline tests.
import type { BugcheckFacts, DumpFacts, ExceptionFacts, ModuleFacts, ThreadFacts, UnloadedModuleFacts } from '../../src/analysis/facts/types.js';

/** Sparse memory: address → bytes. Missing bytes are missing. */
export class FakeMemory {
  private readonly regions: Array<{ base: bigint; bytes: Uint8Array }> = [];
  add(base: bigint, bytes: Uint8Array): this {
    this.regions.push({ base, bytes });
    return this;
  }
  /** Little-endian pointers laid out from `base`. */
  pointers(base: bigint, values: bigint[], size: 4 | 8 = 8): this {
    const b = new Uint8Array(values.length * size);
    const dv = new DataView(b.buffer);
    values.forEach((v, i) => (size === 8 ? dv.setBigUint64(i * size, v, true) : dv.setUint32(i * size, Number(v), true)));
    return this.add(base, b);
  }
  async readPrefix(address: bigint, maxLength: number): Promise<Uint8Array> {
    for (const r of this.regions) {
      const end = r.base + BigInt(r.bytes.length);
      if (address >= r.base && address < end) {
        const o = Number(address - r.base);
        return r.bytes.slice(o, Math.min(r.bytes.length, o + maxLength));
      }
    }
    return new Uint8Array(0);
  }
  async read(address: bigint, length: number): Promise<Uint8Array | undefined> {
    const b = await this.readPrefix(address, length);
    return b.length === length ? b : undefined;
  }
}

export function mod(name: string, base: bigint, size = 0x10000, extra: Partial<ModuleFacts> = {}): ModuleFacts {
  return { name, path: `C:\\Windows\\System32\\drivers\\${name}`, base, size, timestamp: 0x5f000000, ...extra };
}

export function unloaded(name: string, base: bigint, size = 0x10000): UnloadedModuleFacts {
  return { name, path: name, base, size, unloadTime: '2024-01-01T00:00:00.000Z' };
}

export const KERNEL_MODULES = (): ModuleFacts[] => [
  mod('ntoskrnl.exe', 0xfffff80000000000n, 0x1000000),
  mod('hal.dll', 0xfffff80001000000n, 0x100000),
  mod('Wdf01000.sys', 0xfffff80002000000n, 0x100000),
  mod('mydriver.sys', 0xfffff80003000000n, 0x20000),
  mod('usbhub.sys', 0xfffff80004000000n, 0x20000),
];

export function kernelFacts(code: number, args: [bigint, bigint, bigint, bigint], over: Partial<DumpFacts> = {}): DumpFacts {
  const bugcheck: BugcheckFacts = { code, args, at: { struct: 'DUMP_HEADER64', offset: 0x38 } };
  return {
    format: 'kernel',
    dumpType: 'small',
    arch: 'x64',
    pointerSize: 8,
    system: { os: 'windows', osVersion: '10.0.19041', crashTime: '2024-01-01T00:00:00.000Z' },
    bugcheck,
    modules: KERNEL_MODULES(),
    unloadedModules: [],
    threads: [],
    memory: new FakeMemory(),
    extra: {},
    warnings: [],
    ...over,
  };
}

export function userFacts(exception: Partial<ExceptionFacts> | undefined, over: Partial<DumpFacts> = {}): DumpFacts {
  const ex: ExceptionFacts | undefined = exception
    ? { code: 0xc0000005, flags: 0, address: 0x140001234n, threadId: 2, parameters: [], at: { struct: 'MINIDUMP_EXCEPTION_STREAM', offset: 0x100 }, ...exception }
    : undefined;
  const threads: ThreadFacts[] = [
    { id: 1, crashing: false, context: { arch: 'x64', ip: 0x7ff800001000n, sp: 0x1000n, registers: {} } },
    { id: 2, crashing: ex !== undefined, context: { arch: 'x64', ip: ex?.address ?? 0x140001234n, sp: 0x2000n, registers: {} } },
  ];
  return {
    format: 'minidump',
    dumpType: 'minidump',
    arch: 'x64',
    pointerSize: 8,
    system: { os: 'windows', osVersion: '10.0.19041', crashTime: '2024-01-01T00:00:00.000Z' },
    process: { name: 'app.exe', pid: 42 },
    ...(ex ? { exception: ex } : {}),
    modules: [
      mod('app.exe', 0x140000000n, 0x100000),
      mod('plugin.dll', 0x180000000n, 0x100000),
      mod('ntdll.dll', 0x7ff800000000n, 0x200000),
      mod('KERNELBASE.dll', 0x7ff810000000n, 0x200000),
      mod('ucrtbase.dll', 0x7ff820000000n, 0x100000),
    ],
    unloadedModules: [],
    threads,
    memory: new FakeMemory(),
    extra: {},
    warnings: [],
    ...over,
  };
}
