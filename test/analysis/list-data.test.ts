// The knowledge lists are embedded in src/analysis/list-data.ts (scripts/embed-lists.mjs), so that
// the engine reads no file at run time: the module must say exactly what the list files say.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIST_FILES } from '../../src/analysis/knowledge.js';
import { LIST_TEXT } from '../../src/analysis/list-data.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';

describe('src/analysis/list-data.ts', () => {
  it('holds every list file, each exactly as it is on disk', () => {
    expect(Object.keys(LIST_TEXT).sort()).toEqual([...LIST_FILES].sort());
    for (const f of LIST_FILES) expect(LIST_TEXT[f], f).toBe(readFileSync(join(PROJECT_ROOT, 'src', 'analysis', 'lists', f), 'utf8'));
  });

  it('is what scripts/embed-lists.mjs writes now (run it after editing a list)', () => {
    const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'embed-lists.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the knowledge module reads no file: no node: import in it or in what it imports', () => {
    for (const f of ['knowledge.ts', 'list-data.ts', 'triage-ini.ts']) {
      expect(readFileSync(join(PROJECT_ROOT, 'src', 'analysis', f), 'utf8'), f).not.toMatch(/from\s+['"]node:/);
    }
  });
});
