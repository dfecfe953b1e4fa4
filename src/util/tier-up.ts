// V8's tier-up budget. The CLI's loader (scripts/cli-loader.cjs) raises it for a scan, a short run:
// V8's optimizing compiler then leaves alone the functions that only run a few hundred times
// before the process exits. A scan that starts worker threads is a long run: it puts V8's default
// back first, so that the workers (which share the process's V8 flags) optimise as early as V8
// would. Without the loader (the library, the tests) there is nothing to put back.

const KEY = Symbol.for('dumptriage.defaultTierUp');

/** Put V8's default tier-up budget back, if the CLI's loader raised it (once; later calls do nothing). */
export function defaultTierUp(): void {
  const g = globalThis as unknown as Record<symbol, unknown>;
  const restore = g[KEY];
  if (typeof restore !== 'function') return;
  delete g[KEY];
  (restore as () => void)();
}
