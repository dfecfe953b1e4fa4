// The walker against Google Breakpad's minidump_stackwalk on every Windows user dump of the
// corpus, with the corpus's symbol files: the crashing thread's first ten frames must sit at the
// same positions with the same addresses (module + offset follow from them), and where breakpad
// found a frame by CFI or by the frame pointer, ours must say so too. breakpad's frames were
// recorded by scripts/record-breakpad.mjs into expected/breakpad-frames.json (see README.md here).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { triageFile } from '../../src/triage-file.js';
import { closeAllSymbolFiles } from '../../src/formats/breakpad-sym/store.js';
import { closeSymbolPathBinaries } from '../../src/unwind/symbol-path.js';
import { corpusOrSkipMessage, corpusPath, PROJECT_ROOT } from '../helpers/corpus.js';

interface BpFrame { index: number; module: string | null; address: string; offset: string | null; trust: string; function: string | null }
const expected = JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'unwind', 'expected', 'breakpad-frames.json'), 'utf8')) as Record<string, { threadIndex: number; crashed: boolean; frames: BpFrame[] }>;

/**
 * Frames of the first ten that agree, per dump: every dump agrees on all of them (the count is
 * min(10, breakpad's frame count)). A dump that agreed on fewer would be listed here with its count
 * and the reason.
 */
const AGREE: Record<string, number> = {
  'bo4-dwserver-crash.dmp': 10, 'bp-ascii_read_av.dmp': 6, 'bp-ascii_read_av_block_write.dmp': 6, 'bp-ascii_read_av_clobber_write.dmp': 6,
  'bp-ascii_read_av_conditional.dmp': 6, 'bp-ascii_read_av_then_jmp.dmp': 6, 'bp-ascii_read_av_xchg_write.dmp': 6, 'bp-ascii_write_av.dmp': 6,
  'bp-ascii_write_av_arg_to_call.dmp': 6, 'bp-exec_av_on_stack.dmp': 4, 'bp-minidump2.dmp': 4, 'bp-minidump_32bit_crash_addr.dmp': 4,
  'bp-null_read_av.dmp': 6, 'bp-null_write_av.dmp': 6, 'bp-read_av_clobber_write.dmp': 4, 'bp-read_av_conditional.dmp': 5,
  'bp-read_av_non_null.dmp': 4, 'bp-stack_exhaustion.dmp': 10, 'bp-thread_name_list.dmp': 4, 'bp-tiny-exe-fastfail.dmp': 10,
  'bp-tiny-exe-with-cet-xsave-x86.dmp': 1, 'bp-tiny-exe-with-cet-xsave.dmp': 10, 'bp-write_av_non_null.dmp': 4, 'electron-windows.dmp': 10,
  'lldb-fizzbuzz_no_heap-wow64.dmp': 6, 'lldb-sigsegv-x64.dmp': 10, 'moz-windows-aarch64.dmp': 10, 'moz-windows-x86_64.dmp': 10,
  'redfaction-wow64-20260301a.dmp': 10, 'redfaction-wow64-20260301b.dmp': 10, 'rm-invalid-parameter.dmp': 3, 'rz-calc.dmp': 4,
  'sentry-unreal-UE4Minidump.dmp': 1, 'ue4-editor-ensure-UE4Minidump.dmp': 10, 'uevr-deadisland2-crash.dmp': 1, 'unity-gallipoli-crash.dmp': 10,
  'unity-ksp-2018-crash.dmp': 10, 'unity-ksp-2021-crash.dmp': 10, 'unity-rimworld-2020-crash.dmp': 10,
};

/** Frames breakpad named among the first ten of the crashing threads (bp-minidump2 and its copy: 4 each; moz-windows-x86_64: 1). */
const NAMED_BY_BREAKPAD = 9;

/** Breakpad's "simulating a return from leaf function" has no counterpart name: any trust will do. */
const sameTrust = (bp: string, ours: string) => bp === 'leaf' || bp === ours;

afterAll(async () => {
  await closeAllSymbolFiles();
  await closeSymbolPathBinaries();
});

describe.runIf(corpusOrSkipMessage())('first ten frames equal minidump_stackwalk\'s, with ../shared/corpus/symbols', () => {
  it('the table covers every Windows user dump breakpad walked', () => {
    expect(Object.keys(AGREE).sort()).toEqual(Object.keys(expected).sort());
  });
  for (const [file, bp] of Object.entries(expected)) {
    it(`${file}: ${AGREE[file]} of the first ${Math.min(10, bp.frames.length)}`, async () => {
      const r = await triageFile(corpusPath('user-windows', file), { symbolPaths: [corpusPath('symbols')] });
      const thread = r.threads[bp.threadIndex]!;
      // The verdict's frames come from the thread breakpad calls crashed (or its first, with no exception).
      if (bp.crashed) expect(r.verdict.frameThreadId).toBe(thread.id);
      const ours = thread.frames ?? [];
      let agree = 0;
      const rows: string[] = [];
      for (const b of bp.frames.slice(0, 10)) {
        const o = ours[b.index];
        // Where breakpad names the frame from the .sym, ours must give the same name.
        const ok =
          o !== undefined && o.address === b.address && (o.module ?? null) === b.module && (o.offset ?? null) === b.offset && sameTrust(b.trust, o.trust) && (b.function === null || o.function === b.function);
        if (ok) agree++;
        else rows.push(`#${b.index} breakpad ${b.module}+${b.offset} ${b.function ?? ''} (${b.address}, ${b.trust}) ours ${o ? `${o.module}+${o.offset} ${o.function ?? ''} (${o.address}, ${o.trust})` : 'none'}`);
      }
      expect(agree, rows.join('\n')).toBe(AGREE[file]);
    });
  }
});

describe.runIf(corpusOrSkipMessage())('function names from the .sym files', () => {
  it('every frame breakpad names among the first ten is named the same (and no frame of a module without symbols is named)', async () => {
    let named = 0;
    for (const [file, bp] of Object.entries(expected)) {
      const r = await triageFile(corpusPath('user-windows', file), { symbolPaths: [corpusPath('symbols')] });
      const ours = r.threads[bp.threadIndex]!.frames ?? [];
      for (const b of bp.frames.slice(0, 10)) {
        const o = ours[b.index];
        if (b.function !== null) {
          named++;
          expect(o?.function, `${file} #${b.index}`).toBe(b.function);
        } else expect(o?.function, `${file} #${b.index}`).toBeUndefined();
      }
    }
    expect(named).toBe(NAMED_BY_BREAKPAD);
  });

  it('names the verdict: SYMBOL_NAME-style frames and the probable cause carry module!function+offset', async () => {
    const r = await triageFile(corpusPath('user-windows', 'bp-minidump2.dmp'), { symbolPaths: [corpusPath('symbols')] });
    expect(r.verdict.frames[0]).toMatchObject({ symbol: "test_app.exe!`anonymous namespace'::CrashFunction+0xe", function: "`anonymous namespace'::CrashFunction", functionOffset: '0xe' });
    expect(r.verdict.probableCause).toMatchObject({ image: 'test_app.exe', function: "`anonymous namespace'::CrashFunction", functionOffset: '0xe' });
    const plain = await triageFile(corpusPath('user-windows', 'bp-minidump2.dmp'));
    expect(plain.verdict.frames[0]!.symbol).toBe('test_app.exe+0x429e');
    expect(plain.verdict.probableCause.function).toBeUndefined();
  });
});

describe.runIf(corpusOrSkipMessage())('what the walker finds', () => {
  it('moz-windows-aarch64: frame 1 is the caller held in LR (xul.dll+0x32c4670), found by the frame-pointer step', async () => {
    const r = await triageFile(corpusPath('user-windows', 'moz-windows-aarch64.dmp'));
    const t = r.threads.find((x) => x.id === r.verdict.frameThreadId)!;
    expect(t.frames![1]).toMatchObject({ module: 'xul.dll', offset: '0x32c4670', trust: 'frame-pointer' });
  });

  it('moz-windows-x86_64 with symbols: the STACK CFI of xul\'s callee modules gives frame 6 by CFI (without them, a scan)', async () => {
    const withSyms = await triageFile(corpusPath('user-windows', 'moz-windows-x86_64.dmp'), { symbolPaths: [corpusPath('symbols')] });
    const t = withSyms.threads.find((x) => x.id === withSyms.verdict.frameThreadId)!;
    expect(t.frames![6]).toMatchObject({ module: 'xul.dll', offset: '0x10e40be', trust: 'cfi' });
    const without = await triageFile(corpusPath('user-windows', 'moz-windows-x86_64.dmp'));
    const u = without.threads.find((x) => x.id === without.verdict.frameThreadId)!;
    expect(u.frames!.slice(0, 10).some((f) => f.trust === 'cfi')).toBe(false);
  });

  it('sentry-unreal: SP outside the recorded stack memory: nothing is scanned and the verdict says the stack is not in the dump', async () => {
    const r = await triageFile(corpusPath('user-windows', 'sentry-unreal-UE4Minidump.dmp'));
    const t = r.threads.find((x) => x.id === r.verdict.frameThreadId)!;
    expect(t.stackEnd).toBe('no-stack');
    expect(t.frames).toHaveLength(1);
    expect(r.verdict.probableCause.module).toBeNull();
    expect(r.verdict.probableCause.reason).toMatch(/stack of thread \d+ \(at 0x[0-9a-f]+\) is not in the dump/);
  });

  it('bp-exec_av_on_stack: the wild frame is reported and no module is blamed (its trusted callers are system code)', async () => {
    const r = await triageFile(corpusPath('user-windows', 'bp-exec_av_on_stack.dmp'));
    const t = r.threads.find((x) => x.id === r.verdict.frameThreadId)!;
    expect(t.frames![0]).toMatchObject({ address: '0x3df944', trust: 'context' });
    expect(t.frames![0]!.module).toBeUndefined();
    expect(r.verdict.probableCause.module).toBeNull();
    expect(r.verdict.probableCause.reason).toContain('outside every loaded module');
  });

  it('rz-calc (a debugger break-in): the frames are those of the thread the exception record names', async () => {
    const r = await triageFile(corpusPath('user-windows', 'rz-calc.dmp'));
    expect(r.verdict.frameThreadId).toBe(r.exception!.threadId);
    expect(r.verdict.trigger).toBe('manual-debugger');
  });
});
