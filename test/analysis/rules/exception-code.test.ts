import rule from '../../../src/analysis/rules/exception-code.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { kernelFacts, userFacts } from '../../helpers/facts.js';

ruleTester.run('exception-code', rule, {
  valid: [{ name: 'kernel dumps are left to the bug check', facts: kernelFacts(0xd1, [0n, 0n, 0n, 0n]) }],
  invalid: [
    { name: 'breakpoint', facts: userFacts({ code: 0x80000003 }), findings: [{ messageId: 'known', hint: { bucketClass: 'BREAKPOINT_80000003' } }] },
    { name: 'heap corruption', facts: userFacts({ code: 0xc0000374 }), findings: [{ messageId: 'known' }, { messageId: 'heap', hint: { maxConfidence: 0.5 } }] },
    { name: 'stack overflow', facts: userFacts({ code: 0xc00000fd }), findings: [{ messageId: 'known', hint: { bucketClass: 'STACK_OVERFLOW_c00000fd' } }, { messageId: 'stackOverflow' }] },
    { name: 'stowed', facts: userFacts({ code: 0xc000027b }), findings: [{ messageId: 'known', hint: { bucketClass: 'STOWED_EXCEPTION_c000027b' } }] },
    { name: 'Unreal ensure 0xbdb30 is not an NTSTATUS', facts: userFacts({ code: 0xbdb30 }), findings: [{ messageId: 'appRaised', hint: { trigger: 'application-raised', bucketClass: 'APPLICATION_RAISED' } }] },
    { name: 'unknown error code', facts: userFacts({ code: 0xc0ffee01 }), findings: [{ messageId: 'unknown' }] },
  ],
});
