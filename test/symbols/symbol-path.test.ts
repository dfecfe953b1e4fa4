// parseSymbolPath / parseSymbolsOption: WinDbg's _NT_SYMBOL_PATH syntax and --symbols values.

import { describe, expect, it } from 'vitest';
import { MICROSOFT_SYMBOL_SERVER, parseSymbolPath, parseSymbolsOption, redactUrl, SymbolPathError } from '../../src/symbols/symbol-path.js';

const MS = 'https://msdl.microsoft.com/download/symbols';

function error(fn: () => unknown): SymbolPathError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SymbolPathError);
    return e as SymbolPathError;
  }
  throw new Error('expected a SymbolPathError');
}

describe('parseSymbolPath', () => {
  it('srv*CACHE*URL: a server with its downstream store', () => {
    expect(parseSymbolPath(`srv*C:\\symbols*${MS}`)).toEqual([
      { source: { type: 'http', url: MS, display: MS }, caches: [{ type: 'dir', path: 'C:\\symbols' }], flat: false, text: `srv*C:\\symbols*${MS}` },
    ]);
  });

  it('srv*URL, srv**URL and a bare URL get the default cache', () => {
    for (const text of [`srv*${MS}`, `srv**${MS}`, MS, `SRV*${MS}`]) {
      const [e] = parseSymbolPath(text);
      expect(e!.source).toMatchObject({ type: 'http', url: MS });
      expect(e!.caches).toEqual([{ type: 'default' }]);
    }
  });

  it('symsrv*symsrv.dll*CACHE*URL is srv*CACHE*URL', () => {
    expect(parseSymbolPath(`symsrv*symsrv.dll*/tmp/c*${MS}`)[0]).toMatchObject({ source: { type: 'http', url: MS }, caches: [{ type: 'dir', path: '/tmp/c' }] });
    expect(parseSymbolPath(`symsrv*SymSrv.DLL*${MS}`)[0]!.caches).toEqual([{ type: 'default' }]);
  });

  it('several caches: srv*C1*C2*URL, and an empty field is the default cache', () => {
    expect(parseSymbolPath(`srv*c1*\\\\interim\\store*${MS}`)[0]!.caches).toEqual([
      { type: 'dir', path: 'c1' },
      { type: 'dir', path: '\\\\interim\\store' },
    ]);
    expect(parseSymbolPath(`srv**c2*${MS}`)[0]!.caches).toEqual([{ type: 'default' }, { type: 'dir', path: 'c2' }]);
  });

  it('srv*DIR: a store read in place; srv*C*DIR: a store with a cache', () => {
    expect(parseSymbolPath('srv*\\\\server\\share')[0]).toMatchObject({ source: { type: 'dir', path: '\\\\server\\share' }, caches: [], flat: false });
    expect(parseSymbolPath('srv*/c*/store')[0]).toMatchObject({ source: { type: 'dir', path: '/store' }, caches: [{ type: 'dir', path: '/c' }] });
  });

  it('srv* alone is the Microsoft server with the default cache (.symfix)', () => {
    expect(parseSymbolPath('srv*')[0]).toMatchObject({ source: { type: 'http', url: MICROSOFT_SYMBOL_SERVER }, caches: [{ type: 'default' }] });
  });

  it('plain directories are searched flat too; entries keep their order; empty entries are skipped', () => {
    const entries = parseSymbolPath(` /a/syms ;;C:\\MyRegularSymbols;srv*/c*${MS}; `);
    expect(entries.map((e) => [e.source.type, e.flat])).toEqual([
      ['dir', true],
      ['dir', true],
      ['http', false],
    ]);
    expect(entries[0]!.source).toEqual({ type: 'dir', path: '/a/syms' });
  });

  it('cache*DIR caches every entry to its right, not to its left; cache* alone is the default cache', () => {
    const e = parseSymbolPath(`\\\\someshare;srv*c:\\mysymbols*${MS};cache*c:\\mysymbols;\\\\anothershare`);
    expect(e[0]!.caches).toEqual([]);
    expect(e[1]!.caches).toEqual([{ type: 'dir', path: 'c:\\mysymbols' }]);
    expect(e[2]!.caches).toEqual([{ type: 'dir', path: 'c:\\mysymbols' }]);
    expect(parseSymbolPath('cache*;/share')[0]!.caches).toEqual([{ type: 'default' }]);
  });

  it('cache* before srv*URL replaces the implied default cache; before srv*C*URL it comes first', () => {
    expect(parseSymbolPath(`cache*/mine;srv*${MS}`)[0]!.caches).toEqual([{ type: 'dir', path: '/mine' }]);
    expect(parseSymbolPath(`cache*/mine;srv*/c*${MS}`)[0]!.caches).toEqual([
      { type: 'dir', path: '/mine' },
      { type: 'dir', path: '/c' },
    ]);
    expect(parseSymbolPath(`cache*/a;cache*/b;/d`)[0]!.caches).toEqual([{ type: 'dir', path: '/b' }]);
  });

  it('a Tecken server with a trailing slash', () => {
    expect(parseSymbolPath('https://symbols.mozilla.org/')[0]!.source).toEqual({ type: 'http', url: 'https://symbols.mozilla.org/', display: 'https://symbols.mozilla.org/' });
  });

  it('credentials are kept for requests and redacted everywhere shown', () => {
    const [e] = parseSymbolPath('srv*/c*https://user:s3cret@symbols.example.com/store');
    expect(e!.source).toMatchObject({ url: 'https://user:s3cret@symbols.example.com/store', display: 'https://***@symbols.example.com/store' });
    expect(e!.text).not.toContain('s3cret');
    const err = error(() => parseSymbolPath('srv*https://user:s3cret@a.example/*https://b.example/'));
    expect(err.message).not.toContain('s3cret');
    expect(redactUrl('https://u:p@h/x?sig=abc')).toBe('https://***@h/x?***');
  });

  it('errors name the entry and the reason', () => {
    const cases: Array<[string, RegExp]> = [
      [`/ok;srv*${MS}*/cache`, /entry 2 .*the last field must be a store|URL can only be the last field/],
      [`srv*${MS}*https://b.example/`, /URL can only be the last field/],
      ['srv*/c*', /the last field must be a store/],
      ['ftp://symbols.example.com/', /unsupported URL scheme "ftp:"/],
      ['srv*/c*ftp://x.example/', /unsupported URL scheme/],
      ['symsrv*other.dll*/c*https://x.example/', /symbol server DLL "other.dll" is not supported/],
      ['symsrv*', /expected symsrv\*symsrv\.dll/],
      ['srv', /expected srv\*/],
      ['cache*https://x.example/', /cache\* takes a directory/],
      ['cache*/a*/b', /cache\* takes one directory/],
      ['https://x.example/s?token=1', /query string/],
      ['https://', /not a valid URL|no host/],
      ['/dir/with\u0007bell', /control character/],
    ];
    for (const [text, re] of cases) {
      const e = error(() => parseSymbolPath(text));
      expect(e.message, text).toMatch(re);
      expect(e.message).toMatch(/^symbol path entry \d+ "/);
      expect(e.code).toBe('SymbolPathError');
    }
    expect(error(() => parseSymbolPath(`/a;/b;srv*${MS}*/x`)).where).toBe('symbol path entry 3');
  });

  it('a Windows drive path with forward slashes is a directory, not a URL scheme', () => {
    expect(parseSymbolPath('C://symbols')[0]!.source).toEqual({ type: 'dir', path: 'C://symbols' });
  });

  it('refuses an absurd number of entries', () => {
    expect(() => parseSymbolPath(Array.from({ length: 300 }, (_, i) => `/d${i}`).join(';'))).toThrow(/more than 256 entries/);
  });
});

describe('parseSymbolsOption (--symbols DIR|URL, repeatable)', () => {
  it('a directory is taken literally, `;` and `*` included; a URL is a server with the default cache', () => {
    const e = parseSymbolsOption(['/syms/a;b', '/x*y', 'https://symbols.mozilla.org/']);
    expect(e.map((x) => x.source)).toEqual([
      { type: 'dir', path: '/syms/a;b' },
      { type: 'dir', path: '/x*y' },
      { type: 'http', url: 'https://symbols.mozilla.org/', display: 'https://symbols.mozilla.org/' },
    ]);
    expect(e[0]!.flat).toBe(true);
    expect(e[2]!.caches).toEqual([{ type: 'default' }]);
  });

  it('a value in symbol-path syntax is parsed as one, its cache* applying to later values', () => {
    const e = parseSymbolsOption(['cache*/c', '/plain', `srv*/d*${MS};/other`]);
    expect(e.map((x) => [x.source.type === 'dir' ? x.source.path : x.source.url, x.caches])).toEqual([
      ['/plain', [{ type: 'dir', path: '/c' }]],
      [MS, [{ type: 'dir', path: '/c' }, { type: 'dir', path: '/d' }]],
      ['/other', [{ type: 'dir', path: '/c' }]],
    ]);
  });

  it('errors name the value', () => {
    expect(error(() => parseSymbolsOption(['/a', ''])).where).toBe('--symbols value 2');
    expect(error(() => parseSymbolsOption(['ftp://x.example/'])).message).toMatch(/^--symbols value 1 ".*unsupported URL scheme/);
    expect(error(() => parseSymbolsOption(['/a\u0000b'])).message).toMatch(/control character/);
  });
});
