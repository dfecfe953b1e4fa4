import rule from '../../../src/analysis/rules/manual-crash.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { kernelFacts } from '../../helpers/facts.js';

ruleTester.run('manual-crash', rule, {
  valid: [{ name: '0xD1 is not manual', facts: kernelFacts(0xd1, [0n, 2n, 0n, 0xfffff80003000100n]) }],
  invalid: [
    { name: '0xE2 keyboard', facts: kernelFacts(0xe2, [0n, 0n, 0n, 0n]), findings: [{ messageId: 'manual', hint: { kind: 'hang', trigger: 'manual-keyboard', bucket: 'MANUALLY_INITIATED_CRASH' } }] },
    { name: '0xDEADDEAD debugger', facts: kernelFacts(0xdeaddead, [0n, 0n, 0n, 0n]), findings: [{ messageId: 'manual', hint: { kind: 'hang', trigger: 'manual-debugger' } }] },
    {
      name: '0x1C8 power button',
      facts: kernelFacts(0x1c8, [0x1b58n, 0xfffff803f3a20860n, 0n, 0n]),
      findings: [{ messageId: 'manual', hint: { kind: 'hang', trigger: 'power-button' } }, { messageId: 'held', message: /7000 ms/ }],
    },
  ],
});
