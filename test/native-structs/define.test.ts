import { describe, expect, it } from 'vitest';
import { array, bytes, defineStruct, pad, u16, u32, u64 } from '../../native-structs/define.js';
import { compiledSizeOf, decodeArray, decodeStruct } from '../../src/reader/struct-codec.js';
import { encodeArray, encodeStruct } from '../synth/encode.js';

const T = defineStruct('T', 24, [
  ['a', u32], ['b', u64], ['c', u16], ['pad0', pad(2)], ['d', array(u16, 2)], ['e', bytes(4)],
]);

describe('defineStruct / struct-codec / encoder', () => {
  it('computes offsets and rejects sizes that do not add up', () => {
    expect(T.offsetOf('b')).toBe(4);
    expect(T.offsetOf('d')).toBe(16);
    expect(compiledSizeOf(T)).toBe(24);
    expect(() => defineStruct('Bad', 5, [['a', u32]])).toThrow(/add up/);
    expect(() => defineStruct('Dup', 8, [['a', u32], ['a', u32]])).toThrow(/twice/);
  });
  it('round-trips through the encoder', () => {
    const v = { a: 0xdeadbeef, b: 0xffff_ffff_ffff_fff0n, c: 7, d: [1, 2], e: Uint8Array.of(1, 2, 3, 4) };
    const out = decodeStruct<typeof v>(T, encodeStruct(T, v));
    expect(out.a).toBe(0xdeadbeef);
    expect(out.b).toBe(0xffff_ffff_ffff_fff0n);
    expect(out.d).toEqual([1, 2]);
    expect([...out.e]).toEqual([1, 2, 3, 4]);
    const many = decodeArray<typeof v>(T, encodeArray(T, [v, { ...v, a: 5 }]), 2);
    expect(many.map((m) => m.a)).toEqual([0xdeadbeef, 5]);
  });
  it('throws a typed Truncated error with the file offset on a short slice', () => {
    expect(() => decodeStruct(T, new Uint8Array(10), 0x100)).toThrow(expect.objectContaining({ code: 'Truncated', offset: 0x100, struct: 'T' }));
    expect(() => decodeArray(T, new Uint8Array(30), 2, 0x40)).toThrow(expect.objectContaining({ code: 'Truncated', offset: 0x40 }));
  });
});
