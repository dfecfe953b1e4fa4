// extractCab: MSZIP blocks with the dictionary carried across blocks, stored folders, and the
// typed refusals (LZX, corrupt, over the limit).

import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CabError, extractCab } from '../../src/symbols/cab.js';
import { buildCab, removeDir, tempDir } from './helpers.js';

const tmp = tempDir('cab');
afterAll(() => removeDir(tmp));

let n = 0;
function file(content: Buffer): string {
  const p = join(tmp, `in-${n++}.pd_`);
  writeFileSync(p, content);
  return p;
}
const out = () => join(tmp, `out-${n++}`);

/** 100 KiB whose later blocks repeat earlier ones: only decodable with the previous block as dictionary. */
function repetitive(): Buffer {
  // Deterministic (an LCG), so the corruption test below always hits the same bytes.
  const unit = Buffer.alloc(20_000);
  let x = 12345;
  for (let i = 0; i < unit.length; i++) unit[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return Buffer.concat([unit, unit, unit, unit, unit]).subarray(0, 100 * 1024);
}

async function cabError(p: Promise<unknown>): Promise<CabError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CabError);
    return e as CabError;
  }
  throw new Error('expected a CabError');
}

describe('extractCab', () => {
  it('MSZIP over several 32 KiB blocks, each using the previous output as its dictionary', async () => {
    const data = repetitive();
    const cab = buildCab('ntdll.pdb', data);
    expect(cab.length).toBeLessThan(data.length / 2); // the repeats were coded as back-references
    const o = out();
    expect(await extractCab(file(cab), 'ntdll.pdb', o, 1 << 30)).toEqual({ bytes: data.length, name: 'ntdll.pdb' });
    expect(readFileSync(o).equals(data)).toBe(true);
  });

  it('a stored (uncompressed) folder, and the only file taken whatever its name', async () => {
    const data = randomBytes(40_000);
    const o = out();
    await extractCab(file(buildCab('whatever.bin', data, 'stored')), 'ntdll.pdb', o, 1 << 30);
    expect(readFileSync(o).equals(data)).toBe(true);
  });

  it('LZX is a typed "not supported"', async () => {
    const e = await cabError(extractCab(file(buildCab('a.pdb', randomBytes(100), 'lzx')), 'a.pdb', out(), 1 << 30));
    expect(e.code).toBe('CabUnsupported');
    expect(e.message).toBe('LZX-compressed CAB not supported');
  });

  it('corrupt input: no signature, truncation, a bad block, a lying size', async () => {
    const good = buildCab('a.pdb', repetitive());
    expect((await cabError(extractCab(file(Buffer.from('<html>nope</html>')), 'a.pdb', out(), 1 << 30))).code).toBe('CabCorrupt');
    expect((await cabError(extractCab(file(good.subarray(0, good.length - 100)), 'a.pdb', out(), 1 << 30))).code).toBe('CabCorrupt');
    const flipped = Buffer.from(good);
    flipped[flipped.length - 200] ^= 0xff;
    flipped[flipped.length - 201] ^= 0xff;
    const e = await cabError(extractCab(file(flipped), 'a.pdb', out(), 1 << 30));
    expect(e.code).toBe('CabCorrupt');
    const noCk = Buffer.from(good);
    noCk.write('XX', 36 + 8 + 16 + 6 + 8, 'latin1'); // the first block's CK
    expect((await cabError(extractCab(file(noCk), 'a.pdb', out(), 1 << 30))).message).toMatch(/CK/);
  });

  it('a file over the limit is refused before anything is inflated', async () => {
    const o = out();
    const e = await cabError(extractCab(file(buildCab('a.pdb', randomBytes(5000))), 'a.pdb', o, 1000));
    expect(e.code).toBe('CabTooLarge');
    expect(existsSync(o)).toBe(false);
  });
});
