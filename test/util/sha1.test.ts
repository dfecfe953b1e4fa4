// The plain-TypeScript SHA-1 behind failureIdHash (dumptriage/core has no node:crypto) against Node's.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha1Hex } from '../../src/util/sha1.js';
import { failureIdHash } from '../../src/analysis/report.js';
import { mulberry32 } from '../helpers/rng.js';

const node = (s: string): string => createHash('sha1').update(s, 'utf8').digest('hex');

describe('sha1Hex', () => {
  it('the FIPS 180 examples', () => {
    expect(sha1Hex('')).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(sha1Hex('abc')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(sha1Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('84983e441c3bd26ebaae4aa1f95129e5e54670f1');
  });

  it('equals node:crypto at every length around the block boundaries, and on any text', () => {
    for (let n = 0; n <= 300; n++) {
      const s = 'x'.repeat(n);
      expect(sha1Hex(s), `length ${n}`).toBe(node(s));
    }
    const rnd = mulberry32(14);
    for (let i = 0; i < 500; i++) {
      const len = Math.floor(rnd() * 200);
      // Any UTF-16 code unit, lone surrogates included (both encode them as U+FFFD).
      const s = String.fromCharCode(...Array.from({ length: len }, () => Math.floor(rnd() * 0x10000)));
      expect(sha1Hex(s)).toBe(node(s));
    }
    const long = 'NULL_POINTER_READ_c0000005_VendorPlugin.dll!'.repeat(3000);
    expect(sha1Hex(long)).toBe(node(long));
  });

  it('failureIdHash: the first 128 bits of the SHA-1, as a braced GUID', () => {
    const h = node('NULL_POINTER_READ_c0000005_VendorPlugin.dll');
    expect(failureIdHash('NULL_POINTER_READ_c0000005_VendorPlugin.dll')).toBe(`{${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}}`);
  });
});
