// Verdicts on the real corpus, checked against the crash reports beside each dump
// (../shared/corpus/expected: rizin outputs, Unity error.log / Player.log, Unreal CrashContext,
// Mozilla .extra, breakpad outputs, MANIFEST notes).
import { describe, expect, it } from 'vitest';
import { triageFile } from '../../src/index.js';
import { corpusOrSkipMessage, corpusPath, HAVE_CORPUS } from '../helpers/corpus.js';

interface Row {
  file: string;
  image: string | null;
  category: string;
  bucket: string;
  kind?: 'crash' | 'hang';
  trigger?: string;
  /** Known failure: why. */
  fails?: string;
}

const AV = (k: string, img: string) => `${k}_c0000005_${img}`;
const ROWS: Row[] = [
  // rizin expected: faulting frame amdppm!WriteIoMemRawEx+0x70 (P2 of 0x1000007E).
  { file: 'kernel/rz-triage_x64.dmp', image: 'amdppm.sys', category: 'microsoft', bucket: 'AV_amdppm.sys', kind: 'crash', trigger: 'bugcheck' },
  // rizin expected: KeBugCheck2 <- PopPowerButtonWorkCallback; header 0x1C8, P1 7000 ms.
  { file: 'kernel/rz-triage_arm64.dmp', image: null, category: 'unknown', bucket: 'MANUALLY_INITIATED_POWER_BUTTON_HOLD', kind: 'hang', trigger: 'power-button' },
  { file: 'user-windows/bo4-dwserver-crash.dmp', image: 'server.exe', category: 'application', bucket: AV('NULL_POINTER_READ', 'server.exe') },
  { file: 'user-windows/bp-ascii_read_av.dmp', image: 'crashme.exe', category: 'application', bucket: AV('INVALID_POINTER_READ', 'crashme.exe') },
  { file: 'user-windows/bp-ascii_read_av_block_write.dmp', image: 'crashme.exe', category: 'application', bucket: AV('INVALID_POINTER_READ', 'crashme.exe') },
  { file: 'user-windows/bp-ascii_read_av_clobber_write.dmp', image: 'crashme.exe', category: 'application', bucket: AV('INVALID_POINTER_READ', 'crashme.exe') },
  { file: 'user-windows/bp-ascii_read_av_conditional.dmp', image: 'crashme.exe', category: 'application', bucket: AV('INVALID_POINTER_READ', 'crashme.exe') },
  { file: 'user-windows/bp-ascii_read_av_then_jmp.dmp', image: 'crashme.exe', category: 'application', bucket: AV('INVALID_POINTER_READ', 'crashme.exe') },
  { file: 'user-windows/bp-ascii_read_av_xchg_write.dmp', image: 'crashme.exe', category: 'application', bucket: AV('INVALID_POINTER_READ', 'crashme.exe') },
  { file: 'user-windows/bp-ascii_write_av.dmp', image: 'crashme.exe', category: 'application', bucket: AV('INVALID_POINTER_WRITE', 'crashme.exe') },
  { file: 'user-windows/bp-ascii_write_av_arg_to_call.dmp', image: 'crashme.exe', category: 'application', bucket: AV('INVALID_POINTER_WRITE', 'crashme.exe') },
  // Executes stack memory: no module at the IP, the caller found by scanning is blamed.
  // Execution on the stack: the frame-pointer chain above the wild frame holds only kernel32 and
  // ntdll (breakpad finds the same), so no module is blamed (a scan hit used to blame crashme1.exe).
  { file: 'user-windows/bp-exec_av_on_stack.dmp', image: null, category: 'application', bucket: AV('BAD_INSTRUCTION_PTR', 'Unknown_Image') },
  // breakpad minidump2.stackwalk.out: test_app.exe, EXCEPTION_ACCESS_VIOLATION_WRITE at 0x45.
  { file: 'user-windows/bp-minidump2.dmp', image: 'test_app.exe', category: 'application', bucket: AV('NULL_POINTER_WRITE', 'test_app.exe') },
  { file: 'user-windows/bp-minidump_32bit_crash_addr.dmp', image: 'test_app.exe', category: 'application', bucket: AV('NULL_POINTER_WRITE', 'test_app.exe') },
  { file: 'user-windows/bp-null_read_av.dmp', image: 'crashme.exe', category: 'application', bucket: AV('NULL_POINTER_READ', 'crashme.exe') },
  { file: 'user-windows/bp-null_write_av.dmp', image: 'crashme.exe', category: 'application', bucket: AV('NULL_POINTER_WRITE', 'crashme.exe') },
  { file: 'user-windows/bp-read_av_clobber_write.dmp', image: 'crashme.exe', category: 'application', bucket: AV('INVALID_POINTER_READ', 'crashme.exe') },
  { file: 'user-windows/bp-read_av_conditional.dmp', image: 'crashme.exe', category: 'application', bucket: AV('INVALID_POINTER_READ', 'crashme.exe') },
  { file: 'user-windows/bp-read_av_non_null.dmp', image: 'crashme.exe', category: 'application', bucket: AV('INVALID_POINTER_READ', 'crashme.exe') },
  { file: 'user-windows/bp-stack_exhaustion.dmp', image: 'crashme.exe', category: 'application', bucket: 'STACK_OVERFLOW_c00000fd_crashme.exe' },
  { file: 'user-windows/bp-thread_name_list.dmp', image: 'allocer32.exe', category: 'application', bucket: AV('INVALID_POINTER_READ', 'allocer32.exe') },
  // breakpad expects FAST_FAIL_FATAL_APP_EXIT.
  { file: 'user-windows/bp-tiny-exe-fastfail.dmp', image: 'tiny.exe', category: 'application', bucket: 'FAIL_FAST_FATAL_APP_EXIT_c0000409_tiny.exe' },
  // No exception stream: hang/on-demand dumps.
  { file: 'user-windows/bp-tiny-exe-with-cet-xsave-x86.dmp', image: 'tiny.exe', category: 'application', bucket: 'hang_tiny.exe', kind: 'hang', trigger: 'hang-dump' },
  { file: 'user-windows/bp-tiny-exe-with-cet-xsave.dmp', image: 'tiny.exe', category: 'application', bucket: 'hang_tiny.exe', kind: 'hang', trigger: 'hang-dump' },
  { file: 'user-windows/bp-write_av_non_null.dmp', image: 'crashme.exe', category: 'application', bucket: AV('INVALID_POINTER_WRITE', 'crashme.exe') },
  // node-minidump: electron.exe!atom::...::Crash.
  { file: 'user-windows/electron-windows.dmp', image: 'electron.exe', category: 'application', bucket: AV('NULL_POINTER_WRITE', 'electron.exe') },
  // Mozilla .extra: MOZ_CRASH (a breakpoint in xul.dll).
  { file: 'user-windows/moz-windows-aarch64.dmp', image: 'xul.dll', category: 'application', bucket: 'BREAKPOINT_80000003_xul.dll' },
  { file: 'user-windows/moz-windows-x86_64.dmp', image: 'xul.dll', category: 'application', bucket: 'BREAKPOINT_80000003_xul.dll' },
  { file: 'user-windows/rm-invalid-parameter.dmp', image: 'CrashTest.exe', category: 'application', bucket: 'INVALID_PARAMETER_c000000d_CrashTest.exe' },
  // calc.exe with a breakpoint in ntdll on a non-first thread: a debugger break-in.
  // A debugger break-in: the frames are the exception thread's (DbgBreakPoint in ntdll, as WinDbg
  // buckets it), no longer the first thread's.
  { file: 'user-windows/rz-calc.dmp', image: 'ntdll.dll', category: 'application', bucket: 'hang_ntdll.dll', kind: 'hang', trigger: 'manual-debugger' },
  // CrashContext: MyProject!FDebug::AssertFailed().
  // SP lies outside the thread's recorded stack memory: nothing is scanned (MyProject.exe came
  // from scanning an unrelated region) and the verdict says the stack is not in the dump.
  { file: 'user-windows/sentry-unreal-UE4Minidump.dmp', image: null, category: 'application', bucket: 'APPLICATION_ASSERT_1_Unknown_Image' },
  {
    file: 'user-windows/ue4-editor-ensure-UE4Minidump.dmp',
    image: 'UE4Editor-CoreUObject.dll',
    category: 'application',
    bucket: 'APPLICATION_RAISED_UE4Editor-CoreUObject.dll',
    trigger: 'application-raised',
    fails:
      'the recorded stack bytes of the exception thread hold UE4Editor-Core frames then Slate, never the CoreUObject return address the CrashContext names (the ensure is reported from a later point); needs CFI unwinding of the captured context',
  },
  { file: 'user-windows/uevr-deadisland2-crash.dmp', image: 'VirtualDesktop.LibOVRRT64_1.dll', category: 'application', bucket: AV('NULL_POINTER_WRITE', 'VirtualDesktop.LibOVRRT64_1.dll') },
  // Player.log: faulting frame lib_burst_generated.
  { file: 'user-windows/unity-gallipoli-crash.dmp', image: 'lib_burst_generated.dll', category: 'application', bucket: AV('NULL_POINTER_WRITE', 'lib_burst_generated.dll') },
  // error.log: "KSP_x64.exe caused an Access Violation ... Read from location 00037ffc".
  { file: 'user-windows/unity-ksp-2018-crash.dmp', image: 'KSP_x64.exe', category: 'application', bucket: AV('INVALID_POINTER_READ', 'KSP_x64.exe') },
  // error.log: "UnityPlayer.dll caused an Access Violation ... Read from location 0".
  { file: 'user-windows/unity-ksp-2021-crash.dmp', image: 'UnityPlayer.dll', category: 'application', bucket: AV('NULL_POINTER_READ', 'UnityPlayer.dll') },
  // error.log: "RimWorldWin64.exe caused an Access Violation".
  { file: 'user-windows/unity-rimworld-2020-crash.dmp', image: 'RimWorldWin64.exe', category: 'application', bucket: AV('NULL_POINTER_READ', 'RimWorldWin64.exe') },
];

describe.skipIf(!HAVE_CORPUS)('corpus verdicts', () => {
  corpusOrSkipMessage();
  for (const row of ROWS) {
    const test = row.fails ? it.fails : it;
    test(`${row.file} → ${row.image ?? 'no module'}, ${row.bucket}`, async () => {
      const r = await triageFile(corpusPath(row.file), {});
      const v = r.verdict;
      expect(v.probableCause.image).toBe(row.image);
      expect(v.category).toBe(row.category);
      expect(v.bucketId).toBe(row.bucket);
      expect(v.kind).toBe(row.kind ?? 'crash');
      if (row.trigger) expect(v.trigger).toBe(row.trigger);
    });
  }
});
