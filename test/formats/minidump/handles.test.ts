// HandleData on real dumps. The header names its entry size SizeOfDescriptor (not SizeOfEntry, as
// the other "header + entries" lists do); reading the wrong field made every handle list decode
// as empty with a CountClamped warning ("needs NaN bytes"). Expected values come from a separate
// decode of the same bytes (a short Python struct.unpack script over the directory, the
// MINIDUMP_HANDLE_DATA_STREAM header and each descriptor's MINIDUMP_STRING names), not from us.

import { describe, expect, it } from 'vitest';
import { corpusOrSkipMessage, corpusPath } from '../../helpers/corpus.js';
import { openDump } from '../../../src/index.js';

type Handles = { count: number; handles: Array<{ handle: bigint; typeName?: string; objectName?: string }> };

async function handlesOf(path: string): Promise<{ h: Handles; warnings: string[] }> {
  const d = await openDump(path);
  try {
    const tree = (await d.describe()) as { streams: { handleData: Handles } };
    return { h: tree.streams.handleData, warnings: d.warnings.map((w) => w.code) };
  } finally {
    await d.close();
  }
}

function byType(h: Handles): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of h.handles) out[x.typeName ?? '(none)'] = (out[x.typeName ?? '(none)'] ?? 0) + 1;
  return out;
}

const have = corpusOrSkipMessage();
const bo4 = corpusPath('user-windows', 'bo4-dwserver-crash.dmp');
const tiny = corpusPath('user-windows', 'bp-tiny-exe-with-cet-xsave.dmp');

describe('HandleData', () => {
  it.skipIf(!have)('bo4-dwserver-crash.dmp: 179 MINIDUMP_HANDLE_DESCRIPTOR_2 entries with their names', async () => {
    const { h, warnings } = await handlesOf(bo4);
    expect(warnings).not.toContain('CountClamped');
    expect(h.count).toBe(179);
    expect(h.handles).toHaveLength(179);
    expect(byType(h)).toMatchObject({ '(none)': 50, File: 49, Thread: 26, Event: 22, Key: 7 });
    expect(h.handles.filter((x) => x.objectName).length).toBe(13);
    expect(h.handles[0]).toMatchObject({ handle: 0x4n, typeName: 'Event' });
    expect(h.handles.find((x) => x.handle === 0x28n)).toMatchObject({ typeName: 'Directory', objectName: '\\KnownDlls' });
    expect(h.handles.find((x) => x.handle === 0x74n)).toMatchObject({ typeName: 'WindowStation', objectName: '\\Sessions\\2\\Windows\\WindowStations\\WinSta0' });
  });

  it.skipIf(!have)('bp-tiny-exe-with-cet-xsave.dmp: 147 32-byte MINIDUMP_HANDLE_DESCRIPTOR entries', async () => {
    const { h } = await handlesOf(tiny);
    expect(h.handles).toHaveLength(147);
    expect(byType(h)).toMatchObject({ '(none)': 46, Section: 31, Event: 18, Semaphore: 12, File: 11 });
    expect(h.handles.slice(0, 2).map((x) => [x.handle, x.typeName])).toEqual([[0x4n, 'File'], [0x8n, 'Event']]);
  });
});
