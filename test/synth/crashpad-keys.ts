// A CrashpadInfo stream (0x43500001) for a SynthMinidump: process simple annotations and
// per-module annotations (list, simple dictionary, typed annotation objects), every key and value
// given as text or as raw bytes (to write invalid UTF-8, a CESU-encoded lone surrogate...).
//
// Usage:
//
//   const bytes = withCrashpadInfo(new SynthMinidump().addSystemInfo()..., {
//     simple: [['\u001b[31mkey', 'value'], ['__proto__', 'kept']],
//     modules: [{ moduleIndex: 0, simple: [['constructor', 'x']], list: ['a'], objects: [{ name: 'n', value: 'v' }] }],
//   });
//
// The builder's build() runs with one placeholder directory entry; the stream is appended after the
// file it wrote and the entry is patched to point at it (the shared SynthMinidump is not changed).

import {
  MDRAW_CRASHPAD_INFO, MINIDUMP_ANNOTATION, MINIDUMP_MODULE_CRASHPAD_INFO, MINIDUMP_MODULE_CRASHPAD_INFO_LINK, MINIDUMP_SIMPLE_STRING_DICTIONARY_ENTRY,
} from '../../native-structs/minidump/breakpad.js';
import { MINIDUMP_DIRECTORY } from '../../native-structs/minidump/header.js';
import { StreamType } from '../../native-structs/constants/minidump.js';
import { concat, encodeArray, encodeStruct } from './encode.js';
import type { SynthMinidump } from './minidump.js';

export type CrashpadText = string | Uint8Array;

export interface SynthCrashpadModule {
  moduleIndex: number;
  list?: CrashpadText[];
  simple?: Array<[key: CrashpadText, value: CrashpadText]>;
  /** Typed annotations; type defaults to 1 (string). */
  objects?: Array<{ name: CrashpadText; type?: number; value: CrashpadText }>;
}

export interface SynthCrashpadInfo {
  simple?: Array<[key: CrashpadText, value: CrashpadText]>;
  modules?: SynthCrashpadModule[];
}

const bytesOf = (t: CrashpadText): Uint8Array => (typeof t === 'string' ? new TextEncoder().encode(t) : t);

class Appender {
  private parts: Uint8Array[] = [];
  constructor(public size: number) {}
  append(b: Uint8Array): number {
    const pad = (4 - (this.size % 4)) % 4;
    if (pad) this.parts.push(new Uint8Array(pad));
    this.size += pad;
    const at = this.size;
    this.parts.push(b);
    this.size += b.length;
    return at;
  }
  /** MinidumpUTF8String: u32 length, bytes, NUL. */
  utf8(t: CrashpadText): number {
    const body = bytesOf(t);
    const out = new Uint8Array(4 + body.length + 1);
    new DataView(out.buffer).setUint32(0, body.length, true);
    out.set(body, 4);
    return this.append(out);
  }
  /** MinidumpByteArray: u32 length, bytes. */
  byteArray(t: CrashpadText): number {
    const body = bytesOf(t);
    const out = new Uint8Array(4 + body.length);
    new DataView(out.buffer).setUint32(0, body.length, true);
    out.set(body, 4);
    return this.append(out);
  }
  /** u32 count + entries; the location of the table. */
  table(count: number, entries: Uint8Array): { dataSize: number; rva: number } {
    const head = new Uint8Array(4);
    new DataView(head.buffer).setUint32(0, count, true);
    const b = concat([head, entries]);
    return { dataSize: b.length, rva: this.append(b) };
  }
  dictionary(entries: Array<[CrashpadText, CrashpadText]> | undefined): { dataSize: number; rva: number } {
    if (!entries) return { dataSize: 0, rva: 0 };
    const rows = entries.map(([k, v]) => ({ key: this.utf8(k), value: this.utf8(v) }));
    return this.table(rows.length, encodeArray(MINIDUMP_SIMPLE_STRING_DICTIONARY_ENTRY, rows));
  }
  finish(): Uint8Array {
    return concat(this.parts);
  }
}

/** The dump `builder` makes, with a CrashpadInfo stream holding `info`. */
export function withCrashpadInfo(builder: SynthMinidump, info: SynthCrashpadInfo): Uint8Array {
  const base = builder.addRawDirectoryEntry(StreamType.CrashpadInfo, 0, 0).build();
  const dv = new DataView(base.buffer, base.byteOffset, base.byteLength);
  const count = dv.getUint32(8, true);
  const dirRva = dv.getUint32(12, true);
  const w = new Appender(base.length);

  const simple = w.dictionary(info.simple);
  const links = (info.modules ?? []).map((m) => {
    const listRvas = (m.list ?? []).map((s) => ({ rva: w.utf8(s) }));
    const list = m.list ? w.table(listRvas.length, concat(listRvas.map((r) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, r.rva, true); return b; }))) : { dataSize: 0, rva: 0 };
    const dict = w.dictionary(m.simple);
    const objs = m.objects
      ? (() => {
          const rows = m.objects!.map((o) => ({ name: w.utf8(o.name), type: o.type ?? 1, reserved: 0, value: w.byteArray(o.value) }));
          return w.table(rows.length, encodeArray(MINIDUMP_ANNOTATION, rows));
        })()
      : { dataSize: 0, rva: 0 };
    const body = encodeStruct(MINIDUMP_MODULE_CRASHPAD_INFO, { version: 1, listAnnotations: list, simpleAnnotations: dict, annotationObjects: objs });
    return { minidumpModuleListIndex: m.moduleIndex, location: { dataSize: body.length, rva: w.append(body) } };
  });
  const moduleList = links.length ? w.table(links.length, encodeArray(MINIDUMP_MODULE_CRASHPAD_INFO_LINK, links)) : { dataSize: 0, rva: 0 };
  const head = encodeStruct(MDRAW_CRASHPAD_INFO, {
    version: 1,
    reportId: new Uint8Array(16).fill(0x11),
    clientId: new Uint8Array(16).fill(0x22),
    simpleAnnotations: simple,
    moduleList,
  });
  const headRva = w.append(head);

  const out = concat([base, w.finish()]);
  // The placeholder is the builder's last directory entry (raw entries come after the streams).
  out.set(encodeStruct(MINIDUMP_DIRECTORY, { streamType: StreamType.CrashpadInfo, location: { dataSize: head.length, rva: headRva } }), dirRva + (count - 1) * MINIDUMP_DIRECTORY.size);
  return out;
}
