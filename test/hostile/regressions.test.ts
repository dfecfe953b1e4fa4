// Replays every crasher the fuzzer saved in test/hostile/regressions/ (<name>.json + its bytes).
// Each must now give a result or a typed error, and the outcome the JSON records when it is
// more specific than 'no-failure'.

import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PROJECT_ROOT } from '../helpers/corpus.js';
import { runOne } from './fuzz/run-one.js';
import type { RegressionCase } from './fuzz/campaign.js';

const DIR = join(PROJECT_ROOT, 'test', 'hostile', 'regressions');
const cases = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.json')).sort() : [];

function load(rc: RegressionCase): Uint8Array {
  const raw = readFileSync(join(DIR, rc.file));
  return new Uint8Array(rc.file.endsWith('.gz') ? gunzipSync(raw) : raw);
}

describe('fuzz regressions', () => {
  it('the folder is there and every case names an existing input', () => {
    expect(existsSync(DIR)).toBe(true);
    for (const name of cases) {
      const rc = JSON.parse(readFileSync(join(DIR, name), 'utf8')) as RegressionCase;
      expect(existsSync(join(DIR, rc.file)), name).toBe(true);
    }
  });

  it.each(cases)('%s', async (name) => {
    const rc = JSON.parse(readFileSync(join(DIR, name), 'utf8')) as RegressionCase;
    const bytes = load(rc);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(rc.sha256);
    // 10 s is a hang guard, not a speed assertion (speed: npm run fuzz, bench/).
    const o = await runOne(bytes, { budgetMs: 10_000, hangMs: 30_000 });
    expect(o.failure, JSON.stringify(o.failure)).toBeUndefined();
    if (rc.expected.status !== 'no-failure') expect(o.status).toBe(rc.expected.status);
    if (rc.expected.code !== undefined) expect(o.code).toBe(rc.expected.code);
  });
});
