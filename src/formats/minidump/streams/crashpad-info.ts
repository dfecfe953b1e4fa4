// CrashpadInfoStream (0x43500001): report/client ids, process-level simple annotations, and
// per-module annotations (list, simple dictionary, typed annotation objects).

import {
  MDRAW_CRASHPAD_INFO, MDRAW_CRASHPAD_INFO_TAIL, MINIDUMP_ANNOTATION, MINIDUMP_RVA, MINIDUMP_MODULE_CRASHPAD_INFO,
  MINIDUMP_MODULE_CRASHPAD_INFO_LINK, MINIDUMP_SIMPLE_STRING_DICTIONARY_ENTRY,
} from '../../../../native-structs/minidump/breakpad.js';
import { StreamType } from '../../../../native-structs/constants/minidump.js';
import type { StructDef } from '../../../../native-structs/define.js';
import { decodeArray, decodeStruct } from '../../../reader/struct-codec.js';
import { decodeUtf8, formatGuid } from '../../../reader/text.js';
import type { MinidumpFile } from '../file.js';
import { clampCount, type StreamContext, type StreamDecoder } from '../stream.js';

/** Entries in one annotation table. */
const MAX_ANNOTATIONS = 4096;
/**
 * Entries in all annotation tables of the stream together (module links × tables × entries could
 * otherwise reach billions of string reads on a hostile dump; real Chrome dumps have < 200).
 */
const MAX_ANNOTATIONS_TOTAL = 8192;

/** What is left of the stream-wide annotation budget. */
interface Budget {
  left: number;
}
/** Bytes shown of one annotation value. */
const MAX_VALUE = 16 * 1024;

/**
 * A dictionary whose keys come from the dump: no prototype, so that `__proto__`, `constructor`,
 * `toString`... are keys like any other (on a plain object `out['__proto__'] = v` sets the
 * prototype, or does nothing, and the key is lost). JSON.stringify and Object.keys/entries see
 * every key; `in` and lookups see no inherited member.
 */
export function dumpDictionary<T = string>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export interface CrashpadModuleInfo {
  moduleIndex: number;
  version: number;
  listAnnotations: string[];
  /** Null-prototype (dumpDictionary): every key the dump wrote, `__proto__` included. */
  simpleAnnotations: Record<string, string>;
  annotationObjects: Array<{ name: string; type: number; value: string | Uint8Array }>;
}

export interface CrashpadInfo {
  version: number;
  reportId: string;
  clientId: string;
  addressMask?: bigint;
  /** Null-prototype (dumpDictionary): every key the dump wrote, `__proto__` included. */
  simpleAnnotations: Record<string, string>;
  modules: CrashpadModuleInfo[];
}

/** The string-typed annotation objects as a name → value dictionary (null-prototype; last wins). */
export function stringAnnotations(objects: CrashpadModuleInfo['annotationObjects']): Record<string, string> {
  const out = dumpDictionary();
  for (const o of objects) if (typeof o.value === 'string') out[o.name] = o.value;
  return out;
}

async function readTable<T>(ctx: StreamContext, rva: number, dataSize: number, def: StructDef, budget: Budget): Promise<T[]> {
  const f = ctx.file;
  if (rva === 0 || dataSize < 4 || rva > f.size - 4 || budget.left <= 0) return [];
  const head = await f.read(rva, 4, `${def.name} count`);
  const count = new DataView(head.buffer, head.byteOffset).getUint32(0, true);
  let n = clampCount(ctx, def.name, count, def.size, Math.min(dataSize, f.size - rva) - 4, MAX_ANNOTATIONS, rva);
  if (n > budget.left) {
    f.warn('CountClamped', `crashpad annotations: more than ${MAX_ANNOTATIONS_TOTAL} in the stream; the rest are ignored`, rva);
    n = budget.left;
  }
  budget.left -= n;
  return n ? decodeArray<T>(def, await f.read(rva + 4, n * def.size, def.name), n, rva + 4) : [];
}

async function dictionary(ctx: StreamContext, loc: { dataSize: number; rva: number }, budget: Budget): Promise<Record<string, string>> {
  const out = dumpDictionary();
  const entries = await readTable<{ key: number; value: number }>(ctx, loc.rva, loc.dataSize, MINIDUMP_SIMPLE_STRING_DICTIONARY_ENTRY, budget);
  await ctx.file.prefetchEach(entries, (e) => [{ offset: e.key, length: 128 }, { offset: e.value, length: 512 }], async (e) => {
    const k = await ctx.file.readUtf8String(e.key, 'annotation key');
    if (k === undefined) return;
    out[k] = (await ctx.file.readUtf8String(e.value, 'annotation value')) ?? '';
  });
  return out;
}

async function byteArray(f: MinidumpFile, rva: number): Promise<Uint8Array | undefined> {
  if (rva === 0 || rva > f.size - 4) return undefined;
  const head = await f.read(rva, 4, 'MinidumpByteArray');
  const len = Math.min(new DataView(head.buffer, head.byteOffset).getUint32(0, true), MAX_VALUE, f.size - rva - 4);
  return f.read(rva + 4, len, 'MinidumpByteArray');
}

export const crashpadInfoStream: StreamDecoder<CrashpadInfo> = {
  streamType: StreamType.CrashpadInfo,
  key: 'crashpadInfo',
  async decode(ctx) {
    const e = ctx.entry;
    const f = ctx.file;
    const r = decodeStruct<{ version: number; reportId: Uint8Array; clientId: Uint8Array; simpleAnnotations: { dataSize: number; rva: number }; moduleList: { dataSize: number; rva: number } }>(
      MDRAW_CRASHPAD_INFO, await f.read(e.rva, Math.min(e.dataSize, MDRAW_CRASHPAD_INFO.size), MDRAW_CRASHPAD_INFO.name), e.rva);
    const budget: Budget = { left: MAX_ANNOTATIONS_TOTAL };
    const out: CrashpadInfo = {
      version: r.version,
      reportId: formatGuid(r.reportId),
      clientId: formatGuid(r.clientId),
      simpleAnnotations: await dictionary(ctx, r.simpleAnnotations, budget),
      modules: [],
    };
    if (e.dataSize >= MDRAW_CRASHPAD_INFO.size + MDRAW_CRASHPAD_INFO_TAIL.size) {
      const t = decodeStruct<{ addressMask: bigint }>(MDRAW_CRASHPAD_INFO_TAIL, await f.read(e.rva + MDRAW_CRASHPAD_INFO.size, MDRAW_CRASHPAD_INFO_TAIL.size, MDRAW_CRASHPAD_INFO_TAIL.name), e.rva + MDRAW_CRASHPAD_INFO.size);
      if (t.addressMask) out.addressMask = t.addressMask;
    }
    const links = await readTable<{ minidumpModuleListIndex: number; location: { dataSize: number; rva: number } }>(ctx, r.moduleList.rva, r.moduleList.dataSize, MINIDUMP_MODULE_CRASHPAD_INFO_LINK, budget);
    for (const link of links) {
      const loc = link.location;
      if (loc.dataSize < MINIDUMP_MODULE_CRASHPAD_INFO.size || loc.rva > f.size - MINIDUMP_MODULE_CRASHPAD_INFO.size) continue;
      const m = decodeStruct<{ version: number; listAnnotations: { dataSize: number; rva: number }; simpleAnnotations: { dataSize: number; rva: number }; annotationObjects: { dataSize: number; rva: number } }>(
        MINIDUMP_MODULE_CRASHPAD_INFO, await f.read(loc.rva, MINIDUMP_MODULE_CRASHPAD_INFO.size, MINIDUMP_MODULE_CRASHPAD_INFO.name), loc.rva);
      const info: CrashpadModuleInfo = { moduleIndex: link.minidumpModuleListIndex, version: m.version, listAnnotations: [], simpleAnnotations: await dictionary(ctx, m.simpleAnnotations, budget), annotationObjects: [] };
      const list = await readTable<{ rva: number }>(ctx, m.listAnnotations.rva, m.listAnnotations.dataSize, MINIDUMP_RVA, budget);
      for (const l of list) {
        const s = await f.readUtf8String(l.rva, 'list annotation');
        if (s !== undefined) info.listAnnotations.push(s);
      }
      const objs = await readTable<{ name: number; type: number; value: number }>(ctx, m.annotationObjects.rva, m.annotationObjects.dataSize, MINIDUMP_ANNOTATION, budget);
      for (const o of objs) {
        const name = (await f.readUtf8String(o.name, 'annotation name')) ?? '';
        const bytes = await byteArray(f, o.value);
        if (!bytes) continue;
        // Type 1 = string (crashpad Annotation::Type::kString); others kept as bytes.
        info.annotationObjects.push({ name, type: o.type, value: o.type === 1 ? decodeUtf8(bytes) : bytes.slice() });
      }
      out.modules.push(info);
    }
    return out;
  },
};
