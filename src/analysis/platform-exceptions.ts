// The exception record of a minidump written on Linux, Android, macOS or iOS (Breakpad and
// Crashpad writers) does not hold an NTSTATUS. Linux/Android: ExceptionCode is the signal number,
// ExceptionFlags the siginfo si_code, ExceptionAddress si_addr (for SIGSEGV/SIGBUS the faulting
// DATA address, for SIGILL/SIGFPE/SIGTRAP the instruction). macOS/iOS: ExceptionCode is the Mach
// exception type, ExceptionFlags its first code, ExceptionAddress the second code (for
// EXC_BAD_ACCESS the data address). Names follow the signal(7) / <mach/exception_types.h> and
// <mach/kern_return.h> names and read as Breakpad's minidump_stackwalk prints them
// ("SIGSEGV / SEGV_MAPERR", "EXC_BAD_ACCESS / KERN_INVALID_ADDRESS").

export type Platform = 'windows' | 'posix' | 'mach';

export function platformOf(os: string): Platform {
  if (os === 'linux' || os === 'android' || os === 'solaris' || os === 'nacl' || os === 'ps3' || os === 'fuchsia') return 'posix';
  if (os === 'macos' || os === 'ios') return 'mach';
  return 'windows';
}

export interface PlatformException {
  /** "SIGSEGV / SEGV_MAPERR", "EXC_BAD_ACCESS / KERN_INVALID_ADDRESS", "SIGABRT". */
  name: string;
  /** Bucket class: the name with '_' for ' / ' ("SIGSEGV_SEGV_MAPERR"). */
  bucketClass: string;
  /** What it means, one sentence. */
  description: string;
  /** ExceptionAddress is the accessed data address (not the instruction). */
  addressIsData: boolean;
  /** ExceptionAddress means nothing here (SIGABRT: the sender's pid/uid). */
  addressMeaningless: boolean;
  /** The process ended itself (abort, assert, uncaught exception), not a processor fault. */
  selfInflicted: boolean;
}

const SIGNALS: Record<number, [string, string]> = {
  1: ['SIGHUP', 'hang-up'],
  2: ['SIGINT', 'interrupted from the keyboard'],
  3: ['SIGQUIT', 'quit from the keyboard'],
  4: ['SIGILL', 'an illegal instruction'],
  5: ['SIGTRAP', 'a breakpoint or trace trap'],
  6: ['SIGABRT', 'the process aborted itself (abort(), a failed assert, std::terminate)'],
  7: ['SIGBUS', 'a bus error: a misaligned access or an access past the end of a mapped file'],
  8: ['SIGFPE', 'an arithmetic error (integer division by zero, overflow)'],
  9: ['SIGKILL', 'killed'],
  11: ['SIGSEGV', 'an invalid memory access'],
  13: ['SIGPIPE', 'a write to a closed pipe'],
  15: ['SIGTERM', 'asked to terminate'],
  31: ['SIGSYS', 'a bad system call (seccomp)'],
};

/** si_code names per signal (the values every signal shares are in SI_CODES). */
const SI_CODES_BY_SIGNAL: Record<number, Record<number, string>> = {
  4: { 1: 'ILL_ILLOPC', 2: 'ILL_ILLOPN', 3: 'ILL_ILLADR', 4: 'ILL_ILLTRP', 5: 'ILL_PRVOPC', 6: 'ILL_PRVREG', 7: 'ILL_COPROC', 8: 'ILL_BADSTK' },
  5: { 1: 'TRAP_BRKPT', 2: 'TRAP_TRACE', 3: 'TRAP_BRANCH', 4: 'TRAP_HWBKPT' },
  7: { 1: 'BUS_ADRALN', 2: 'BUS_ADRERR', 3: 'BUS_OBJERR', 4: 'BUS_MCEERR_AR', 5: 'BUS_MCEERR_AO' },
  8: { 1: 'FPE_INTDIV', 2: 'FPE_INTOVF', 3: 'FPE_FLTDIV', 4: 'FPE_FLTOVF', 5: 'FPE_FLTUND', 6: 'FPE_FLTRES', 7: 'FPE_FLTINV', 8: 'FPE_FLTSUB' },
  11: { 1: 'SEGV_MAPERR', 2: 'SEGV_ACCERR', 3: 'SEGV_BNDERR', 4: 'SEGV_PKUERR', 5: 'SEGV_ACCADI', 6: 'SEGV_ADIDERR', 7: 'SEGV_ADIPERR', 8: 'SEGV_MTEAERR', 9: 'SEGV_MTESERR' },
};
const SI_CODES: Record<number, string> = { 0: 'SI_USER', 0x80: 'SI_KERNEL', [-1]: 'SI_QUEUE', [-2]: 'SI_TIMER', [-3]: 'SI_MESGQ', [-4]: 'SI_ASYNCIO', [-5]: 'SI_SIGIO', [-6]: 'SI_TKILL' };
const SI_MEANING: Record<string, string> = {
  SEGV_MAPERR: 'address not mapped',
  SEGV_ACCERR: 'no permission for the mapped address',
  BUS_ADRALN: 'misaligned address',
  BUS_ADRERR: 'no such physical address (past the end of a mapped file)',
  FPE_INTDIV: 'integer division by zero',
  FPE_INTOVF: 'integer overflow',
  ILL_ILLOPC: 'illegal opcode',
  ILL_ILLOPN: 'illegal operand',
  ILL_PRVOPC: 'privileged opcode',
  TRAP_BRKPT: 'breakpoint',
  SI_USER: 'sent by a process (kill)',
  SI_TKILL: 'sent by the process to itself (tgkill/raise)',
  SI_KERNEL: 'sent by the kernel',
};

const MACH: Record<number, [string, string]> = {
  1: ['EXC_BAD_ACCESS', 'an invalid memory access'],
  2: ['EXC_BAD_INSTRUCTION', 'an illegal or undefined instruction'],
  3: ['EXC_ARITHMETIC', 'an arithmetic error (integer division by zero)'],
  4: ['EXC_EMULATION', 'an emulation instruction'],
  5: ['EXC_SOFTWARE', 'a software exception'],
  6: ['EXC_BREAKPOINT', 'a breakpoint or trace trap (on ARM also __builtin_trap, Swift runtime traps)'],
  7: ['EXC_SYSCALL', 'a system call'],
  8: ['EXC_MACH_SYSCALL', 'a Mach system call'],
  9: ['EXC_RPC_ALERT', 'an RPC alert'],
  10: ['EXC_CRASH', 'an abnormal process exit (a fatal signal such as SIGABRT)'],
  11: ['EXC_RESOURCE', 'a resource limit was exceeded'],
  12: ['EXC_GUARD', 'a guarded resource was violated'],
  13: ['EXC_CORPSE_NOTIFY', 'a corpse notification'],
};
const KERN: Record<number, string> = {
  1: 'KERN_INVALID_ADDRESS', 2: 'KERN_PROTECTION_FAILURE', 8: 'KERN_NO_ACCESS', 9: 'KERN_MEMORY_FAILURE', 10: 'KERN_MEMORY_ERROR', 50: 'KERN_CODESIGN_ERROR',
  0x101: 'EXC_ARM_DA_ALIGN', 0x102: 'EXC_ARM_DA_DEBUG',
};
const MACH_CODES_BY_TYPE: Record<number, Record<number, string>> = {
  1: KERN,
  2: { 1: 'EXC_I386_INVOP' },
  3: { 1: 'EXC_I386_DIV', 2: 'EXC_I386_INTO', 3: 'EXC_I386_NOEXT', 4: 'EXC_I386_EXTOVR', 5: 'EXC_I386_EXTERR', 6: 'EXC_I386_EMERR', 7: 'EXC_I386_BOUND', 8: 'EXC_I386_SSEEXTERR' },
  6: { 1: 'EXC_I386_SGL', 2: 'EXC_I386_BPT' },
};
/** EXC_BREAKPOINT's code on ARM (arm64 Macs, iOS). */
const ARM_BREAKPOINT: Record<number, string> = { 1: 'EXC_ARM_BREAKPOINT' };
/** Crashpad's code for an uncaught NSException ('CPnx'), as Breakpad names it. */
const MD_EXCEPTION_CODE_MAC_NS_EXCEPTION = 0x43506e78;

function hex8(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** The exception of a non-Windows minidump, named; undefined on Windows. */
export function platformException(os: string, code: number, flags: number, arch?: string): PlatformException | undefined {
  const p = platformOf(os);
  if (p === 'windows') return undefined;
  if (p === 'posix') {
    const sig = SIGNALS[code];
    const sigName = sig?.[0] ?? `signal ${code}`;
    const sub = flags | 0;
    // si_code 0 is SI_USER, but older Breakpad writers left ExceptionFlags 0 for every signal:
    // like rust-minidump, 0 names nothing. Breakpad leaves out SIGABRT's (always self-sent).
    const subName = SI_CODES_BY_SIGNAL[code]?.[sub] ?? (sub !== 0 ? SI_CODES[sub] : undefined);
    const name = code === 6 || sub === 0 ? sigName : `${sigName} / ${subName ?? hex8(flags)}`;
    const meaning = subName ? SI_MEANING[subName] : undefined;
    return {
      name,
      bucketClass: name.replace(/ \/ /g, '_').replace(/[^A-Za-z0-9_]/g, '_'),
      description: `${sig ? sig[1] : 'a signal'}${meaning ? ` (${meaning})` : ''}`,
      addressIsData: code === 11 || code === 7,
      // Signals sent by a process carry no address (si_addr is the sender's pid/uid there).
      addressMeaningless: [1, 2, 3, 6, 9, 13, 15].includes(code) || sub < 0,
      selfInflicted: code === 6,
    };
  }
  if ((code >>> 0) === MD_EXCEPTION_CODE_MAC_NS_EXCEPTION) {
    return { name: 'Uncaught NSException', bucketClass: 'NSEXCEPTION', description: 'an Objective-C exception nobody caught (the process called abort)', addressIsData: false, addressMeaningless: false, selfInflicted: true };
  }
  if (code === 0) {
    return { name: 'no Mach exception recorded', bucketClass: 'NO_EXCEPTION', description: 'the exception type is 0: a dump written on request, or a crash the writer did not record', addressIsData: false, addressMeaningless: true, selfInflicted: false };
  }
  const m = MACH[code];
  const typeName = m?.[0] ?? hex8(code);
  const subName = (code === 6 && (arch === 'arm64' || arch === 'arm') ? ARM_BREAKPOINT : MACH_CODES_BY_TYPE[code])?.[flags];
  const name = `${typeName} / ${subName ?? hex8(flags)}`;
  return {
    name,
    bucketClass: name.replace(/ \/ /g, '_').replace(/[^A-Za-z0-9_]/g, '_'),
    description: `${m ? m[1] : 'an unknown Mach exception'}${code === 1 && subName ? ` (${subName === 'KERN_INVALID_ADDRESS' ? 'address not mapped' : subName === 'KERN_PROTECTION_FAILURE' ? 'no permission for the mapped address' : subName})` : ''}`,
    addressIsData: code === 1,
    addressMeaningless: code === 10,
    selfInflicted: code === 10,
  };
}
