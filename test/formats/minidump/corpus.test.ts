// Real minidumps from ../shared/corpus: every well-formed MDMP decodes with the values the
// MANIFEST notes and the peers' outputs (expected/) give; bp-minidump2.dmp matches breakpad's
// minidump_dump output field for field; malformed files give a typed error or warnings.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CORPUS, HAVE_CORPUS, corpusOrSkipMessage, corpusPath } from '../../helpers/corpus.js';
import { openDump } from '../../../src/index.js';
import { isDumpError } from '../../../src/errors.js';
import type { MinidumpDump } from '../../../src/formats/minidump/minidump.js';

corpusOrSkipMessage();

interface Expect {
  file: string;
  arch: string;
  os: string;
  osVersion: string;
  exception?: { code: number; address: bigint; params?: bigint[] };
  threads?: number;
  modules?: number;
  process?: string;
}

// Values from MANIFEST.tsv notes ("arch ...; os ...; exception CODE at ADDR info[...]") and counts
// cross-checked by hand with breakpad/rust-minidump outputs where they exist.
const W = 'user-windows';
const O = 'user-other';
const ALL: Expect[] = [
  { file: `${W}/bo4-dwserver-crash.dmp`, arch: 'x64', os: 'windows', osVersion: '10.0.14393', exception: { code: 0xc0000005, address: 0x7ff711ebe321n, params: [0n, 0x1an] }, process: 'server.exe' },
  ...['ascii_read_av:0xd6a6cd', 'ascii_read_av_block_write:0x111a6cd', 'ascii_read_av_clobber_write:0x96a6cd', 'ascii_read_av_conditional:0x15a80d',
    'ascii_read_av_then_jmp:0xe2a6cd', 'ascii_read_av_xchg_write:0xa3a6cd', 'ascii_write_av:0x3a6cd', 'ascii_write_av_arg_to_call:0x2ba6cd',
    'exec_av_on_stack:0x3df944', 'null_read_av:0x90a6cd', 'null_write_av:0x103a6cd', 'read_av_clobber_write:0x101098', 'read_av_conditional:0xd4109e',
    'read_av_non_null:0x991098', 'write_av_non_null:0xc11097'].map((s): Expect => {
    const [n, a] = s.split(':');
    return { file: `${W}/bp-${n}.dmp`, arch: 'x86', os: 'windows', osVersion: '6.1.7600', exception: { code: 0xc0000005, address: BigInt(a!) }, threads: 2 };
  }),
  { file: `${W}/bp-stack_exhaustion.dmp`, arch: 'x86', os: 'windows', osVersion: '6.1.7600', exception: { code: 0xc00000fd, address: 0xdea637n, params: [0n, 0x102000n] } },
  { file: `${W}/bp-minidump2.dmp`, arch: 'x86', os: 'windows', osVersion: '5.1.2600', exception: { code: 0xc0000005, address: 0x40429en, params: [1n, 0x45n] }, threads: 2, modules: 13, process: 'test_app.exe' },
  { file: `${W}/bp-minidump_32bit_crash_addr.dmp`, arch: 'x86', os: 'windows', osVersion: '5.1.2600', exception: { code: 0xc0000005, address: 0x40429en, params: [1n, 0xffffffff00000045n] }, threads: 2, modules: 13 },
  { file: `${W}/bp-thread_name_list.dmp`, arch: 'x86', os: 'windows', osVersion: '10.0.17763', exception: { code: 0xc0000005, address: 0x4015fdn, params: [0n, 0xf1004n] } },
  { file: `${W}/bp-tiny-exe-fastfail.dmp`, arch: 'x64', os: 'windows', osVersion: '10.0.19042', exception: { code: 0xc0000409, address: 0x7ff75355af42n, params: [7n] }, threads: 4 },
  { file: `${W}/bp-tiny-exe-with-cet-xsave-x86.dmp`, arch: 'x86', os: 'windows', osVersion: '10.0.22631', threads: 3 },
  { file: `${W}/bp-tiny-exe-with-cet-xsave.dmp`, arch: 'x64', os: 'windows', osVersion: '10.0.22000', threads: 1 },
  { file: `${W}/electron-windows.dmp`, arch: 'x64', os: 'windows', osVersion: '10.0.14393', exception: { code: 0xc0000005, address: 0x7ff7215f8da4n, params: [1n, 0n] }, process: 'electron.exe' },
  { file: `${W}/moz-windows-aarch64.dmp`, arch: 'arm64', os: 'windows', osVersion: '10.0.19042', exception: { code: 0x80000003, address: 0x7ffed46446f8n, params: [0n] }, process: 'firefox.exe' },
  { file: `${W}/moz-windows-x86_64.dmp`, arch: 'x64', os: 'windows', osVersion: '10.0.19041', exception: { code: 0x80000003, address: 0x7ffac82db264n, params: [0n] }, process: 'firefox.exe' },
  { file: `${W}/rm-invalid-parameter.dmp`, arch: 'x64', os: 'windows', osVersion: '10.0.17134', exception: { code: 0xc000000d, address: 0n, params: [0xfc218feac0n, 0xfc218fecc0n] } },
  { file: `${W}/rz-calc.dmp`, arch: 'x64', os: 'windows', osVersion: '6.1.7601', exception: { code: 0x80000003, address: 0x7776ae10n, params: [0n] }, process: 'calc.exe' },
  { file: `${W}/sentry-unreal-UE4Minidump.dmp`, arch: 'x64', os: 'windows', osVersion: '10.0.17134', exception: { code: 0x1, address: 0x7ffb27e2a388n }, process: 'MyProject.exe' },
  { file: `${W}/ue4-editor-ensure-UE4Minidump.dmp`, arch: 'x64', os: 'windows', osVersion: '10.0.19044', exception: { code: 0xbdb30, address: 0x7ffa09f74f69n }, process: 'UE4Editor.exe' },
  { file: `${W}/uevr-deadisland2-crash.dmp`, arch: 'x64', os: 'windows', osVersion: '10.0.19045', exception: { code: 0xc0000005, address: 0x7ff8f467fc32n, params: [1n, 8n] }, process: 'DeadIsland-Win64-Shipping.exe' },
  { file: `${W}/unity-gallipoli-crash.dmp`, arch: 'x64', os: 'windows', osVersion: '10.0.19045', exception: { code: 0xc0000005, address: 0x7ff9bd51a380n, params: [1n, 0x7fn] } },
  { file: `${W}/unity-ksp-2018-crash.dmp`, arch: 'x64', os: 'windows', osVersion: '10.0.16299', exception: { code: 0xc0000005, address: 0x7ff6eeadc6f0n, params: [0n, 0x37ffcn] }, process: 'KSP_x64.exe' },
  { file: `${W}/unity-ksp-2021-crash.dmp`, arch: 'x64', os: 'windows', osVersion: '10.0.18363', exception: { code: 0xc0000005, address: 0x7ff9f4d221fdn, params: [0n, 0n] }, process: 'KSP_x64.exe' },
  { file: `${W}/unity-rimworld-2020-crash.dmp`, arch: 'x64', os: 'windows', osVersion: '10.0.17763', exception: { code: 0xc0000005, address: 0x7ff70fae7648n, params: [0n, 0n] }, process: 'RimWorldWin64.exe' },
  ...[['divide_by_zero', 0x8, 0x401f27n], ['jmp_to_0', 0xb, 0n], ['null_dereference', 0xb, 0n], ['null_read_av', 0xb, 0n], ['outside_module', 0xb, 0x29cd74n],
    ['overflow', 0x6, 0x3e8000039ben], ['raise_sigabrt', 0x6, 0x4d14400005be6n], ['stacksmash', 0xb, 0n]].map(([n, c, a]): Expect =>
    ({ file: `${O}/bp-linux_${n}.dmp`, arch: 'x64', os: 'linux', osVersion: '0.0.0', exception: { code: c as number, address: a as bigint } })),
  { file: `${O}/bp-linux_inline.dmp`, arch: 'x64', os: 'linux', osVersion: '5.10.28', exception: { code: 0x4, address: 0x2161b6n } },
  { file: `${O}/bp-minidump_crashpad_annotation.dmp`, arch: 'x64', os: 'ios', osVersion: '16.2.0', exception: { code: 0x43506e78, address: 0x1030e9c34n, params: [0x43506e78n, 0n] } },
  { file: `${O}/electron-linux.dmp`, arch: 'x64', os: 'linux', osVersion: '0.0.0', exception: { code: 0x4, address: 0x34785f0n } },
  { file: `${O}/electron-mac.dmp`, arch: 'x64', os: 'macos', osVersion: '10.11.6', exception: { code: 0x2, address: 0x10ce0a4e4n, params: [0xan, 0x4200001n] } },
  { file: `${O}/moz-android-aarch64.dmp`, arch: 'arm64', os: 'android', osVersion: '0.0.0', exception: { code: 0xb, address: 0n } },
  { file: `${O}/rm-linux-mini.dmp`, arch: 'x64', os: 'linux', osVersion: '0.0.0', exception: { code: 0xb, address: 0x45n } },
  { file: `${O}/rm-pipeline-inlines-macos-segv.dmp`, arch: 'x64', os: 'macos', osVersion: '11.6.7', exception: { code: 0x1, address: 0xffffffff80000042n, params: [1n, 1n] } },
  { file: `${O}/rm-simple-crashpad.dmp`, arch: 'x64', os: 'macos', osVersion: '10.15.7', exception: { code: 0x0, address: 0x7fff6f41333an, params: [0xan, 0x6000000n] } },
];

async function open(rel: string): Promise<MinidumpDump> {
  return (await openDump(corpusPath(rel))) as MinidumpDump;
}

describe.skipIf(!HAVE_CORPUS)(`corpus minidumps (${CORPUS})`, () => {
  it.each(ALL.map((e) => [e.file, e] as const))('%s decodes', async (_f, e) => {
    const d = await open(e.file);
    try {
      const f = await d.facts();
      expect(f.format).toBe('minidump');
      expect(f.arch).toBe(e.arch);
      expect(f.system.os).toBe(e.os);
      expect(f.system.osVersion).toBe(e.osVersion);
      if (e.exception) {
        expect(f.exception?.code).toBe(e.exception.code);
        expect(f.exception?.address).toBe(e.exception.address);
        // MANIFEST notes print the first parameters only: compare that prefix.
        if (e.exception.params) expect(f.exception?.parameters.slice(0, e.exception.params.length)).toEqual(e.exception.params);
        expect(f.crashingThreadId).toBe(f.exception?.threadId);
        const crashing = f.threads.filter((t) => t.crashing);
        expect(crashing.length).toBeLessThanOrEqual(1);
      } else expect(f.exception).toBeUndefined();
      if (e.threads !== undefined) expect(f.threads.length).toBe(e.threads);
      if (e.modules !== undefined) expect(f.modules.length).toBe(e.modules);
      if (e.process) expect(f.process?.name).toBe(e.process);
      expect(f.modules.length).toBeGreaterThan(0);
      expect(f.threads.length).toBeGreaterThan(0);
      // Every thread with a context has its pointers decoded.
      for (const t of f.threads) if (t.context) expect(t.context.arch).toBe(e.arch);
      expect(f.warnings.filter((w) => w.code === 'StreamDecodeFailed')).toEqual([]);
      expect(d.source.bytesRead).toBeLessThanOrEqual(256 * 1024);
      const desc = await d.describe();
      expect(desc.streams).toBeDefined();
    } finally {
      await d.close();
    }
  });

  it('breakpad-documented values: os_version, cpu_info, thread counts', async () => {
    const cases: Array<[string, string, string, number]> = [
      [`${W}/bp-tiny-exe-with-cet-xsave-x86.dmp`, '10.0.22631 ', 'GenuineIntel family 6 model 151 stepping 2', 3],
      [`${W}/bp-tiny-exe-with-cet-xsave.dmp`, '10.0.22000 282', 'family 6 model 140 stepping 1', 1],
    ];
    for (const [file, osv, cpu, threads] of cases) {
      const d = await open(file);
      const f = await d.facts();
      // breakpad prints "major.minor.build csd".
      expect(`${f.system.osVersion} ${f.system.servicePack ?? ''}`).toBe(osv);
      expect(f.system.cpuDescription).toBe(cpu);
      expect(f.threads.length).toBe(threads);
      for (const t of f.threads) expect(t.context?.ip).toBeGreaterThan(0n);
      await d.close();
    }
    const d = await open(`${W}/bp-tiny-exe-fastfail.dmp`);
    const f = await d.facts();
    expect(f.threads.length).toBe(4);
    expect(f.exception?.parameters[0]).toBe(7n); // FAST_FAIL_FATAL_APP_EXIT
    await d.close();
  });

  it('bp-thread_name_list.dmp: ThreadNames stream', async () => {
    const d = await open(`${W}/bp-thread_name_list.dmp`);
    const f = await d.facts();
    const named = f.threads.filter((t) => t.name !== undefined).map((t) => [t.id, t.name]);
    expect(named).toEqual([[0x19a4, 'main thread'], [0x2274, 'sleep thread'], [0x2ae0, 'overflow thread']]);
    expect(f.threads.find((t) => t.crashing)?.name).toBe('overflow thread');
    await d.close();
  });

  it('rz-calc.dmp matches rizin iI (machine, os, streams, flags)', async () => {
    const text = readFileSync(corpusPath('expected', 'rizin', 'calc.dmp.rizin-iI-expected.txt'), 'utf8');
    const kv = Object.fromEntries(text.split('\n').map((l) => /^(\S+)\s+(.*)$/.exec(l)).filter(Boolean).map((m) => [m![1], m![2]!.trim()]));
    const d = await open(`${W}/rz-calc.dmp`);
    const f = await d.facts();
    expect(kv.machine).toBe('AMD64');
    expect(f.arch).toBe('x64');
    expect(kv.os).toBe(`Windows NT ${f.system.productType === 'workstation' ? 'Workstation' : 'Server'} ${f.system.osVersion}`);
    expect(d.file.header.numberOfStreams).toBe(Number(kv.streams));
    expect(d.file.header.flags).toBe(BigInt(kv.flags!));
    expect(kv['hdr.csum']).toBe(`0x${d.file.header.checkSum.toString(16).padStart(8, '0')}`);
    expect(f.extra.minidumpFlags).toEqual(['MiniDumpWithTokenInformation']);
    await d.close();
  });

  it('crashpad annotations and breakpad info are surfaced in extra', async () => {
    let d = await open(`${O}/rm-simple-crashpad.dmp`);
    let f = await d.facts();
    expect(f.extra.crashpad).toMatchObject({ reportId: expect.any(String), clientId: expect.any(String) });
    await d.close();
    d = await open(`${W}/moz-windows-x86_64.dmp`);
    f = await d.facts();
    expect(f.extra.breakpad).toMatchObject({ validity: expect.any(Number) });
    expect(f.threads.some((t) => t.name !== undefined)).toBe(true);
    await d.close();
    d = await open(`${W}/rm-invalid-parameter.dmp`);
    f = await d.facts();
    expect(f.extra.assertion).toBeDefined();
    await d.close();
  });

  it('non-dumps in user-other are rejected as UnknownFormat', async () => {
    for (const rel of [`${O}/bp-microdump-arm64.dmp`, `${O}/bp-microdump-x86.dmp`, `${O}/sentry-unreal_crash.ue4crash.zlib`]) {
      await expect(openDump(corpusPath(rel))).rejects.toMatchObject({ code: 'UnknownFormat' });
    }
  });

  it.each(['r2-fuzzed-mdmp-dos.mdmp', 'r2-npe_r_mdmp.c-364_1.mdmp', 'r2-npe_w_bin_mdmp.c-111_1.mdmp', 'r2-trunc_memory64.dmp', 'rm-invalid-range.dmp', 'rm-invalid-record-count.dmp'])(
    'malformed %s: typed error or partial result with warnings, bytes read bounded by the file',
    async (name) => {
      const path = corpusPath(O, name);
      const size = readFileSync(path).length;
      let d: MinidumpDump | undefined;
      try {
        d = (await openDump(path)) as MinidumpDump;
      } catch (e) {
        expect(isDumpError(e)).toBe(true);
        return;
      }
      try {
        const f = await d.facts();
        await d.describe();
        await f.memory.read(0n, 16);
        expect(f.warnings.length).toBeGreaterThan(0);
        expect(d.source.bytesRead).toBeLessThanOrEqual(size * 4);
      } catch (e) {
        expect(isDumpError(e)).toBe(true);
      } finally {
        await d.close();
      }
    },
  );
});

// ---- bp-minidump2.dmp against breakpad's minidump_dump output, field by field ----

interface Block { title: string; fields: Record<string, string>; extra: string[] }

function parseDumpOut(text: string): Block[] {
  const blocks: Block[] = [];
  for (const chunk of text.split(/\n\s*\n/)) {
    const lines = chunk.split('\n').filter((l) => l.length > 0);
    if (lines.length === 0) continue;
    // A chunk may start with an index line such as "thread[0]" followed by the struct title.
    let i = 0;
    while (i + 1 < lines.length && /^[A-Za-z_]+\[\d+\]$/.test(lines[i]!)) i++;
    const b: Block = { title: lines[i]!.trim(), fields: {}, extra: [] };
    for (const l of lines.slice(i + 1)) {
      const m = /^\s+(.+?)\s+= (.*)$/.exec(l);
      if (m) b.fields[m[1]!] = m[2]!;
      else b.extra.push(l.trim());
    }
    blocks.push(b);
  }
  return blocks;
}

const num = (v: string | undefined): bigint => BigInt(v!.split(' ')[0]!);
// breakpad prints strings between quotes, unescaped.
const str = (v: string | undefined): string => (v === '(null)' ? '' : v!.replace(/^"(.*)"$/, '$1'));

describe.skipIf(!HAVE_CORPUS)('bp-minidump2.dmp vs breakpad minidump_dump', () => {
  const blocks = HAVE_CORPUS ? parseDumpOut(readFileSync(corpusPath('expected', 'breakpad', 'minidump2.dump.out'), 'utf8')) : [];
  const of = (t: string): Block[] => blocks.filter((b) => b.title === t);

  it('header and directory', async () => {
    const d = await open(`${W}/bp-minidump2.dmp`);
    const h = of('MDRawHeader')[0]!.fields;
    expect(BigInt(d.file.header.version)).toBe(num(h.version));
    expect(BigInt(d.file.header.numberOfStreams)).toBe(num(h.stream_count));
    expect(BigInt(d.file.header.timeDateStamp)).toBe(num(h.time_date_stamp));
    const dirs = of('MDRawDirectory');
    expect(d.file.directory.length).toBe(dirs.length);
    dirs.forEach((b, i) => {
      const e = d.file.directory[i]!;
      expect(BigInt(e.type)).toBe(num(b.fields.stream_type));
      expect(BigInt(e.dataSize)).toBe(num(b.fields['location.data_size']));
      expect(BigInt(e.rva)).toBe(num(b.fields['location.rva']));
    });
    await d.close();
  });

  it('every module', async () => {
    const d = await open(`${W}/bp-minidump2.dmp`);
    const f = await d.facts();
    const desc = ((await d.describe()).streams as any).moduleList as any[];
    const mods = of('MDRawModule');
    expect(mods.length).toBe(13);
    expect(f.modules.length).toBe(mods.length);
    mods.forEach((b, i) => {
      const m = f.modules[i]!;
      const x = b.fields;
      expect(m.base).toBe(num(x.base_of_image));
      expect(BigInt(m.size)).toBe(num(x.size_of_image));
      expect(BigInt(m.checksum!)).toBe(num(x.checksum));
      expect(BigInt(m.timestamp ?? 0)).toBe(num(x.time_date_stamp));
      expect(m.path).toBe(str(x['(code_file)']));
      expect(desc[i].codeId).toBe(str(x['(code_identifier)']));
      expect(m.pdb?.name).toBe(str(x['(debug_file)']));
      expect(m.pdb?.debugId).toBe(str(x['(debug_identifier)']));
      expect(m.pdb?.guid.toLowerCase()).toBe(x['(cv_record).signature']);
      expect(BigInt(m.pdb!.age)).toBe(num(x['(cv_record).age']));
      expect(m.version ?? '').toBe(str(x['(version)']));
      const [ms, ls] = x['version_info.file_version']!.split(':').map((v) => Number(v));
      expect(desc[i].versionInfo.fileVersionMS).toBe(ms);
      expect(desc[i].versionInfo.fileVersionLS).toBe(ls);
      expect(BigInt(desc[i].cvRecord.rva)).toBe(num(x['cv_record.rva']));
      expect(BigInt(desc[i].moduleNameRva)).toBe(num(x.module_name_rva));
    });
    await d.close();
  });

  it('every thread, its context and stack bytes', async () => {
    const d = await open(`${W}/bp-minidump2.dmp`);
    const f = await d.facts();
    const desc = ((await d.describe()).streams as any).threadList.threads as any[];
    const threads = of('MDRawThread');
    const contexts = of('MDRawContextX86');
    const stacks = blocks.filter((b) => b.title === 'Stack');
    expect(threads.length).toBe(2);
    expect(f.threads.length).toBe(2);
    threads.forEach((b, i) => {
      const x = b.fields;
      const t = f.threads[i]!;
      expect(BigInt(t.id)).toBe(num(x.thread_id));
      expect(t.teb).toBe(num(x.teb));
      expect(t.stack!.startAddress).toBe(num(x['stack.start_of_memory_range']));
      expect(BigInt(t.stack!.size)).toBe(num(x['stack.memory.data_size']));
      expect(BigInt(desc[i].stack.memory.rva)).toBe(num(x['stack.memory.rva']));
      expect(BigInt(desc[i].threadContext.rva)).toBe(num(x['thread_context.rva']));
      expect(BigInt(desc[i].threadContext.dataSize)).toBe(num(x['thread_context.data_size']));
      const c = contexts[i]!.fields;
      const full = desc[i].context.fields;
      for (const r of ['edi', 'esi', 'ebx', 'edx', 'ecx', 'eax', 'ebp', 'eip', 'eflags', 'esp']) expect(BigInt(full[r]), r).toBe(num(c[r]));
      expect(BigInt(full.contextFlags)).toBe(num(c.context_flags));
      expect(BigInt(full.segCs)).toBe(num(c.cs));
      expect(BigInt(full.floatSave.controlWord)).toBe(num(c['float_save.control_word']));
    });
    // The non-crashing thread's facts context is its own (the crashing one carries the exception context).
    const c1 = contexts[1]!.fields;
    expect(f.threads[1]!.context).toMatchObject({ ip: num(c1.eip), sp: num(c1.esp), fp: num(c1.ebp) });
    for (let i = 0; i < 2; i++) {
      const hexText = stacks[i]!.extra[0]!.replace(/^0x/, '');
      const want = Buffer.from(hexText, 'hex');
      const got = await f.memory.read(f.threads[i]!.stack!.startAddress, f.threads[i]!.stack!.size);
      expect(got && Buffer.from(got).equals(want)).toBe(true);
    }
    await d.close();
  });

  it('every memory range', async () => {
    const d = await open(`${W}/bp-minidump2.dmp`);
    const desc = ((await d.describe()).streams as any).memoryList as any[];
    const regions = of('MDMemoryDescriptor');
    expect(desc.length).toBe(regions.length);
    regions.forEach((b, i) => {
      expect(desc[i].startOfMemoryRange).toBe(num(b.fields.start_of_memory_range));
      expect(BigInt(desc[i].memory.dataSize)).toBe(num(b.fields['memory.data_size']));
      expect(BigInt(desc[i].memory.rva)).toBe(num(b.fields['memory.rva']));
    });
    const f = await d.facts();
    for (const b of regions) expect(await f.memory.read(num(b.fields.start_of_memory_range), Number(num(b.fields['memory.data_size'])))).toBeDefined();
    await d.close();
  });

  it('the exception, its context, system info, misc info, breakpad info', async () => {
    const d = await open(`${W}/bp-minidump2.dmp`);
    const f = await d.facts();
    const s = (await d.describe()).streams as any;
    const x = of('MDException')[0]!.fields;
    const e = f.exception!;
    expect(BigInt(e.threadId)).toBe(num(x.thread_id));
    expect(BigInt(e.code)).toBe(num(x['exception_record.exception_code']));
    expect(BigInt(e.flags)).toBe(num(x['exception_record.exception_flags']));
    expect(e.address).toBe(num(x['exception_record.exception_address']));
    expect(BigInt(e.parameters.length)).toBe(num(x['exception_record.number_parameters']));
    e.parameters.forEach((p, i) => expect(p).toBe(num(x[`exception_record.exception_information[ ${i}]`])));
    expect(BigInt(s.exception.threadContext.rva)).toBe(num(x['thread_context.rva']));
    const ec = of('MDRawContextX86')[2]!.fields;
    expect(e.context).toMatchObject({ ip: num(ec.eip), sp: num(ec.esp), fp: num(ec.ebp) });
    expect(e.context!.registers.eax).toBe(num(ec.eax));
    expect(f.threads[0]!.context!.ip).toBe(num(ec.eip));

    const si = of('MDRawSystemInfo')[0]!.fields;
    expect(BigInt(s.systemInfo.processorArchitecture)).toBe(num(si.processor_architecture));
    expect(BigInt(s.systemInfo.processorLevel)).toBe(num(si.processor_level));
    expect(BigInt(s.systemInfo.processorRevision)).toBe(num(si.processor_revision));
    expect(BigInt(f.system.cpuCount!)).toBe(num(si.number_of_processors));
    expect(BigInt(f.system.build!)).toBe(num(si.build_number));
    expect(f.system.osVersion).toBe(`${si.major_version}.${si.minor_version}.${si.build_number}`);
    expect(f.system.servicePack).toBe(str(si['(csd_version)']));
    expect(f.system.cpuVendor).toBe(str(si['(cpu_vendor)']));
    expect(BigInt(s.systemInfo.suiteMask)).toBe(num(si.suite_mask));

    const mi = of('MDRawMiscInfo')[0]!.fields;
    expect(BigInt(f.process!.pid!)).toBe(num(mi.process_id));
    expect(BigInt(s.miscInfo.processCreateTime)).toBe(num(mi.process_create_time));
    const bp = of('MDRawBreakpadInfo')[0]!.fields;
    expect(f.extra.breakpad).toEqual({ validity: Number(num(bp.validity)), dumpThreadId: Number(num(bp.dump_thread_id)), requestingThreadId: Number(num(bp.requesting_thread_id)) });
    await d.close();
  });
});
