// decodeAnsi: windows-1252 by a table (no iconv-lite, no Buffer: dumptriage/core runs in a
// browser), giving what iconv-lite, which decoded these strings before, gives.

import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeAnsi } from '../../src/reader/text.js';
import { LIMITS } from '../../src/limits.js';
import { mulberry32 } from '../helpers/rng.js';

const oracle = (b: Uint8Array): string => iconv.decode(Buffer.from(b), 'windows-1252');

describe('decodeAnsi', () => {
  it('every byte value decodes as iconv-lite decodes windows-1252', () => {
    const all = Uint8Array.from({ length: 255 }, (_, i) => i + 1);
    expect(decodeAnsi(all)).toBe(oracle(all));
    expect(decodeAnsi(Uint8Array.of(0x80, 0x81, 0x9f, 0xe9))).toBe('\u20ac\ufffd\u0178\u00e9');
  });

  it('random strings, and the NUL stop', () => {
    const rnd = mulberry32(7);
    for (let i = 0; i < 200; i++) {
      const b = Uint8Array.from({ length: Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256));
      const nul = b.indexOf(0);
      expect(decodeAnsi(b)).toBe(oracle(nul >= 0 ? b.subarray(0, nul) : b));
      expect(decodeAnsi(b, false)).toBe(oracle(b));
    }
  });

  it('is capped at maxStringChars, in one piece past the chunk size', () => {
    const long = new Uint8Array(LIMITS.maxStringChars + 100).fill(0x41);
    long[9000] = 0x99;
    const s = decodeAnsi(long);
    expect(s.length).toBe(LIMITS.maxStringChars);
    expect(s[9000]).toBe('\u2122');
    expect(s.replace('\u2122', 'A')).toBe('A'.repeat(LIMITS.maxStringChars));
  });
});
