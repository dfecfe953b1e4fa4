#!/usr/bin/env node
// A throwaway PostgreSQL for a human or a bench (the tests use test/helpers/postgres.ts):
//
//   node scripts/pg-throwaway.mjs start      prints DATABASE_URL=... and PG_THROWAWAY_DIR=..., then
//                                            stays up until Ctrl-C / SIGTERM (or `stop DIR`)
//   node scripts/pg-throwaway.mjs stop DIR   stops the cluster in DIR and deletes DIR
//
// initdb in a temp dir, a free port on 127.0.0.1, trust auth, no fsync: scripts/pg-throwaway-lib.mjs.
// The server dies with this process, even on SIGKILL (then only the temp dir is left behind, and
// the next start deletes it).
import { startPostgres, stopDir } from './pg-throwaway-lib.mjs';

const [cmd, arg] = process.argv.slice(2);

if (cmd === 'start') {
  const pg = await startPostgres();
  if ('why' in pg) {
    console.error(`pg-throwaway: cannot start PostgreSQL: ${pg.why}`);
    process.exit(1);
  }
  const { ensureMs, initdbMs, startMs } = pg.timings;
  console.log(`DATABASE_URL=${pg.url}`);
  console.log(`PG_THROWAWAY_DIR=${pg.dir}`);
  console.error(`pg-throwaway: up in ${Math.round(ensureMs + initdbMs + startMs)} ms (initdb ${Math.round(initdbMs)}, start ${Math.round(startMs)}); log ${pg.logFile}; stop with Ctrl-C or: node scripts/pg-throwaway.mjs stop ${pg.dir}`);
  const keepAlive = setInterval(() => {}, 1 << 30);
  let stopping = false;
  const stop = async (/** @type {number} */ code) => {
    if (stopping) return;
    stopping = true;
    clearInterval(keepAlive);
    try {
      await pg.stop();
    } catch (e) {
      console.error(`pg-throwaway: ${/** @type {Error} */ (e).message}`);
      code = 1;
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGHUP', () => void stop(0));
  // Stopped from elsewhere (`stop DIR`, pg_ctl): nothing left to serve.
  void pg.exited.then(() => {
    if (!stopping) console.error('pg-throwaway: the server exited');
    return stop(0);
  });
} else if (cmd === 'stop' && arg) {
  await stopDir(arg);
} else {
  console.error('usage: node scripts/pg-throwaway.mjs start | stop DIR');
  process.exit(2);
}
