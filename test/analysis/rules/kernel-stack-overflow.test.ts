import rule from '../../../src/analysis/rules/kernel-stack-overflow.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { kernelFacts } from '../../helpers/facts.js';

ruleTester.run('kernel-stack-overflow', rule, {
  valid: [{ name: '0x7F trap 0', facts: kernelFacts(0x7f, [0n, 0n, 0n, 0n]) }],
  invalid: [
    {
      name: '0x7F double fault at stack bottom',
      facts: kernelFacts(0x7f, [8n, 0n, 0n, 0n], {
        threads: [{ id: 1, crashing: true, context: { arch: 'x64', ip: 0n, sp: 0xffff800000000100n, registers: {} }, stack: { startAddress: 0xffff800000000000n, size: 0x6000 } }],
      }),
      findings: [{ messageId: 'doubleFault', hint: { bucketClass: '0x7F_8_STACK_OVERFLOW' }, message: /bottom of its stack/ }],
    },
  ],
});
