// Mutations: each is a plain JSON record so that a crasher can be saved, replayed and minimised
// (delta debugging over the list). `generateCase` derives the list from (seed, index) alone.

import { Rng } from './prng.js';
import { discoverLayout, type Field, type Layout } from './layout.js';
import {
  applyAppend, applyMaxList, applyWrite, canShape, maxListMutations, sharedMutations, sparseMutations, stringMutations,
  type ShapeMutation, type Strategy,
} from './shapes.js';

export type Mutation =
  /** Flip one bit. */
  | { op: 'flip'; at: number; bit: number }
  /** Overwrite a little-endian integer (value as hex, bigint-safe). */
  | { op: 'set'; at: number; width: 1 | 2 | 4 | 8; value: string; field?: string }
  /** Cut the file at `length` bytes. */
  | { op: 'truncate'; length: number }
  /** Overwrite `length` bytes at `at` with the donor's bytes at `from`. */
  | { op: 'splice'; donor: string; from: number; at: number; length: number }
  /** Keep our first `at` bytes, then the donor's from `at` on (the classic two-file splice). */
  | { op: 'splice-tail'; donor: string; at: number }
  /** Copy `length` bytes of the file itself from `from` to `at` (duplicated / overlapping tables). */
  | { op: 'copy'; from: number; at: number; length: number }
  /** Fill a region with one byte value (0x00 holes, 0xff garbage, 'PAGE'-like runs). */
  | { op: 'fill'; at: number; length: number; byte: number }
  /** Shaped inputs (shapes.ts): max-list, append, write, sparse. */
  | ShapeMutation;

export interface Seed {
  name: string;
  bytes: Uint8Array;
}

export interface FuzzCase {
  index: number;
  seed: string;
  mutations: Mutation[];
  /** Which generator made the mutations (shapes.ts): counted in the campaign's stats. */
  strategy: Strategy;
}

/** Largest input the fuzzer builds (splices could otherwise grow files). */
export const MAX_INPUT = 16 * 1024 * 1024;
/** Most mutations land in the first 64 KiB: headers, directories and tables live there. */
const HOT = 64 * 1024;

const U64 = (1n << 64n) - 1n;
const BOUNDARY: bigint[] = [
  0n, 1n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x10000n, 0x7fffffffn, 0x80000000n, 0xffffffffn,
  0x100000000n, 1n << 53n, (1n << 53n) + 1n, 1n << 63n, U64,
];

export function applyMutations(base: Uint8Array, muts: readonly Mutation[], donors: ReadonlyMap<string, Uint8Array>): Uint8Array {
  let out: Uint8Array = new Uint8Array(base); // a copy: seeds stay pristine
  for (const m of muts) {
    switch (m.op) {
      case 'flip':
        if (m.at < out.length) out[m.at]! ^= 1 << (m.bit & 7);
        break;
      case 'set': {
        if (m.at + m.width > out.length) break;
        let v = BigInt(m.value);
        for (let i = 0; i < m.width; i++) {
          out[m.at + i] = Number(v & 0xffn);
          v >>= 8n;
        }
        break;
      }
      case 'truncate':
        if (m.length < out.length) out = out.subarray(0, m.length);
        break;
      case 'splice': {
        const d = donors.get(m.donor);
        if (!d) break;
        const n = Math.min(m.length, d.length - m.from, out.length - m.at);
        if (n > 0 && m.from >= 0 && m.at >= 0) out.set(d.subarray(m.from, m.from + n), m.at);
        break;
      }
      case 'splice-tail': {
        const d = donors.get(m.donor);
        if (!d) break;
        const head = out.subarray(0, Math.min(m.at, out.length));
        const tail = d.subarray(Math.min(m.at, d.length), Math.min(d.length, MAX_INPUT));
        const joined = new Uint8Array(head.length + tail.length);
        joined.set(head, 0);
        joined.set(tail, head.length);
        out = joined;
        break;
      }
      case 'copy': {
        const n = Math.min(m.length, out.length - m.from, out.length - m.at);
        if (n > 0 && m.from >= 0 && m.at >= 0) out.copyWithin(m.at, m.from, m.from + n);
        break;
      }
      case 'fill': {
        const end = Math.min(out.length, m.at + m.length);
        if (m.at < end) out.fill(m.byte, m.at, end);
        break;
      }
      case 'max-list':
        out = applyMaxList(out, m);
        break;
      case 'append':
        out = applyAppend(out, m);
        break;
      case 'write':
        out = applyWrite(out, m);
        break;
      case 'sparse':
        break; // the campaign runs such an input from a sparse file (sparseSize)
    }
  }
  return out;
}

const layouts = new WeakMap<Uint8Array, Layout>();
export function layoutOf(bytes: Uint8Array): Layout {
  let l = layouts.get(bytes);
  if (!l) {
    l = discoverLayout(bytes);
    layouts.set(bytes, l);
  }
  return l;
}

function readField(bytes: Uint8Array, f: Field): bigint {
  let v = 0n;
  for (let i = f.width - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[f.at + i] ?? 0);
  return v;
}

function fieldValue(rng: Rng, f: Field, bytes: Uint8Array, layout: Layout): bigint {
  const size = BigInt(bytes.length);
  const orig = readField(bytes, f);
  const self = BigInt(f.at);
  const other = (): bigint => BigInt(rng.chance(0.5) && layout.fields.length > 0 ? rng.pick(layout.fields).at : rng.pick(layout.boundaries.length > 0 ? layout.boundaries : [32]));
  let pool: bigint[];
  switch (f.kind) {
    case 'count':
      pool = [0n, 1n, 2n, 3n, 16n, 0x100n, 4095n, 4096n, 4097n, 16384n, 16385n, 65536n, 65537n, 1_000_000n, 1_000_001n,
        size / 12n, size / 4n, size, orig + 1n, orig - 1n, orig * 2n, orig * 0x10000n];
      break;
    case 'rva':
      pool = [0n, self, self - 4n, self + 4n, self - 8n, size, size - 1n, size - 4n, size + 1n, size - 8n, 32n, 0x1000n, 0x2000n,
        other(), other(), orig + 1n, orig - 4n, orig + 0x1000n];
      break;
    case 'size':
      pool = [0n, 1n, 2n, 3n, 4n, orig - 1n, orig + 1n, orig * 2n, orig + 8n, size, size - self, size + 1n, 0x10000n, 0x1000001n];
      break;
    case 'address':
      pool = [0n, 1n, 0xfffn, 0x1000n, (1n << 47n) - 1n, 0xffff800000000000n, 0xfffff80000000000n, orig ^ 0x1000n, orig + 1n, orig - 1n,
        orig & ~0xfffn, 1n << 52n];
      break;
    case 'enum':
      pool = [0n, 1n, 2n, 3n, 4n, 5n, 6n, 8n, 10n, 0x14cn, 0x8664n, 0xaa64n, 0x45474150n, 0x4547415045474150n, orig ^ 1n, orig ^ 0x80000000n,
        BigInt(rng.u32())];
      break;
    case 'signature':
      pool = [0x504d444dn, 0x45474150n, 0x504d5544n, 0x34365544n, 0x504d4453n, 0x504d4446n, 0n, orig ^ 1n];
      break;
  }
  const v = rng.chance(0.75) ? rng.pick(pool) : rng.pick(BOUNDARY);
  const mask = f.width === 8 ? U64 : (1n << BigInt(8 * f.width)) - 1n;
  return ((v % (mask + 1n)) + (mask + 1n)) & mask;
}

function hotOffset(rng: Rng, len: number): number {
  if (len <= 0) return 0;
  if (len <= HOT || rng.chance(0.8)) return rng.int(Math.min(len, HOT));
  return rng.int(len);
}

const hexOf = (v: bigint): string => `0x${v.toString(16)}`;

function oneMutation(rng: Rng, bytes: Uint8Array, layout: Layout, seeds: readonly Seed[]): Mutation {
  const len = bytes.length;
  const kind = rng.weighted<string>([
    [45, 'field'], [10, 'value'], [14, 'flip'], [10, 'truncate'], [7, 'splice'], [5, 'copy'], [4, 'fill'], [5, 'self-ref'],
  ]);
  switch (kind) {
    case 'field': {
      if (layout.fields.length === 0) break;
      const f = rng.pick(layout.fields);
      return { op: 'set', at: f.at, width: f.width, value: hexOf(fieldValue(rng, f, bytes, layout)), field: f.what };
    }
    case 'self-ref': {
      // Point an RVA/offset field at itself or at the directory/header that contains it.
      const rvas = layout.fields.filter((f) => f.kind === 'rva');
      if (rvas.length === 0) break;
      const f = rng.pick(rvas);
      const target = rng.pick([f.at, f.at - 4, f.at - 8, 0, 8]);
      return { op: 'set', at: f.at, width: f.width, value: hexOf(BigInt(Math.max(0, target))), field: `${f.what} (self)` };
    }
    case 'value': {
      const width = rng.pick([1, 2, 4, 8] as const);
      const v = rng.pick(BOUNDARY) & (width === 8 ? U64 : (1n << BigInt(8 * width)) - 1n);
      return { op: 'set', at: hotOffset(rng, len), width, value: hexOf(v) };
    }
    case 'truncate': {
      const bs = layout.boundaries;
      const at = bs.length > 0 && rng.chance(0.8) ? rng.pick(bs) + rng.pick([0, 0, 0, -1, 1, -4]) : rng.int(len);
      return { op: 'truncate', length: Math.max(0, Math.min(len, at)) };
    }
    case 'splice': {
      const donor = rng.pick(seeds);
      if (rng.chance(0.5)) return { op: 'splice-tail', donor: donor.name, at: rng.chance(0.6) && layout.boundaries.length ? rng.pick(layout.boundaries) : hotOffset(rng, len) };
      const length = rng.pick([4, 8, 12, 16, 32, 64, 256, 4096]);
      const from = rng.chance(0.5) ? hotOffset(rng, len) : hotOffset(rng, donor.bytes.length);
      return { op: 'splice', donor: donor.name, from, at: rng.chance(0.5) ? from : hotOffset(rng, len), length };
    }
    case 'copy': {
      const src = layout.fields.length > 0 && rng.chance(0.7) ? rng.pick(layout.fields).at : hotOffset(rng, len);
      const dst = layout.fields.length > 0 && rng.chance(0.7) ? rng.pick(layout.fields).at : hotOffset(rng, len);
      return { op: 'copy', from: src, at: dst, length: rng.pick([4, 8, 12, 16, 24, 48, 108, 0x90]) };
    }
    case 'fill':
      return { op: 'fill', at: hotOffset(rng, len), length: rng.pick([4, 16, 64, 512, 4096]), byte: rng.pick([0, 0xff, 0x41, 0x50]) };
  }
  return { op: 'flip', at: hotOffset(rng, len), bit: rng.int(8) };
}

/**
 * Big seeds (several MiB, thousands of modules and memory regions) cost 50-100x a small one to
 * triage; they are picked 4x less often so that throughput stays high while every seed is used.
 */
const BIG_SEED = 512 * 1024;
const weightCache = new WeakMap<readonly Seed[], number[]>();
function pickSeed(rng: Rng, seeds: readonly Seed[]): Seed {
  let cum = weightCache.get(seeds);
  if (!cum) {
    let total = 0;
    cum = seeds.map((s) => (total += s.bytes.length > BIG_SEED ? 1 : 4));
    weightCache.set(seeds, cum);
  }
  const r = rng.int(cum[cum.length - 1]!);
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! > r) hi = mid;
    else lo = mid + 1;
  }
  return seeds[lo]!;
}

/**
 * Share of inputs per strategy (per 10,000). Shaped inputs cost more (a max-list input is up to
 * 24 MB and runs 0.1-1 s; a sparse one writes a temp file), so they are a small share that still
 * reaches every strategy dozens of times in the CI sample.
 */
export const STRATEGY_WEIGHTS: ReadonlyArray<readonly [number, Strategy]> = [
  [9_510, 'classic'], [220, 'shared'], [220, 'strings'], [40, 'max-list'], [10, 'sparse'],
];

function classicMutations(rng: Rng, base: Seed, seeds: readonly Seed[], layout: Layout, n: number): Mutation[] {
  const mutations: Mutation[] = [];
  for (let i = 0; i < n; i++) mutations.push(oneMutation(rng, base.bytes, layout, seeds));
  return mutations;
}

/** The mutations of input `index` of campaign `seed`. Pure function of its arguments. */
export function generateCase(seed: number, index: number, seeds: readonly Seed[]): FuzzCase {
  const rng = new Rng(seed, index);
  let strategy = rng.weighted(STRATEGY_WEIGHTS);
  let base = pickSeed(rng, seeds);
  if (strategy !== 'classic') {
    // A seed of a format the strategy can shape (a few tries, then the classic mutations).
    for (let t = 0; t < 8 && !canShape(strategy, base.bytes); t++) base = pickSeed(rng, seeds);
    if (!canShape(strategy, base.bytes)) strategy = 'classic';
  }
  const layout = layoutOf(base.bytes);
  const classicCount = (): number => rng.weighted([[40, 1], [25, 2], [15, 3], [10, 4], [6, 6], [4, 10]] as const);
  let mutations: Mutation[];
  switch (strategy) {
    case 'classic':
      mutations = classicMutations(rng, base, seeds, layout, classicCount());
      break;
    case 'max-list':
      mutations = maxListMutations(rng, base.bytes);
      break;
    case 'shared':
      mutations = sharedMutations(rng, base.bytes, layout);
      break;
    case 'strings':
      mutations = stringMutations(rng, base.bytes);
      break;
    case 'sparse':
      mutations = sparseMutations(rng, base.bytes);
      break;
  }
  // Shaped inputs also meet ordinary damage now and then (in the head: offsets stay meaningful).
  if (strategy !== 'classic' && strategy !== 'sparse' && rng.chance(0.3)) {
    mutations.push(...classicMutations(rng, base, seeds, layout, rng.range(1, 2)).filter((m) => m.op !== 'splice-tail'));
  }
  if (mutations.length === 0) mutations = classicMutations(rng, base, seeds, layout, 1);
  return { index, seed: base.name, mutations, strategy };
}

export function buildInput(c: FuzzCase, seeds: readonly Seed[], donors: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const base = seeds.find((s) => s.name === c.seed);
  if (!base) throw new Error(`unknown seed ${c.seed}`);
  return applyMutations(base.bytes, c.mutations, donors);
}
