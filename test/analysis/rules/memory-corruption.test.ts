import rule from '../../../src/analysis/rules/memory-corruption.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { kernelFacts } from '../../helpers/facts.js';

ruleTester.run('memory-corruption', rule, {
  valid: [{ name: '0xD1', facts: kernelFacts(0xd1, [0n, 2n, 0n, 0n]) }, { name: '0x139 sub-code 5 is a driver bug', facts: kernelFacts(0x139, [5n, 0n, 0n, 0n]) }],
  invalid: [
    { name: '0x139 3 list entry', facts: kernelFacts(0x139, [3n, 0n, 0n, 0n]), findings: [{ messageId: 'corruption', hint: { category: 'memory-corruption' }, message: /Corrupted LIST_ENTRY/ }] },
    { name: '0x19 pool header', facts: kernelFacts(0x19, [0x20n, 0n, 0n, 0n]), findings: [{ messageId: 'corruption' }] },
    { name: '0x4E PFN list', facts: kernelFacts(0x4e, [0x99n, 0n, 0n, 0n]), findings: [{ messageId: 'corruption' }] },
  ],
});
