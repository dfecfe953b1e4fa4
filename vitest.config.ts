import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // --expose-gc: test/helpers/handle-leaks.ts collects after each file to catch unclosed handles.
    execArgv: ['--expose-gc'],
    setupFiles: ['test/helpers/handle-leaks.ts'],
  },
});
