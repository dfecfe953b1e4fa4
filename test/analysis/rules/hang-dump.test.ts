import rule from '../../../src/analysis/rules/hang-dump.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { kernelFacts, userFacts } from '../../helpers/facts.js';

ruleTester.run('hang-dump', rule, {
  valid: [{ name: 'user crash', facts: userFacts({}) }, { name: 'kernel dump', facts: kernelFacts(0xe2, [0n, 0n, 0n, 0n]) }],
  invalid: [{ name: 'no exception', facts: userFacts(undefined), findings: [{ messageId: 'hang', hint: { kind: 'hang', trigger: 'hang-dump', focusThreadId: 1, bucketClass: 'hang' } }] }],
});
