// The two real small dumps against rizin's ground truth, field by field, plus truncation at every
// struct boundary and a spread of offsets.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { BytesSource, CountingSource } from '../../../src/reader/byte-source.js';
import { FileSource } from '../../../src/reader/file-source.js';
import { openKernelDump, type KernelDumpFile } from '../../../src/formats/kernel/index.js';
import { isDumpError } from '../../../src/errors.js';
import { HAVE_CORPUS, corpusOrSkipMessage, corpusPath } from '../../helpers/corpus.js';

interface Expected {
  header: Record<string, bigint>;
  triage: Record<string, bigint>;
  regs: Record<string, bigint>;
}

/** Parse rizin's `iH` + `dr` output: "  Name : 0x..." lines per section, then "reg = 0x..." lines. */
function parseExpected(text: string): Expected {
  const out: Expected = { header: {}, triage: {}, regs: {} };
  let section: Record<string, bigint> | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('DUMP_HEADER64:')) section = out.header;
    else if (line.startsWith('TRIAGE_DUMP64:')) section = out.triage;
    const f = /^\s+(\w+) : (0x[0-9a-f]+)/.exec(line);
    if (f && section) section[f[1]!] = BigInt(f[2]!);
    const r = /^(\w+) = (0x[0-9a-f]+)$/.exec(line);
    if (r) out.regs[r[1]!] = BigInt(r[2]!);
  }
  return out;
}

const lower = (s: string): string => s[0]!.toLowerCase() + s.slice(1);

const FILES = [
  { dump: 'rz-triage_x64.dmp', expected: 'triage_x64.dmp.rizin-expected.txt', drivers: 151, arch: 'x64' },
  { dump: 'rz-triage_arm64.dmp', expected: 'triage_arm64.dmp.rizin-expected.txt', drivers: 245, arch: 'arm64' },
];

describe.skipIf(!HAVE_CORPUS)('real small dumps (rizin ground truth)', () => {
  corpusOrSkipMessage();
  describe.each(FILES)('$dump', ({ dump, expected, drivers, arch }) => {
    const exp = HAVE_CORPUS ? parseExpected(readFileSync(corpusPath('expected', 'rizin', expected), 'utf8')) : ({} as Expected);
    it.each([['FileSource'], ['BytesSource']])('every header, triage and register field matches (%s)', async (which) => {
      const path = corpusPath('kernel', dump);
      const src = which === 'FileSource' ? await FileSource.open(path) : new BytesSource(readFileSync(path), dump);
      const d = (await openKernelDump(new CountingSource(src), 64, {})) as KernelDumpFile;
      try {
        const h = d.header as unknown as Record<string, unknown>;
        expect(Object.keys(exp.header).length).toBeGreaterThanOrEqual(17);
        for (const [name, value] of Object.entries(exp.header)) {
          const m = /^BugCheckParameter(\d)$/.exec(name);
          const got = m ? d.header.bugCheckParameters[Number(m[1]) - 1] : h[lower(name)];
          expect(BigInt(got as number | bigint), name).toBe(value);
        }
        const t = d.triage!.raw;
        expect(Object.keys(exp.triage).length).toBe(29);
        for (const [name, value] of Object.entries(exp.triage)) expect(BigInt(t[lower(name)] as number | bigint), name).toBe(value);
        const f = await d.facts();
        const regs = f.threads[0]!.context!.registers;
        expect(Object.keys(exp.regs).length).toBeGreaterThan(15);
        for (const [name, value] of Object.entries(exp.regs)) expect(regs[name], name).toBe(value);
        expect(f.threads[0]!.context!.sp).toBe(exp.regs.rsp ?? exp.regs.sp);
        expect(f.threads[0]!.context!.ip).toBe(exp.regs.rip ?? exp.regs.pc);
        expect(f.arch).toBe(arch);
        expect(f.dumpType).toBe('small');
        expect(f.process?.name).toBe('System');
        expect(f.modules).toHaveLength(drivers);
        expect(f.modules[0]!.name).toBe('ntoskrnl.exe');
        expect(f.modules[1]!.name).toBe('hal.dll');
        for (const m of f.modules) {
          expect(m.name).toMatch(/^[\w.-]+\.(sys|dll|exe)$/i);
          expect(m.base >= 0xffff_8000_0000_0000n).toBe(true);
          expect(m.size).toBeGreaterThan(0);
        }
        expect(d.warnings.filter((w) => w.code !== 'KdbgEncoded')).toEqual([]);
        // Stack window bytes are readable at the context's SP.
        expect(await f.memory.read(f.threads[0]!.context!.sp, 64)).toBeDefined();
        expect(f.threads[0]!.stack?.startAddress).toBe(exp.triage.TopOfStack);
      } finally {
        await d.close();
      }
    });
  });

  it('x64: amdppm.sys with its range, the faulting IP inside it, and the return address on the stack', async () => {
    const d = (await openKernelDump(new CountingSource(await FileSource.open(corpusPath('kernel', 'rz-triage_x64.dmp'))), 64, {})) as KernelDumpFile;
    try {
      const f = await d.facts();
      const amd = f.modules.find((m) => m.name === 'amdppm.sys')!;
      expect(amd.path).toBe('\\SystemRoot\\System32\\drivers\\amdppm.sys');
      const faultIp = 0xfffff8048b58334cn; // amdppm!WriteIoMemRawEx+0x70 (P2)
      expect(faultIp >= amd.base && faultIp < amd.base + BigInt(amd.size)).toBe(true);
      expect(f.bugcheck?.args[1]).toBe(faultIp);
      // Frame 9 of rizin's stack: return address 0xfffff8048b58313f at sp 0xffff850429892150 - 8.
      const slot = await f.memory.read(0xffff850429892148n, 8);
      expect(new DataView(slot!.buffer, slot!.byteOffset).getBigUint64(0, true)).toBe(0xfffff8048b58313fn);
      // The header CONTEXT holds the faulting (trap) context in amdppm.
      const hc = (f.extra.kernel as Record<string, { ip: bigint; sp: bigint }>).headerContext!;
      expect(hc.ip).toBe(faultIp);
      expect(hc.sp).toBe(0xffff850429892120n);
      expect(f.crashingThreadId).toBe(0x108);
      expect(f.process?.pid).toBe(4);
      expect(f.unloadedModules.map((u) => u.name)).toEqual(['dam.sys', 'WdBoot.sys', 'hwpolicy.sys', expect.any(String)]);
      expect(f.system.crashTime).toBe('2021-02-21T01:38:22.987Z');
    } finally {
      await d.close();
    }
  });

  describe.each(FILES)('truncated $dump', ({ dump }) => {
    it('gives a typed error or a partial result with a warning at every struct boundary and a spread of offsets', async () => {
      const full = readFileSync(corpusPath('kernel', dump));
      const dv = new DataView(full.buffer, full.byteOffset, full.byteLength);
      const cuts = new Set<number>([0, 1, 4, 7, 8, 0x38, 0x348, 0xf00, 0xfff, 0x1000, 0x1fff, 0x2000, 0x2001, 0x2040, 0x207f, 0x2080]);
      for (let o = 0; o < 0x80; o += 4) {
        const v = dv.getUint32(0x2000 + o, true);
        if (v > 0 && v < full.length) for (const d of [-1, 0, 1, 4, 0x10, 0x100]) cuts.add(v + d);
      }
      for (let i = 1; i < 200; i++) cuts.add(Math.floor((full.length * i) / 200));
      const sizeOfDump = dv.getUint32(0x2004, true);
      for (const cut of [...cuts].filter((c) => c >= 0 && c < full.length)) {
        const src = new CountingSource(new BytesSource(full.subarray(0, cut), dump));
        try {
          const d = (await openKernelDump(src, 64, {})) as KernelDumpFile;
          const f = await d.facts();
          await d.describe();
          // Bytes past SizeOfDump are trailing (secondary) data: cutting there loses nothing.
          if (cut < sizeOfDump) expect(f.warnings.length, `cut at ${cut}`).toBeGreaterThan(0);
        } catch (e) {
          expect(isDumpError(e), `cut at ${cut}: ${(e as Error).stack}`).toBe(true);
        }
      }
    });
  });
});
