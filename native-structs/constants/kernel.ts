// Kernel dump constants (../shared/spec/kernel-dump.md §1, §5; triage-dump.md §4).

export const KernelSignature = {
  PAGE: 0x45474150,
  DUMP: 0x504d5544,
  DU64: 0x34365544,
  SDMP: 0x504d4453,
  FDMP: 0x504d4446,
  RDMP: 0x504d4452,
} as const;

/** DumpType values in the header (0xF88 / 0xF98). 8..10 are not in Microsoft's enum. */
export const DumpType = {
  Full: 1,
  Summary: 2,
  Header: 3,
  Triage: 4,
  BitmapFull: 5,
  BitmapKernel: 6,
  Automatic: 7,
  RdmpKernel: 8,
  RdmpKernelAndUser: 9,
  RdmpComplete: 10,
} as const;
export type DumpTypeValue = (typeof DumpType)[keyof typeof DumpType];

/** PE machine codes in MachineImageType. */
export const MachineType = {
  I386: 0x014c,
  AMD64: 0x8664,
  ARM64: 0xaa64,
  ARMNT: 0x01c4,
  IA64: 0x0200,
} as const;

/** ProductType (KUSER_SHARED_DATA.NtProductType values). */
export const ProductType = {
  WinNt: 1,
  LanManNt: 2,
  Server: 3,
} as const;

/** WriterStatus values of debugger-side writers. */
export const WriterStatus = {
  Success: 0,
  NoModuleList: 1,
  CorruptModuleList: 2,
} as const;

/** TriageOptions bit: at least one section did not fit. */
export const TRIAGE_OPTION_OVERFLOWED = 0x100;

/** The "PAGE" fill pattern as a u32 and u64: a field never written. */
export const PAGE_FILL32 = 0x45474150;
export const PAGE_FILL64 = 0x4547415045474150n;

export const PAGE_SIZE = 0x1000;
