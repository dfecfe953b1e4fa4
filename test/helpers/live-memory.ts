// Live memory for the memory tests: heap + ArrayBuffers, measured after the collector (when the
// test runs with --expose-gc; otherwise garbage included, an upper bound) has caught up.

import type { ByteSource } from '../../src/reader/byte-source.js';
import { SpySource } from './spy-source.js';

const gc = (globalThis as { gc?: () => void }).gc;

export function usedBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Collect until the ArrayBuffer sweeper has caught up (backing stores are freed after the GC). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Records the reads; every `gcEvery` reads (0: never) it collects and samples memory, so
 * `livePeak` is what the reader holds during a pass, not garbage the collector has yet to reclaim.
 */
export class GcSpySource extends SpySource {
  livePeak = 0;
  constructor(inner: ByteSource, private readonly gcEvery = 0) {
    super(inner);
  }
  protected override before(): void {
    if (this.gcEvery > 0 && gc && this.reads % this.gcEvery === 0) {
      gc();
      this.livePeak = Math.max(this.livePeak, usedBytes());
    }
  }
}

export const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
