// Shared by the symbol locator tests: tiny symbol files, a CAB builder (MSZIP via node:zlib),
// temp stores, and a local HTTP symbol server on 127.0.0.1 (no other network here).

import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';

export const NTDLL = { name: 'ntdll.dll', pdbName: 'ntdll.pdb', debugId: '1EB9FACB04C73C5DEA7160764CD333D01', codeId: '5B6DB2F21e7000' };
export const NTDLL_STAMP = { timeDateStamp: 0x5b6db2f2, sizeOfImage: 0x1e7000 };

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `dt-sym-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function put(root: string, rel: string, content: string | Uint8Array): string {
  const path = join(root, ...rel.split('/'));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** Every file under `dir`, relative, with `/` separators. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

export function symText(debugId: string, name: string): string {
  return `MODULE windows x86_64 ${debugId} ${name}\nFUNC 1000 10 0 f\n`;
}

/** A file that passes the PDB signature check: the MSF 7.00 superblock magic and some bytes. */
export function pdbBytes(fill = 0x11, size = 4096): Buffer {
  const b = Buffer.alloc(size, fill);
  Buffer.from('Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0', 'latin1').copy(b, 0);
  return b;
}

/** A minimal PE32+ header with the given TimeDateStamp and SizeOfImage. */
export function peBytes(timeDateStamp: number, sizeOfImage: number): Buffer {
  const b = Buffer.alloc(0x80 + 0x18 + 0xf0);
  b.writeUInt16LE(0x5a4d, 0);
  b.writeUInt32LE(0x80, 0x3c);
  b.writeUInt32LE(0x4550, 0x80);
  b.writeUInt16LE(0x8664, 0x84);
  b.writeUInt32LE(timeDateStamp, 0x88);
  b.writeUInt16LE(0xf0, 0x94);
  b.writeUInt16LE(0x20b, 0x98);
  b.writeUInt32LE(sizeOfImage, 0x98 + 0x38);
  return b;
}

/**
 * A one-file CAB. MSZIP: 32 KiB blocks, each `CK` + raw deflate compressed with the previous
 * 32 KiB as its dictionary (as makecab does); 'stored': blocks copied; 'lzx': the header only.
 */
export function buildCab(name: string, data: Buffer, type: 'mszip' | 'stored' | 'lzx' = 'mszip'): Buffer {
  const blocks: Buffer[] = [];
  const typeCompress = type === 'mszip' ? 1 : type === 'stored' ? 0 : 3 | (21 << 8);
  for (let off = 0; off < data.length || (off === 0 && data.length === 0); off += 32768) {
    const chunk = data.subarray(off, off + 32768);
    let payload: Buffer;
    if (type === 'mszip') {
      const dict = data.subarray(Math.max(0, off - 32768), off);
      payload = Buffer.concat([Buffer.from('CK'), dict.length ? deflateRawSync(chunk, { dictionary: dict }) : deflateRawSync(chunk)]);
    } else payload = chunk;
    const h = Buffer.alloc(8);
    h.writeUInt32LE(0, 0);
    h.writeUInt16LE(payload.length, 4);
    h.writeUInt16LE(chunk.length, 6);
    blocks.push(h, payload);
    if (data.length === 0) break;
  }
  const nameBytes = Buffer.from(`${name}\0`, 'latin1');
  const headerSize = 36;
  const folderSize = 8;
  const coffFiles = headerSize + folderSize;
  const fileEntry = Buffer.alloc(16);
  fileEntry.writeUInt32LE(data.length, 0);
  fileEntry.writeUInt32LE(0, 4);
  fileEntry.writeUInt16LE(0, 8);
  const dataStart = coffFiles + 16 + nameBytes.length;
  const body = Buffer.concat(blocks);
  const header = Buffer.alloc(headerSize);
  header.write('MSCF', 0, 'latin1');
  header.writeUInt32LE(dataStart + body.length, 8);
  header.writeUInt32LE(coffFiles, 16);
  header[24] = 3;
  header[25] = 1;
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(1, 28);
  const folder = Buffer.alloc(folderSize);
  folder.writeUInt32LE(dataStart, 0);
  folder.writeUInt16LE(blocks.length / 2, 4);
  folder.writeUInt16LE(typeCompress, 6);
  return Buffer.concat([header, folder, fileEntry, nameBytes, body]);
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | 'next';

export interface TestServer {
  url: string;
  /** Paths requested, in order (decoded as sent). */
  requests: string[];
  /** Authorization headers seen. */
  auth: string[];
  count(path: string): number;
  /** Special answers by path (checked before the store). */
  routes: Map<string, Handler>;
  /** Gzip bodies when the client accepts it. */
  gzip: boolean;
  close(): Promise<void>;
}

/** An HTTP symbol server over the store directory `root` (404 for what it lacks). */
export async function startServer(root: string | undefined): Promise<TestServer> {
  const requests: string[] = [];
  const auth: string[] = [];
  const routes = new Map<string, Handler>();
  const state = { gzip: false };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push(path);
    if (req.headers.authorization) auth.push(req.headers.authorization);
    const special = routes.get(path);
    if (special && special(req, res) !== 'next') return;
    if (!root) {
      res.writeHead(404).end();
      return;
    }
    const rel = decodeURIComponent(path).replace(/^\/+/, '');
    const file = join(root, ...rel.split('/'));
    let size = -1;
    try {
      const st = statSync(file);
      if (st.isFile()) size = st.size;
    } catch {
      // 404 below
    }
    if (size < 0 || relative(root, file).startsWith('..')) {
      res.writeHead(404, { 'Content-Type': 'text/html', 'Content-Length': '9' }).end('not found');
      return;
    }
    if (state.gzip && /gzip/.test(String(req.headers['accept-encoding']))) {
      const chunks: Buffer[] = [];
      createReadStream(file)
        .on('data', (c) => chunks.push(c as Buffer))
        .on('end', () => {
          const body = gzipSync(Buffer.concat(chunks));
          res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': String(body.length) }).end(body);
        });
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    auth,
    routes,
    get gzip() {
      return state.gzip;
    },
    set gzip(v: boolean) {
      state.gzip = v;
    },
    count: (p: string) => requests.filter((r) => r === p).length,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
