// Strings taken from a dump are hostile. Everything that reaches a terminal, an HTML page or a
// CSV cell goes through one of these.

// C0 and C1 controls, DEL, the Unicode bidi overrides that can reorder what a terminal shows, and
// lone surrogates (`u` flag: a well-formed pair is one code point and does not match). A lone
// surrogate cannot be written as UTF-8: left raw it silently became U+FFFD on the way out.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u{d800}-\u{dfff}]/gu;

// eslint-disable-next-line no-control-regex
const HAS_CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u{d800}-\u{dfff}]/u;

/**
 * For terminals: control characters (ESC included) and lone surrogates become visible `\xNN` /
 * `\u{NNNN}` escapes. Every string from a dump goes through it, values and dictionary keys alike
 * (a crashpad annotation key is as hostile as its value).
 */
export function escapeTerminal(text: string): string {
  if (!HAS_CONTROL.test(text)) return text; // the common case: nothing to escape, no new string
  return text.replace(CONTROL, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** For HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return escapeTerminal(text).replace(/[&<>"'`]/g, (c) => HTML[c]!);
}

/**
 * For one CSV cell (RFC 4180 quoting). Cells a spreadsheet would run as a formula (leading
 * = + - @, tab or CR) get a leading apostrophe, the OWASP advice against CSV injection.
 */
export function escapeCsv(text: string): string {
  let t = escapeTerminal(text);
  if (/^[=+\-@\t\r]/.test(t)) t = `'${t}`;
  return /[",\n\r]/.test(t) || t !== t.trim() ? `"${t.replace(/"/g, '""')}"` : t;
}
