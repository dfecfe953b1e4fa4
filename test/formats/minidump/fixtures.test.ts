// dumps-fixtures/: the committed sample dumps are exactly what test/synth/fixtures.ts builds, and
// they decode to the values in their .expected.json. Set DUMPTRIAGE_UPDATE_FIXTURES=1 to rewrite.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../synth/fixtures.js';
import { expectedJson, projectRoot, writeFixtures } from '../../synth/build-fixtures.js';
import { openDump } from '../../../src/index.js';

const dir = join(projectRoot(), 'dumps-fixtures');
if (process.env.DUMPTRIAGE_UPDATE_FIXTURES === '1') writeFixtures(dir);

describe('dumps-fixtures are reproducible', () => {
  it.each(FIXTURES.map((f) => [f.name, f] as const))('%s rebuilds byte for byte', (name, f) => {
    const committed = readFileSync(join(dir, `${name}.dmp`));
    expect(Buffer.from(f.build()).equals(committed)).toBe(true);
    expect(readFileSync(join(dir, `${name}.expected.json`), 'utf8')).toBe(expectedJson(name));
  });

  it.each(FIXTURES.map((f) => [f.name, f] as const))('%s decodes to its expected values', async (name, f) => {
    const d = await openDump(join(dir, `${name}.dmp`));
    try {
      const facts = await d.facts();
      const e = f.expected;
      expect(facts.arch).toBe(e.arch);
      expect(facts.dumpType).toBe(e.dumpType);
      expect(facts.system.os).toBe(e.os);
      expect(facts.system.osVersion).toBe(e.osVersion);
      expect(facts.process).toMatchObject(e.process);
      expect(facts.modules.map((m) => m.name)).toEqual(e.modules);
      expect(facts.threads.map((t) => ({ id: t.id, crashing: t.crashing, ...(t.name ? { name: t.name } : {}) }))).toEqual(e.threads);
      if (e.exception) {
        expect(`0x${facts.exception!.code.toString(16)}`).toBe(e.exception.code);
        expect(`0x${facts.exception!.address.toString(16)}`).toBe(e.exception.address);
        const m = facts.modules.find((x) => facts.exception!.address >= x.base && facts.exception!.address < x.base + BigInt(x.size));
        expect(m?.name).toBe(e.faultModule);
        // The crashing thread's stack holds return addresses into the modules.
        const t = facts.threads.find((x) => x.crashing)!;
        const stack = await facts.memory.read(t.stack!.startAddress, t.stack!.size);
        expect(stack).toBeDefined();
      } else expect(facts.exception).toBeUndefined();
      expect(facts.warnings).toEqual([]);
    } finally {
      await d.close();
    }
  });
});
