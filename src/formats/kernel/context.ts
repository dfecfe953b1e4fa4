// CONTEXT records (header copy at 0x320 / 0x348) → the format-neutral CpuContext, and the machine type → arch.

import { MachineType } from '../../../native-structs/constants/kernel.js';
import { layoutForArch, registersFrom } from '../cpu-context.js';
import type { Arch, CpuContext } from '../../analysis/facts/types.js';

export function archOfMachine(machine: number): Arch {
  switch (machine) {
    case MachineType.AMD64: return 'x64';
    case MachineType.I386: return 'x86';
    case MachineType.ARM64: return 'arm64';
    case MachineType.ARMNT: return 'arm';
    case MachineType.IA64: return 'ia64';
    default: return 'unknown';
  }
}

/**
 * Decode a CONTEXT for `arch` from `bytes` (file offset `fileOffset`); undefined when too short or
 * unknown arch. Kernel dumps store the same Windows CONTEXT as minidumps: one decoder serves both.
 */
export function decodeContext(arch: Arch, bytes: Uint8Array, fileOffset: number): CpuContext | undefined {
  const layout = layoutForArch(arch);
  if (!layout || bytes.length < layout.def.size) return undefined;
  return registersFrom(bytes, layout, { struct: layout.def.name, offset: fileOffset });
}
