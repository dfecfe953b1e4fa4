// Issue 14 item 7: `dumptriage/core` is platform-neutral. esbuild bundles it for a browser (no
// node: module, no Node built-in, nothing left to require), and the bundle, run in a fresh V8
// context that has only what a browser has (no require, process, Buffer, global), opens and
// triages dumps from bytes with the same reports as Node.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { openDumpFromBytes, triage } from '../src/core.js';
import { SynthKernelDump } from './synth/kernel.js';
import { populate } from './formats/kernel/populate.js';
import { PROJECT_ROOT } from './helpers/corpus.js';

async function bundle(entry: string): Promise<{ text: string; metafile: Metafile; errors: string[] }> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'dumptriageCore',
    write: false,
    metafile: true,
    logLevel: 'silent',
  }).catch((e: { errors?: Array<{ text: string; location?: { file: string } | null }> }) => ({ errors: e.errors ?? [], outputFiles: [], metafile: undefined }));
  const errors = r.errors.map((e) => `${'location' in e && e.location ? `${e.location.file}: ` : ''}${e.text}`);
  return { text: r.outputFiles?.[0]?.text ?? '', metafile: r.metafile as Metafile, errors };
}

const NODE_BUILTINS = /^(node:|fs$|fs\/|path$|crypto$|os$|url$|module$|buffer$|stream$|util$|worker_threads$|child_process$|zlib$|https?$)/;

/** A context with what a browser page has, and nothing of Node's. */
function browserLikeContext(): vm.Context {
  return vm.createContext({ TextDecoder, TextEncoder, console, setTimeout, clearTimeout, queueMicrotask, performance });
}

const FIXTURES = ['sample-app-crash-x64.dmp', 'sample-app-crash-x86.dmp', 'sample-app-crash-arm64.dmp', 'sample-app-hang-x64.dmp'];

function inputs(): Array<[string, Uint8Array]> {
  const kernel = populate(new SynthKernelDump({ dumpType: 4, processName: 'svchost.exe', bugcheck: { code: 0xd1, args: [0xffff80091002ac08n, 2, 1, 0xfffff8048b58334cn] } })).build();
  return [...FIXTURES.map((f): [string, Uint8Array] => [f, new Uint8Array(readFileSync(join(PROJECT_ROOT, 'dumps-fixtures', f)))]), ['synthetic kernel small dump', kernel]];
}

describe.each([
  ['the sources', join(PROJECT_ROOT, 'src', 'core.ts')],
  ['the build (what dumptriage/core resolves to)', join(PROJECT_ROOT, 'dist', 'src', 'core.js')],
])('dumptriage/core bundled for a browser: %s', (_what, entry) => {
  it('bundles with no Node built-in', async () => {
    const { text, metafile, errors } = await bundle(entry);
    expect(errors).toEqual([]);
    const builtins = Object.entries(metafile.inputs).flatMap(([file, input]) => input.imports.filter((i) => NODE_BUILTINS.test(i.path)).map((i) => `${file} imports ${i.path}`));
    expect(builtins).toEqual([]);
    // Only binary-parser comes from node_modules: no polyfill of a Node module was pulled in.
    expect(Object.keys(metafile.inputs).filter((f) => f.includes('node_modules')).map((f) => f.replace(/^.*node_modules\//, ''))).toEqual(['binary-parser/dist/esm/binary_parser.mjs']);
    expect(text).not.toMatch(/\brequire\(|__require\b/);
  });

  it('triages dumps from bytes in a context without require, process or Buffer, as Node does', async () => {
    const { text, errors } = await bundle(entry);
    expect(errors).toEqual([]);
    const ctx = browserLikeContext();
    vm.runInContext(text, ctx);
    expect(vm.runInContext('[typeof require, typeof process, typeof Buffer, typeof global]', ctx)).toEqual(['undefined', 'undefined', 'undefined', 'undefined']);
    for (const [name, bytes] of inputs()) {
      ctx.input = bytes;
      ctx.name = name;
      const fromBundle = (await vm.runInContext(
        `(async () => {
          const dump = await dumptriageCore.openDumpFromBytes(new Uint8Array(input), name);
          try {
            return JSON.stringify(await dumptriageCore.triage(dump, {}, name));
          } finally {
            await dump.close();
          }
        })()`,
        ctx,
      )) as string;
      const dump = await openDumpFromBytes(bytes, name);
      let inNode: string;
      try {
        inNode = JSON.stringify(await triage(dump, {}, name));
      } finally {
        await dump.close();
      }
      expect(JSON.parse(fromBundle), name).toEqual(JSON.parse(inNode));
      expect((JSON.parse(fromBundle) as { verdict: { bucketId: string } }).verdict.bucketId, name).toMatch(/\w/);
    }
  });
});
