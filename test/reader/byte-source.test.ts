import { describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, writeFileSync, mkdirSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { BytesSource, CountingSource, WHOLE_FILE_MAX, type ByteSource } from '../../src/reader/byte-source.js';
import { FileSource, SyncFileSource } from '../../src/reader/file-source.js';
import { DumpError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'dt-src-'));
const data = Uint8Array.from({ length: 100 }, (_, i) => i);
const file = join(dir, 'data.bin');
writeFileSync(file, data);

const sources: Array<[string, () => Promise<ByteSource>]> = [
  ['BytesSource', async () => new BytesSource(data)],
  ['FileSource', () => FileSource.open(file)],
  ['SyncFileSource', async () => SyncFileSource.open(file)],
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

const opens: Array<[string, (path: string) => Promise<ByteSource>]> = [
  ['FileSource.open', (p) => FileSource.open(p)],
  ['SyncFileSource.open', async (p) => SyncFileSource.open(p)],
  // The scan's form: the walk has lstat'ed the path; the fstat after the open still refuses.
  ['SyncFileSource.open (statted)', async (p) => SyncFileSource.open(p, { statted: true })],
];

describe.each(opens)('%s refuses what is not a regular file', (_name, openIt) => {
  it('directory', async () => {
    const d = mkdtempSync(join(dir, 'sub-'));
    await expect(openIt(d)).rejects.toMatchObject({ code: 'NotAFile' });
  });
  it('missing file', async () => {
    await expect(openIt(join(dir, 'nope'))).rejects.toMatchObject({ code: 'IoError' });
  });
  it('FIFO, without blocking on a writer', async () => {
    const fifo = join(mkdtempSync(join(dir, 'fifo-')), 'fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(openIt(fifo)).rejects.toMatchObject({ code: 'NotAFile' });
  });
  it('/dev/zero', async () => {
    await expect(openIt('/dev/zero')).rejects.toMatchObject({ code: 'NotAFile' });
  });
});

describe('SyncFileSource.state: has the file moved since it was opened?', () => {
  it('sees a file still being written, and keeps the state it had at the close', async () => {
    const f = join(dir, 'growing.bin');
    writeFileSync(f, data);
    const s = SyncFileSource.open(f);
    expect(s.state()).toEqual({ size: 100, mtimeMs: statSync(f).mtimeMs });
    appendFileSync(f, data);
    expect(s.state()?.size).toBe(200);
    await s.close();
    const atClose = s.state();
    expect(atClose?.size).toBe(200);
    // After the close the descriptor number may belong to another file of the process (a scan
    // worker's next dump): the state stays the one taken at the close.
    const other = join(dir, 'other.bin');
    writeFileSync(other, new Uint8Array(7));
    const o = SyncFileSource.open(other);
    expect(s.state()).toEqual(atClose);
    await o.close();
    await expect(s.read(0, 1)).rejects.toMatchObject({ code: 'IoError' });
  });
});

describe('CountingSource block cache', () => {
  // Over WHOLE_FILE_MAX, so that reads go through the 4 KiB blocks; the last 100 bytes make a short block.
  const blocks = WHOLE_FILE_MAX / 4096 + 2;
  const big = Uint8Array.from({ length: blocks * 4096 + 100 }, (_, i) => (i * 7) & 0xff);
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
    expect([...(await c.readAvailable(blocks * 4096 + 90, 50))]).toEqual([...big.subarray(blocks * 4096 + 90)]);
    // reads past the end keep their typed error
    await expect(c.read(blocks * 4096 + 90, 20, 'TAIL')).rejects.toMatchObject({ code: 'Truncated', struct: 'TAIL' });
    // large reads bypass the cache
    const before = c.reads;
    expect((await c.read(0, 8192)).length).toBe(8192);
    expect(c.reads).toBe(before + 1);
    await c.close();
  });

  it('reads a file of at most WHOLE_FILE_MAX bytes whole, once, and serves every read from it', async () => {
    const small = big.subarray(0, 3 * 4096 + 100);
    const smallFile = join(dir, 'small.bin');
    writeFileSync(smallFile, small);
    const c = new CountingSource(await FileSource.open(smallFile), { blockCache: true });
    expect([...(await c.read(10, 4))]).toEqual([...small.subarray(10, 14)]);
    expect(c.reads).toBe(1);
    expect(c.bytesRead).toBe(small.length);
    // large, straddling and tail reads: no further read of the file
    expect([...(await c.read(4000, 8192))]).toEqual([...small.subarray(4000, 12192)]);
    expect([...(await c.readAvailable(3 * 4096 + 90, 50))]).toEqual([...small.subarray(3 * 4096 + 90)]);
    expect((await c.readAvailable(small.length + 5, 10)).length).toBe(0);
    expect(c.reads).toBe(1);
    await expect(c.read(3 * 4096 + 90, 20, 'TAIL')).rejects.toMatchObject({ code: 'Truncated', struct: 'TAIL' });
    await c.close();
  });

  it('a small file that shrank after the open gives Truncated, not stale or short bytes', async () => {
    const f = join(dir, 'shrinks.bin');
    writeFileSync(f, big.subarray(0, 8000));
    const c = new CountingSource(await FileSource.open(f), { blockCache: true });
    truncateSync(f, 5000);
    await expect(c.read(6000, 16, 'LATE')).rejects.toMatchObject({ code: 'Truncated', struct: 'LATE' });
    expect([...(await c.read(0, 16))]).toEqual([...big.subarray(0, 16)]);
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
