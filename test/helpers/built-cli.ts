// The CLI users get: the bundle `npm run build` writes (scripts/bundle.mjs), which package.json's
// bin points at. Tests that spawn the CLI run this file, not the per-module tsc output.
import { join } from 'node:path';

export const BUILT_CLI = join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
