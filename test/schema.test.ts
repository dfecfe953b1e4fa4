// Every report the tool produces validates against the published JSON Schema, and the schema's
// required names match the contract in src/analysis/report.ts.

import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { triageFile } from '../src/index.js';
import { isDumpError } from '../src/errors.js';
import { CORPUS, HAVE_CORPUS, PROJECT_ROOT, corpusOrSkipMessage } from './helpers/corpus.js';

const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, 'schema', 'report.schema.json'), 'utf8'));
const AjvClass = (Ajv2020 as unknown as { default?: typeof Ajv2020 }).default ?? Ajv2020;
const ajv = new AjvClass({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

function dumpsIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /\.(dmp|mdmp)$/i.test(f)).map((f) => join(dir, f));
}

async function check(path: string): Promise<'valid' | 'error'> {
  let report;
  try {
    report = await triageFile(path);
  } catch (e) {
    if (isDumpError(e)) return 'error';
    throw e;
  }
  const ok = validate(JSON.parse(JSON.stringify(report)));
  expect(validate.errors ?? [], `${path}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toEqual([]);
  expect(ok).toBe(true);
  return 'valid';
}

describe('JSON Schema', () => {
  it('is itself valid and requires the contract fields', () => {
    expect(schema.required).toEqual(expect.arrayContaining(['schemaVersion', 'input', 'verdict']));
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['schemaVersion', 'input', 'system', 'exception', 'bugcheck', 'process', 'modules', 'unloadedModules', 'threads', 'verdict', 'warnings']),
    );
  });

  it('shipped fixtures produce valid reports', async () => {
    const files = dumpsIn(join(PROJECT_ROOT, 'dumps-fixtures'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(await check(f)).toBe('valid');
  });

  describe.skipIf(!HAVE_CORPUS)('corpus', () => {
    corpusOrSkipMessage();
    it('every Windows user and kernel dump in the corpus produces a valid report', async () => {
      const files = [...dumpsIn(join(CORPUS, 'user-windows')), ...dumpsIn(join(CORPUS, 'kernel'))];
      expect(files.length).toBeGreaterThan(20);
      for (const f of files) expect(await check(f), f).toBe('valid');
    });
  });
});
