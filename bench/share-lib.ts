// Helpers the two scan benches share: evicting a share from the page cache, and Benchmark.js
// suites of deferred (async) contenders, each sample a full pass.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import Benchmark from 'benchmark';
import { SynthMinidump } from '../test/synth/minidump.js';

export interface RunStats {
  /** Milliseconds. */
  mean: number;
  min: number;
  /** Relative margin of error, percent. */
  rme: number;
  runs: number;
}

/**
 * Drop every file under `root` from the page cache (`dd iflag=nocache count=0`: posix_fadvise
 * DONTNEED, no root needed). True when fincore confirms that a sample of `files` is no longer
 * resident; false when fincore is missing (the eviction is then unverified).
 */
export function evict(root: string, files: string[]): boolean {
  const r = spawnSync('sh', ['-c', `find "$1" -type f -exec sh -c 'for f; do dd if="$f" iflag=nocache count=0 status=none; done' sh {} +`, 'sh', root], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('evicting the share from the page cache failed (dd iflag=nocache)');
  const sample = files.filter((_, i) => i % Math.max(1, Math.floor(files.length / 20)) === 0);
  const fc = spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', ...sample], { encoding: 'utf8' });
  if (fc.status !== 0 || fc.error) return false;
  const resident = fc.stdout.split('\n').filter(Boolean).map(Number).reduce((a, b) => a + b, 0);
  if (resident > 0) throw new Error(`${resident} bytes of the sample still cached after the eviction`);
  return true;
}

/**
 * Run the contenders in order, in this process, at least `minSamples` full passes each; a
 * contender that fails ends the process (a bench that measured a failure measured nothing).
 */
export async function runSuite(name: string, contenders: Array<[string, () => Promise<void>]>, minSamples: number): Promise<Map<string, RunStats>> {
  const results = new Map<string, RunStats>();
  const suite = new Benchmark.Suite(name);
  for (const [label, fn] of contenders) {
    suite.add(label, {
      defer: true,
      fn: (d: { resolve(): void }) => {
        fn().then(
          () => d.resolve(),
          (e: unknown) => {
            console.error(e);
            process.exit(1);
          },
        );
      },
    });
  }
  await new Promise<void>((done) => {
    suite
      .on('cycle', (ev: Benchmark.Event) => {
        const b = ev.target as Benchmark.Target & { name: string; stats: { mean: number; rme: number; sample: number[] } };
        results.set(b.name, { mean: b.stats.mean * 1000, min: Math.min(...b.stats.sample) * 1000, rme: b.stats.rme, runs: b.stats.sample.length });
      })
      .on('complete', () => done())
      .run({ async: true, minSamples, maxTime: 0.001 } as Benchmark.Options);
  });
  return results;
}

export function mib(n: number): string {
  return (n / 1048576).toFixed(1);
}

export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

/**
 * The scan benches' small crash dump number i: 5 cause modules, 7 builds of each, crashes 10
 * minutes apart; two threads with `stackBytes` of stack each.
 */
export function benchDump(i: number, stackBytes = 0x800): Uint8Array {
  const mods = ['alpha.dll', 'beta.dll', 'gamma.dll', 'delta.dll', 'eps.sys'];
  const mod = mods[i % mods.length]!;
  const base = 0x7ff600000000n + BigInt(i % mods.length) * 0x100000n;
  const stack = new Uint8Array(stackBytes);
  return new SynthMinidump({ arch: 'x64', timestamp: 1_711_000_000 + i * 600 })
    .addSystemInfo({ major: 10, minor: 0, build: 19045, cpus: 8 })
    .addModule({ name: 'C:\\app\\app.exe', base: 0x140000000n, size: 0x20000, timestamp: 0x60000000 })
    .addModule({ name: 'C:\\Windows\\System32\\ntdll.dll', base: 0x7ff800000000n, size: 0x1f0000, timestamp: 0x61000000 })
    .addModule({ name: `C:\\app\\${mod}`, base, size: 0x10000, timestamp: 0x5f000000 + (i % 7) })
    .addThread({ id: 100, context: { rip: base + 0x1234n, rsp: 0x5000n }, stack: { start: 0x5000n, bytes: stack } })
    .addThread({ id: 101, context: { rip: 0x7ff800009000n, rsp: 0x9000n }, stack: { start: 0x9000n, bytes: stack } })
    .addException({ threadId: 100, code: 0xc0000005, address: base + 0x1234n, parameters: [0n, 0x10n] })
    .build();
}

let lastChildrenCpu = 0;
/** CPU (ms) of the children waited for since the last call: cutime + cstime of /proc/self/stat (Linux, 10 ms ticks). */
export function childCpu(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ms = (Number(fields[13]) + Number(fields[14])) * 10;
  const d = ms - lastChildrenCpu;
  lastChildrenCpu = ms;
  return d;
}
