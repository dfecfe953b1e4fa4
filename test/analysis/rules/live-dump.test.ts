import rule from '../../../src/analysis/rules/live-dump.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { kernelFacts } from '../../helpers/facts.js';

ruleTester.run('live-dump', rule, {
  valid: [{ name: '0xD1', facts: kernelFacts(0xd1, [0n, 2n, 0n, 0n]) }],
  invalid: [{ name: '0x117 TDR live dump', facts: kernelFacts(0x117, [0n, 0n, 0n, 0n]), findings: [{ messageId: 'live', hint: { bucketClass: 'LKD_0x117' } }] }],
});
