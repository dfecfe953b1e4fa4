import rule from '../../../src/analysis/rules/watchdog-bugcheck.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { kernelFacts } from '../../helpers/facts.js';

ruleTester.run('watchdog-bugcheck', rule, {
  valid: [
    { name: '0xD1 is not a watchdog', facts: kernelFacts(0xd1, [0n, 2n, 0n, 0n]) },
    { name: '0xA0 hibernation checksum is not a hang', facts: kernelFacts(0xa0, [3n, 0n, 0n, 0n]) },
  ],
  invalid: [
    { name: '0x133 DPC', facts: kernelFacts(0x133, [0n, 0x501n, 0x500n, 0xfffff80000c00000n]), findings: [{ messageId: 'watchdog', hint: { kind: 'hang', trigger: 'watchdog' } }, { messageId: 'dpc', hint: { bucketClass: '0x133_DPC' } }] },
    { name: '0x133 cumulative', facts: kernelFacts(0x133, [1n, 0x1e00n, 0xfffff80000c00000n, 0n]), findings: [{ messageId: 'watchdog' }, { messageId: 'cumulative', hint: { bucketClass: '0x133_CUMULATIVE', maxConfidence: 0.4 } }] },
    { name: '0x101 clock', facts: kernelFacts(0x101, [0x18n, 0n, 0xffffd00000100000n, 3n]), findings: [{ messageId: 'watchdog' }, { messageId: 'clock', message: /Processor 3/ }] },
    { name: '0x9F', facts: kernelFacts(0x9f, [3n, 0n, 0n, 0n]), findings: [{ messageId: 'watchdog', hint: { kind: 'hang' } }] },
    { name: '0x1CA synthetic', facts: kernelFacts(0x1ca, [0n, 0n, 0n, 0n]), findings: [{ messageId: 'watchdog' }] },
    { name: '0xA0 power timeout', facts: kernelFacts(0xa0, [0xfn, 0n, 0n, 0n]), findings: [{ messageId: 'watchdog' }, { messageId: 'power' }] },
  ],
});
