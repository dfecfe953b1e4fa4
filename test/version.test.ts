import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../src/version.js';
import { PROJECT_ROOT } from './helpers/corpus.js';
import { cli } from './helpers/cli.js';

describe('version', () => {
  it('src/version.ts equals package.json and --version prints it', async () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    const r = await cli('--version');
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});
