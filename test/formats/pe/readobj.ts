// Parses the text `llvm-readobj --unwind` prints (ScopedPrinter layout: "Key: value" lines,
// "Key {" objects, "Key [" lists closed by "}" / "]", bare lines inside lists) into a tree, and
// the STACK CFI records of a Breakpad .sym file.

export interface ReadobjNode {
  key: string;
  /** The text after "Key:" (for scalar lines), or after "Key [" (for flag lists: "(0x3)"). */
  value?: string;
  children: ReadobjNode[];
  /** Bare lines inside a list (unwind codes, prologue instructions). */
  items: string[];
}

export function parseReadobj(text: string): ReadobjNode {
  const root: ReadobjNode = { key: '', children: [], items: [] };
  const stack: ReadobjNode[] = [root];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const top = stack[stack.length - 1]!;
    if (line === '}' || line === ']') {
      if (stack.length > 1) stack.pop();
      continue;
    }
    let m = /^([A-Za-z][\w ]*?) (\{|\[)(?: (.*))?$/.exec(line);
    if (m) {
      const node: ReadobjNode = { key: m[1]!, value: m[3], children: [], items: [] };
      top.children.push(node);
      stack.push(node);
      continue;
    }
    m = /^([A-Za-z][\w]*): ?(.*)$/.exec(line);
    if (m && !line.startsWith('0x')) {
      top.children.push({ key: m[1]!, value: m[2]!, children: [], items: [] });
      continue;
    }
    top.items.push(line);
  }
  return root;
}

export function child(n: ReadobjNode, key: string): ReadobjNode | undefined {
  return n.children.find((c) => c.key === key);
}

/** The `Key {` / `Key [` block named `key` (a scalar line of the same name, e.g. "EpilogueScopes: 1", is skipped). */
export function block(n: ReadobjNode, key: string): ReadobjNode | undefined {
  return n.children.find((c) => c.key === key && (c.value === undefined || c.value.startsWith('(') || c.children.length > 0 || c.items.length > 0));
}

export function children(n: ReadobjNode, key: string): ReadobjNode[] {
  return n.children.filter((c) => c.key === key);
}

export function val(n: ReadobjNode, key: string): string | undefined {
  return child(n, key)?.value;
}

/** "(0x140001010)" or "name (0x140001010)" or "0x140001010" → the number. */
export function addr(v: string | undefined): bigint {
  const m = /0x([0-9A-Fa-f]+)\)?$/.exec(v ?? '');
  if (!m) throw new Error(`no address in ${v}`);
  return BigInt(`0x${m[1]}`);
}

export interface SymCfi {
  rva: number;
  size: number;
  /** The INIT line's rules after the size, e.g. ".cfa: $rsp .ra: .cfa 8 - ^". */
  init: string;
  /** Rules of the STACK CFI lines that follow, by address. */
  deltas: { rva: number; rules: string }[];
}

export interface SymFile {
  module: { os: string; arch: string; id: string; name: string };
  codeId?: { id: string; name: string };
  cfi: SymCfi[];
}

export function parseSym(text: string): SymFile {
  const lines = text.split(/\r?\n/);
  const m = /^MODULE (\S+) (\S+) (\S+) (.+)$/.exec(lines[0] ?? '');
  if (!m) throw new Error('no MODULE line');
  const out: SymFile = { module: { os: m[1]!, arch: m[2]!, id: m[3]!, name: m[4]! }, cfi: [] };
  let cur: SymCfi | undefined;
  for (const l of lines) {
    let x = /^INFO CODE_ID (\S+) (.+)$/.exec(l);
    if (x) out.codeId = { id: x[1]!, name: x[2]! };
    x = /^STACK CFI INIT ([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(l);
    if (x) {
      cur = { rva: parseInt(x[1]!, 16), size: parseInt(x[2]!, 16), init: x[3]!, deltas: [] };
      out.cfi.push(cur);
      continue;
    }
    x = /^STACK CFI ([0-9a-f]+) (.*)$/.exec(l);
    if (x && cur) cur.deltas.push({ rva: parseInt(x[1]!, 16), rules: x[2]! });
  }
  return out;
}
