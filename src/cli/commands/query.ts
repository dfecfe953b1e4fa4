// `dumptriage query`: reads a scan index, no rescanning. Buckets (default), the dumps of one
// bucket (--bucket), or a host's history (--host); --json for machines.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandDef } from '../command.js';
import { EXIT } from '../io.js';
import { ScanIndex } from '../../scan/index-db.js';
import { cacheIndexPath, defaultIndexPath } from '../../scan/scan.js';
import { Grouper } from '../../scan/group.js';
import type { DumpDigest } from '../../scan/digest.js';
import { renderDigestList, renderGroupsText } from '../../scan/render-text.js';
import { escapeTerminal } from '../../util/escape.js';

export const queryCommand: CommandDef = {
  command: 'query [what]',
  describe: 'Query the scan index without rescanning: buckets, the dumps of a bucket, a host\'s history',
  builder: (y) =>
    y
      .positional('what', { choices: ['buckets', 'modules', 'hosts', 'failures'], default: 'buckets', describe: 'what to list' })
      .option('index', { type: 'string', describe: 'index file written by dumptriage scan' })
      .option('dir', { type: 'string', describe: 'scanned folder (its index is <dir>/.dumptriage/index.sqlite, or in the per-user cache for a read-only share)' })
      .option('bucket', { type: 'string', describe: 'the dumps of this bucket id' })
      .option('host', { type: 'string', describe: 'this host\'s history' })
      .option('json', { type: 'boolean', default: false, describe: 'JSON output' })
      .option('reports', { type: 'boolean', default: false, describe: 'with --json and --bucket/--host: include each stored report' })
      .option('now', { type: 'string', describe: 'reference date for trends (default: the newest crash)' })
      .option('limit', { type: 'number', default: 50, describe: 'rows in human tables' }),
  run: async (args, io) => {
    let path: string;
    if (args.index) path = resolve(String(args.index));
    else if (args.dir) {
      // A read-only share's scan keeps its index in the per-user cache (docs/scan.md).
      path = defaultIndexPath(String(args.dir));
      const cached = cacheIndexPath(String(args.dir));
      if (!existsSync(path) && existsSync(cached)) path = cached;
    }
    else {
      io.stderr.write('dumptriage query: give --index FILE or --dir DIR (a folder scanned before)\n');
      return EXIT.usage;
    }
    if (!existsSync(path)) {
      io.stderr.write(`dumptriage query: no index at ${escapeTerminal(path)} (run dumptriage scan first)\n`);
      return EXIT.usage;
    }
    let index: ScanIndex;
    try {
      index = ScanIndex.open(path, { readonly: true });
    } catch (e) {
      io.stderr.write(`dumptriage query: cannot open the index ${escapeTerminal(path)}: ${escapeTerminal((e as Error).message)}\n`);
      return EXIT.badInput;
    }
    try {
      const last = index.lastScan();
      const root = last?.root ?? '';
      if (args.bucket !== undefined || args.host !== undefined) {
        const where: { bucket?: string; host?: string } = {};
        if (args.bucket !== undefined) where.bucket = String(args.bucket);
        if (args.host !== undefined) where.host = String(args.host);
        const list: DumpDigest[] = [...index.digests(where)].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
        if (args.json) {
          for (const d of list) {
            const rep = args.reports && d.status === 'ok' ? index.report(d.rel) : undefined;
            const line = JSON.stringify({ type: 'file', ...d });
            io.stdout.write(rep ? `${line.slice(0, -1)},"report":${rep}}\n` : `${line}\n`);
          }
          const g = new Grouper();
          list.forEach((d) => g.add(d));
          io.stdout.write(`${JSON.stringify({ type: 'summary', root, index: path, files: list.length, ...g.result(args.now ? { now: String(args.now) } : {}) })}\n`);
        } else {
          const title = args.bucket !== undefined ? `Bucket ${escapeTerminal(String(args.bucket))}: ${list.length} files` : `Host ${escapeTerminal(String(args.host))}: ${list.length} files`;
          io.stdout.write(list.length ? renderDigestList(title, list) : `${title}\n`);
        }
        return list.length ? EXIT.ok : EXIT.badInput;
      }
      const g = new Grouper();
      const failures: DumpDigest[] = [];
      let files = 0;
      for (const d of index.digests()) {
        files++;
        g.add(d);
        if (d.status === 'error') failures.push(d);
      }
      const groups = g.result(args.now ? { now: String(args.now) } : {});
      const what = String(args.what ?? 'buckets');
      if (args.json) {
        const base = { type: 'summary', root, index: path, lastScan: last ?? null, files };
        if (what === 'failures') io.stdout.write(`${JSON.stringify({ ...base, failures })}\n`);
        else io.stdout.write(`${JSON.stringify({ ...base, ...groups })}\n`);
        return EXIT.ok;
      }
      io.stdout.write(`Index ${escapeTerminal(path)}: ${files} files${last ? `, last scan ${last.finished ?? last.started} of ${escapeTerminal(root)}` : ''}\n\n`);
      if (what === 'failures') {
        io.stdout.write(failures.length ? renderDigestList(`${failures.length} failed files`, failures.slice(0, Number(args.limit))) : 'no failed files\n');
      } else if (what === 'modules') {
        io.stdout.write(renderGroupsText(groups, { limit: Number(args.limit), sections: ['modules', 'spray'] }));
      } else if (what === 'hosts') {
        io.stdout.write(renderGroupsText(groups, { limit: Number(args.limit), sections: ['hosts'] }));
      } else {
        io.stdout.write(renderGroupsText(groups, { limit: Number(args.limit) }));
      }
      return EXIT.ok;
    } finally {
      index.close();
    }
  },
};
