import { describe, expect, it } from 'vitest';
import { escapeCsv, escapeHtml, escapeTerminal } from '../../src/util/escape.js';

describe('escaping of dump strings', () => {
  it('terminal: ANSI escapes and bidi overrides become visible text', () => {
    expect(escapeTerminal('a\u001b[31mred\u0007')).toBe('a\\x1b[31mred\\x07');
    expect(escapeTerminal('x\u202ey')).toBe('x\\u{202e}y');
    expect(escapeTerminal('ntdll.dll')).toBe('ntdll.dll');
  });
  it('html: markup is inert', () => {
    expect(escapeHtml('<img src=x onerror=alert(1)>.sys')).toBe('&lt;img src=x onerror=alert(1)&gt;.sys');
    expect(escapeHtml(`"'&`)).toBe('&quot;&#39;&amp;');
  });
  it('csv: quotes, and formula injection is defused', () => {
    expect(escapeCsv('plain.sys')).toBe('plain.sys');
    expect(escapeCsv('a,b')).toBe('"a,b"');
    expect(escapeCsv('say "hi"')).toBe('"say ""hi"""');
    expect(escapeCsv('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(escapeCsv('@SUM(A1)')).toBe("'@SUM(A1)");
  });
});
