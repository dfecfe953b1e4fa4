// `dumptriage dump` (describe) and report.details for kernel dumps: the raw header, the triage
// block, the page map summary and the KDBG fields, as plain objects (hex strings for addresses).

import { bytesHex, hex } from '../../util/hex.js';
import type { KernelDumpFile } from './index.js';

function hexify(v: unknown): unknown {
  if (typeof v === 'bigint') return hex(v);
  if (v instanceof Uint8Array) return v.length > 64 ? `<${v.length} bytes>` : bytesHex(v);
  if (Array.isArray(v)) return v.map(hexify);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith('pad')).map(([k, x]) => [k, hexify(x)]));
  return v;
}

export async function describeKernelDump(d: KernelDumpFile): Promise<Record<string, unknown>> {
  const h = d.header;
  const header: Record<string, unknown> = {
    signature: h.bits === 64 ? 'PAGEDU64' : 'PAGEDUMP',
    majorVersion: hex(h.majorVersion),
    minorVersion: h.minorVersion,
    directoryTableBase: hex(h.directoryTableBase),
    pfnDataBase: hex(h.pfnDataBase),
    psLoadedModuleList: hex(h.psLoadedModuleList),
    psActiveProcessHead: hex(h.psActiveProcessHead),
    machineImageType: hex(h.machineImageType),
    numberProcessors: h.numberProcessors,
    bugCheckCode: hex(h.bugCheckCode),
    bugCheckParameters: h.bugCheckParameters.map((p) => hex(p)),
    kdDebuggerDataBlock: hex(h.kdDebuggerDataBlock),
    paeEnabled: h.paeEnabled,
    kdSecondaryVersion: h.kdSecondaryVersion,
    dumpType: `${h.dumpType} (${d.dumpTypeName})`,
    requiredDumpSpace: hex(h.requiredDumpSpace),
    systemTime: h.systemTime === 0n ? '0' : `${hex(h.systemTime)}`,
    systemUpTime: hex(h.systemUpTime),
    comment: h.comment,
    miniDumpFields: hex(h.miniDumpFields),
    secondaryDataState: hex(h.secondaryDataState),
    productType: h.productType,
    suiteMask: hex(h.suiteMask),
    writerStatus: hex(h.writerStatus),
    attributes: hex(h.attributes),
    bootId: hex(h.bootId),
    exception: hexify({ ...h.exception, information: h.exception.information.slice(0, Math.min(15, h.exception.numberParameters)) }),
  };
  const facts = await d.facts();
  const out: Record<string, unknown> = { format: 'kernel', dumpType: d.dumpTypeName, arch: d.arch, header };
  if (d.context) out.context = Object.fromEntries(Object.entries(d.context.registers).map(([k, v]) => [k, hex(v)]));
  if (d.subHeader) out.pageMapHeader = hexify(d.subHeader);
  if (d.physMap) out.pageMap = d.physMap.summary();
  if (d.translator) out.translation = d.translator.describe();
  const t = d.triage;
  if (t) {
    out.triage = {
      ...(hexify(t.raw) as Record<string, unknown>),
      valid: t.valid,
      drivers: t.drivers.map((x) => ({ name: x.name, base: hex(x.base), size: hex(x.size), end: hex(x.base + BigInt(x.size)), timestamp: hex(x.timestamp), checksum: hex(x.checksum) })),
      unloadedDrivers: t.unloaded.map((u) => ({ name: u.name, start: hex(u.start), end: hex(u.end) })),
      mm: t.mm ? hexify(t.mm) : undefined,
      vaRanges: t.ranges.length,
    };
  } else {
    out.modules = facts.modules.map((m) => ({ name: m.name, path: m.path, base: hex(m.base), size: hex(m.size), timestamp: m.timestamp === undefined ? undefined : hex(m.timestamp), pdb: m.pdb ? `${m.pdb.name} ${m.pdb.debugId}` : undefined }));
    out.unloadedModules = facts.unloadedModules.map((m) => ({ name: m.name, base: hex(m.base), size: hex(m.size), unloadTime: m.unloadTime }));
  }
  const k = await d.kdbg();
  out.kdbg = { state: k.state, ...(k.fields ? (hexify(k.fields) as Record<string, unknown>) : {}) };
  out.process = facts.process ?? null;
  out.crashingThread = hexify((facts.extra.kernel as Record<string, unknown>) ? { threadAddress: (facts.extra.kernel as Record<string, unknown>).threadAddress, processAddress: (facts.extra.kernel as Record<string, unknown>).processAddress, tid: facts.crashingThreadId } : {});
  out.warnings = d.warnings.map((w) => ({ ...w, offset: w.offset === undefined ? undefined : hex(w.offset) }));
  return out;
}

export async function detailsOfKernelDump(d: KernelDumpFile): Promise<Record<string, unknown>> {
  const h = d.header;
  const facts = await d.facts();
  const k = facts.extra.kernel as Record<string, unknown>;
  const out: Record<string, unknown> = {
    kernel: {
      dumpTypeValue: h.dumpType,
      build: h.minorVersion,
      checkedBuild: h.majorVersion === 0xc,
      machine: hex(h.machineImageType),
      kdbg: k.kdbgState,
      pageMap: d.physMap ? { kind: d.physMap.kind, presentPages: d.physMap.presentPages } : undefined,
      processAddress: k.processAddress === undefined ? undefined : hex(k.processAddress as bigint),
      threadAddress: k.threadAddress === undefined ? undefined : hex(k.threadAddress as bigint),
    },
  };
  if (d.triage) {
    const t = d.triage;
    out.triage = { valid: t.valid, drivers: t.drivers.length, unloadedDrivers: t.unloaded.length, dataBlocks: t.dataBlockCount, callStackSize: t.stack?.size ?? 0, brokenDriver: t.brokenDriver?.name ?? null };
  }
  return out;
}
