// The smallest interesting user-mode crash: app.exe plus one DLL, an access violation at
// DLL+0x1234 on thread 7. The probable cause is that DLL; tests vary its name, base and time.
import { SynthMinidump } from './minidump.js';

export interface AppCrash {
  /** The faulting DLL's file name (default plugin.dll). */
  module?: string;
  base?: bigint;
  /** Dump time, seconds since 1970. */
  timestamp?: number;
}

export function appCrash(o: AppCrash = {}): Uint8Array {
  const base = o.base ?? 0x7ff600000000n;
  return new SynthMinidump({ arch: 'x64', timestamp: o.timestamp ?? 1_711_000_000 })
    .addSystemInfo({ major: 10, minor: 0, build: 19045, cpus: 4 })
    .addModule({ name: 'C:\\app\\app.exe', base: 0x140000000n, size: 0x20000, timestamp: 0x60000000 })
    .addModule({ name: `C:\\app\\${o.module ?? 'plugin.dll'}`, base, size: 0x10000, timestamp: 0x5f000000 })
    .addThread({ id: 7, context: { rip: base + 0x1234n, rsp: 0x5000n }, stack: { start: 0x5000n, bytes: new Uint8Array(0x400) } })
    .addException({ threadId: 7, code: 0xc0000005, address: base + 0x1234n, parameters: [0n, 0x10n] })
    .build();
}
