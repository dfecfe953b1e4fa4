// Shared content for synthetic kernel dumps in the kernel tests.
import type { SynthKernelDump } from '../../synth/kernel.js';

const GUID = Uint8Array.from({ length: 16 }, (_, i) => i + 1);

export function populate(s: SynthKernelDump): SynthKernelDump {
  const k = (o: number): bigint => s.kva(o);
  const is64 = s.bits === 64;
  const nt = is64 ? 0xfffff804_7ba00000n : 0x82a00000n;
  const drv = is64 ? 0xfffff804_8b580000n : 0x8b580000n;
  s.addDriver({ name: 'ntoskrnl.exe', path: '\\SystemRoot\\system32\\ntoskrnl.exe', base: nt, size: 0x1046000, timestamp: 0x5fa1b2c3, checksum: 0xa5938c, pdb: { name: 'ntkrnlmp.pdb', guid: GUID, age: 1 } });
  s.addDriver({ name: 'hal.dll', base: nt + 0x2000000n, size: 0x6000, timestamp: 0x1a7c3be9 });
  s.addDriver({ name: 'amdppm.sys', base: drv, size: 0x2e000, timestamp: 0x60a1b2c4, checksum: 0x31337 });
  s.addUnloaded({ name: 'dam.sys', start: drv + 0x100000n, end: drv + 0x11c000n, time: 132583451000000000n });
  const sp = k(0x50000) - 0x800n;
  const stack = new Uint8Array(0x800);
  const dv = new DataView(stack.buffer);
  if (is64) dv.setBigUint64(0x18, drv + 0x334cn, true);
  else dv.setUint32(0x18, Number((drv + 0x334cn) & 0xffffffffn), true);
  s.setStack(sp, stack);
  s.setContext({ ip: nt + 0x3f5a80n, sp, fp: sp + 0x100n, regs: is64 ? { rax: 0x1234n, r15: 0xfffff804_7ba00000n } : s.arch === 'arm64' ? { x0: 7n } : { eax: 0x1234n } });
  return s;
}

