// SystemInfoStream (7): OS, version, CPU. Decoded at open: contexts depend on it.

import { CPU_INFORMATION_ARM, CPU_INFORMATION_OTHER, CPU_INFORMATION_X86, MINIDUMP_SYSTEM_INFO } from '../../../../native-structs/minidump/system.js';
import { PlatformId, ProcessorArchitecture, StreamType } from '../../../../native-structs/constants/minidump.js';
import type { Arch } from '../../../analysis/facts/types.js';
import { decodeStruct } from '../../../reader/struct-codec.js';
import { DumpFormatError } from '../../../errors.js';
import type { StreamDecoder } from '../stream.js';

export interface RawSystemInfo {
  processorArchitecture: number;
  processorLevel: number;
  processorRevision: number;
  numberOfProcessors: number;
  productType: number;
  majorVersion: number;
  minorVersion: number;
  buildNumber: number;
  platformId: number;
  csdVersionRva: number;
  suiteMask: number;
  reserved2: number;
  cpu: Uint8Array;
}

export interface SystemInfo {
  raw: RawSystemInfo;
  arch: Arch;
  /** Name of ProcessorArchitecture ("amd64", "arm64-old"...). */
  archName: string;
  os: string;
  /** Name of PlatformId. */
  platformName: string;
  osVersion: string;
  csdVersion?: string;
  cpuVendor?: string;
  /** breakpad-style cpu_info, e.g. "GenuineIntel family 6 model 151 stepping 2". */
  cpuDescription?: string;
  /** Decoded CPU_INFORMATION union member. */
  cpu: Record<string, unknown>;
  productType?: string;
}

const ARCH: Record<number, [Arch, string]> = {
  [ProcessorArchitecture.Intel]: ['x86', 'x86'],
  [ProcessorArchitecture.Mips]: ['mips', 'mips'],
  [ProcessorArchitecture.Ppc]: ['ppc', 'ppc'],
  [ProcessorArchitecture.Arm]: ['arm', 'arm'],
  [ProcessorArchitecture.Ia64]: ['ia64', 'ia64'],
  [ProcessorArchitecture.Amd64]: ['x64', 'amd64'],
  [ProcessorArchitecture.Ia32OnWin64]: ['x86', 'x86-on-win64'],
  [ProcessorArchitecture.Arm64]: ['arm64', 'arm64'],
  [ProcessorArchitecture.Arm32OnWin64]: ['arm', 'arm32-on-win64'],
  [ProcessorArchitecture.Ia32OnArm64]: ['x86', 'x86-on-arm64'],
  [ProcessorArchitecture.Sparc]: ['sparc', 'sparc'],
  [ProcessorArchitecture.Ppc64]: ['ppc64', 'ppc64'],
  [ProcessorArchitecture.Arm64Old]: ['arm64', 'arm64-old'],
  [ProcessorArchitecture.Mips64]: ['mips64', 'mips64'],
  [ProcessorArchitecture.Riscv64]: ['riscv64', 'riscv64'],
};

const OS: Record<number, [string, string]> = {
  [PlatformId.Win32s]: ['windows', 'win32s'],
  [PlatformId.Win32Windows]: ['windows', 'windows-9x'],
  [PlatformId.Win32NT]: ['windows', 'windows-nt'],
  [PlatformId.Win32CE]: ['windows', 'windows-ce'],
  [PlatformId.Unix]: ['unix', 'unix'],
  [PlatformId.MacOS]: ['macos', 'macos'],
  [PlatformId.Ios]: ['ios', 'ios'],
  [PlatformId.Linux]: ['linux', 'linux'],
  [PlatformId.Solaris]: ['solaris', 'solaris'],
  [PlatformId.Android]: ['android', 'android'],
  [PlatformId.Ps3]: ['ps3', 'ps3'],
  [PlatformId.NaCl]: ['nacl', 'nacl'],
  [PlatformId.Fuchsia]: ['fuchsia', 'fuchsia'],
};

export function archOf(code: number): Arch {
  return ARCH[code]?.[0] ?? 'unknown';
}

export function decodeSystemInfo(raw: RawSystemInfo, csdVersion: string | undefined): SystemInfo {
  const [arch, archName] = ARCH[raw.processorArchitecture] ?? ['unknown', `unknown (0x${raw.processorArchitecture.toString(16)})`];
  const [os, platformName] = OS[raw.platformId] ?? ['unknown', `unknown (0x${raw.platformId.toString(16)})`];
  const info: SystemInfo = {
    raw,
    arch,
    archName,
    os,
    platformName,
    osVersion: `${raw.majorVersion}.${raw.minorVersion}.${raw.buildNumber}`,
    cpu: {},
  };
  if (csdVersion) info.csdVersion = csdVersion;
  const pt = ({ 1: 'workstation', 2: 'domain-controller', 3: 'server' } as Record<number, string>)[raw.productType];
  if (pt && os === 'windows') info.productType = pt;
  if (arch === 'x86' || arch === 'x64') {
    const c = decodeStruct<{ vendorId: number[]; versionInformation: number; featureInformation: number; amdExtendedCpuFeatures: number }>(CPU_INFORMATION_X86, raw.cpu);
    const vb = new Uint8Array(12);
    const dv = new DataView(vb.buffer);
    c.vendorId.forEach((w, i) => dv.setUint32(i * 4, w, true));
    const text = new TextDecoder('latin1').decode(vb).replace(/\0+$/, '');
    // dbghelp on x64 fills the union's ProcessorFeatures member instead of the cpuid vendor:
    // a vendor is only believed when it is cpuid-style text ("GenuineIntel", "AuthenticAMD").
    const vendor = /^[A-Za-z][A-Za-z ]{3,11}$/.test(text) ? text.trim() : undefined;
    if (vendor) {
      info.cpu = { vendorId: c.vendorId, vendor, versionInformation: c.versionInformation, featureInformation: c.featureInformation, amdExtendedCpuFeatures: c.amdExtendedCpuFeatures };
      info.cpuVendor = vendor;
    } else {
      info.cpu = { processorFeatures: decodeStruct<{ processorFeatures: bigint[] }>(CPU_INFORMATION_OTHER, raw.cpu).processorFeatures };
    }
    if (raw.processorLevel || raw.processorRevision) {
      const fms = `family ${raw.processorLevel} model ${raw.processorRevision >> 8} stepping ${raw.processorRevision & 0xff}`;
      info.cpuDescription = vendor ? `${vendor} ${fms}` : fms;
    }
  } else if (arch === 'arm' || (arch === 'arm64' && raw.platformId !== PlatformId.Win32NT)) {
    const c = decodeStruct<{ cpuid: number; elfHwcaps: number }>(CPU_INFORMATION_ARM, raw.cpu);
    info.cpu = { cpuid: c.cpuid, elfHwcaps: c.elfHwcaps };
    const implementer = c.cpuid >>> 24;
    if (c.cpuid) info.cpuDescription = `ARM cpuid 0x${c.cpuid.toString(16)} (implementer 0x${implementer.toString(16)})`;
  } else {
    const c = decodeStruct<{ processorFeatures: bigint[] }>(CPU_INFORMATION_OTHER, raw.cpu);
    info.cpu = { processorFeatures: c.processorFeatures };
    if (arch === 'arm64') info.cpuDescription = `ARM64 level ${raw.processorLevel} revision 0x${raw.processorRevision.toString(16)}`;
  }
  return info;
}

export const systemInfoStream: StreamDecoder<SystemInfo> = {
  streamType: StreamType.SystemInfo,
  key: 'systemInfo',
  async decode(ctx) {
    const e = ctx.entry;
    if (e.dataSize < MINIDUMP_SYSTEM_INFO.size) {
      throw new DumpFormatError('BadValue', `SystemInfoStream is ${e.dataSize} bytes; MINIDUMP_SYSTEM_INFO needs ${MINIDUMP_SYSTEM_INFO.size}`, { struct: MINIDUMP_SYSTEM_INFO.name, offset: e.rva });
    }
    const raw = decodeStruct<RawSystemInfo>(MINIDUMP_SYSTEM_INFO, await ctx.file.read(e.rva, MINIDUMP_SYSTEM_INFO.size, MINIDUMP_SYSTEM_INFO.name), e.rva);
    const csd = await ctx.file.readString(raw.csdVersionRva, 'CSDVersion');
    return decodeSystemInfo(raw, csd?.trim() === '' ? undefined : csd);
  },
};
