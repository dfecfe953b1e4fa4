// RuleTester (STYLE §11, ESLint's shape): runs one rule over valid and invalid cases. Facts are
// deep-frozen (a rule that mutates them fails), duplicate cases are rejected, and every expected
// messageId must exist in the rule's meta.messages.
import { describe, expect, it } from 'vitest';
import type { DumpFacts } from '../../src/analysis/facts/types.js';
import { runRules } from '../../src/analysis/run-rules.js';
import type { Finding, Hint, Rule } from '../../src/analysis/rules/types.js';
import { ownerTable } from '../../src/analysis/engine.js';

export interface InvalidCase {
  name: string;
  facts: DumpFacts;
  findings: Array<{ messageId: string; hint?: Partial<Hint>; message?: RegExp }>;
}
export interface ValidCase {
  name: string;
  facts: DumpFacts;
}

export function deepFreeze<T>(o: T, seen = new Set<unknown>()): T {
  if (o === null || typeof o !== 'object' || seen.has(o)) return o;
  seen.add(o);
  // Class instances with private state (memory readers) stay usable; plain data is frozen.
  if (Object.getPrototypeOf(o) !== Object.prototype && !Array.isArray(o)) return o;
  for (const v of Object.values(o as object)) deepFreeze(v, seen);
  return Object.freeze(o);
}

export async function runOne(rule: Rule, facts: DumpFacts, triageIniText?: string): Promise<Finding[]> {
  const run = await runRules({ facts: deepFreeze(facts), rules: [rule], owners: ownerTable(triageIniText) });
  if (run.errors.length > 0) throw new Error(`rule ${rule.meta.id} threw: ${run.errors.map((e) => e.message).join('; ')}`);
  return run.findings;
}

export const ruleTester = {
  run(id: string, rule: Rule, cases: { valid: ValidCase[]; invalid: InvalidCase[] }): void {
    describe(`rule ${id}`, () => {
      it('has a consistent meta', () => {
        expect(rule.meta.id).toBe(id);
        expect(rule.meta.docs.description.length).toBeGreaterThan(10);
        const names = [...cases.valid, ...cases.invalid].map((c) => c.name);
        expect(new Set(names).size, 'duplicate case names').toBe(names.length);
        for (const c of cases.invalid) for (const f of c.findings) expect(rule.meta.messages, `messageId ${f.messageId}`).toHaveProperty(f.messageId);
      });
      for (const c of cases.valid) {
        it(`valid: ${c.name}`, async () => {
          expect(await runOne(rule, c.facts)).toEqual([]);
        });
      }
      for (const c of cases.invalid) {
        it(`invalid: ${c.name}`, async () => {
          const got = await runOne(rule, c.facts);
          expect(got.map((f) => f.messageId)).toEqual(c.findings.map((f) => f.messageId));
          c.findings.forEach((want, i) => {
            if (want.hint) expect(got[i]!.hint).toMatchObject(want.hint);
            if (want.message) expect(got[i]!.message).toMatch(want.message);
            expect(got[i]!.message).not.toMatch(/\{\{/);
          });
        });
      }
    });
  },
};
