import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { BytesSource, CountingSource, FileSource, type ByteSource } from '../../src/reader/byte-source.js';
import { DumpError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'dt-src-'));
const data = Uint8Array.from({ length: 100 }, (_, i) => i);
const file = join(dir, 'data.bin');
writeFileSync(file, data);

const sources: Array<[string, () => Promise<ByteSource>]> = [
  ['BytesSource', async () => new BytesSource(data)],
  ['FileSource', () => FileSource.open(file)],
];

describe.each(sources)('%s', (_name, make) => {
  it('reads exact ranges', async () => {
    const s = await make();
    expect(s.size).toBe(100);
    expect([...(await s.read(10, 3))]).toEqual([10, 11, 12]);
    expect((await s.read(100, 0)).length).toBe(0);
    await s.close();
  });
  it('refuses reads past the end with a typed Truncated error naming the struct and offset', async () => {
    const s = await make();
    const err = await s.read(98, 4, 'THING').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DumpError);
    expect((err as DumpError).code).toBe('Truncated');
    expect((err as DumpError).offset).toBe(98);
    expect((err as DumpError).struct).toBe('THING');
    await expect(s.read(Number.MAX_SAFE_INTEGER, 1)).rejects.toMatchObject({ code: 'Truncated' });
    await expect(s.read(-1, 1)).rejects.toMatchObject({ code: 'Truncated' });
    await s.close();
  });
  it('readAvailable returns the short tail and nothing past the end', async () => {
    const s = await make();
    expect([...(await s.readAvailable(97, 10))]).toEqual([97, 98, 99]);
    expect((await s.readAvailable(200, 10)).length).toBe(0);
    await s.close();
  });
  it('refuses absurd single reads before allocating', async () => {
    const s = await make();
    await expect(s.readAvailable(0, 2 ** 40)).rejects.toMatchObject({ code: 'LimitExceeded' });
    await s.close();
  });
});

describe('CountingSource', () => {
  it('counts reads and bytes', async () => {
    const c = new CountingSource(new BytesSource(data));
    await c.read(0, 10);
    await c.readAvailable(95, 10);
    expect(c.reads).toBe(2);
    expect(c.bytesRead).toBe(15);
  });
});

describe('FileSource.open refuses what is not a regular file', () => {
  it('directory', async () => {
    const d = join(dir, 'sub');
    mkdirSync(d);
    await expect(FileSource.open(d)).rejects.toMatchObject({ code: 'NotAFile' });
  });
  it('missing file', async () => {
    await expect(FileSource.open(join(dir, 'nope'))).rejects.toMatchObject({ code: 'IoError' });
  });
  it('FIFO, without blocking on a writer', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(FileSource.open(fifo)).rejects.toMatchObject({ code: 'NotAFile' });
  });
  it('/dev/zero', async () => {
    await expect(FileSource.open('/dev/zero')).rejects.toMatchObject({ code: 'NotAFile' });
  });
});

describe('CountingSource block cache', () => {
  const big = Uint8Array.from({ length: 3 * 4096 + 100 }, (_, i) => (i * 7) & 0xff);
  const bigFile = join(dir, 'big.bin');
  writeFileSync(bigFile, big);

  it('serves small reads from aligned 4 KiB blocks and counts the block reads', async () => {
    const c = new CountingSource(await FileSource.open(bigFile), { blockCache: true });
    expect([...(await c.read(10, 4))]).toEqual([...big.subarray(10, 14)]);
    expect([...(await c.read(100, 8))]).toEqual([...big.subarray(100, 108)]);
    expect(c.reads).toBe(1);
    expect(c.bytesRead).toBe(4096);
    // a read straddling two blocks is assembled from both
    expect([...(await c.read(4090, 12))]).toEqual([...big.subarray(4090, 4102)]);
    expect(c.reads).toBe(2);
    // the short last block
    expect([...(await c.readAvailable(3 * 4096 + 90, 50))]).toEqual([...big.subarray(3 * 4096 + 90)]);
    // reads past the end keep their typed error
    await expect(c.read(3 * 4096 + 90, 20, 'TAIL')).rejects.toMatchObject({ code: 'Truncated', struct: 'TAIL' });
    // large reads bypass the cache
    const before = c.reads;
    expect((await c.read(0, 8192)).length).toBe(8192);
    expect(c.reads).toBe(before + 1);
    await c.close();
  });

  it('without the option, every read goes to the source', async () => {
    const c = new CountingSource(new BytesSource(big));
    await c.read(0, 4);
    await c.read(4, 4);
    expect(c.reads).toBe(2);
    expect(c.bytesRead).toBe(8);
  });
});
