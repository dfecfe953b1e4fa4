// MINIDUMP_TYPE flag names: memoised per flag word (a scan meets the same few thousands of
// times), so the cache must never hand out an array a caller could change for the next dump.

import { describe, expect, it } from 'vitest';
import { minidumpFlagNames } from '../../../src/formats/minidump/names.js';

describe('minidumpFlagNames', () => {
  it('names the bits, unknown ones as hex, and 0 as MiniDumpNormal', () => {
    expect(minidumpFlagNames(0n)).toEqual(['MiniDumpNormal']);
    expect(minidumpFlagNames(0x22n)).toEqual(['MiniDumpWithFullMemory', 'MiniDumpWithUnloadedModules']);
    expect(minidumpFlagNames(0x1n | 0x8000_0000_0000n)).toEqual(['MiniDumpWithDataSegs', '0x800000000000']);
  });

  it('gives a fresh array each time: changing one does not change the next answer', () => {
    const a = minidumpFlagNames(0x21n);
    a.push('tampered');
    a[0] = 'x';
    expect(minidumpFlagNames(0x21n)).toEqual(['MiniDumpWithDataSegs', 'MiniDumpWithUnloadedModules']);
    expect(minidumpFlagNames(0x21n)).not.toBe(minidumpFlagNames(0x21n));
  });

  it('stays right past its cache size', () => {
    for (let i = 0n; i < 200n; i++) expect(minidumpFlagNames(i << 40n)).toEqual(i === 0n ? ['MiniDumpNormal'] : [`0x${(i << 40n).toString(16)}`]);
    expect(minidumpFlagNames(0x3n << 40n)).toEqual(['0x30000000000']);
    expect(minidumpFlagNames(0x4n)).toEqual(['MiniDumpWithHandleData']);
  });
});
