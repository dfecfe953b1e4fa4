// Issue 14, item 3: Linux/Android signals and macOS/iOS Mach exceptions. Before, a SIGSEGV (11)
// read as "UNKNOWN_EXCEPTION_0xb ... the application raised it itself", frame 0 was the faulting
// DATA address (rm-linux-mini: 0x45), and EXC_BAD_ACCESS (1) was named UE_ASSERT.
//
// Expected values: "Crash reason" and frame 0 from Google Breakpad's minidump_stackwalk (built
// from source, run on each file), except where Breakpad prints a raw 0 si_code ("SIGSEGV
// /0x00000000"): there the name follows rust-minidump, which prints "SIGSEGV"
// (expected/rust-minidump/test_minidump_stackwalk__linux_human.snap for rm-linux-mini.dmp).

import { describe, expect, it } from 'vitest';
import { corpusOrSkipMessage, corpusPath } from '../helpers/corpus.js';
import { triageFile } from '../../src/index.js';
import { platformException } from '../../src/analysis/platform-exceptions.js';

const have = corpusOrSkipMessage();

// file, exception name, frame 0 (Breakpad: "module + offset"), bucket class
const CASES: Array<[string, string, string, string]> = [
  ['bp-linux_divide_by_zero.dmp', 'SIGFPE', 'driver+0x1f27', 'SIGFPE'],
  ['bp-linux_inline.dmp', 'SIGILL / ILL_ILLOPN', 'linux_inline+0x161b6', 'SIGILL_ILL_ILLOPN'],
  ['bp-linux_jmp_to_0.dmp', 'SIGSEGV', '0x0', 'SIGSEGV'],
  ['bp-linux_outside_module.dmp', 'SIGSEGV', '0x29cd74', 'SIGSEGV'],
  ['bp-linux_null_dereference.dmp', 'SIGSEGV', 'driver+0x1f26', 'SIGSEGV'],
  ['bp-linux_null_read_av.dmp', 'SIGSEGV', 'null_read_av+0x2170', 'SIGSEGV'],
  ['bp-linux_overflow.dmp', 'SIGABRT', 'libc-2.13.so+0x32475', 'SIGABRT'],
  ['bp-linux_raise_sigabrt.dmp', 'SIGABRT', 'libpthread-2.19.so+0x1020b', 'SIGABRT'],
  ['bp-linux_stacksmash.dmp', 'SIGSEGV', 'libgcc_s.so.1+0xf730', 'SIGSEGV'],
  ['electron-linux.dmp', 'SIGILL', 'electron+0x30785f0', 'SIGILL'],
  ['electron-mac.dmp', 'EXC_BAD_INSTRUCTION / EXC_I386_INVOP', 'Electron Framework+0xf34e4', 'EXC_BAD_INSTRUCTION_EXC_I386_INVOP'],
  ['moz-android-aarch64.dmp', 'SIGSEGV / SEGV_MAPERR', 'libxul.so+0x2d4da90', 'SIGSEGV_SEGV_MAPERR'],
  ['rm-linux-mini.dmp', 'SIGSEGV', 'crash+0x1d72', 'SIGSEGV'],
  ['rm-pipeline-inlines-macos-segv.dmp', 'EXC_BAD_ACCESS / KERN_INVALID_ADDRESS', 'crash-client+0x14cd4', 'EXC_BAD_ACCESS_KERN_INVALID_ADDRESS'],
  ['bp-minidump_crashpad_annotation.dmp', 'Uncaught NSException', 'ios_crash_xcuitests+0x6bc34', 'NSEXCEPTION'],
];

describe('non-Windows minidumps', () => {
  for (const [file, name, frame0, cls] of CASES) {
    it.skipIf(!have)(`${file}: ${name}, frame 0 ${frame0}`, async () => {
      const r = await triageFile(corpusPath('user-other', file));
      expect(r.exception?.name).toBe(name);
      expect(r.verdict.frames[0]?.symbol).toBe(frame0);
      expect(r.verdict.bucketId.startsWith(`${cls}_`)).toBe(true);
      expect(r.verdict.trigger).toBe(name === 'SIGABRT' || name === 'Uncaught NSException' ? 'abort' : 'exception');
      expect(r.verdict.summary).not.toMatch(/UNKNOWN_EXCEPTION|raised by the application|UE_ASSERT/);
      expect(r.verdict.findings.some((f) => f.messageId === 'platformLimited')).toBe(true);
    });
  }

  it('names si_codes and Mach codes; an address that is data is said to be', () => {
    expect(platformException('linux', 11, 2)).toMatchObject({ name: 'SIGSEGV / SEGV_ACCERR', addressIsData: true });
    expect(platformException('android', 7, 1)).toMatchObject({ name: 'SIGBUS / BUS_ADRALN', addressIsData: true });
    expect(platformException('linux', 8, 1)).toMatchObject({ name: 'SIGFPE / FPE_INTDIV', addressIsData: false });
    expect(platformException('linux', 11, -6)).toMatchObject({ name: 'SIGSEGV / SI_TKILL', addressMeaningless: true });
    expect(platformException('macos', 1, 2)?.name).toBe('EXC_BAD_ACCESS / KERN_PROTECTION_FAILURE');
    expect(platformException('ios', 6, 1, 'arm64')?.name).toBe('EXC_BREAKPOINT / EXC_ARM_BREAKPOINT');
    expect(platformException('macos', 6, 1, 'x64')?.name).toBe('EXC_BREAKPOINT / EXC_I386_SGL');
    expect(platformException('windows', 0xc0000005, 0)).toBeUndefined();
  });
});
