import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { RULE_IDS } from '../../src/analysis/rules/index.js';

describe('dumptriage rules', () => {
  it('lists every rule with stability and description', async () => {
    const r = await cli('rules');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBe(RULE_IDS.length);
    expect(r.stdout).toMatch(/^nmi\s+stable\s+Bug check 0x80/m);
  });
  it('--json', async () => {
    const r = await cli('rules', '--json');
    const rows = JSON.parse(r.stdout) as Array<{ id: string; stability: string; description: string }>;
    expect(rows.map((x) => x.id)).toEqual([...RULE_IDS]);
    expect(rows.every((x) => x.stability === 'stable' && x.description.length > 20)).toBe(true);
  });
});
