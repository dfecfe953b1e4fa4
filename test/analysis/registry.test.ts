// Registry consistency (STYLE §11): every rule has a test file, a description and a registry
// entry; every list file is referenced by the loader and documented in lists/README.md.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULE_IDS, loadRule } from '../../src/analysis/rules/index.js';
import { LIST_FILES } from '../../src/analysis/knowledge.js';
import { PROJECT_ROOT } from '../helpers/corpus.js';

const RULES_DIR = join(PROJECT_ROOT, 'src/analysis/rules');
const LISTS_DIR = join(PROJECT_ROOT, 'src/analysis/lists');

describe('rule registry', () => {
  it('lists every rule module, sorted', () => {
    const files = readdirSync(RULES_DIR)
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && f !== 'types.ts')
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect([...RULE_IDS]).toEqual(files);
    expect([...RULE_IDS]).toEqual([...RULE_IDS].sort());
  });
  it.each([...RULE_IDS])('%s has meta, a description and a test file', async (id) => {
    const rule = await loadRule(id);
    expect(rule?.meta.id).toBe(id);
    expect(rule!.meta.docs.description.length).toBeGreaterThan(20);
    expect(Object.keys(rule!.meta.messages).length).toBeGreaterThan(0);
    expect(existsSync(join(PROJECT_ROOT, 'test/analysis/rules', `${id}.test.ts`))).toBe(true);
    expect(readFileSync(join(PROJECT_ROOT, 'docs/triage.md'), 'utf8')).toContain(`\`${id}\``);
  });
});

describe('list files', () => {
  const readme = readFileSync(join(LISTS_DIR, 'README.md'), 'utf8');
  it('every file in lists/ is loaded and documented', () => {
    const files = readdirSync(LISTS_DIR).filter((f) => f !== 'README.md').sort();
    expect(files).toEqual([...LIST_FILES].sort());
    for (const f of files) expect(readme).toContain(f);
  });
  it.each([...LIST_FILES])('%s is sorted', (file) => {
    const lines = readFileSync(join(LISTS_DIR, file), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#') && !l.startsWith('code\t'));
    const keyed = lines.map((l) => {
      const first = l.split(/[\t =]/)[0]!;
      if (/^0x[0-9a-f]+$/i.test(first)) {
        const second = l.split('\t')[1] ?? '';
        return [Number.parseInt(first, 16), /^0x[0-9a-f]+$/i.test(second) ? Number.parseInt(second, 16) : 0] as const;
      }
      return [l.split('=')[0]!.toLowerCase(), 0] as const;
    });
    for (let i = 1; i < keyed.length; i++) {
      const [a, a2] = keyed[i - 1]!;
      const [b, b2] = keyed[i]!;
      expect(a < b || (a === b && a2 <= b2), `${file}: "${lines[i - 1]}" before "${lines[i]}"`).toBe(true);
    }
  });
});
