// Wide scalar-only structs (KDDEBUGGER_DATA64: 168 fields; MINIDUMP_SYSTEM_PERFORMANCE_INFORMATION:
// 78) are decoded by a DataView field plan, not binary-parser's generated function, whose
// optimization once hot cost V8 ~41.6 s (issue 19). The plan must give exactly what binary-parser
// gives: same keys, same order, same values (bigint for 64-bit fields), on random bytes.

import { describe, expect, it } from 'vitest';
import { KDDEBUGGER_DATA64 } from '../../native-structs/kernel/kdbg.js';
import { MINIDUMP_SYSTEM_MEMORY_INFO_1, MINIDUMP_SYSTEM_PERFORMANCE_INFORMATION } from '../../native-structs/minidump/process.js';
import { MINIDUMP_THREAD } from '../../native-structs/minidump/threads.js';
import { decodeArray, decodedByPlan, decodeStruct, decodeWithParser } from '../../src/reader/struct-codec.js';
import { mulberry32 } from '../helpers/rng.js';

describe('wide structs', () => {
  for (const def of [KDDEBUGGER_DATA64, MINIDUMP_SYSTEM_PERFORMANCE_INFORMATION, MINIDUMP_SYSTEM_MEMORY_INFO_1]) {
    it(`${def.name} (${def.fields.length} fields) is read by the field plan, exactly as binary-parser reads it`, () => {
      expect(decodedByPlan(def)).toBe(true);
      const next = mulberry32(def.size);
      for (let round = 0; round < 50; round++) {
        const bytes = Uint8Array.from({ length: def.size * 2 + 3 }, () => Math.floor(next() * 256));
        const want = decodeWithParser(def, bytes.subarray(3));
        const got = decodeStruct(def, bytes, 0, 3);
        expect(Object.keys(got)).toEqual(Object.keys(want));
        expect(got).toEqual(want);
        expect(decodeArray(def, bytes, 2, 0, 3)[1]).toEqual(decodeWithParser(def, bytes.subarray(3 + def.size)));
      }
    });
  }

  it('narrow structs stay with binary-parser', () => {
    expect(decodedByPlan(MINIDUMP_THREAD)).toBe(false);
  });
});
