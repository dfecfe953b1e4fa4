// SymbolLocator against symbol servers: a local HTTP server on 127.0.0.1 (port 0) serving a
// temporary store. Hits, misses asked once and remembered on disk, .pd_ CABs, file.ptr, timeouts
// and dead servers, garbage bodies, redirects, concurrency, offline, credentials, hostile names.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, utimesSync } from 'node:fs';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SymbolLocator, type LocatorProgress, type SymbolLocatorOptions } from '../../src/symbols/locate.js';
import { parseSymbolPath } from '../../src/symbols/symbol-path.js';
import { buildCab, listFiles, NTDLL, NTDLL_STAMP, pdbBytes, peBytes, put, removeDir, startServer, symText, tempDir, type TestServer } from './helpers.js';

const ID = NTDLL.debugId;
const dirs: string[] = [];
const servers: TestServer[] = [];
const locators: SymbolLocator[] = [];
const tcp: TcpServer[] = [];
const tcpSockets: Socket[] = [];

function dir(name: string): string {
  const d = tempDir(name);
  dirs.push(d);
  return d;
}
async function server(root: string | undefined): Promise<TestServer> {
  const s = await startServer(root);
  servers.push(s);
  return s;
}
function locator(path: string, options: SymbolLocatorOptions = {}): SymbolLocator {
  const l = new SymbolLocator(parseSymbolPath(path), { cacheDir: dir('default'), ...options });
  locators.push(l);
  return l;
}
afterEach(async () => {
  await Promise.all(locators.splice(0).map((l) => l.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
  tcpSockets.splice(0).forEach((c) => c.destroy());
  await Promise.all(tcp.splice(0).map((t) => new Promise((r) => t.close(r))));
});
afterAll(() => dirs.forEach(removeDir));

const SYM = `/ntdll.pdb/${ID}/ntdll.sym`;
const PDB = `/ntdll.pdb/${ID}/ntdll.pdb`;
const mod = (i: number) => ({ name: `m${i}.dll`, pdbName: `m${i}.pdb`, debugId: ID });

describe('downloads', () => {
  it('a .sym from a Breakpad server lands in the cache in the same layout; the next lookup is a cache hit', async () => {
    const store = dir('store');
    put(store, SYM, symText(ID, 'ntdll.pdb'));
    const s = await server(store);
    const cache = dir('cache');
    const events: LocatorProgress[] = [];
    const l = locator(`srv*${cache}*${s.url}`, { onProgress: (e) => events.push(e) });
    const found = await l.locate(NTDLL, 'sym');
    expect(found).toEqual({ path: join(cache, 'ntdll.pdb', ID, 'ntdll.sym'), kind: 'sym', source: `${s.url}ntdll.pdb/${ID}/ntdll.sym`, origin: 'download', layout: 'breakpad', verified: true });
    expect(readFileSync(found!.path, 'utf8')).toBe(symText(ID, 'ntdll.pdb'));
    expect(listFiles(cache)).toEqual([`ntdll.pdb/${ID}/ntdll.sym`]);
    expect(s.requests).toEqual([SYM]);
    expect(l.stats).toMatchObject({ requests: 1, downloads: 1, bytesDownloaded: symText(ID, 'ntdll.pdb').length, cacheHits: 0 });
    expect(events.map((e) => e.type)).toEqual(['download-start', 'download-end']);
    expect(events[1]).toMatchObject({ result: 'found', bytes: symText(ID, 'ntdll.pdb').length });

    expect(await l.locate(NTDLL, 'sym')).toMatchObject({ origin: 'cache', path: found!.path });
    expect(s.requests).toHaveLength(1);
    expect(l.stats.cacheHits).toBe(1);
  });

  it('a PDB and a binary from a symstore server (index2.txt asked once per server)', async () => {
    const store = dir('store');
    put(store, PDB, pdbBytes());
    put(store, 'ntdll.dll/5B6DB2F21e7000/ntdll.dll', peBytes(NTDLL_STAMP.timeDateStamp, NTDLL_STAMP.sizeOfImage));
    const s = await server(store);
    const l = locator(s.url);
    expect(await l.locate(NTDLL, 'pdb')).toMatchObject({ layout: 'symstore', origin: 'download', verified: true });
    expect(await l.locate(NTDLL, 'binary')).toMatchObject({ layout: 'symstore', origin: 'download', verified: true });
    expect(s.requests).toEqual(['/index2.txt', PDB, '/ntdll.dll/5B6DB2F21e7000/ntdll.dll']);
    expect(listFiles(l.defaultCacheDir)).toEqual(['ntdll.dll/5B6DB2F21e7000/ntdll.dll', `ntdll.pdb/${ID}/ntdll.pdb`]);
  });

  it('a two-tier server store (index2.txt served): files asked under the two-letter folder, cached one-tier', async () => {
    const store = dir('store');
    put(store, 'index2.txt', 'this store is two-tier\n');
    put(store, `nt${PDB}`, pdbBytes());
    const s = await server(store);
    const l = locator(s.url);
    expect(await l.locate(NTDLL, 'pdb')).toMatchObject({ layout: 'two-tier' });
    expect(s.requests).toEqual(['/index2.txt', `/nt${PDB}`]);
    expect(listFiles(l.defaultCacheDir)).toEqual([`ntdll.pdb/${ID}/ntdll.pdb`]);
  });

  it('gzip Content-Encoding is decoded', async () => {
    const store = dir('store');
    put(store, SYM, symText(ID, 'ntdll.pdb'));
    const s = await server(store);
    s.gzip = true;
    const l = locator(s.url);
    expect(readFileSync((await l.locate(NTDLL, 'sym'))!.path, 'utf8')).toBe(symText(ID, 'ntdll.pdb'));
  });

  it('NAME.pd_: the CAB is decompressed into the cache (the .pd_ itself is not kept)', async () => {
    const store = dir('store');
    const data = Buffer.concat([pdbBytes(0x41, 40_000), pdbBytes(0x41, 40_000)]);
    put(store, `ntdll.pdb/${ID}/ntdll.pd_`, buildCab('ntdll.pdb', data));
    const s = await server(store);
    const l = locator(s.url);
    const found = await l.locate(NTDLL, 'pdb');
    expect(found).toMatchObject({ via: 'cab', origin: 'download' });
    expect(readFileSync(found!.path).equals(data)).toBe(true);
    expect(s.requests).toEqual(['/index2.txt', PDB, `/ntdll.pdb/${ID}/ntdll.pd_`]);
    expect(listFiles(l.defaultCacheDir)).toEqual([`ntdll.pdb/${ID}/ntdll.pdb`]);
  });

  it('file.ptr: a relative PATH is fetched from the same server; an absolute one only inside the symbol path; MSG is a miss', async () => {
    const store = dir('store');
    put(store, `ntdll.pdb/${ID}/file.ptr`, 'PATH:drop\\build1\\ntdll.pdb');
    put(store, 'drop/build1/ntdll.pdb', pdbBytes(0x55));
    const local = dir('local-share');
    const target = put(local, 'builds/m1.pdb', pdbBytes(0x66));
    put(store, `m1.pdb/${ID}/file.ptr`, `PATH:${target}`);
    const elsewhere = dir('elsewhere');
    put(store, `m2.pdb/${ID}/file.ptr`, `PATH:${put(elsewhere, 'm2.pdb', pdbBytes())}`);
    put(store, `m3.pdb/${ID}/file.ptr`, 'MSG:not public');
    const s = await server(store);
    const l = locator(`${local};srv*${dir('c')}*${s.url}`);

    const a = await l.locate(NTDLL, 'pdb');
    expect(a).toMatchObject({ via: 'file.ptr', source: `${s.url}drop/build1/ntdll.pdb` });
    expect(readFileSync(a!.path)[40]).toBe(0x55);
    expect(s.count('/drop/build1/ntdll.pdb')).toBe(1);

    const b = await l.locate(mod(1), 'pdb');
    expect(b).toMatchObject({ via: 'file.ptr', origin: 'download' });
    expect(readFileSync(b!.path)[40]).toBe(0x66);

    expect(await l.locate(mod(2), 'pdb')).toBeUndefined();
    expect(l.lookups.find((x) => x.module === 'm2.dll' && x.result === 'rejected')?.reason).toMatch(/outside the symbol path/);
    expect(await l.locate(mod(3), 'pdb')).toBeUndefined();
    expect(l.lookups.find((x) => x.module === 'm3.dll' && x.reason?.startsWith('file.ptr MSG'))).toMatchObject({ result: 'missing', reason: 'file.ptr MSG: not public' });
  });
});

describe('misses and the negative cache', () => {
  it('each file is asked once per process; the miss is remembered on disk for the next locator', async () => {
    const s = await server(dir('empty'));
    const cache = dir('cache');
    const l = locator(`srv*${cache}*${s.url}`);
    expect(await l.locate(NTDLL, 'pdb')).toBeUndefined();
    expect(await l.locate(NTDLL, 'pdb')).toBeUndefined();
    expect(await l.locate(NTDLL, 'sym')).toBeUndefined();
    expect(s.requests).toEqual(['/index2.txt', PDB, `/ntdll.pdb/${ID}/ntdll.pd_`, `/ntdll.pdb/${ID}/file.ptr`, SYM]);
    expect(l.stats.negativeHits).toBe(1);
    const markers = listFiles(cache);
    expect(markers).toHaveLength(2);
    for (const m of markers) expect(m).toMatch(new RegExp(`^ntdll\\.pdb/${ID}/\\.missing-ntdll\\.(pdb|sym)-[0-9a-f]{8}$`));
    expect(JSON.parse(readFileSync(join(cache, markers[0]!), 'utf8'))).toMatchObject({ url: expect.stringContaining('127.0.0.1'), reason: 'not on the server' });

    const next = locator(`srv*${cache}*${s.url}`);
    expect(await next.locate(NTDLL, 'pdb')).toBeUndefined();
    expect(await next.locate(NTDLL, 'sym')).toBeUndefined();
    expect(s.requests).toHaveLength(5);
    expect(next.stats).toMatchObject({ requests: 0, negativeHits: 2 });
    expect(next.lookups.filter((x) => x.result === 'cached-miss')).toHaveLength(2);

    // An expired marker is asked again; a TTL of 0 ignores markers.
    for (const m of markers) utimesSync(join(cache, m), new Date(Date.now() - 25 * 3600_000), new Date(Date.now() - 25 * 3600_000));
    const later = locator(`srv*${cache}*${s.url}`);
    await later.locate(NTDLL, 'sym');
    expect(later.stats.requests).toBe(1);
    const noTtl = locator(`srv*${cache}*${s.url}`, { negativeTtlMs: 0 });
    await noTtl.locate(NTDLL, 'sym');
    expect(noTtl.stats.requests).toBe(1);
  });

  it('one server\'s miss does not hide another server\'s file in a shared cache', async () => {
    const a = await server(dir('empty'));
    const store = dir('store');
    put(store, SYM, symText(ID, 'ntdll.pdb'));
    const b = await server(store);
    const cache = dir('cache');
    const l = locator(`srv*${cache}*${a.url};srv*${cache}*${b.url}`);
    expect(await l.locate(NTDLL, 'sym')).toMatchObject({ origin: 'download', source: `${b.url}ntdll.pdb/${ID}/ntdll.sym` });
  });

  it('concurrent locates of the same file share one request', async () => {
    const store = dir('store');
    put(store, SYM, symText(ID, 'ntdll.pdb'));
    const s = await server(store);
    const l = locator(s.url);
    const all = await Promise.all(Array.from({ length: 12 }, () => l.locate(NTDLL, 'sym')));
    expect(new Set(all.map((f) => f?.path)).size).toBe(1);
    expect(s.requests).toEqual([SYM]);
    const miss = await Promise.all(Array.from({ length: 8 }, () => l.locate(mod(9), 'sym')));
    expect(miss.every((m) => m === undefined)).toBe(true);
    expect(s.count(`/m9.pdb/${ID}/m9.sym`)).toBe(1);
  });

  it('requests in flight never exceed `concurrency`', async () => {
    const store = dir('store');
    for (let i = 0; i < 8; i++) put(store, `m${i}.pdb/${ID}/m${i}.sym`, symText(ID, `m${i}.pdb`));
    const s = await server(store);
    let active = 0;
    let peak = 0;
    for (let i = 0; i < 8; i++) {
      s.routes.set(`/m${i}.pdb/${ID}/m${i}.sym`, (_req, res) => {
        active++;
        peak = Math.max(peak, active);
        setTimeout(() => {
          active--;
          res.writeHead(200).end(symText(ID, `m${i}.pdb`));
        }, 30);
      });
    }
    const l = locator(s.url, { concurrency: 2 });
    const found = await Promise.all(Array.from({ length: 8 }, (_, i) => l.locate(mod(i), 'sym')));
    expect(found.every((f) => f?.origin === 'download')).toBe(true);
    expect(peak).toBe(2);
  });
});

describe('slow, dead and misbehaving servers', () => {
  it('a server that never answers: one total timeout per file, then marked down after 3', async () => {
    const s = await server(undefined);
    for (let i = 0; i < 5; i++) s.routes.set(`/m${i}.pdb/${ID}/m${i}.sym`, () => undefined); // accept, never answer
    const events: LocatorProgress[] = [];
    const cache = dir('cache');
    const l = locator(`srv*${cache}*${s.url}`, { totalTimeoutMs: 300, concurrency: 1, onProgress: (e) => events.push(e) });
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) expect(await l.locate(mod(i), 'sym')).toBeUndefined();
    const elapsed = Date.now() - t0;
    expect(s.requests).toHaveLength(3);
    expect(l.stats.timeouts).toBe(3);
    expect(elapsed).toBeLessThan(3 * 300 + 1500);
    expect(events.filter((e) => e.type === 'server-down')).toHaveLength(1);
    const down = l.lookups.filter((x) => x.reason?.includes('marked down after 3 consecutive failures'));
    expect(down).toHaveLength(1);
    expect(l.lookups.filter((x) => x.reason === 'server marked down earlier in this run').map((x) => x.module)).toEqual(['m3.dll', 'm4.dll']);
    expect(l.lookups.find((x) => x.module === 'm0.dll' && x.result === 'error')?.reason).toBe('no complete answer within 300 ms');
    // The timeouts were remembered on disk; the files never asked were not.
    expect(listFiles(cache).filter((f) => f.includes('.missing-'))).toHaveLength(3);
  });

  it('a PDB on a silent server: the index2.txt probe\'s timeout is the file\'s one timeout', async () => {
    const s = await server(undefined);
    s.routes.set('/index2.txt', () => undefined);
    const l = locator(s.url, { totalTimeoutMs: 200 });
    expect(await l.locate(NTDLL, 'pdb')).toBeUndefined();
    expect(s.requests).toEqual(['/index2.txt']);
    expect(l.stats.timeouts).toBe(1);
  });

  it('connection refused: no timeout spent, marked down after 3 files', async () => {
    const t = createTcpServer();
    await new Promise<void>((r) => t.listen(0, '127.0.0.1', () => r()));
    const port = (t.address() as AddressInfo).port;
    await new Promise((r) => t.close(r));
    const l = locator(`http://127.0.0.1:${port}/`);
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) await l.locate(mod(i), 'sym');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(l.stats).toMatchObject({ requests: 3, timeouts: 0 });
    expect(l.lookups.find((x) => x.result === 'error')?.reason).toMatch(/ECONNREFUSED/);
  });

  it('a TLS handshake that never completes hits the connect timeout', async () => {
    const sockets: Socket[] = [];
    const t = createTcpServer((c) => {
      // Accepts TCP, reads the ClientHello, never answers it.
      sockets.push(c);
      tcpSockets.push(c);
      c.resume();
    });
    tcp.push(t);
    await new Promise<void>((r) => t.listen(0, '127.0.0.1', () => r()));
    const port = (t.address() as AddressInfo).port;
    const l = locator(`https://127.0.0.1:${port}/`, { connectTimeoutMs: 150, totalTimeoutMs: 10_000 });
    const t0 = Date.now();
    expect(await l.locate(NTDLL, 'sym')).toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(l.lookups.find((x) => x.result === 'error')?.reason).toBe('no connection within 150 ms');
    // Our end of the connection was closed, not left open.
    await new Promise((r) => setTimeout(r, 100));
    expect(sockets.length).toBe(1);
    expect(sockets[0]!.readableEnded || sockets[0]!.destroyed).toBe(true);
  });

  it('garbage with status 200 (an HTML page for a .pdb) is rejected and not cached', async () => {
    const s = await server(undefined);
    s.routes.set(PDB, (_req, res) => void res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!DOCTYPE html><html><body>Sign in</body></html>'));
    const cache = dir('cache');
    const l = locator(`srv*${cache}*${s.url}`);
    expect(await l.locate(NTDLL, 'pdb')).toBeUndefined();
    expect(l.lookups.find((x) => x.result === 'corrupt')).toMatchObject({ location: `${s.url}ntdll.pdb/${ID}/ntdll.pdb`, reason: 'an HTML page, not a PDB' });
    expect(existsSync(join(cache, 'ntdll.pdb', ID, 'ntdll.pdb'))).toBe(false);
    expect(listFiles(cache).every((f) => f.includes('.missing-'))).toBe(true); // no temp file left
    // Not asked for .pd_ or file.ptr after a garbage answer; not asked again by the next locator.
    expect(s.requests).toEqual(['/index2.txt', PDB]);
    const next = locator(`srv*${cache}*${s.url}`);
    expect(await next.locate(NTDLL, 'pdb')).toBeUndefined();
    expect(next.stats.requests).toBe(0);
  });

  it('a truncated body, a .sym of another build, and a body over the limit are refused', async () => {
    const s = await server(undefined);
    s.routes.set(`/m1.pdb/${ID}/m1.sym`, (_req, res) => {
      res.writeHead(200, { 'Content-Length': '5000' });
      res.write(symText(ID, 'm1.pdb'));
      setTimeout(() => res.destroy(), 20);
    });
    s.routes.set(`/m2.pdb/${ID}/m2.sym`, (_req, res) => void res.writeHead(200).end(symText('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1', 'm2.pdb')));
    s.routes.set(`/m3.pdb/${ID}/m3.sym`, (_req, res) => void res.writeHead(200).end(symText(ID, 'm3.pdb') + 'x'.repeat(5000)));
    const cache = dir('cache');
    const l = locator(`srv*${cache}*${s.url}`, { maxFileBytes: 1000 });
    for (const i of [1, 2, 3]) expect(await l.locate(mod(i), 'sym')).toBeUndefined();
    const r = (m: string) => l.lookups.find((x) => x.module === m && x.result !== 'missing');
    expect(r('m1.dll')).toMatchObject({ result: 'rejected', reason: expect.stringMatching(/Content-Length 5000 is over the 1000-byte limit/) });
    expect(r('m2.dll')).toMatchObject({ result: 'mismatch', reason: expect.stringMatching(/MODULE line has debug id A+1; not cached/) });
    expect(r('m3.dll')).toMatchObject({ result: 'rejected', reason: expect.stringMatching(/larger than the 1000-byte limit/) });
    const l2 = locator(`srv*${dir('cache2')}*${s.url}`);
    expect(await l2.locate(mod(1), 'sym')).toBeUndefined();
    expect(l2.lookups.find((x) => x.result === 'corrupt')?.reason).toMatch(/truncated download: connection closed after \d+ of 5000 bytes/);
    expect(listFiles(cache).filter((f) => !f.includes('.missing-'))).toEqual([]);
  });

  it('redirects: followed (bounded), loops and other schemes refused, credentials not sent to another origin', async () => {
    const store = dir('store');
    put(store, SYM, symText(ID, 'ntdll.pdb'));
    const bucket = await server(store);
    const s = await server(undefined);
    s.routes.set(SYM, (_req, res) => void res.writeHead(302, { Location: `${bucket.url}ntdll.pdb/${ID}/ntdll.sym` }).end());
    s.routes.set(`/m1.pdb/${ID}/m1.sym`, (_req, res) => void res.writeHead(302, { Location: '/loop-b' }).end());
    s.routes.set('/loop-b', (_req, res) => void res.writeHead(301, { Location: `/m1.pdb/${ID}/m1.sym` }).end());
    for (let i = 0; i < 10; i++) s.routes.set(`/hop${i}`, (_req, res) => void res.writeHead(307, { Location: `/hop${i + 1}` }).end());
    s.routes.set(`/m2.pdb/${ID}/m2.sym`, (_req, res) => void res.writeHead(302, { Location: '/hop0' }).end());
    s.routes.set(`/m3.pdb/${ID}/m3.sym`, (_req, res) => void res.writeHead(302, { Location: 'file:///etc/passwd' }).end());
    const base = s.url.replace('http://', 'http://user:s3cret@');
    const l = locator(base);
    expect(await l.locate(NTDLL, 'sym')).toMatchObject({ origin: 'download' });
    expect(s.auth).toHaveLength(1);
    expect(bucket.auth).toEqual([]);
    for (const i of [1, 2, 3]) expect(await l.locate(mod(i), 'sym')).toBeUndefined();
    const r = (m: string) => l.lookups.find((x) => x.module === m && x.result === 'rejected')?.reason;
    expect(r('m1.dll')).toBe('redirect loop');
    expect(r('m2.dll')).toBe('more than 5 redirects');
    expect(r('m3.dll')).toMatch(/redirect to a file: URL refused/);
    expect(s.count('/hop5')).toBe(0);
    expect(s.count('/hop4')).toBe(1);
  });
});

describe('offline, credentials, hostile names', () => {
  it('offline: served from the cache filled by an online run, with zero requests', async () => {
    const store = dir('store');
    put(store, SYM, symText(ID, 'ntdll.pdb'));
    put(store, PDB, pdbBytes());
    const s = await server(store);
    const cache = dir('cache');
    const online = locator(`srv*${cache}*${s.url}`);
    await online.locate(NTDLL, 'sym');
    await online.locate(NTDLL, 'pdb');
    const before = s.requests.length;
    const off = locator(`srv*${cache}*${s.url}`, { offline: true });
    expect(await off.locate(NTDLL, 'sym')).toMatchObject({ origin: 'cache' });
    expect(await off.locate(NTDLL, 'pdb')).toMatchObject({ origin: 'cache' });
    expect(await off.locate(mod(1), 'sym')).toBeUndefined();
    expect(s.requests.length).toBe(before);
    expect(off.stats.requests).toBe(0);
    expect(off.lookups.find((x) => x.result === 'offline')).toMatchObject({ module: 'm1.dll', location: s.url });
  });

  it('credentials never appear in lookups, results, progress events or files', async () => {
    const store = dir('store');
    put(store, SYM, symText(ID, 'ntdll.pdb'));
    const s = await server(store);
    const cache = dir('cache');
    const events: LocatorProgress[] = [];
    const l = locator(`srv*${cache}*${s.url.replace('http://', 'http://alice:s3cret@')}`, { onProgress: (e) => events.push(e) });
    const found = await l.locate(NTDLL, 'sym');
    await l.locate(mod(1), 'sym');
    expect(s.auth[0]).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    const shown = JSON.stringify({ found, lookups: l.lookups, events });
    expect(shown).not.toMatch(/s3cret|alice/);
    expect(found!.source).toContain('***@127.0.0.1');
    for (const f of listFiles(cache)) expect(readFileSync(join(cache, f), 'utf8')).not.toMatch(/s3cret/);
  });

  it('hostile module names never reach a URL or a path outside the cache', async () => {
    const s = await server(dir('empty'));
    const cache = dir('cache');
    const l = locator(`srv*${cache}*${s.url}`);
    const names = ['..', '../../etc/passwd', 'a/b/../../c.pdb', 'x\0y.pdb', 'x%2F..%2Fy.pdb', 'a b#c.pdb', 'q?.pdb', 'CON.pdb', 'z.pdb:ads', '\u202e.pdb'];
    for (const n of names) {
      for (const kind of ['sym', 'pdb', 'binary'] as const) await l.locate({ name: n, pdbName: n, debugId: ID, codeId: '5B6DB2F21e7000' }, kind);
    }
    await l.locate({ name: 'ok.dll', pdbName: 'ok.pdb', debugId: '../../../x' }, 'sym');
    for (const r of s.requests) {
      expect(r).not.toMatch(/\/\.\.|%00|%2F|%5C|\\/i);
      expect(r.split('/').filter(Boolean).length === 1 || r.split('/').filter(Boolean).length === 3).toBe(true);
    }
    expect(s.requests).toContain(`/passwd/${ID}/passwd.sym`); // cut to its last component, like store.ts
    expect(s.requests).toContain(`/a%20b%23c.pdb/${ID}/a%20b%23c.sym`);
    expect(s.requests.some((r) => r.includes('q'))).toBe(false); // ? is not a Windows file name character
    for (const f of listFiles(cache)) expect(f.split('/')[0]).not.toMatch(/^\.\.|\0/);
  });
});
