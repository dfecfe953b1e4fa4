// Shaped inputs (issue 18, round two): what the byte-level mutations never produce, because they
// clamp a count to the data present. Four strategies, each a pure function of (seed, index) that
// emits plain JSON mutation records (so crashers are saved, replayed and minimised like any other):
//
//   max-list  a list stream rewritten to N entries (N in {limit-1, limit, limit+1, 2^16, large})
//             whose data REALLY is present: the entries share one substructure (one CONTEXT and
//             stack, one name string, one CodeView record, one data block), so the file stays
//             small (at most MAX_SHAPE_BYTES). Threads, thread-ex, thread names, thread info,
//             modules, unloaded modules, MemoryList, Memory64List, MemoryInfoList, HandleData,
//             the stream directory itself, and the driver list of a kernel triage dump.
//   shared    many RVAs of different kinds pointed at one structure: a module name used as a
//             CodeView record, a CONTEXT that is a stack, a string that overlaps a list, every
//             location of the dump on one target.
//   strings   every string field hostile: MINIDUMP_STRING (module, unloaded module, CSD, thread,
//             handle names), UTF-8 (crashpad annotation keys, values, list entries, CodeView PDB
//             names), DUMP_STRING (kernel triage driver names), Linux text streams, the kernel
//             comment: ESC/CSI, OSC 8, BEL, CR, LF, NUL, C1, bidi overrides, lone surrogates,
//             `__proto__`/`constructor`, invalid UTF-8, 1,024 and 32K-character strings.
//   sparse    a head written to a temp file and extended to a huge sparse size (64 GiB): a
//             Memory64List whose ranges lie past the head, or far at the end, run through
//             openDump(path) (campaign.ts). A few per CI run.
//
// The new ops ('max-list', 'append', 'write', 'sparse') are applied by mutate.ts.

import { encodeContext } from '../../synth/minidump.js';
import type { Layout } from './layout.js';
import type { Mutation } from './mutate.js';
import type { Rng } from './prng.js';

/** Largest shaped input held in memory (the CI sample stays quick). */
export const MAX_SHAPE_BYTES = 24 * 1024 * 1024;
/** LIMITS.streamReadCap: streams past it are paged (another boundary worth meeting). */
const STREAM_CAP = 16 * 1024 * 1024;
const GiB = 1024 * 1024 * 1024;

export type ListName =
  | 'threads' | 'threadEx' | 'threadNames' | 'threadInfo' | 'modules' | 'unloaded'
  | 'memory' | 'memory64' | 'memoryInfo' | 'handles' | 'streams' | 'drivers';

export type ShapeMutation =
  /** Rewrite list `list` to `count` entries sharing one substructure (variant picks which). */
  | { op: 'max-list'; list: ListName; count: number; variant: number; rangeSize?: number; dataAbsent?: boolean; baseRva?: number }
  /** Append a blob (parts repeated) and write its offset into `refs`, its length into `sizes`. */
  | { op: 'append'; parts: Array<{ hex: string; repeat?: number }>; refs: Array<{ at: number; width: 4 | 8 }>; sizes?: Array<{ at: number; width: 4 | 8; chars?: boolean }>; triage?: 32 | 64 }
  /** Overwrite bytes in place. */
  | { op: 'write'; at: number; hex: string }
  /** Run from a temp file of `bytes.length + extra` bytes (sparse); no-op in memory. */
  | { op: 'sparse'; extra?: number; size?: number };

// ------------------------------------------------------------------ little helpers

class Out {
  bytes: Uint8Array;
  dv: DataView;
  len: number;
  constructor(base: Uint8Array, extra: number) {
    this.len = base.length;
    this.bytes = new Uint8Array(base.length + extra + 64);
    this.bytes.set(base);
    this.dv = new DataView(this.bytes.buffer);
  }
  /** Reserve n bytes, 16-aligned; returns the offset. */
  alloc(n: number): number {
    const at = (this.len + 15) & ~15;
    this.len = at + n;
    if (this.len > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.len, this.bytes.length * 2));
      grown.set(this.bytes);
      this.bytes = grown;
      this.dv = new DataView(grown.buffer);
    }
    return at;
  }
  u32(at: number, v: number): void {
    this.dv.setUint32(at, v >>> 0, true);
  }
  u64(at: number, v: bigint | number): void {
    this.dv.setBigUint64(at, BigInt.asUintN(64, BigInt(v)), true);
  }
  done(): Uint8Array {
    return this.bytes.subarray(0, this.len);
  }
}

function rd32(b: Uint8Array, at: number): number {
  return at >= 0 && at + 4 <= b.length ? (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0 : 0;
}
function rd64(b: Uint8Array, at: number): number {
  return rd32(b, at) + rd32(b, at + 4) * 0x100000000;
}

interface DirEntry {
  at: number;
  type: number;
  size: number;
  rva: number;
}

function mdDirectory(b: Uint8Array): DirEntry[] {
  if (rd32(b, 0) !== 0x504d444d) return [];
  const n = Math.min(rd32(b, 8), 4096);
  const dir = rd32(b, 12);
  const out: DirEntry[] = [];
  for (let i = 0; i < n; i++) {
    const e = dir + 12 * i;
    if (e + 12 > b.length) break;
    out.push({ at: e, type: rd32(b, e), size: rd32(b, e + 4), rva: rd32(b, e + 8) });
  }
  return out;
}

function kernelBits(b: Uint8Array): 32 | 64 | undefined {
  if (rd32(b, 0) !== 0x45474150) return undefined;
  if (rd32(b, 4) === 0x34365544) return 64;
  if (rd32(b, 4) === 0x504d5544) return 32;
  return undefined;
}

function isTriage(b: Uint8Array): 32 | 64 | undefined {
  const bits = kernelBits(b);
  if (!bits) return undefined;
  return rd32(b, bits === 64 ? 0xf98 : 0xf88) === 4 ? bits : undefined;
}

function utf16(s: string): Uint8Array {
  const o = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    o[2 * i] = s.charCodeAt(i) & 0xff;
    o[2 * i + 1] = s.charCodeAt(i) >> 8;
  }
  return o;
}

/** MINIDUMP_STRING: u32 length in bytes, UTF-16LE, NUL. */
function mdString(s: string): Uint8Array {
  const body = utf16(s);
  const o = new Uint8Array(4 + body.length + 2);
  new DataView(o.buffer).setUint32(0, body.length, true);
  o.set(body, 4);
  return o;
}

const SHARED_NAME = `C:\\Program Files\\${'Shared'.repeat(38)}\\shared.dll`; // 250 characters

// ------------------------------------------------------------------ max-list

interface ListSpec {
  limit: number;
  entry: number;
  kernel?: boolean;
}

const LISTS: Record<ListName, ListSpec> = {
  threads: { limit: 65_536, entry: 48 },
  threadEx: { limit: 65_536, entry: 64 },
  threadNames: { limit: 65_536, entry: 12 },
  threadInfo: { limit: 65_536, entry: 64 },
  modules: { limit: 16_384, entry: 108 },
  unloaded: { limit: 16_384, entry: 24 },
  memory: { limit: 1_000_000, entry: 16 },
  memory64: { limit: 1_000_000, entry: 16 },
  memoryInfo: { limit: 1_000_000, entry: 48 },
  handles: { limit: 1_000_000, entry: 40 },
  streams: { limit: 4096, entry: 12 },
  drivers: { limit: 16_384, entry: 0x90, kernel: true },
};

/** Counts worth meeting for a list, those whose entries fit MAX_SHAPE_BYTES. */
export function countsFor(list: ListName, bits: 32 | 64 = 64, extraPerEntry = 0): number[] {
  const s = LISTS[list];
  const entry = (list === 'drivers' && bits === 32 ? 0x4c : s.entry) + extraPerEntry;
  const room = Math.floor((MAX_SHAPE_BYTES - 2 * 1024 * 1024) / entry);
  const capAt = Math.floor(STREAM_CAP / entry);
  const raw = [s.limit - 1, s.limit, s.limit + 1, 65_536, capAt, capAt + 1, room];
  return [...new Set(raw.filter((n) => n > 0 && n <= room))].sort((a, b) => a - b);
}

/** The first thread of the input's thread list: its CONTEXT and stack locations, if they fit. */
function firstThread(b: Uint8Array, dir: DirEntry[]): { ctx: [number, number]; stack: [bigint, number, number] } | undefined {
  const e = dir.find((d) => d.type === 3);
  if (!e || rd32(b, e.rva) === 0) return undefined;
  const start = e.size === 8 + rd32(b, e.rva) * 48 ? e.rva + 8 : e.rva + 4;
  if (start + 48 > b.length) return undefined;
  const ctx: [number, number] = [rd32(b, start + 0x28), rd32(b, start + 0x2c)];
  const stack: [bigint, number, number] = [BigInt(rd64(b, start + 0x18)), rd32(b, start + 0x20), rd32(b, start + 0x24)];
  if (ctx[1] + ctx[0] > b.length || ctx[0] === 0 || stack[2] + stack[1] > b.length) return undefined;
  return { ctx, stack };
}

/** Replace (or add) the directory entry of `type`; the new directory is written at the end. */
function rewriteDirectory(o: Out, base: Uint8Array, dir: DirEntry[], type: number, size: number, rva: number): void {
  const entries = dir.filter((d) => d.type !== type).map((d) => [d.type, d.size, d.rva] as const);
  entries.push([type, size, rva]);
  const at = o.alloc(12 * entries.length);
  entries.forEach(([t, s, r], i) => {
    o.u32(at + 12 * i, t);
    o.u32(at + 12 * i + 4, s);
    o.u32(at + 12 * i + 8, r);
  });
  if (base.length >= 16) {
    o.u32(8, entries.length);
    o.u32(12, at);
  }
}

export function applyMaxList(base: Uint8Array, m: Extract<ShapeMutation, { op: 'max-list' }>): Uint8Array {
  const n = Math.max(0, Math.min(m.count, 2_000_000));
  if (m.list === 'drivers') return maxDrivers(base, n, m.variant);
  const dir = mdDirectory(base);
  if (base.length < 32 || rd32(base, 0) !== 0x504d444d) return base;
  const spec = LISTS[m.list];
  const o = new Out(base, Math.min(n * spec.entry + 64 * 1024 + 12 * (dir.length + 1), MAX_SHAPE_BYTES + 1024 * 1024));
  const v = m.variant;
  switch (m.list) {
    case 'threads':
    case 'threadEx': {
      const entry = m.list === 'threads' ? 48 : 64;
      let t = v % 2 === 0 ? firstThread(base, dir) : undefined;
      if (!t) {
        const ctx = encodeContext('x64', { rip: 0x7ff712345678n, rsp: 0x7ff600000100n, rbp: 0x7ff600000200n });
        const c = o.alloc(ctx.length);
        o.bytes.set(ctx, c);
        const s = o.alloc(16 * 1024);
        for (let i = 0; i < 16 * 1024; i += 8) o.u64(s + i, i % 56 === 0 ? 0x7ff712345600n + BigInt(i) : BigInt(i));
        t = { ctx: [ctx.length, c], stack: [0x7ff600000000n, 16 * 1024, s] };
      }
      // Variant 1 and 3: the CONTEXT is the stack (one structure, two kinds).
      const ctx: [number, number] = v % 4 === 3 ? [Math.min(t.ctx[0], t.stack[1]) || t.ctx[0], t.stack[2]] : t.ctx;
      const at = o.alloc(4 + n * entry);
      o.u32(at, n);
      for (let i = 0; i < n; i++) {
        const e = at + 4 + i * entry;
        o.u32(e, i + 1);
        o.u64(e + 0x10, 0x7ff500000000n + BigInt(i) * 0x2000n);
        o.u64(e + 0x18, t.stack[0]);
        o.u32(e + 0x20, t.stack[1]);
        o.u32(e + 0x24, t.stack[2]);
        o.u32(e + 0x28, ctx[0]);
        o.u32(e + 0x2c, ctx[1]);
        if (entry === 64) {
          o.u64(e + 0x30, t.stack[0]);
          o.u32(e + 0x38, t.stack[1]);
          o.u32(e + 0x3c, t.stack[2]);
        }
      }
      rewriteDirectory(o, base, dir, m.list === 'threads' ? 3 : 8, 4 + n * entry, at);
      break;
    }
    case 'threadNames': {
      const name = o.alloc(0);
      const s = mdString(v % 2 ? 'worker' : `\u001b[31m${'w'.repeat(1000)}`);
      o.alloc(s.length);
      o.bytes.set(s, name);
      const at = o.alloc(4 + n * 12);
      o.u32(at, n);
      for (let i = 0; i < n; i++) {
        o.u32(at + 4 + i * 12, v % 3 === 2 ? 1 : i + 1); // variant 2: every name for thread 1
        o.u64(at + 8 + i * 12, name);
      }
      rewriteDirectory(o, base, dir, 24, 4 + n * 12, at);
      break;
    }
    case 'threadInfo': {
      const at = o.alloc(12 + n * 64);
      o.u32(at, 12);
      o.u32(at + 4, 64);
      o.u32(at + 8, n);
      for (let i = 0; i < n; i++) {
        const e = at + 12 + i * 64;
        o.u32(e, v % 2 ? 1 : i + 1);
        o.u64(e + 16, 132_000_000_000_000_000n);
        o.u64(e + 48, 0x7ff712345000n);
      }
      rewriteDirectory(o, base, dir, 17, 12 + n * 64, at);
      break;
    }
    case 'modules':
    case 'unloaded': {
      const nameS = mdString(SHARED_NAME);
      const name = o.alloc(nameS.length);
      o.bytes.set(nameS, name);
      const pdb = new TextEncoder().encode('shared.pdb\0');
      const cvLen = 24 + pdb.length;
      const cv = o.alloc(cvLen);
      o.u32(cv, 0x53445352); // RSDS
      for (let i = 0; i < 16; i++) o.bytes[cv + 4 + i] = i * 17;
      o.u32(cv + 20, 1);
      o.bytes.set(pdb, cv + 24);
      const modules = m.list === 'modules';
      const entry = modules ? 108 : 24;
      const head = modules ? 4 : 12;
      const at = o.alloc(head + n * entry);
      if (modules) o.u32(at, n);
      else {
        o.u32(at, 12);
        o.u32(at + 4, 24);
        o.u32(at + 8, n);
      }
      for (let i = 0; i < n; i++) {
        const e = at + head + i * entry;
        // Variant 2: every module at one base (all overlap); else distinct 64 KiB slots.
        o.u64(e, 0x7ff000000000n + (v % 3 === 2 ? 0n : BigInt(i) * 0x10000n));
        o.u32(e + 8, 0x10000);
        o.u32(e + 0x10, 0x5f000000);
        o.u32(e + 0x14, name);
        if (modules) {
          o.u32(e + 0x18, 0xfeef04bd);
          // Variant 1: the module name is also the CodeView record (one structure, two kinds).
          o.u32(e + 0x4c, v % 3 === 1 ? nameS.length : cvLen);
          o.u32(e + 0x50, v % 3 === 1 ? name : cv);
        }
      }
      rewriteDirectory(o, base, dir, modules ? 4 : 14, head + n * entry, at);
      break;
    }
    case 'memory': {
      const block = o.alloc(4096);
      for (let i = 0; i < 4096; i += 8) o.u64(block + i, BigInt(i) * 0x1111n);
      const at = o.alloc(4 + n * 16);
      o.u32(at, n);
      for (let i = 0; i < n; i++) {
        const e = at + 4 + i * 16;
        // Variant 1: every range at one address (duplicates); else distinct pages.
        o.u64(e, 0x10000000n + (v % 2 ? 0n : BigInt(i) * 0x2000n));
        o.u32(e + 8, 4096);
        o.u32(e + 12, block);
      }
      rewriteDirectory(o, base, dir, 5, 4 + n * 16, at);
      break;
    }
    case 'memory64': {
      const room = Math.max(0, MAX_SHAPE_BYTES - base.length - 16 * n - 1024 * 1024);
      const size = m.rangeSize ?? Math.min(4096, Math.floor(room / Math.max(1, n) / 8) * 8);
      const at = o.alloc(16 + n * 16);
      for (let i = 0; i < n; i++) {
        const e = at + 16 + i * 16;
        o.u64(e, 0x10000000n + BigInt(i) * BigInt(Math.max(size, 0x1000) * 2));
        o.u64(e + 8, size);
      }
      o.u32(at, n);
      rewriteDirectory(o, base, dir, 9, 16 + n * 16, at);
      // The data: after the directory, present (filled) or absent (a sparse file supplies it).
      let data: number;
      if (m.dataAbsent) data = (o.len + 15) & ~15;
      else {
        data = o.alloc(n * size);
        for (let i = data; i < data + n * size; i += 4096) o.bytes[i] = 0xcc;
      }
      o.u64(at + 8, m.baseRva ?? data);
      break;
    }
    case 'memoryInfo': {
      const at = o.alloc(16 + n * 48);
      o.u32(at, 16);
      o.u32(at + 4, 48);
      o.u64(at + 8, n);
      for (let i = 0; i < n; i++) {
        const e = at + 16 + i * 48;
        const a = 0x10000000n + (v % 2 ? 0n : BigInt(i) * 0x1000n);
        o.u64(e, a);
        o.u64(e + 8, a);
        o.u32(e + 16, 4);
        o.u64(e + 24, 0x1000);
        o.u32(e + 32, 0x1000);
        o.u32(e + 36, i % 2 ? 0x20 : 0x04);
        o.u32(e + 40, 0x20000);
      }
      rewriteDirectory(o, base, dir, 16, 16 + n * 48, at);
      break;
    }
    case 'handles': {
      const typeS = mdString('File');
      const nameS = mdString(`\\Device\\HarddiskVolume3\\${'x'.repeat(200)}`);
      const t = o.alloc(typeS.length);
      o.bytes.set(typeS, t);
      const nm = o.alloc(nameS.length);
      o.bytes.set(nameS, nm);
      const at = o.alloc(16 + n * 40);
      o.u32(at, 16);
      o.u32(at + 4, 40);
      o.u32(at + 8, n);
      for (let i = 0; i < n; i++) {
        const e = at + 16 + i * 40;
        o.u64(e, 4 + i * 4);
        o.u32(e + 8, t);
        // Variant 1: the object name is the type name's string (one string, two fields).
        o.u32(e + 12, v % 2 ? t : nm);
        o.u32(e + 24, 1);
        o.u32(e + 28, 1);
      }
      rewriteDirectory(o, base, dir, 12, 16 + n * 40, at);
      break;
    }
    case 'streams': {
      const blob = o.alloc(4096);
      for (let i = 0; i < 4096; i++) o.bytes[blob + i] = i & 0xff;
      const at = o.alloc(12 * n);
      for (let i = 0; i < n; i++) {
        const e = at + 12 * i;
        if (i < dir.length) {
          o.u32(e, dir[i]!.type);
          o.u32(e + 4, dir[i]!.size);
          o.u32(e + 8, dir[i]!.rva);
        } else if (v % 2 && dir.length > 0) {
          // Variant 1: the real streams again and again (duplicate types, one location each).
          const d = dir[i % dir.length]!;
          o.u32(e, d.type);
          o.u32(e + 4, d.size);
          o.u32(e + 8, d.rva);
        } else {
          o.u32(e, 0x10000 + i);
          o.u32(e + 4, 4096);
          o.u32(e + 8, blob);
        }
      }
      o.u32(8, n);
      o.u32(12, at);
      break;
    }
    default:
      break;
  }
  return o.done();
}

/** A kernel triage dump's driver list rewritten to n entries sharing one 1,024-character name. */
function maxDrivers(base: Uint8Array, n: number, v: number): Uint8Array {
  const bits = isTriage(base);
  if (!bits) return base;
  const t = bits === 64 ? 0x2000 : 0x1000;
  if (t + 0x80 > base.length) return base;
  const stride = bits === 64 ? 0x90 : 0x4c;
  const ldr = bits === 64 ? 8 : 4;
  const o = new Out(base, n * stride + 4096);
  const name = v % 2 ? 'shared.sys' : `${'d'.repeat(1020)}.sys`;
  const nameAt = o.alloc(4 + 2 * name.length + 2);
  o.u32(nameAt, name.length);
  o.bytes.set(utf16(name), nameAt + 4);
  const oldList = rd32(base, t + 0x30);
  const template = oldList > 0 && oldList + stride <= base.length ? base.subarray(oldList, oldList + stride) : new Uint8Array(stride);
  const at = o.alloc(n * stride);
  const baseOff = ldr + (bits === 64 ? 0x30 : 0x18);
  const sizeOff = ldr + (bits === 64 ? 0x40 : 0x20);
  for (let i = 0; i < n; i++) {
    const e = at + i * stride;
    o.bytes.set(template, e);
    o.u32(e, nameAt);
    if (bits === 64) o.u64(e + baseOff, 0xfffff80000000000n + (v % 3 === 2 ? 0n : BigInt(i) * 0x10000n));
    else o.u32(e + baseOff, 0x80000000 + (v % 3 === 2 ? 0 : (i * 0x10000) % 0x7fff0000));
    o.u32(e + sizeOff, 0x10000);
  }
  o.u32(t + 0x30, at);
  o.u32(t + 0x34, n);
  o.u32(t + 0x38, nameAt);
  o.u32(t + 0x3c, 4 + 2 * name.length + 2);
  o.u32(t + 0x04, o.len);
  return o.done();
}

// ------------------------------------------------------------------ append / write

export function applyAppend(base: Uint8Array, m: Extract<ShapeMutation, { op: 'append' }>): Uint8Array {
  const parts = m.parts.map((p) => ({ bytes: hexBytes(p.hex), repeat: Math.max(1, Math.min(p.repeat ?? 1, 1 << 20)) }));
  const blobLen = parts.reduce((s, p) => s + p.bytes.length * p.repeat, 0);
  if (base.length + blobLen > MAX_SHAPE_BYTES) return base;
  const o = new Out(base, blobLen + 16);
  const at = o.alloc(blobLen);
  let w = at;
  for (const p of parts) for (let r = 0; r < p.repeat; r++, w += p.bytes.length) o.bytes.set(p.bytes, w);
  for (const r of m.refs) {
    if (r.at < 0 || r.at + r.width > base.length) continue;
    if (r.width === 8) o.u64(r.at, at);
    else o.u32(r.at, at);
  }
  for (const s of m.sizes ?? []) {
    if (s.at < 0 || s.at + s.width > base.length) continue;
    const len = s.chars ? Math.max(0, (blobLen - 6) / 2) : blobLen;
    if (s.width === 8) o.u64(s.at, len);
    else o.u32(s.at, len);
  }
  if (m.triage) {
    // The string pool must reach the new string and SizeOfDump must cover it.
    const t = m.triage === 64 ? 0x2000 : 0x1000;
    if (t + 0x40 <= base.length) {
      const pool = rd32(base, t + 0x38);
      if (pool > 0 && pool < at) o.u32(t + 0x3c, o.len - pool);
      else {
        o.u32(t + 0x38, at);
        o.u32(t + 0x3c, blobLen);
      }
      o.u32(t + 4, o.len);
    }
  }
  return o.done();
}

export function applyWrite(base: Uint8Array, m: Extract<ShapeMutation, { op: 'write' }>): Uint8Array {
  const b = hexBytes(m.hex);
  const out = new Uint8Array(base);
  if (m.at >= 0 && m.at < out.length) out.set(b.subarray(0, out.length - m.at), m.at);
  return out;
}

function hexBytes(hex: string): Uint8Array {
  const n = hex.length >> 1;
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16) || 0;
  return b;
}

const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

// ------------------------------------------------------------------ hostile strings

const ESC = '\u001b';
/** Hostile pieces: terminal, hyperlink, line forgery, NUL, C1, bidi, surrogates, prototype keys. */
export const HOSTILE_PIECES: readonly string[] = [
  `${ESC}[31mred${ESC}[0m`,
  `${ESC}]8;;https://evil.example/${ESC}\\click${ESC}]8;;\u0007`,
  `${ESC}]0;title\u0007`,
  `${ESC}[2J${ESC}[H`,
  'bell\u0007',
  'cr\rover',
  'lf\nforged: "line"',
  'nul\u0000mid',
  'c1\u009b2J\u0085',
  'del\u007f',
  'tab\tx',
  '\u202egpj.exe',
  '\u2066iso\u2069',
  '\ud800lone',
  'lone\udc00',
  '\udbff\udbff',
  '__proto__',
  'constructor',
  'toString',
  'toJSON',
  `=cmd|' /C calc'!A0`,
  '<script>alert(1)</script>',
];

/** Invalid UTF-8: a bare continuation, an overlong '/', a CESU lone surrogate, past U+10FFFF, a cut sequence. */
const BAD_UTF8 = [0x80, 0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80, 0xe2, 0x82];

export type StringEnc = 'utf16' | 'utf8' | 'dump' | 'cv' | 'text' | 'bytes';

export interface StringRef {
  /** The RVA field that points at the string. */
  at: number;
  width: 4 | 8;
  enc: StringEnc;
  /** A DataSize field that must say the new length (CodeView, Linux text streams). */
  sizeAt?: number;
  what: string;
}

/** Every string field of a minidump or kernel triage dump this parser can find (bounded). */
export function stringRefs(b: Uint8Array): StringRef[] {
  const out: StringRef[] = [];
  const MAX = 64;
  const fits = (at: number, n: number): boolean => at > 0 && at + n <= b.length;
  const triage = isTriage(b);
  if (triage) {
    const t = triage === 64 ? 0x2000 : 0x1000;
    const stride = triage === 64 ? 0x90 : 0x4c;
    const list = rd32(b, t + 0x30);
    for (let i = 0; i < Math.min(rd32(b, t + 0x34), MAX); i++) {
      if (!fits(list + stride * i, stride)) break;
      out.push({ at: list + stride * i, width: 4, enc: 'dump', what: `DUMP_DRIVER_ENTRY[${i}].DriverNameOffset` });
    }
    return out;
  }
  for (const d of mdDirectory(b)) {
    if (!fits(d.rva, 4)) continue;
    const r = d.rva;
    switch (d.type) {
      case 4: {
        const n = rd32(b, r);
        const start = d.size === 8 + n * 108 ? r + 8 : r + 4;
        for (let i = 0; i < Math.min(n, MAX); i++) {
          const m = start + 108 * i;
          if (!fits(m, 108)) break;
          out.push({ at: m + 0x14, width: 4, enc: 'utf16', what: `MINIDUMP_MODULE[${i}].ModuleName` });
          out.push({ at: m + 0x50, width: 4, enc: 'cv', sizeAt: m + 0x4c, what: `MINIDUMP_MODULE[${i}].CvRecord` });
        }
        break;
      }
      case 14: {
        const h = rd32(b, r);
        const e = rd32(b, r + 4);
        if (e < 24) break;
        for (let i = 0; i < Math.min(rd32(b, r + 8), MAX); i++) {
          const m = r + h + e * i;
          if (!fits(m, 24)) break;
          out.push({ at: m + 0x14, width: 4, enc: 'utf16', what: `MINIDUMP_UNLOADED_MODULE[${i}].ModuleName` });
        }
        break;
      }
      case 7:
        if (fits(r, 0x20)) out.push({ at: r + 0x18, width: 4, enc: 'utf16', what: 'MINIDUMP_SYSTEM_INFO.CSDVersion' });
        break;
      case 24:
        for (let i = 0; i < Math.min(rd32(b, r), MAX); i++) {
          if (!fits(r + 4 + 12 * i, 12)) break;
          out.push({ at: r + 8 + 12 * i, width: 8, enc: 'utf16', what: `MINIDUMP_THREAD_NAME[${i}].ThreadName` });
        }
        break;
      case 12: {
        const h = rd32(b, r);
        const e = rd32(b, r + 4);
        if (e < 16) break;
        for (let i = 0; i < Math.min(rd32(b, r + 8), MAX); i++) {
          const m = r + h + e * i;
          if (!fits(m, 16)) break;
          out.push({ at: m + 8, width: 4, enc: 'utf16', what: `MINIDUMP_HANDLE_DESCRIPTOR[${i}].TypeName` });
          out.push({ at: m + 12, width: 4, enc: 'utf16', what: `MINIDUMP_HANDLE_DESCRIPTOR[${i}].ObjectName` });
        }
        break;
      }
      case 0x43500001: {
        const dict = (loc: number, what: string): void => {
          const rva = rd32(b, loc + 4);
          if (!fits(rva, 4)) return;
          for (let i = 0; i < Math.min(rd32(b, rva), MAX); i++) {
            if (!fits(rva + 4 + 8 * i, 8)) break;
            out.push({ at: rva + 4 + 8 * i, width: 4, enc: 'utf8', what: `${what}[${i}].key` });
            out.push({ at: rva + 8 + 8 * i, width: 4, enc: 'utf8', what: `${what}[${i}].value` });
          }
        };
        dict(r + 0x24, 'Crashpad.simpleAnnotations');
        const ml = rd32(b, r + 0x30);
        for (let j = 0; j < Math.min(rd32(b, ml), 16) && fits(ml, 4); j++) {
          const link = ml + 4 + 12 * j;
          if (!fits(link, 12)) break;
          const mi = rd32(b, link + 8);
          if (!fits(mi, 28)) continue;
          const list = rd32(b, mi + 8);
          for (let i = 0; fits(list, 4) && i < Math.min(rd32(b, list), MAX); i++) {
            if (!fits(list + 4 + 4 * i, 4)) break;
            out.push({ at: list + 4 + 4 * i, width: 4, enc: 'utf8', what: `Crashpad.module[${j}].list[${i}]` });
          }
          dict(mi + 12, `Crashpad.module[${j}].simpleAnnotations`);
          const objs = rd32(b, mi + 0x18);
          for (let i = 0; fits(objs, 4) && i < Math.min(rd32(b, objs), MAX); i++) {
            if (!fits(objs + 4 + 12 * i, 12)) break;
            out.push({ at: objs + 4 + 12 * i, width: 4, enc: 'utf8', what: `Crashpad.module[${j}].objects[${i}].name` });
            out.push({ at: objs + 12 + 12 * i, width: 4, enc: 'bytes', what: `Crashpad.module[${j}].objects[${i}].value` });
          }
        }
        break;
      }
      case 0x47670003: case 0x47670004: case 0x47670005: case 0x47670006: case 0x47670007: case 0x47670009:
        out.push({ at: d.at + 8, width: 4, enc: 'text', sizeAt: d.at + 4, what: `stream 0x${d.type.toString(16)} (text)` });
        break;
      default:
        break;
    }
  }
  return out;
}

/** A hostile text as (piece, repeat): 1-3 pieces once, or a long run of 1,024 to 40,000 characters. */
function hostileText(rng: Rng): { piece: string; repeat: number } {
  if (rng.chance(0.25)) {
    const len = rng.pick([1024, 32_767, 32_768, 32_769, 40_000]);
    // One-character pieces give the exact length; longer pieces about that length.
    const piece = rng.chance(0.5) ? rng.pick(['A', '\u001b', '\u0000', '\ud800', '\udc00', '\u202e', '\u0007', '\r', '\n', 'é']) : rng.pick(HOSTILE_PIECES);
    return { piece, repeat: Math.ceil(len / piece.length) };
  }
  const k = rng.range(1, 3);
  let s = '';
  for (let i = 0; i < k; i++) s += rng.pick(HOSTILE_PIECES);
  return { piece: rng.chance(0.5) ? `C:\\dir\\${s}.dll` : s, repeat: 1 };
}

/** The blob for one encoding, as repeatable parts (long strings stay short in the record). */
function encodeHostile(rng: Rng, enc: StringEnc): Array<{ hex: string; repeat?: number }> {
  const { piece, repeat } = hostileText(rng);
  const badUtf8 = rng.chance(0.3);
  const u32 = (v: number): string => toHex(new Uint8Array(new Uint32Array([v]).buffer));
  const body = (encode: (s: string) => Uint8Array): { parts: Array<{ hex: string; repeat?: number }>; len: number } => {
    const unit = encode(piece);
    return { parts: [{ hex: toHex(unit), repeat }], len: unit.length * repeat };
  };
  const utf8 = (s: string): Uint8Array => {
    const b = new TextEncoder().encode(s);
    if (!badUtf8) return b;
    const o = new Uint8Array(b.length + BAD_UTF8.length);
    o.set(b);
    o.set(BAD_UTF8, b.length);
    return o;
  };
  switch (enc) {
    case 'utf16': {
      const { parts, len } = body(utf16);
      return [{ hex: u32(len) }, ...parts, { hex: '0000' }];
    }
    case 'dump': {
      const { parts, len } = body(utf16);
      return [{ hex: u32(len / 2) }, ...parts, { hex: '0000' }];
    }
    case 'utf8': {
      const { parts, len } = body(utf8);
      return [{ hex: u32(len) }, ...parts, { hex: '00' }];
    }
    case 'bytes': {
      const { parts, len } = body(utf8);
      return [{ hex: u32(len) }, ...parts];
    }
    case 'cv': {
      const { parts } = body(utf8);
      const guid = '00112233445566778899aabbccddeeff';
      return [{ hex: `52534453${guid}${u32(1)}` }, ...parts, { hex: '00' }];
    }
    case 'text': {
      const { parts } = body(utf8);
      return [{ hex: toHex(new TextEncoder().encode('Name:\t')) }, ...parts, { hex: toHex(new TextEncoder().encode('\nPid:\t1\n')) }];
    }
  }
}

// ------------------------------------------------------------------ generators

export type Strategy = 'classic' | 'max-list' | 'shared' | 'strings' | 'sparse';

/** Lists a seed can be given, by format. */
function listsFor(b: Uint8Array): ListName[] {
  if (isTriage(b)) return ['drivers'];
  if (rd32(b, 0) === 0x504d444d) return ['threads', 'threadEx', 'threadNames', 'threadInfo', 'modules', 'unloaded', 'memory', 'memory64', 'memoryInfo', 'handles', 'streams'];
  return [];
}

export function canShape(strategy: Strategy, b: Uint8Array): boolean {
  switch (strategy) {
    case 'max-list':
      return listsFor(b).length > 0;
    case 'strings':
      return stringRefs(b).length > 0 || kernelBits(b) !== undefined;
    case 'shared':
      return rd32(b, 0) === 0x504d444d || kernelBits(b) !== undefined;
    case 'sparse':
      return rd32(b, 0) === 0x504d444d || kernelBits(b) !== undefined;
    default:
      return true;
  }
}

export function maxListMutations(rng: Rng, b: Uint8Array): ShapeMutation[] {
  const lists = listsFor(b);
  const list = rng.pick(lists);
  const bits = isTriage(b) ?? 64;
  const counts = countsFor(list, bits, list === 'memory64' ? 8 : 0);
  return [{ op: 'max-list', list, count: rng.pick(counts), variant: rng.int(6) }];
}

export function stringMutations(rng: Rng, b: Uint8Array): ShapeMutation[] {
  const refs = stringRefs(b);
  const out: ShapeMutation[] = [];
  const bits = kernelBits(b);
  if (bits && rng.chance(0.5)) {
    // The kernel header's comment (ASCII, 128 bytes, in place).
    const at = bits === 64 ? 0xfb0 : 0x820;
    const h = hostileText(rng);
    const text = new TextEncoder().encode(h.piece.repeat(Math.min(h.repeat, 128)).slice(0, 100));
    out.push({ op: 'write', at, hex: `${toHex(text)}00` });
  }
  if (refs.length === 0) return out;
  const triage = isTriage(b);
  // Every string field at once, some of them, or one; each its own string or all one shared string.
  const mode = rng.weighted([[3, 'all'], [4, 'some'], [3, 'one']] as const);
  const chosen = mode === 'all' ? refs : mode === 'one' ? [rng.pick(refs)] : refs.filter(() => rng.chance(0.4));
  if (chosen.length === 0) chosen.push(rng.pick(refs));
  const shared = rng.chance(0.3);
  const byEnc = new Map<StringEnc, StringRef[]>();
  for (const r of chosen) byEnc.set(r.enc, [...(byEnc.get(r.enc) ?? []), r]);
  for (const [enc, rs] of byEnc) {
    const groups = shared ? [rs] : rs.slice(0, 48).map((r) => [r]);
    for (const g of groups) {
      out.push({
        op: 'append',
        parts: encodeHostile(rng, enc),
        refs: g.map((r) => ({ at: r.at, width: r.width })),
        sizes: g.filter((r) => r.sizeAt !== undefined).map((r) => ({ at: r.sizeAt!, width: 4 as const })),
        ...(enc === 'dump' && triage ? { triage } : {}),
      });
    }
  }
  return out;
}

/** Many RVAs of different kinds pointed at one structure (and sizes to match). */
export function sharedMutations(rng: Rng, b: Uint8Array, layout: Layout): Mutation[] {
  const rvas = layout.fields.filter((f) => f.kind === 'rva' && (f.width === 4 || f.width === 8));
  if (rvas.length < 2) return [];
  const value = (at: number, w: number): number => (w === 8 ? rd64(b, at) : rd32(b, at));
  const hex = (v: number): string => `0x${v.toString(16)}`;
  const out: Mutation[] = [];
  const byWhat = (re: RegExp): typeof rvas => rvas.filter((f) => re.test(f.what));
  const named = rng.int(5);
  const names = byWhat(/ModuleNameRva$/);
  const cvs = byWhat(/CvRecord\.Rva$/);
  const ctxs = byWhat(/ThreadContext\.Rva$/);
  const stacks = byWhat(/Stack\.Memory\.Rva$|Memory\.Rva$/);
  const dirs = byWhat(/MINIDUMP_DIRECTORY\[\d+\]\.Rva$/);
  const set = (f: { at: number; width: 1 | 2 | 4 | 8; what: string }, v: number): void => {
    out.push({ op: 'set', at: f.at, width: f.width, value: hex(v), field: `${f.what} (shared)` });
  };
  const sizeOf = (f: { at: number }): { at: number; width: 4; what: string } => ({ at: f.at - 4, width: 4, what: 'DataSize' });
  if (named === 0 && names.length && cvs.length) {
    // A module name used as a CodeView record (its Length read as the CV signature).
    const n = rng.pick(names);
    for (const cv of cvs) {
      set(cv, value(n.at, 4));
      set(sizeOf(cv), rng.pick([4 + 2 * 8, 24, 0x100, rd32(b, value(n.at, 4)) + 4]));
    }
  } else if (named === 1 && ctxs.length && stacks.length) {
    // CONTEXTs that are a stack.
    const s = rng.pick(stacks);
    for (const c of ctxs) set(c, value(s.at, 4));
  } else if (named === 2 && names.length && dirs.length) {
    // Module name strings that overlap a list (the list's count is read as the string's Length).
    const d = rng.pick(dirs);
    for (const n of names) set(n, value(d.at, 4) + rng.pick([0, 0, 4, 8]));
  } else if (named === 3 && dirs.length > 1) {
    // Several streams of different types at one location.
    const d = rng.pick(dirs);
    for (const e of dirs) if (rng.chance(0.6)) {
      set(e, value(d.at, 4));
      set(sizeOf(e), rd32(b, d.at - 4));
    }
  }
  if (out.length === 0) {
    // Generic: k fields of different kinds on one target (the value of another RVA field).
    const target = value(rng.pick(rvas).at, 4);
    const k = rng.pick([2, 4, 8, rvas.length]);
    for (let i = 0; i < k; i++) {
      const f = rng.pick(rvas);
      out.push({ op: 'set', at: f.at, width: f.width, value: hex(target), field: `${f.what} (shared)` });
    }
  }
  return out;
}

/** A head run from a file extended to a huge sparse size. */
export function sparseMutations(rng: Rng, b: Uint8Array): ShapeMutation[] {
  if (rd32(b, 0) === 0x504d444d && rng.chance(0.75)) {
    const count = rng.pick([65_536, 999_999, 1_000_000, 1_000_001, 4096]);
    const rangeSize = rng.pick([65_536, 65_536, 4096, 1 << 20]);
    const total = count * rangeSize;
    // Ranges past the head, or their data at the far end of a 64 GiB file.
    if (rng.chance(0.5) || total > 60 * GiB) return [{ op: 'max-list', list: 'memory64', count, variant: 0, rangeSize, dataAbsent: true }, { op: 'sparse', extra: Math.min(total, 64 * GiB) }];
    const far = 64 * GiB - total;
    return [{ op: 'max-list', list: 'memory64', count, variant: 0, rangeSize, dataAbsent: true, baseRva: far }, { op: 'sparse', size: 64 * GiB }];
  }
  return [{ op: 'sparse', extra: rng.pick([64 * GiB, 4 * GiB + 1, 2 ** 32 - 1]) }];
}

/** The size of the sparse file an input runs from (undefined: run in memory). */
export function sparseSize(muts: readonly Mutation[], length: number): number | undefined {
  for (const m of muts) if (m.op === 'sparse') return Math.max(length, m.size ?? length + (m.extra ?? 0));
  return undefined;
}
