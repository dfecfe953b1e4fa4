// Hostile minidumps: truncation at every structure boundary, absurd counts, duplicate and
// out-of-range streams. Each gives a typed error or a partial result with warnings — never a
// RangeError/TypeError, never an allocation driven by a count the file cannot hold.

import { describe, expect, it } from 'vitest';
import { SynthMinidump } from '../../synth/minidump.js';
import { StreamType } from '../../../native-structs/constants/minidump.js';
import { MINIDUMP_THREAD, MINIDUMP_MEMORY_DESCRIPTOR64 } from '../../../native-structs/minidump/index.js';
import { encodeStruct, encodeArray, concat } from '../../synth/encode.js';
import { isDumpError } from '../../../src/errors.js';
import { openSynth, SOURCES } from './helpers.js';

function sample(): Uint8Array {
  return new SynthMinidump({ arch: 'x64', timestamp: 1_700_000_000 })
    .addSystemInfo({ csd: 'Service Pack 1' })
    .addMiscInfo({ processId: 1 })
    .addModule({ name: 'C:\\a\\app.exe', base: 0x140000000n, size: 0x1000, version: [1, 0, 0, 0], pdb: { name: 'app.pdb', guid: '11111111-2222-3333-4444-555555555555' } })
    .addThread({ id: 1, context: { rip: 0x140000100n, rsp: 0x1000n }, stack: { start: 0x1000n, bytes: new Uint8Array(64) } })
    .addThreadName(1, 'main')
    .addUnloadedModule({ name: 'x.dll', base: 0x1000_0000n, size: 0x1000 })
    .addException({ threadId: 1, code: 0xc0000005, address: 0x140000100n, parameters: [0n, 0n] })
    .build();
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

/** Every offset where a structure starts or ends in `bytes` (header, directory, stream payloads). */
function boundaries(bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  const n = dv.getUint32(8, true);
  const dir = dv.getUint32(12, true);
  const cuts = new Set<number>([0, 1, 3, 4, 8, 16, 31, 32, dir, dir + 12 * n - 1, dir + 12 * n]);
  for (let i = 0; i < n; i++) {
    const size = dv.getUint32(dir + i * 12 + 4, true);
    const rva = dv.getUint32(dir + i * 12 + 8, true);
    for (const c of [rva, rva + 4, rva + 8, rva + 16, rva + size - 1, rva + size]) cuts.add(c);
  }
  for (let c = 0; c < bytes.length; c += 97) cuts.add(c);
  return [...cuts].filter((c) => c >= 0 && c < bytes.length).sort((a, b) => a - b);
}

describe.each(SOURCES)('hostile minidumps via %s', (kind) => {
  it('truncation at every structure boundary: typed error or partial result, never a crash', async () => {
    const full = sample();
    const dirEnd = 32 + 12 * new DataView(full.buffer).getUint32(8, true);
    for (const cut of boundaries(full)) {
      const bytes = full.slice(0, cut);
      let d;
      try {
        d = await openSynth(kind, bytes);
      } catch (e) {
        expect(isDumpError(e), `cut ${cut}: ${String(e)}`).toBe(true);
        expect((e as { code: string }).code).toBe('Truncated');
        expect(cut).toBeLessThan(dirEnd);
        continue;
      }
      expect(cut, 'header + directory present').toBeGreaterThanOrEqual(dirEnd);
      try {
        const f = await d.facts();
        await d.describe();
        await f.memory.read(0x1000n, 64);
        if (cut < full.length) expect(f.warnings.length, `cut ${cut}`).toBeGreaterThan(0);
      } catch (e) {
        expect(isDumpError(e), `cut ${cut}: ${String(e)}`).toBe(true);
      } finally {
        await d.close();
      }
    }
  });

  it('absurd stream count in the header → CountTooLarge without reading the directory', async () => {
    const bytes = new SynthMinidump().addSystemInfo({}).setHeader({ numberOfStreams: 0xffffffff }).build();
    await expect(openSynth(kind, bytes)).rejects.toMatchObject({ code: 'CountTooLarge', offset: 8 });
  });

  it('a directory past the end of the file → Truncated', async () => {
    const bytes = new SynthMinidump().addSystemInfo({}).setHeader({ streamDirectoryRva: 0x7fff0000 }).build();
    await expect(openSynth(kind, bytes)).rejects.toMatchObject({ code: 'Truncated' });
  });

  it('absurd thread count is clamped to what the stream holds (warning, partial result)', async () => {
    const thread = encodeStruct(MINIDUMP_THREAD, { threadId: 77 });
    const bytes = new SynthMinidump().addSystemInfo({}).addStream(StreamType.ThreadList, concat([u32(0xffffffff), thread])).build();
    const d = await openSynth(kind, bytes);
    const f = await d.facts();
    expect(f.threads.map((t) => t.id)).toEqual([77]);
    expect(f.warnings.map((w) => w.code)).toContain('CountClamped');
    expect(d.source.bytesRead).toBeLessThan(bytes.length * 2);
    await d.close();
  });

  it('absurd Memory64List count and sizes: clamped, missing memory is undefined', async () => {
    const table = concat([
      encodeArray(MINIDUMP_MEMORY_DESCRIPTOR64, []),
      (() => { const h = new Uint8Array(16); const dv = new DataView(h.buffer); dv.setBigUint64(0, 1n << 60n, true); dv.setBigUint64(8, 0n, true); return h; })(),
      encodeArray(MINIDUMP_MEMORY_DESCRIPTOR64, [{ startOfMemoryRange: 0x10000n, dataSize: 0x4141414141414141n }]),
    ]);
    const bytes = new SynthMinidump().addSystemInfo({}).addStream(StreamType.Memory64List, table).build();
    const d = await openSynth(kind, bytes);
    const f = await d.facts();
    expect(await f.memory.read(0x10000n + 0x1000000n, 8)).toBeUndefined();
    const codes = f.warnings.map((w) => w.code);
    expect(codes).toContain('CountClamped');
    expect(codes).toContain('MemoryTruncated');
    await d.close();
  });

  it('duplicate streams → warning, the first is used', async () => {
    const a = new SynthMinidump().addSystemInfo({ build: 1111 }).build();
    // A second SystemInfo directory entry pointing at the same payload (same layout, one more entry).
    const sysRva = new DataView(a.buffer).getUint32(32 + 8, true) + 12;
    const bytes = new SynthMinidump().addSystemInfo({ build: 1111 }).addRawDirectoryEntry(StreamType.SystemInfo, sysRva, 56).build();
    const d = await openSynth(kind, bytes);
    const f = await d.facts();
    expect(f.system.build).toBe(1111);
    expect(f.warnings.map((w) => w.code)).toContain('DuplicateStream');
    await d.close();
  });

  it('a stream outside the file is listed and warned, the rest of the dump is usable', async () => {
    const bytes = new SynthMinidump().addSystemInfo({}).addModule({ name: 'a.dll', base: 0x1000n, size: 0x1000 }).addRawDirectoryEntry(StreamType.ThreadList, 0x7ffffff0, 0x1000).build();
    const d = await openSynth(kind, bytes);
    const f = await d.facts();
    expect(f.modules.map((m) => m.name)).toEqual(['a.dll']);
    expect(f.threads).toEqual([]);
    expect(f.warnings.map((w) => w.code)).toContain('StreamOutOfBounds');
    const det = await d.details();
    expect((det.streams as Array<{ outOfBounds?: boolean }>).some((s) => s.outOfBounds)).toBe(true);
    await d.close();
  });

  it('an undecodable stream is a warning; other streams still decode', async () => {
    const bytes = new SynthMinidump().addSystemInfo({}).addModule({ name: 'b.dll', base: 0x1000n, size: 0x1000 })
      .addStream(StreamType.UnloadedModuleList, Uint8Array.of(12, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0)) // SizeOfEntry 4 < 24
      .addStream(StreamType.Exception, new Uint8Array(20)) // shorter than MINIDUMP_EXCEPTION_STREAM
      .build();
    const d = await openSynth(kind, bytes);
    const f = await d.facts();
    expect(f.modules.map((m) => m.name)).toEqual(['b.dll']);
    expect(f.unloadedModules).toEqual([]);
    expect(f.exception).toBeUndefined();
    expect(f.warnings.filter((w) => w.code === 'StreamDecodeFailed').length).toBe(2);
    await d.close();
  });

  it('broken SystemInfo: warning, arch taken from the context flags', async () => {
    const bytes = new SynthMinidump({ arch: 'x64' }).addStream(StreamType.SystemInfo, new Uint8Array(8))
      .addThread({ id: 5, context: { rip: 0x1234n, rsp: 0x5678n } }).build();
    const d = await openSynth(kind, bytes);
    const f = await d.facts();
    expect(f.arch).toBe('x64');
    expect(f.threads[0]!.context?.ip).toBe(0x1234n);
    expect(f.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['StreamDecodeFailed', 'NoSystemInfo']));
    await d.close();
  });

  it('NumberParameters over 15 is clamped with a warning', async () => {
    const bytes = new SynthMinidump().addSystemInfo({}).addThread({ id: 1 })
      .addException({ threadId: 1, code: 0xc0000409, address: 0n, parameters: Array.from({ length: 15 }, (_, i) => BigInt(i)), numberParameters: 99 }).build();
    const d = await openSynth(kind, bytes);
    const f = await d.facts();
    expect(f.exception!.parameters.length).toBe(15);
    expect(f.warnings.map((w) => w.code)).toContain('CountClamped');
    await d.close();
  });

  it('contexts and strings pointing outside the file are warnings', async () => {
    const t = encodeStruct(MINIDUMP_THREAD, { threadId: 3, threadContext: { dataSize: 0x4d0, rva: 0x7fff0000 } });
    const bytes = new SynthMinidump().addSystemInfo({}).addStream(StreamType.ThreadList, concat([u32(1), t]))
      .addModule({ name: 'ok.dll', base: 0n, size: 1 }).build();
    // Point the module name at garbage past the end.
    const dv = new DataView(bytes.buffer);
    const n = dv.getUint32(8, true);
    for (let i = 0; i < n; i++) {
      if (dv.getUint32(32 + i * 12, true) === StreamType.ModuleList) dv.setUint32(dv.getUint32(32 + i * 12 + 8, true) + 4 + 0x14, 0x7ffffff0, true);
    }
    const d = await openSynth(kind, bytes);
    const f = await d.facts();
    expect(f.threads[0]!.context).toBeUndefined();
    expect(f.modules[0]!.name).toBe('');
    expect(f.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['ContextOutOfBounds', 'StringOutOfBounds']));
    await d.close();
  });

  it('a bare signature: Truncated below 32 bytes, an empty dump with warnings above', async () => {
    for (const size of [4, 32, 100, 513]) {
      const bytes = new Uint8Array(size);
      bytes.set([0x4d, 0x44, 0x4d, 0x50]); // signature only, zero header otherwise
      const d = await openSynth(kind, bytes).catch((e) => e);
      if (size < 32) expect(d).toMatchObject({ code: 'Truncated' });
      else {
        // A valid signature with zero streams is an empty dump: usable, with warnings.
        const f = await d.facts();
        expect(f.threads).toEqual([]);
        expect(f.warnings.map((w: { code: string }) => w.code)).toContain('BadVersion');
        await d.close();
      }
    }
  });
});
