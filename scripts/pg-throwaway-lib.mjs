// Throwaway PostgreSQL clusters for the tests and the benches (issue 15): initdb into a fresh temp
// dir, the server on a free port of 127.0.0.1 (socket in the temp dir, trust auth, no fsync), and
// stop() shuts it down and deletes the dir. Shared by test/helpers/postgres.ts (types in
// pg-throwaway-lib.d.mts) and the CLI scripts/pg-throwaway.mjs; plain JS so both run it as is.
//
// The binaries come from scripts/ensure-postgres.sh (apt-get when missing, where it can). initdb
// and postgres refuse to run as root: as root every server-side command runs as the `postgres` OS
// user (created by Debian's package) through setpriv (runuser when setpriv is missing).
//
// The server is started directly (`postgres -D data -p PORT`), not through `pg_ctl start`, so that
// it is our child and `setpriv --pdeathsig=SIGQUIT` can tie it to us: when the test process dies,
// even by SIGKILL, the kernel sends the server SIGQUIT (immediate shutdown). Hooks on 'exit' and
// SIGTERM stop the clusters still running and delete their dirs (see `live`). Readiness is read
// from postmaster.pid, as `pg_ctl start -w` does; stop() and restart() go through `pg_ctl stop`.

import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, appendFileSync, writeFileSync, chownSync, fstatSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENSURE_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'ensure-postgres.sh');
/** File that marks a dir as one of ours (`stopDir` deletes nothing else). */
const MARKER = '.dt-pg-throwaway';
const HOST = '127.0.0.1';
const SUPERUSER = 'postgres';

/** Server settings written to postgresql.conf; `opts.settings` adds to or overrides them. */
export const DEFAULT_SETTINGS = Object.freeze({
  listen_addresses: HOST,
  max_connections: 100,
  shared_buffers: '32MB',
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
});

/**
 * @typedef {{ code: number | null, signal: string | null, stdout: string, stderr: string, timedOut: boolean }} RunResult
 */

/**
 * Runs a command to completion, never longer than `timeoutMs` (then SIGKILL).
 * @param {string} cmd @param {string[]} args
 * @param {{ timeoutMs: number, cwd?: string, env?: NodeJS.ProcessEnv }} o
 * @returns {Promise<RunResult>}
 */
function run(cmd, args, o) {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: o.cwd, env: o.env ?? cleanEnv(), timeout: o.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      const e = /** @type {(Error & { code?: number | string, signal?: string, killed?: boolean }) | null} */ (err);
      resolve({
        code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
        signal: e?.signal ?? null,
        stdout: String(stdout),
        stderr: String(stderr) || (e && typeof e.code === 'string' ? e.message : ''),
        timedOut: Boolean(e?.killed && e.signal === 'SIGKILL'),
      });
    });
  });
}

/** The environment without PG* variables (PGDATA, PGOPTIONS, PGSERVICE... would steer our commands). */
function cleanEnv() {
  /** @type {NodeJS.ProcessEnv} */
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  env.LC_ALL = 'C';
  return env;
}

/** @param {RunResult} r @param {string} what */
function failure(r, what) {
  const how = r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
  return `${what} failed (${how}): ${tail(r.stderr || r.stdout, 1500)}`;
}

/** @param {string} s @param {number} n */
function tail(s, n) {
  const t = s.trim();
  return t.length > n ? `...${t.slice(-n)}` : t;
}

/** @param {string} file @param {number} n */
function fileTail(file, n = 2000) {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const len = Math.min(size, n);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      return buf.toString('utf8').trim();
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    return `(no log: ${/** @type {Error} */ (e).message})`;
  }
}

/** @param {string} name */
function onPath(name) {
  for (const d of (process.env.PATH ?? '').split(delimiter)) if (d && existsSync(join(d, name))) return join(d, name);
  return undefined;
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @type {Promise<{ binDir: string } | { why: string }> | undefined} */
let ensured;

/**
 * Where initdb, pg_ctl and postgres are: scripts/ensure-postgres.sh, which installs Debian's
 * package when they are missing and it can. Asked once per process.
 * @returns {Promise<{ binDir: string } | { why: string }>}
 */
export function ensurePostgres() {
  ensured ??= run('bash', [ENSURE_SCRIPT], { timeoutMs: 600_000, env: process.env }).then((r) => {
    const binDir = r.stdout.trim().split('\n').pop();
    if (r.code === 0 && binDir) return { binDir };
    return { why: r.code === 0 ? 'ensure-postgres.sh printed no directory' : tail(r.stderr, 1500) || failure(r, 'ensure-postgres.sh') };
  });
  return ensured;
}

/**
 * How to run server-side commands: as ourselves, or as root as the `postgres` OS user.
 * @typedef {{ uid: number, gid: number, wrap: (cmd: string, args: string[], o?: { pdeathsig?: boolean }) => [string, string[]] }} Runner
 */

/** @returns {Promise<Runner | { why: string }>} */
async function runner() {
  const setpriv = onPath('setpriv');
  if (process.getuid?.() !== 0) {
    return {
      uid: -1,
      gid: -1,
      wrap: (cmd, args, o) => (o?.pdeathsig && setpriv ? [setpriv, ['--pdeathsig=SIGQUIT', '--', cmd, ...args]] : [cmd, args]),
    };
  }
  const u = await run('id', ['-u', SUPERUSER], { timeoutMs: 10_000 });
  const g = await run('id', ['-g', SUPERUSER], { timeoutMs: 10_000 });
  if (u.code !== 0 || g.code !== 0) return { why: `running as root and there is no '${SUPERUSER}' OS user to run initdb/postgres as (Debian's postgresql package creates it): ${tail(u.stderr, 300)}` };
  const runuser = onPath('runuser');
  if (!setpriv && !runuser) return { why: 'running as root and neither setpriv nor runuser (util-linux) is available to drop to the postgres user' };
  return {
    uid: Number(u.stdout),
    gid: Number(g.stdout),
    wrap: (cmd, args, o) =>
      setpriv
        ? [setpriv, [`--reuid=${SUPERUSER}`, `--regid=${SUPERUSER}`, '--init-groups', ...(o?.pdeathsig ? ['--pdeathsig=SIGQUIT'] : []), '--', cmd, ...args]]
        : [/** @type {string} */ (runuser), ['-u', SUPERUSER, '--', cmd, ...args]],
  };
}

/** A port that was free on 127.0.0.1 a moment ago (the server may still lose a race for it: we retry). */
function freePort() {
  return /** @type {Promise<number>} */ (
    new Promise((resolve, reject) => {
      const s = createServer();
      s.unref();
      s.on('error', reject);
      s.listen(0, HOST, () => {
        const a = s.address();
        s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
      });
    })
  );
}

/** @param {string | number | boolean} v */
function confValue(v) {
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : `'${String(v).replace(/'/g, "''")}'`;
}

/**
 * Clusters still running. On a normal exit the 'exit' hook stops them. Vitest ends its fork
 * workers with SIGTERM (and SIGKILL 500 ms later), which skips 'exit' hooks: while a cluster runs
 * we also listen for SIGTERM, stop them, and then die of the signal as we would have (unless
 * someone else listens too, like scripts/pg-throwaway.mjs). On SIGKILL, the server still gets
 * SIGQUIT from the kernel (--pdeathsig) and the next start sweeps the dir (sweepLeftovers).
 * @type {Set<{ emergencyStop: () => void }>}
 */
const live = new Set();
let exitHooked = false;
function onExit() {
  for (const c of live) c.emergencyStop();
  live.clear();
}
function onSigterm() {
  onExit();
  process.off('SIGTERM', onSigterm);
  if (process.listenerCount('SIGTERM') === 0) process.kill(process.pid, 'SIGTERM');
}
/** @param {{ emergencyStop: () => void }} c */
function track(c) {
  live.add(c);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', onExit);
  }
  if (!process.listeners('SIGTERM').includes(onSigterm)) process.on('SIGTERM', onSigterm);
}
/** @param {{ emergencyStop: () => void }} c */
function untrack(c) {
  live.delete(c);
  if (live.size === 0) process.off('SIGTERM', onSigterm);
}

/** Sleeps synchronously (exit and signal hooks cannot await). @param {number} ms */
function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** @param {number} pid */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return /** @type {NodeJS.ErrnoException} */ (e).code === 'EPERM';
  }
}

/**
 * Deletes the dirs of clusters whose creating process died without stopping them (SIGKILL: the
 * server got SIGQUIT from the kernel, but nobody deleted the ~40 MB dir): the marker names the
 * creating process; a dir is left alone while it or a server in it is alive.
 * @param {string} root
 */
function sweepLeftovers(root) {
  let names;
  try {
    names = readdirSync(root).filter((n) => n.startsWith('dt-pg-'));
  } catch {
    return; // An unreadable tmp dir: mkdtemp will say what is wrong.
  }
  for (const n of names) {
    const dir = join(root, n);
    const pidOf = (/** @type {string} */ f) => {
      try {
        return Number(readFileSync(join(dir, f), 'utf8').split('\n')[0]) || 0;
      } catch {
        return 0;
      }
    };
    const owner = pidOf(MARKER);
    if (!owner || isAlive(owner)) continue;
    const server = pidOf(join('data', 'postmaster.pid'));
    if (server && isAlive(server)) continue;
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** @param {string} name */
function checkDatabaseName(name) {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`database name ${JSON.stringify(name)}: use letters, digits and _ (at most 63)`);
}

/**
 * Starts a throwaway cluster. Never throws for an environment problem: returns `{ why }` (with
 * the command's stderr or the server log's tail) when PostgreSQL is missing or cannot start.
 * @param {import('./pg-throwaway-lib.d.mts').StartPostgresOptions} [opts]
 * @returns {Promise<import('./pg-throwaway-lib.d.mts').PgCluster | { why: string }>}
 */
export async function startPostgres(opts = {}) {
  const t0 = performance.now();
  let binDir = opts.binDir;
  if (!binDir) {
    const found = await ensurePostgres();
    if ('why' in found) return found;
    binDir = found.binDir;
  }
  const ensureMs = performance.now() - t0;
  for (const b of ['initdb', 'pg_ctl', 'postgres']) if (!existsSync(join(binDir, b))) return { why: `${join(binDir, b)} not found` };
  const who = await runner();
  if ('why' in who) return who;

  const tmpRoot = opts.tmpRoot ?? tmpdir();
  sweepLeftovers(tmpRoot);
  const dir = mkdtempSync(join(tmpRoot, 'dt-pg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  writeFileSync(join(dir, MARKER), `${process.pid}\n`);
  const removeDir = () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  if (who.uid >= 0) chownSync(dir, who.uid, who.gid);

  const ti = performance.now();
  const initdb = await run(
    ...who.wrap(join(binDir, 'initdb'), ['-D', dataDir, `--username=${SUPERUSER}`, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']),
    { timeoutMs: opts.initdbTimeoutMs ?? 120_000, cwd: dir },
  );
  if (initdb.code !== 0) {
    removeDir();
    const hint = who.uid >= 0 && /Permission denied/.test(initdb.stderr) ? ` (the ${SUPERUSER} user must reach ${tmpRoot}: set TMPDIR or tmpRoot to a dir like /tmp)` : '';
    return { why: failure(initdb, `initdb (as ${who.uid >= 0 ? SUPERUSER : 'this user'}, into ${dataDir})`) + hint };
  }
  const initdbMs = performance.now() - ti;
  /** @type {Record<string, string | number | boolean>} */
  const settings = { ...DEFAULT_SETTINGS, unix_socket_directories: dir, ...opts.settings };
  appendFileSync(join(dataDir, 'postgresql.conf'), `\n# throwaway cluster (dumptriage scripts/pg-throwaway-lib.mjs)\n${Object.entries(settings).map(([k, v]) => `${k} = ${confValue(v)}`).join('\n')}\n`);

  const startTimeoutMs = opts.startTimeoutMs ?? 30_000;
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let server;
  /** @type {Promise<void>} */
  let serverExited = Promise.resolve();
  let port = 0;

  /**
   * Starts the server on `port` and waits until postmaster.pid says "ready".
   * @returns {Promise<string | undefined>} why it failed
   */
  const launch = async () => {
    const logFd = openSync(logFile, 'a');
    let child;
    try {
      child = spawn(...who.wrap(join(binDir, 'postgres'), ['-D', dataDir, '-p', String(port)], { pdeathsig: true }), {
        cwd: dir,
        env: cleanEnv(),
        stdio: ['ignore', logFd, logFd],
      });
    } finally {
      closeSync(logFd);
    }
    child.unref();
    server = child;
    /** @type {{ code: number | null, signal: string | null } | undefined} */
    let exit;
    serverExited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        resolve();
      });
      child.once('error', (e) => {
        exit = { code: null, signal: e.message };
        resolve();
      });
    });
    const pidFile = join(dataDir, 'postmaster.pid');
    const deadline = performance.now() + startTimeoutMs;
    for (;;) {
      if (exit) return `postgres exited (${exit.signal ?? `exit ${exit.code}`}) while starting on port ${port}: ${fileTail(logFile)}`;
      let lines = /** @type {string[]} */ ([]);
      try {
        lines = readFileSync(pidFile, 'utf8').split('\n');
      } catch (e) {
        if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'ENOENT') return `reading ${pidFile}: ${/** @type {Error} */ (e).message}`;
      }
      // postmaster.pid: 1 pid, 4 port, 8 status ("starting", "ready", ...). With runuser the pid is not our child's.
      if (lines[7]?.trim() === 'ready' && lines[3]?.trim() === String(port)) return undefined;
      if (performance.now() > deadline) {
        child.kill('SIGKILL');
        return `postgres not ready after ${startTimeoutMs} ms on port ${port}: ${fileTail(logFile)}`;
      }
      await sleep(20);
    }
  };

  const ts = performance.now();
  let why;
  for (let attempt = 0; attempt < 5; attempt++) {
    port = opts.port ?? (await freePort());
    why = await launch();
    if (!why) break;
    await Promise.race([serverExited, sleep(5000)]);
    // Lost the race for the port to another process: take another one.
    if (!/already in use|could not create any TCP\/IP sockets/i.test(why) || opts.port) break;
  }
  if (why) {
    removeDir();
    return { why };
  }
  const startMs = performance.now() - ts;

  /** @param {'immediate' | 'fast'} mode */
  const pgCtlStop = (mode) => run(...who.wrap(join(binDir, 'pg_ctl'), ['-D', dataDir, '-m', mode, '-w', '-t', '30', 'stop']), { timeoutMs: 40_000, cwd: dir });
  /** After pg_ctl stop: the server process is gone (reaped), or we kill it. */
  const awaitServerExit = async () => {
    const s = server;
    if (!s || s.exitCode !== null || s.signalCode !== null) return;
    s.ref();
    const gone = await Promise.race([serverExited.then(() => true), sleep(5000).then(() => false)]);
    if (!gone) s.kill('SIGKILL');
    s.unref();
  };

  let stopped = false;
  const entry = {
    // What `pg_ctl stop -m immediate -w` does, without spawning it (that takes 100-400 ms, and
    // vitest allows a SIGTERMed worker 500): SIGQUIT to the postmaster, wait for its pid file to go.
    emergencyStop() {
      if (stopped) return;
      stopped = true;
      const pidFile = join(dataDir, 'postmaster.pid');
      let pid = server?.pid;
      try {
        pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]) || pid;
      } catch {
        pid = undefined; // No pid file: no server.
      }
      try {
        if (pid) process.kill(pid, 'SIGQUIT');
      } catch {
        // Already gone.
      }
      for (let waited = 0; waited < 400 && existsSync(pidFile); waited += 10) sleepSync(10);
      try {
        removeDir();
      } catch {
        // Best effort while exiting: nothing left to report to; the next start sweeps it.
      }
    },
  };
  track(entry);

  const url = (/** @type {string} */ database) => `postgres://${SUPERUSER}@${HOST}:${port}/${encodeURIComponent(database)}`;
  const psql = existsSync(join(binDir, 'psql')) ? join(binDir, 'psql') : 'psql';

  /** @type {import('./pg-throwaway-lib.d.mts').PgCluster} */
  const cluster = {
    get url() {
      return url('postgres');
    },
    host: HOST,
    get port() {
      return port;
    },
    user: SUPERUSER,
    database: 'postgres',
    binDir,
    dir,
    dataDir,
    logFile,
    timings: { ensureMs, initdbMs, startMs },
    get exited() {
      return serverExited;
    },
    urlFor: url,
    async sql(query, o = {}) {
      const r = await run(psql, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', HOST, '-p', String(port), '-U', SUPERUSER, '-d', o.database ?? 'postgres', '-c', query], {
        timeoutMs: o.timeoutMs ?? 60_000,
      });
      if (r.code !== 0) throw new Error(failure(r, `psql -c ${JSON.stringify(query.slice(0, 200))}`));
      return r.stdout.replace(/\n$/, '');
    },
    async createDatabase(name) {
      checkDatabaseName(name);
      await cluster.sql(`CREATE DATABASE "${name}"`);
      return url(name);
    },
    async restart() {
      if (stopped) throw new Error('restart: the cluster is stopped');
      const r = await pgCtlStop('fast');
      if (r.code !== 0) throw new Error(failure(r, 'pg_ctl stop -m fast'));
      await awaitServerExit();
      const w = await launch();
      if (w) throw new Error(`restart: ${w}`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      untrack(entry);
      const running = server && server.exitCode === null && server.signalCode === null;
      const r = running ? await pgCtlStop('immediate') : undefined;
      await awaitServerExit();
      removeDir();
      if (r && r.code !== 0 && !/Is server running\?/.test(r.stderr)) throw new Error(failure(r, 'pg_ctl stop -m immediate'));
    },
  };
  return cluster;
}

/**
 * Stops the cluster in `dir` (made by startPostgres, in this or another process) and deletes the dir.
 * Refuses a dir without our marker file.
 * @param {string} dir
 * @param {{ binDir?: string }} [opts]
 * @returns {Promise<void>}
 */
export async function stopDir(dir, opts = {}) {
  if (!existsSync(join(dir, MARKER))) throw new Error(`${dir} is not a throwaway cluster dir (no ${MARKER})`);
  const dataDir = join(dir, 'data');
  if (existsSync(join(dataDir, 'postmaster.pid'))) {
    let binDir = opts.binDir;
    if (!binDir) {
      const found = await ensurePostgres();
      if ('why' in found) throw new Error(found.why);
      binDir = found.binDir;
    }
    const who = await runner();
    if ('why' in who) throw new Error(who.why);
    const r = await run(...who.wrap(join(binDir, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']), { timeoutMs: 40_000, cwd: dir });
    // The dir may vanish meanwhile: the process that started the cluster deletes it when the server exits.
    if (r.code !== 0 && !/Is server running\?/.test(r.stderr) && existsSync(dataDir)) throw new Error(failure(r, 'pg_ctl stop'));
  }
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
