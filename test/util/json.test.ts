import { describe, expect, it } from 'vitest';
import { MAX_BYTES_SHOWN, toJsonText, toJsonValue } from '../../src/util/json.js';
import { triageSource } from '../../src/index.js';
import { BytesSource } from '../../src/reader/byte-source.js';
import { appCrash } from '../synth/crash.js';

/** The rules written as a JSON.stringify replacer: the reference the one-pass form must equal. */
function reference(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
    if (v instanceof Uint8Array) {
      const hexText = Buffer.from(v.subarray(0, MAX_BYTES_SHOWN)).toString('hex');
      return v.length > MAX_BYTES_SHOWN ? `${hexText}… (${v.length} bytes)` : hexText;
    }
    if (v instanceof Map) return Object.fromEntries(v);
    if (v instanceof Set) return [...v];
    return v;
  });
}

describe('toJsonText', () => {
  it('writes bigints as hex, bytes as capped hex, Maps as objects and Sets as arrays', () => {
    const value = {
      code: 0xc0000005n,
      neg: -16n,
      bytes: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]),
      long: new Uint8Array(300).fill(0xab),
      map: new Map<string, unknown>([['a', 1n], ['b', new Set([2n, 'x'])]]),
      list: [1, 2n, undefined, null, { deep: [3n] }],
      when: new Date(Date.UTC(2024, 0, 2)),
      gone: undefined,
      plain: 'text',
    };
    const text = toJsonText(value);
    expect(text).toBe(reference(value));
    const back = JSON.parse(text) as Record<string, unknown>;
    expect(back.code).toBe('0xc0000005');
    expect(back.neg).toBe('-0x10');
    expect(back.bytes).toBe('deadbeef');
    expect(back.long).toBe(`${'ab'.repeat(256)}… (300 bytes)`);
    expect(back.map).toEqual({ a: '0x1', b: ['0x2', 'x'] });
    expect(back.list).toEqual([1, '0x2', null, null, { deep: ['0x3'] }]);
    expect(back.when).toBe('2024-01-02T00:00:00.000Z');
    expect('gone' in back).toBe(false);
  });

  it('never changes its input, and passes through what needs no change', () => {
    const inner = { a: 1, b: 'x' };
    const value = { inner, n: 5n, arr: [inner] };
    const out = toJsonValue(value) as typeof value;
    expect(value.n).toBe(5n);
    expect(out).not.toBe(value);
    expect(out.inner).toBe(inner);
    expect(out.arr).toBe(value.arr);
    expect(toJsonValue(inner)).toBe(inner);
  });

  it('refuses a cycle with a TypeError, like JSON.stringify', () => {
    const a: Record<string, unknown> = { n: 1n };
    a.self = a;
    expect(() => toJsonText(a)).toThrow(TypeError);
  });

  it('gives a whole report the same text as the replacer form, pretty or not', async () => {
    const bytes = appCrash();
    const report = await triageSource(new BytesSource(bytes, 'x.dmp'), 'x.dmp');
    expect(toJsonText(report)).toBe(reference(report));
    expect(toJsonText(report, true)).toBe(JSON.stringify(JSON.parse(reference(report)), undefined, 2));
    expect(JSON.parse(toJsonText(report)).verdict.probableCause.image).toBe('plugin.dll');
  });
});
