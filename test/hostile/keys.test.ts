// Issue 18, finding 3: dictionary KEYS taken from a dump (crashpad annotations) are as hostile as
// the values. Every renderer escapes them (ESC, OSC 8, BEL, CR, LF, lone surrogates), and the
// dictionaries keep keys that name Object.prototype members (`__proto__`, `constructor`,
// `toString`, `toJSON`) as ordinary keys, in the decoded data, the tree, and the JSON.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDump } from '../../src/index.js';
import { escapeCsv, escapeHtml, escapeTerminal } from '../../src/util/escape.js';
import { toJsonText } from '../../src/util/json.js';
import { renderTree } from '../../src/cli/render/tree.js';
import { parseKeyValues } from '../../src/formats/minidump/streams/linux-text.js';
import { cli } from '../helpers/cli.js';
import { SynthMinidump } from '../synth/minidump.js';
import { withCrashpadInfo } from '../synth/crashpad-keys.js';

const ESC = '\u001b';
// Raw C0 controls other than \n, DEL, C1 controls, the bidi overrides/isolates, lone surrogates.
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const K_SGR = `${ESC}[31mred${ESC}[0m`;
const K_OSC8 = `${ESC}]8;;https://evil.example/${ESC}\\click${ESC}]8;;\u0007`;
const K_BEL = 'bell\u0007';
const K_CR = 'cr\rover';
const K_LF = 'lf\nforged: "line"';
// ED A0 80 is U+D800 in CESU-8: not UTF-8. The decoder makes it three U+FFFD; the key survives.
const K_SURROGATE_BYTES = new Uint8Array([0x6c, 0x6f, 0x6e, 0x65, 0xed, 0xa0, 0x80]);
const K_SURROGATE = 'lone\ufffd\ufffd\ufffd';
const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'toJSON', 'hasOwnProperty'];

const simple: Array<[string | Uint8Array, string]> = [
  [K_SGR, 'v-sgr'],
  [K_OSC8, 'v-osc8'],
  [K_BEL, 'v-bel'],
  [K_CR, 'v-cr'],
  [K_LF, 'v-lf'],
  [K_SURROGATE_BYTES, 'v-surrogate'],
  ...PROTO_KEYS.map((k): [string, string] => [k, `v-${k}`]),
];

function keysDump(): Uint8Array {
  const base = 0x7ff700000000n;
  const b = new SynthMinidump({ arch: 'x64' })
    .addSystemInfo({ major: 10, build: 19041, cpus: 4 })
    .addModule({ name: 'C:\\app\\app.exe', base, size: 0x10000 })
    .addThread({ id: 9, context: { rip: base + 0x100n, rsp: 0x7000n }, stack: { start: 0x7000n, bytes: new Uint8Array(0x40) } })
    .addException({ threadId: 9, code: 0xc0000005, address: base + 0x100n, parameters: [0n, 0n] });
  return withCrashpadInfo(b, {
    simple,
    modules: [
      {
        moduleIndex: 0,
        list: [K_SGR],
        simple: [['__proto__', 'module-proto'], ['constructor', 'module-ctor'], [K_OSC8, 'module-osc8']],
        objects: [
          { name: '__proto__', value: 'object-proto' },
          { name: 'constructor', value: 'object-ctor' },
          { name: K_LF, value: 'object-lf' },
        ],
      },
    ],
  });
}

let dir: string;
let dumpPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dt-keys-'));
  mkdirSync(join(dir, 'share', 'HOST'), { recursive: true });
  dumpPath = join(dir, 'share', 'HOST', 'keys.dmp');
  writeFileSync(dumpPath, keysDump());
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const decodedKeys = [K_SGR, K_OSC8, K_BEL, K_CR, K_LF, K_SURROGATE, ...PROTO_KEYS];

function expectAllKeys(dict: unknown): void {
  const d = dict as Record<string, string>;
  expect(Object.keys(d).sort()).toEqual([...decodedKeys].sort());
  for (const k of PROTO_KEYS) {
    expect(Object.hasOwn(d, k), k).toBe(true);
    expect(d[k], k).toBe(`v-${k}`);
  }
  expect(d[K_SURROGATE]).toBe('v-surrogate');
}

describe('decoded crashpad dictionaries keep every key', () => {
  it('process, module and annotation-object dictionaries, in the stream and in the facts', async () => {
    const dump = await openDump(dumpPath);
    try {
      const tree = (await dump.describe()) as { streams: { crashpadInfo: { simpleAnnotations: unknown; modules: Array<{ simpleAnnotations: Record<string, string> }> } } };
      const cp = tree.streams.crashpadInfo;
      expectAllKeys(cp.simpleAnnotations);
      expect(Object.hasOwn(cp.modules[0]!.simpleAnnotations, '__proto__')).toBe(true);
      expect(cp.modules[0]!.simpleAnnotations.__proto__).toBe('module-proto');
      expect(cp.modules[0]!.simpleAnnotations.constructor).toBe('module-ctor');

      const facts = await dump.facts();
      const x = facts.extra.crashpad as { simpleAnnotations: unknown; modules: Array<{ simpleAnnotations: Record<string, string>; annotations: Record<string, string> }> };
      expectAllKeys(x.simpleAnnotations);
      const m = x.modules[0]!;
      expect(Object.keys(m.simpleAnnotations).sort()).toEqual(['__proto__', 'constructor', K_OSC8].sort());
      expect(m.annotations.__proto__).toBe('object-proto');
      expect(Object.hasOwn(m.annotations, '__proto__')).toBe(true);
      expect(m.annotations.constructor).toBe('object-ctor');
      expect(m.annotations[K_LF]).toBe('object-lf');
    } finally {
      await dump.close();
    }
  });

  it('lsb-release style KEY=value text keeps __proto__ and constructor', () => {
    const kv = parseKeyValues('__proto__=a\nconstructor=b\ntoString="c"\nDISTRIB_ID=Ubuntu\n');
    expect(Object.keys(kv)).toEqual(['__proto__', 'constructor', 'toString', 'DISTRIB_ID']);
    expect(Object.hasOwn(kv, '__proto__')).toBe(true);
    expect(kv.__proto__).toBe('a');
    expect(kv.toString).toBe('c');
  });
});

describe('dumptriage dump (tree)', () => {
  it('prints every key escaped: no ESC, OSC, BEL, CR, lone surrogate reaches the terminal', async () => {
    const r = await cli('dump', dumpPath);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout).not.toContain(ESC);
    // Each key is on the line of its own value: the LF in a key does not start a forged line.
    const lines = r.stdout.split('\n');
    const lineOf = (value: string): string => {
      const hits = lines.filter((l) => l.endsWith(`: ${JSON.stringify(value)}`));
      expect(hits, value).toHaveLength(1);
      return hits[0]!;
    };
    // The key as shown: escaped, then quoted like a string value (so its backslashes double).
    const shown = (escaped: string, value: string): string => `${JSON.stringify(escaped)}: ${JSON.stringify(value)}`;
    expect(lineOf('v-sgr').trim()).toBe(shown('\\x1b[31mred\\x1b[0m', 'v-sgr'));
    expect(lineOf('v-osc8').trim()).toBe(shown('\\x1b]8;;https://evil.example/\\x1b\\click\\x1b]8;;\\x07', 'v-osc8'));
    expect(lineOf('v-bel').trim()).toBe(shown('bell\\x07', 'v-bel'));
    expect(lineOf('v-cr').trim()).toBe(shown('cr\\x0dover', 'v-cr'));
    expect(lineOf('v-lf').trim()).toBe(shown('lf\\x0aforged: "line"', 'v-lf'));
    expect(lineOf('v-surrogate').trim()).toBe(shown(K_SURROGATE, 'v-surrogate'));
    expect(lineOf('module-osc8').trim()).toBe(shown(escapeTerminal(K_OSC8), 'module-osc8'));
    expect(lines.some((l) => l.trimStart().startsWith('forged'))).toBe(false);
    for (const k of PROTO_KEYS) expect(lineOf(`v-${k}`).trim()).toBe(`${k}: "v-${k}"`);
    expect(lineOf('module-proto').trim()).toBe('__proto__: "module-proto"');
    expect(lineOf('module-ctor').trim()).toBe('constructor: "module-ctor"');
  });

  it('--json keeps the exact keys, prototype names included, with no raw control byte', async () => {
    const r = await cli('dump', '--json', dumpPath);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    const tree = JSON.parse(r.stdout) as { streams: { crashpadInfo: { simpleAnnotations: unknown; modules: Array<{ simpleAnnotations: Record<string, string> }> } } };
    expectAllKeys(tree.streams.crashpadInfo.simpleAnnotations);
    expect(Object.hasOwn(tree.streams.crashpadInfo.modules[0]!.simpleAnnotations, '__proto__')).toBe(true);
  });
});

describe('the triage report (human, brief, JSON) and scan outputs', () => {
  it('human and brief output have no raw control characters', async () => {
    for (const args of [[dumpPath], ['--brief', dumpPath], ['--modules', '--threads', dumpPath]]) {
      const r = await cli(...args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout, args.join(' ')).not.toMatch(RAW_CONTROL);
      expect(r.stderr).not.toMatch(RAW_CONTROL);
    }
  });

  it('--json has no raw control characters', async () => {
    const r = await cli('--json', dumpPath);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
  });

  it('scan text, CSV and HTML have no raw control characters', async () => {
    const csv = join(dir, 'out.csv');
    const html = join(dir, 'out.html');
    const r = await cli('scan', join(dir, 'share'), '--csv', csv, '--report', html, '--no-index', '--workers', 'inline');
    expect([0, 1]).toContain(r.code);
    expect(r.stdout + r.stderr).not.toMatch(RAW_CONTROL);
    expect(readFileSync(csv, 'utf8').replace(/\r\n/g, '\n')).not.toMatch(RAW_CONTROL);
    expect(readFileSync(html, 'utf8')).not.toMatch(RAW_CONTROL);
  });
});

describe('renderers and serializers, given keys directly', () => {
  const hostile = (): Record<string, unknown> => {
    const o = Object.create(null) as Record<string, unknown>;
    o[K_SGR] = 'a';
    o[K_OSC8] = 'b';
    o[K_BEL] = 'c';
    o[K_CR] = 'd';
    o[K_LF] = 'e';
    o['lone\ud800'] = 'f';
    o['\udc00trail'] = 'g';
    o['a: "b"'] = 'h';
    o[''] = 'i';
    for (const k of PROTO_KEYS) o[k] = `v-${k}`;
    return o;
  };

  it('escapeTerminal makes lone surrogates visible and leaves pairs alone', () => {
    expect(escapeTerminal('lone\ud800')).toBe('lone\\u{d800}');
    expect(escapeTerminal('\udc00x')).toBe('\\u{dc00}x');
    expect(escapeTerminal('\udc00\ud800')).toBe('\\u{dc00}\\u{d800}');
    expect(escapeTerminal('emoji 😀 ok')).toBe('emoji 😀 ok');
    expect(escapeHtml('x\ud800<')).toBe('x\\u{d800}&lt;');
    expect(escapeCsv('\ud800')).toBe('\\u{d800}');
  });

  it('renderTree escapes and quotes keys, and keeps prototype-named keys', () => {
    const text = renderTree({ annotations: hostile(), nested: { __proto__x: 1 } });
    expect(text).not.toMatch(RAW_CONTROL);
    const lines = text.split('\n');
    expect(lines).toContain(`  ${JSON.stringify('\\x1b[31mred\\x1b[0m')}: "a"`);
    expect(lines).toContain(`  ${JSON.stringify('lf\\x0aforged: "line"')}: "e"`);
    expect(lines).toContain(`  ${JSON.stringify('lone\\u{d800}')}: "f"`);
    expect(lines).toContain(`  ${JSON.stringify('a: "b"')}: "h"`);
    expect(lines).toContain('  "": "i"');
    for (const k of PROTO_KEYS) expect(lines).toContain(`  ${k}: "v-${k}"`);
  });

  it('renderTree keeps a nested object under a hostile key on one labelled line', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o[`${ESC}]0;title\u0007`] = { inner: 1 };
    o.__proto__ = { x: 2 };
    const text = renderTree(o);
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toBe(`${JSON.stringify('\\x1b]0;title\\x07')}\n  inner: 1\n__proto__\n  x: 2\n`);
  });

  it('toJsonText keeps __proto__ keys whose values it converts (bigint, Map, bytes)', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o.__proto__ = 0x10n;
    o.constructor = new Map([['__proto__', 1n]]);
    o.toJSON = new Uint8Array([1, 2]);
    const parsed = JSON.parse(toJsonText({ o })) as { o: Record<string, unknown> };
    expect(Object.keys(parsed.o)).toEqual(['__proto__', 'constructor', 'toJSON']);
    expect(parsed.o.__proto__).toBe('0x10');
    expect(Object.hasOwn(parsed.o.constructor as object, '__proto__')).toBe(true);
    expect((parsed.o.constructor as Record<string, unknown>).__proto__).toBe('0x1');
    expect(parsed.o.toJSON).toBe('0102');
    // A plain object with an own __proto__ key (JSON.parse makes these) too.
    const plain = JSON.parse('{"__proto__": 1, "n": 2}') as Record<string, unknown>;
    Object.defineProperty(plain, '__proto__', { value: 7n, enumerable: true, writable: true, configurable: true });
    const back = JSON.parse(toJsonText(plain)) as Record<string, unknown>;
    expect(Object.hasOwn(back, '__proto__')).toBe(true);
    expect(back.__proto__).toBe('0x7');
    expect(back.n).toBe(2);
  });

  it('JSON of a hostile dictionary keeps every key', () => {
    const text = toJsonText({ d: hostile(), big: 1n });
    expect(text).not.toMatch(RAW_CONTROL);
    const d = (JSON.parse(text) as { d: Record<string, unknown> }).d;
    for (const k of PROTO_KEYS) expect(Object.hasOwn(d, k), k).toBe(true);
    expect(d[K_LF]).toBe('e');
  });
});
