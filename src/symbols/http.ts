// One HTTP(S) GET of a symbol file into a local file, with node:http/node:https only.
//
// The server is hostile, or merely broken. So:
// - a connect timeout (DNS, TCP, TLS handshake of a new socket) and a total timeout for the
//   whole request, redirects and body included: a server that accepts and never answers costs
//   one total timeout, a dead one one connect timeout;
// - redirects followed only to http/https, at most maxRedirects, a loop is refused; credentials
//   (user:pass@) go only to the origin they were written for (as curl and browsers do);
// - the body streams to the destination file and is never held in memory; its size is bounded
//   (Content-Length checked first, then the bytes as they arrive, after gzip decoding: a gzip
//   bomb stops at the limit); Content-Encoding other than gzip/identity is refused;
// - the first bytes are checked against the file's signature as they arrive (sniff), so an
//   HTML error page served with 200 is dropped after its first packet;
// - a body shorter than its Content-Length, a connection closed mid-body, a truncated gzip
//   stream: 'corrupt' (truncated), never a file.
// The caller owns the destination: it is created only for a 200 and left for the caller to
// rename or delete.

import http from 'node:http';
import https from 'node:https';
import { createWriteStream } from 'node:fs';
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { SNIFF_BYTES } from './verify.js';

export type HttpOutcome =
  | { type: 'ok'; bytes: number; rawBytes: number; finalUrl: URL; redirects: number }
  | { type: 'missing'; status: number }
  | { type: 'http-error'; status: number; serverFault: boolean }
  | { type: 'timeout'; phase: 'connect' | 'total'; rawBytes: number }
  | { type: 'network'; code: string; reason: string }
  | { type: 'rejected'; reason: string; rawBytes: number }
  | { type: 'corrupt'; reason: string; rawBytes: number }
  | { type: 'local-error'; reason: string };

export interface HttpGetOptions {
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  userAgent: string;
  agents: { http: http.Agent; https: https.Agent };
  /** Read the body (bounded, sniffed) but keep none of it: `dest` is ignored. */
  discard?: boolean;
  /** Each request sent (redirect hops included). */
  onRequest?: (url: URL) => void;
  /** Body bytes received so far (on the wire) and the size announced, if any. */
  onBytes?: (rawBytes: number, expected: number | undefined) => void;
  /** Why the body's first bytes cannot be the file, or undefined. */
  sniff?: (head: Uint8Array) => string | undefined;
}

/** A Location header longer than this is not a URL we follow. */
const MAX_LOCATION_CHARS = 8192;
/** A 404's body is read (keeping the connection) only when announced at most this long. */
const MAX_DRAIN_BYTES = 16 * 1024;

class StopError extends Error {
  constructor(
    readonly outcome: 'rejected' | 'corrupt',
    message: string,
  ) {
    super(message);
  }
}

/** Counts and bounds the decoded bytes and sniffs the first ones. */
class Guard extends Transform {
  bytes = 0;
  private head: Buffer[] = [];
  private headBytes = 0;
  private sniffed = false;

  constructor(
    private readonly maxBytes: number,
    private readonly check: ((head: Uint8Array) => string | undefined) | undefined,
  ) {
    super();
  }

  private runSniff(): Error | undefined {
    this.sniffed = true;
    const why = this.check?.(Buffer.concat(this.head).subarray(0, SNIFF_BYTES));
    this.head = [];
    return why === undefined ? undefined : new StopError('corrupt', why);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return cb(new StopError('rejected', `larger than the ${this.maxBytes}-byte limit`));
    if (!this.sniffed) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes >= SNIFF_BYTES) {
        const e = this.runSniff();
        if (e) return cb(e);
      }
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    cb(this.sniffed ? null : (this.runSniff() ?? null));
  }
}

function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException | undefined)?.code ?? 'ERROR';
}

/** `message` with the URL's password and user name (if any) blanked. */
function scrub(message: string, url: URL): string {
  let m = message;
  for (const secret of [url.password, url.username]) if (secret !== '') m = m.split(secret).join('***');
  try {
    for (const secret of [decodeURIComponent(url.password), decodeURIComponent(url.username)]) if (secret !== '') m = m.split(secret).join('***');
  } catch {
    // a malformed escape: the raw forms were scrubbed above
  }
  return m;
}

type Hop = { type: 'redirect'; location: string } | Exclude<HttpOutcome, { type: 'ok' }> | { type: 'ok'; bytes: number; rawBytes: number };

function requestOnce(url: URL, dest: string, o: HttpGetOptions, deadline: number): Promise<Hop> {
  return new Promise<Hop>((resolve) => {
    let settled = false;
    let timedOut: 'connect' | 'total' | undefined;
    let rawBytes = 0;
    let streaming = false;
    let connectTimer: NodeJS.Timeout | undefined;
    let res: http.IncomingMessage | undefined;
    const finish = (h: Hop) => {
      if (settled) return;
      settled = true;
      clearTimeout(totalTimer);
      clearTimeout(connectTimer);
      resolve(h);
    };
    const https_ = url.protocol === 'https:';
    const req = (https_ ? https : http).request(url, {
      method: 'GET',
      agent: https_ ? o.agents.https : o.agents.http,
      headers: { 'User-Agent': o.userAgent, 'Accept-Encoding': 'gzip', Accept: '*/*' },
    });
    o.onRequest?.(url);
    const stop = (phase: 'connect' | 'total') => {
      timedOut = phase;
      req.destroy();
      res?.destroy();
      // With a body streaming, the pipeline's rejection reports the timeout once the file is
      // closed; otherwise nothing else will.
      if (!streaming) setImmediate(() => finish({ type: 'timeout', phase, rawBytes }));
    };
    const totalTimer = setTimeout(() => stop('total'), Math.max(0, deadline - Date.now()));
    req.on('socket', (s) => {
      // A new socket is still connecting; a kept-alive one is not and gets no connect timer.
      if (!s.connecting) return;
      connectTimer = setTimeout(() => stop('connect'), o.connectTimeoutMs);
      s.once(https_ ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    req.on('error', (e) => {
      if (timedOut) return finish({ type: 'timeout', phase: timedOut, rawBytes });
      if (streaming) return; // the pipeline reports it
      finish({ type: 'network', code: errnoOf(e), reason: scrub(`${errnoOf(e)}: ${e.message}`, url) });
    });
    req.on('response', (r) => {
      res = r;
      const status = r.statusCode ?? 0;
      r.on('error', () => undefined); // reported through the pipeline or the request
      if ([301, 302, 303, 307, 308].includes(status)) {
        const location = r.headers.location;
        r.destroy();
        if (location === undefined || location === '') return finish({ type: 'http-error', status, serverFault: false });
        if (location.length > MAX_LOCATION_CHARS) return finish({ type: 'rejected', reason: `redirect Location over ${MAX_LOCATION_CHARS} characters`, rawBytes });
        return finish({ type: 'redirect', location });
      }
      if (status !== 200) {
        const h: Hop = status === 404 || status === 410 ? { type: 'missing', status } : { type: 'http-error', status, serverFault: status >= 500 };
        const announced = Number(r.headers['content-length']);
        if (Number.isFinite(announced) && announced <= MAX_DRAIN_BYTES) {
          // A short error body: read it so the kept-alive connection can serve the next file.
          r.resume();
          r.on('end', () => finish(h));
          r.on('close', () => finish(h));
        } else {
          r.destroy();
          finish(h);
        }
        return;
      }
      const encoding = String(r.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
      if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') {
        r.destroy();
        return finish({ type: 'rejected', reason: `unsupported Content-Encoding "${encoding.slice(0, 40)}"`, rawBytes });
      }
      const gzip = encoding !== 'identity';
      const lengthHeader = r.headers['content-length'];
      const expected = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
      if (expected !== undefined && expected > o.maxBytes) {
        r.destroy();
        return finish({ type: 'rejected', reason: `Content-Length ${expected} is over the ${o.maxBytes}-byte limit`, rawBytes });
      }
      streaming = true;
      r.on('data', (c: Buffer) => {
        rawBytes += c.length;
        o.onBytes?.(rawBytes, expected);
      });
      const guard = new Guard(o.maxBytes, o.sniff);
      const out = o.discard ? new Writable({ write: (_c, _e, cb) => cb() }) : createWriteStream(dest, { flags: 'wx' });
      const piped = gzip ? pipeline(r, createGunzip(), guard, out) : pipeline(r, guard, out);
      // The file stream opens its file asynchronously: a pipeline that fails first (a body over
      // the limit at its first chunk) must wait for it to close, or the caller's removal of the
      // temporary file runs before the file exists and leaves it behind in the cache.
      const outClosed = (): Promise<void> => (o.discard || out.closed ? Promise.resolve() : new Promise<void>((res) => out.once('close', () => res())));
      const stages = piped.then(
        () => undefined,
        async (e: unknown) => {
          await outClosed();
          throw e;
        },
      );
      stages.then(
        () => {
          if (!gzip && expected !== undefined && rawBytes !== expected) {
            return finish({ type: 'corrupt', reason: `truncated download: ${rawBytes} of ${expected} bytes`, rawBytes });
          }
          finish({ type: 'ok', bytes: guard.bytes, rawBytes });
        },
        (e: unknown) => {
          if (timedOut) return finish({ type: 'timeout', phase: timedOut, rawBytes });
          if (e instanceof StopError) return finish({ type: e.outcome, reason: e.message, rawBytes });
          const code = errnoOf(e);
          if ((e as { errno?: number }).errno !== undefined && /^(ENOSPC|EACCES|EPERM|EROFS|EEXIST|EDQUOT|EISDIR|ENOENT)$/.test(code)) {
            return finish({ type: 'local-error', reason: `cannot write the download (${code})` });
          }
          if (code.startsWith('Z_') || code === 'ERR_ZLIB_INITIALIZATION_FAILED') return finish({ type: 'corrupt', reason: `bad gzip body: ${(e as Error).message}`, rawBytes });
          const of = expected !== undefined ? ` of ${expected}` : '';
          finish({ type: 'corrupt', reason: `truncated download: connection closed after ${rawBytes}${of} bytes`, rawBytes });
        },
      );
    });
    req.end();
  });
}

/** The URL as a key for loop detection: no credentials, no fragment. */
function hopKey(u: URL): string {
  const k = new URL(u.href);
  k.username = '';
  k.password = '';
  k.hash = '';
  return k.href;
}

/** GET `url` into `dest` (created only for a 200), following redirects within the options' bounds. */
export async function httpGetToFile(url: URL, dest: string, o: HttpGetOptions): Promise<HttpOutcome> {
  const deadline = Date.now() + o.totalTimeoutMs;
  const seen = new Set([hopKey(url)]);
  let current = url;
  for (let redirects = 0; ; redirects++) {
    const hop = await requestOnce(current, dest, o, deadline);
    if (hop.type === 'ok') return { ...hop, finalUrl: current, redirects };
    if (hop.type !== 'redirect') return hop;
    if (redirects >= o.maxRedirects) return { type: 'rejected', reason: `more than ${o.maxRedirects} redirects`, rawBytes: 0 };
    let next: URL;
    try {
      next = new URL(hop.location, current);
    } catch {
      return { type: 'rejected', reason: 'redirect to an invalid URL', rawBytes: 0 };
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return { type: 'rejected', reason: `redirect to a ${next.protocol.slice(0, 20)} URL refused (http and https only)`, rawBytes: 0 };
    next.hash = '';
    if (next.origin !== current.origin) {
      // Credentials stay with the origin they were written for.
      next.username = '';
      next.password = '';
    } else if (next.username === '' && next.password === '') {
      next.username = current.username;
      next.password = current.password;
    }
    const key = hopKey(next);
    if (seen.has(key)) return { type: 'rejected', reason: 'redirect loop', rawBytes: 0 };
    seen.add(key);
    current = next;
  }
}
