// Indented text rendering of a plain object tree (for `dumptriage dump`). Strings are escaped, and
// so are keys: objects built from dump data (crashpad annotations) have keys the dump chose.

import { hex } from '../../util/hex.js';
import { escapeTerminal } from '../../util/escape.js';
import { bytesText } from '../../util/json.js';

const MAX_ARRAY_SHOWN = 10_000;

export function renderTree(value: unknown): string {
  const lines: string[] = [];
  walk(value, '', lines);
  return `${lines.join('\n')}\n`;
}

function scalar(v: unknown): string {
  if (typeof v === 'bigint') return hex(v);
  if (typeof v === 'number') return Number.isInteger(v) && v > 9 ? `${hex(v)} (${v})` : String(v);
  if (typeof v === 'string') return JSON.stringify(escapeTerminal(v));
  if (v instanceof Uint8Array) return bytesText(v);
  return String(v);
}

/** Keys shown bare: field names, register names, `[i]`. Any other key is escaped and quoted. */
const PLAIN_KEY = /^[\w$.[\]-]+$/;

/**
 * A key as shown: bare when plain, else escaped and quoted like a string value, so that a key
 * cannot write controls, start a line of its own, or pass for `key: value`.
 */
function treeKey(key: string): string {
  return PLAIN_KEY.test(key) ? key : JSON.stringify(escapeTerminal(key));
}

function isLeaf(v: unknown): boolean {
  return v === null || typeof v !== 'object' || v instanceof Uint8Array;
}

/** `key` is already in its shown form (treeKey or an `[i]` index). */
function walk(v: unknown, indent: string, lines: string[], key?: string): void {
  const label = key === undefined ? '' : `${key}: `;
  if (isLeaf(v)) {
    lines.push(`${indent}${label}${scalar(v)}`);
    return;
  }
  if (Array.isArray(v)) {
    lines.push(`${indent}${label}[${v.length}]`);
    const childIndent = `${indent}  `;
    const shown = Math.min(v.length, MAX_ARRAY_SHOWN);
    for (let i = 0; i < shown; i++) walk(v[i], childIndent, lines, `[${i}]`);
    if (v.length > MAX_ARRAY_SHOWN) lines.push(`${childIndent}... ${v.length - MAX_ARRAY_SHOWN} more`);
    return;
  }
  if (key !== undefined) lines.push(`${indent}${key}`);
  const inner = key === undefined ? indent : `${indent}  `;
  // Object.entries lists own keys whatever the prototype: `__proto__` and `constructor` keys of a
  // null-prototype dictionary are there.
  for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
    if (child === undefined) continue;
    walk(child, inner, lines, treeKey(k));
  }
}
