// Smoke test of the stack-walker dumps built by test/synth/unwind.ts: each opens with the library,
// has the thread, modules and memory its expected frames rely on, and the image pages decode to
// the unwind tables the expectations were computed from. The walker itself is not exercised here.
// (This file lives beside test/synth/, not in it: test/synth may import only native-structs and
// itself, see test/architecture.test.ts, and this test needs the library.)

import { describe, expect, it } from 'vitest';
import { openDumpFromBytes } from '../src/core.js';
import type { DumpFacts, ModuleFacts } from '../src/analysis/facts/types.js';
import { UNWIND_CASES, type UnwindCase } from './synth/unwind.js';

const CASES = Object.entries(UNWIND_CASES) as Array<[keyof typeof UNWIND_CASES, () => UnwindCase]>;

function u32(b: Uint8Array, o: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o, true);
}

function moduleAt(facts: DumpFacts, address: bigint): ModuleFacts | undefined {
  return facts.modules.find((m) => address >= m.base && address < m.base + BigInt(m.size));
}

/** Function ranges [begin, end) (rvas) from the image's exception directory, when its pages are in the dump. */
async function functionTable(facts: DumpFacts, m: ModuleFacts): Promise<Array<[number, number]> | undefined> {
  const h = await facts.memory.read(m.base, 0x400);
  if (!h || h[0] !== 0x4d || h[1] !== 0x5a) return undefined;
  const nt = u32(h, 0x3c);
  expect(u32(h, nt)).toBe(0x00004550);
  const machine = new DataView(h.buffer, h.byteOffset).getUint16(nt + 4, true);
  expect(machine).toBe({ x86: 0x14c, x64: 0x8664, arm64: 0xaa64 }[facts.arch as 'x86' | 'x64' | 'arm64']);
  const opt = nt + 0x18;
  const magic = new DataView(h.buffer, h.byteOffset).getUint16(opt, true);
  const dir = opt + (magic === 0x20b ? 0x70 : 0x60) + 3 * 8;
  const rva = u32(h, dir);
  const size = u32(h, dir + 4);
  if (rva === 0) return [];
  const pdata = await facts.memory.read(m.base + BigInt(rva), size);
  expect(pdata, `${m.name} .pdata`).toBeDefined();
  const out: Array<[number, number]> = [];
  if (facts.arch === 'x64') {
    for (let i = 0; i + 12 <= size; i += 12) out.push([u32(pdata!, i), u32(pdata!, i + 4)]);
  } else {
    for (let i = 0; i + 8 <= size; i += 8) {
      const begin = u32(pdata!, i);
      const word = u32(pdata!, i + 4);
      let length: number;
      if ((word & 3) !== 0) length = ((word >>> 2) & 0x7ff) * 4;
      else {
        const x = await facts.memory.read(m.base + BigInt(word), 4);
        expect(x, `${m.name} .xdata at rva ${word.toString(16)}`).toBeDefined();
        length = (u32(x!, 0) & 0x3ffff) * 4;
      }
      out.push([begin, begin + length]);
    }
  }
  return out;
}

describe.each(CASES)('%s', (_name, build) => {
  it('builds the same bytes every time', () => {
    expect(build().bytes).toEqual(build().bytes);
  });

  it('opens with the thread, modules and memory its expected frames need', async () => {
    const c = build();
    expect(c.expected.length).toBeGreaterThan(0);
    expect(c.expected[0]!.trust).toBe('context');
    expect(c.expected.slice(1).every((f) => f.trust !== 'context')).toBe(true);
    expect(c.note.length).toBeGreaterThan(40);
    const dump = await openDumpFromBytes(c.bytes, `${_name}.dmp`);
    try {
      const facts = await dump.facts();
      expect(facts.arch).toBe(c.arch);
      expect(facts.pointerSize).toBe(c.arch === 'x86' ? 4 : 8);
      expect(facts.threads.map((t) => t.id)).toEqual([c.threadId]);
      expect(facts.crashingThreadId).toBe(c.threadId);
      const thread = facts.threads[0]!;
      expect(thread.context?.ip).toBe(c.expected[0]!.address);
      expect(facts.exception?.address).toBe(c.expected[0]!.address);
      const stack = thread.stack!;
      expect(stack).toBeDefined();
      expect(await facts.memory.read(stack.startAddress, 16)).toBeDefined();
      const sp = thread.context!.sp;
      const spInStack = sp >= stack.startAddress && sp < stack.startAddress + BigInt(stack.size);
      if (_name === 'spOutsideStack') {
        expect(spInStack).toBe(false);
        expect(await facts.memory.read(sp, 8)).toBeUndefined();
      } else {
        expect(spInStack).toBe(true);
        expect(await facts.memory.read(sp, facts.pointerSize)).toBeDefined();
      }
      for (const f of c.expected) {
        expect(moduleAt(facts, f.address)?.name, `module of 0x${f.address.toString(16)}`).toBe(f.module);
      }
    } finally {
      await dump.close();
    }
  });

  it('has calls before return addresses in image memory, and unwind tables covering them', async () => {
    const c = build();
    const dump = await openDumpFromBytes(c.bytes, `${_name}.dmp`);
    try {
      const facts = await dump.facts();
      for (const [i, f] of c.expected.entries()) {
        const m = moduleAt(facts, f.address);
        if (!m) continue;
        const table = await functionTable(facts, m);
        if (table === undefined) continue; // image not in the dump
        const rva = Number(f.address - m.base);
        if (i > 0 && !f.interrupted) {
          const before = await facts.memory.read(f.address - 8n, 8);
          expect(before, `code before 0x${f.address.toString(16)}`).toBeDefined();
          if (facts.arch === 'arm64') expect((u32(before!, 4) & 0xfc000000) >>> 0, 'BL').toBe(0x94000000);
          else expect(before![3] === 0xe8 || (before![6] === 0xff && before![7] === 0xd0), `call before 0x${f.address.toString(16)}`).toBe(true);
        }
        if (facts.arch === 'x86') continue; // no .pdata on x86
        // The function holding the address (the return address - 1 for callers) has an entry,
        // except the ARM64 leaf of frame 0, which must have none.
        const look = i === 0 || f.interrupted ? rva : rva - 1;
        const covered = table.some(([b, e]) => b <= look && look < e);
        expect(covered, `.pdata entry for rva 0x${look.toString(16)}`).toBe(!(facts.arch === 'arm64' && i === 0));
      }
    } finally {
      await dump.close();
    }
  });
});
