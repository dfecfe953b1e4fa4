// Helpers the two scan benches share: evicting a share from the page cache, and Benchmark.js
// suites of deferred (async) contenders, each sample a full pass.

import { spawnSync } from 'node:child_process';
import Benchmark from 'benchmark';

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
