import rule from '../../../src/analysis/rules/hardware-error.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { kernelFacts } from '../../helpers/facts.js';

ruleTester.run('hardware-error', rule, {
  valid: [{ name: '0xD1', facts: kernelFacts(0xd1, [0n, 2n, 0n, 0n]) }, { name: '0x1A 0x41790 is not one bit', facts: kernelFacts(0x1a, [0x41790n, 0n, 0n, 0n]) }],
  invalid: [
    { name: '0x124 MCE', facts: kernelFacts(0x124, [0n, 0xffffe00000001000n, 0xbe000000n, 0x800400n], { system: { os: 'windows', cpuVendor: 'GenuineIntel' } }), findings: [{ messageId: 'whea', hint: { category: 'hardware', bucket: '0x124_MCE_GenuineIntel', noBlame: true } }] },
    { name: '0x1A 0x403 one bit', facts: kernelFacts(0x1a, [0x403n, 0n, 0x8a000001n, 0x8a000003n]), findings: [{ messageId: 'oneBit', hint: { bucket: 'MEMORY_CORRUPTION_ONE_BIT' } }] },
    { name: '0x7A in-page', facts: kernelFacts(0x7a, [0n, 0xc000009dn, 0n, 0n]), findings: [{ messageId: 'storage', hint: { category: 'hardware' }, message: /0xc000009d/ }] },
    { name: '0x9C machine check', facts: kernelFacts(0x9c, [0n, 0n, 0n, 0n]), findings: [{ messageId: 'hardware', hint: { category: 'hardware', noBlame: true } }] },
  ],
});
