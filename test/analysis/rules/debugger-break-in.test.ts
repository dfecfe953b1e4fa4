import rule from '../../../src/analysis/rules/debugger-break-in.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { userFacts } from '../../helpers/facts.js';

ruleTester.run('debugger-break-in', rule, {
  valid: [
    { name: 'breakpoint in the application', facts: userFacts({ code: 0x80000003, address: 0x140001000n }) },
    { name: 'breakpoint in ntdll on the first thread', facts: userFacts({ code: 0x80000003, address: 0x7ff800001000n, threadId: 1 }) },
  ],
  invalid: [
    // No focusThreadId: the frames are the exception thread's, as WinDbg shows a break-in.
    { name: 'ntdll breakpoint on an injected thread', facts: userFacts({ code: 0x80000003, address: 0x7ff800001000n, threadId: 2 }), findings: [{ messageId: 'breakIn', hint: { kind: 'hang', trigger: 'manual-debugger' } }] },
  ],
});
