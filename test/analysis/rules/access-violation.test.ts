import rule from '../../../src/analysis/rules/access-violation.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { kernelFacts, userFacts } from '../../helpers/facts.js';

ruleTester.run('access-violation', rule, {
  valid: [{ name: 'breakpoint', facts: userFacts({ code: 0x80000003 }) }, { name: '0x7E with a breakpoint', facts: kernelFacts(0x7e, [0x80000003n, 0n, 0n, 0n]) }],
  invalid: [
    { name: 'NULL read', facts: userFacts({ parameters: [0n, 0x10n] }), findings: [{ messageId: 'av', hint: { bucketClass: 'NULL_POINTER_READ_c0000005' }, message: /read of 0x10 \(a NULL/ }] },
    { name: 'wild write', facts: userFacts({ parameters: [1n, 0x41414141n] }), findings: [{ messageId: 'av', hint: { bucketClass: 'INVALID_POINTER_WRITE_c0000005' } }] },
    { name: 'execute', facts: userFacts({ parameters: [8n, 0x3df944n], address: 0x3df944n }), findings: [{ messageId: 'execute', hint: { bucketClass: 'BAD_INSTRUCTION_PTR_c0000005' } }] },
    { name: 'non-canonical', facts: userFacts({ parameters: [0n, 0xffffffffffffffffn] }), findings: [{ messageId: 'nonCanonical' }] },
    {
      name: '32-bit sign-extension fix-up',
      facts: userFacts({ parameters: [1n, 0xffffffff00000045n] }, { arch: 'x86', pointerSize: 4 }),
      findings: [{ messageId: 'fixup', message: /0x45$/ }, { messageId: 'av', hint: { bucketClass: 'NULL_POINTER_WRITE_c0000005' } }],
    },
    { name: 'kernel 0x1000007E AV', facts: kernelFacts(0x1000007e, [0xffffffffc0000005n, 0xfffff80003000100n, 0n, 0n]), findings: [{ messageId: 'kernelAv', hint: { bucketClass: 'AV' } }] },
  ],
});
