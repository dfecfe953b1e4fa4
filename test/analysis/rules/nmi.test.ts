import rule from '../../../src/analysis/rules/nmi.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { kernelFacts } from '../../helpers/facts.js';

ruleTester.run('nmi', rule, {
  valid: [{ name: '0xE2 is not an NMI', facts: kernelFacts(0xe2, [0n, 0n, 0n, 0n]) }],
  invalid: [
    { name: 'diagnostic NMI 0x4F4454', facts: kernelFacts(0x80, [0x4f4454n, 0n, 0n, 0n]), findings: [{ messageId: 'diagnostic', hint: { kind: 'hang', trigger: 'nmi', noBlame: true } }] },
    { name: 'hardware NMI', facts: kernelFacts(0x80, [0n, 0n, 0n, 0n]), findings: [{ messageId: 'hardware', hint: { category: 'hardware' } }] },
  ],
});
