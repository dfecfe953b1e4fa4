// Opens synthetic minidumps through both byte sources (describe.each over SOURCES).

import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { BytesSource, CountingSource } from '../../../src/reader/byte-source.js';
import { FileSource } from '../../../src/reader/file-source.js';
import { openMinidump } from '../../../src/formats/minidump/index.js';
import { MinidumpDump } from '../../../src/formats/minidump/minidump.js';

const dir = mkdtempSync(join(tmpdir(), 'dt-mdmp-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

export type SourceKind = 'FileSource' | 'BytesSource';
export const SOURCES: SourceKind[] = ['FileSource', 'BytesSource'];

export async function sourceFor(kind: SourceKind, bytes: Uint8Array): Promise<CountingSource> {
  if (kind === 'BytesSource') return new CountingSource(new BytesSource(bytes, 'synthetic.dmp'));
  const path = join(dir, `d${n++}.dmp`);
  writeFileSync(path, bytes);
  return new CountingSource(await FileSource.open(path));
}

/** Open a synthetic minidump; a failed open closes its source (the caller owns it until then). */
export async function openSynth(kind: SourceKind, bytes: Uint8Array): Promise<MinidumpDump> {
  const source = await sourceFor(kind, bytes);
  try {
    return (await openMinidump(source, {})) as MinidumpDump;
  } catch (e) {
    await source.close();
    throw e;
  }
}
