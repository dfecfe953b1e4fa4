// Minidump constants (minidumpapiset.h, breakpad minidump_format.h, crashpad). Plain data, `as const`.

/** MINIDUMP_STREAM_TYPE plus the breakpad / crashpad / Mozilla / Chromium extension streams. */
export const StreamType = {
  Unused: 0,
  Reserved0: 1,
  Reserved1: 2,
  ThreadList: 3,
  ModuleList: 4,
  MemoryList: 5,
  Exception: 6,
  SystemInfo: 7,
  ThreadExList: 8,
  Memory64List: 9,
  CommentA: 10,
  CommentW: 11,
  HandleData: 12,
  FunctionTable: 13,
  UnloadedModuleList: 14,
  MiscInfo: 15,
  MemoryInfoList: 16,
  ThreadInfoList: 17,
  HandleOperationList: 18,
  Token: 19,
  JavaScriptData: 20,
  SystemMemoryInfo: 21,
  ProcessVmCounters: 22,
  IptTrace: 23,
  ThreadNames: 24,
  CeStreamNull: 0x8000,
  CeStreamSystemInfo: 0x8001,
  CeStreamException: 0x8002,
  CeStreamModuleList: 0x8003,
  CeStreamProcessList: 0x8004,
  CeStreamThreadList: 0x8005,
  CeStreamThreadContextList: 0x8006,
  CeStreamThreadCallStackList: 0x8007,
  CeStreamMemoryVirtualList: 0x8008,
  CeStreamMemoryPhysicalList: 0x8009,
  CeStreamBucketParameters: 0x800a,
  CeStreamProcessModuleMap: 0x800b,
  CeStreamDiagnosisList: 0x800c,
  LastReserved: 0xffff,
  BreakpadInfo: 0x47670001,
  AssertionInfo: 0x47670002,
  LinuxCpuInfo: 0x47670003,
  LinuxProcStatus: 0x47670004,
  LinuxLsbRelease: 0x47670005,
  LinuxCmdLine: 0x47670006,
  LinuxEnviron: 0x47670007,
  LinuxAuxv: 0x47670008,
  LinuxMaps: 0x47670009,
  LinuxDsoDebug: 0x4767000a,
  CrashpadInfo: 0x43500001,
  ChromiumStabilityReport: 0x4b6b0002,
  MozMacosCrashInfo: 0x4d7a0001,
  MozMacosBootargs: 0x4d7a0002,
  MozLinuxLimits: 0x4d7a0003,
  MozSoftErrors: 0x4d7a0004,
} as const;

export type StreamTypeName = keyof typeof StreamType;

/** MINIDUMP_TYPE flag bits (header Flags). */
export const MinidumpTypeFlag = {
  MiniDumpWithDataSegs: 0x00000001,
  MiniDumpWithFullMemory: 0x00000002,
  MiniDumpWithHandleData: 0x00000004,
  MiniDumpFilterMemory: 0x00000008,
  MiniDumpScanMemory: 0x00000010,
  MiniDumpWithUnloadedModules: 0x00000020,
  MiniDumpWithIndirectlyReferencedMemory: 0x00000040,
  MiniDumpFilterModulePaths: 0x00000080,
  MiniDumpWithProcessThreadData: 0x00000100,
  MiniDumpWithPrivateReadWriteMemory: 0x00000200,
  MiniDumpWithoutOptionalData: 0x00000400,
  MiniDumpWithFullMemoryInfo: 0x00000800,
  MiniDumpWithThreadInfo: 0x00001000,
  MiniDumpWithCodeSegs: 0x00002000,
  MiniDumpWithoutAuxiliaryState: 0x00004000,
  MiniDumpWithFullAuxiliaryState: 0x00008000,
  MiniDumpWithPrivateWriteCopyMemory: 0x00010000,
  MiniDumpIgnoreInaccessibleMemory: 0x00020000,
  MiniDumpWithTokenInformation: 0x00040000,
  MiniDumpWithModuleHeaders: 0x00080000,
  MiniDumpFilterTriage: 0x00100000,
  MiniDumpWithAvxXStateContext: 0x00200000,
  MiniDumpWithIptTrace: 0x00400000,
  MiniDumpScanInaccessiblePartialPages: 0x00800000,
  MiniDumpFilterWriteCombinedMemory: 0x01000000,
} as const;

/** MINIDUMP_SYSTEM_INFO.PlatformId: winnt.h values plus breakpad's extensions. */
export const PlatformId = {
  Win32s: 0,
  Win32Windows: 1,
  Win32NT: 2,
  Win32CE: 3,
  Unix: 0x8000,
  MacOS: 0x8101,
  Ios: 0x8102,
  Linux: 0x8201,
  Solaris: 0x8202,
  Android: 0x8203,
  Ps3: 0x8204,
  NaCl: 0x8205,
  Fuchsia: 0x8206,
} as const;

/** MINIDUMP_SYSTEM_INFO.ProcessorArchitecture: winnt.h values plus breakpad's extensions. */
export const ProcessorArchitecture = {
  Intel: 0,
  Mips: 1,
  Alpha: 2,
  Ppc: 3,
  Shx: 4,
  Arm: 5,
  Ia64: 6,
  Alpha64: 7,
  Msil: 8,
  Amd64: 9,
  Ia32OnWin64: 10,
  Neutral: 11,
  Arm64: 12,
  Arm32OnWin64: 13,
  Ia32OnArm64: 14,
  Sparc: 0x8001,
  Ppc64: 0x8002,
  Arm64Old: 0x8003,
  Mips64: 0x8004,
  Riscv: 0x8005,
  Riscv64: 0x8006,
  Unknown: 0xffff,
} as const;

/** CONTEXT.ContextFlags CPU identifier bits (mask 0xffffff00 of the low 32 bits). */
export const ContextCpu = {
  X86: 0x00010000,
  Amd64: 0x00100000,
  Arm: 0x40000000,
  WindowsArm: 0x00200000,
  Arm64: 0x00400000,
  Arm64Old: 0x80000000,
  Ia64: 0x00080000,
} as const;

/** Low ContextFlags bits for x86 / AMD64. */
export const ContextPart = {
  Control: 0x1,
  Integer: 0x2,
  Segments: 0x4,
  FloatingPoint: 0x8,
  DebugRegisters: 0x10,
  ExtendedRegisters: 0x20,
  Xstate: 0x40,
} as const;

/** First u32 of a CodeView record. */
export const CvSignature = {
  RSDS: 0x53445352,
  NB10: 0x3031424e,
  NB09: 0x3930424e,
  NB11: 0x3131424e,
  BpEL: 0x4270454c,
} as const;

/** MINIDUMP_HEADER.Signature ("MDMP") and the defined low 16 bits of Version. */
export const MINIDUMP_SIGNATURE = 0x504d444d;
export const MINIDUMP_VERSION = 0xa793;
/** VS_FIXEDFILEINFO.dwSignature */
export const VS_FFI_SIGNATURE = 0xfeef04bd;

/** MINIDUMP_MISC_INFO.Flags1 bits. */
export const MiscInfoFlag = {
  ProcessId: 0x001,
  ProcessTimes: 0x002,
  ProcessorPowerInfo: 0x004,
  ProcessIntegrity: 0x010,
  ProcessExecuteFlags: 0x020,
  Timezone: 0x040,
  ProtectedProcess: 0x080,
  BuildString: 0x100,
  ProcessCookie: 0x200,
} as const;

/** MINIDUMP_MEMORY_INFO.State / Type / Protect values. */
export const MemState = { Commit: 0x1000, Reserve: 0x2000, Free: 0x10000 } as const;
export const MemType = { Private: 0x20000, Mapped: 0x40000, Image: 0x1000000 } as const;
export const PageProtect = {
  NoAccess: 0x01,
  ReadOnly: 0x02,
  ReadWrite: 0x04,
  WriteCopy: 0x08,
  Execute: 0x10,
  ExecuteRead: 0x20,
  ExecuteReadWrite: 0x40,
  ExecuteWriteCopy: 0x80,
  Guard: 0x100,
  NoCache: 0x200,
  WriteCombine: 0x400,
} as const;

/** MDRawBreakpadInfo.Validity bits. */
export const BreakpadInfoValid = { DumpThreadId: 0x1, RequestingThreadId: 0x2 } as const;

/** MDRawAssertionInfo.Type */
export const AssertionType = { Unknown: 0, InvalidParameter: 1, PureVirtualCall: 2 } as const;

/** MINIDUMP_THREAD_INFO.DumpFlags */
export const ThreadInfoFlag = {
  ErrorThread: 0x01,
  WritingThread: 0x02,
  ExitedThread: 0x04,
  InvalidInfo: 0x08,
  InvalidContext: 0x10,
  InvalidTeb: 0x20,
} as const;
