import rule from '../../../src/analysis/rules/fast-fail.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { userFacts } from '../../helpers/facts.js';

ruleTester.run('fast-fail', rule, {
  valid: [{ name: 'AV', facts: userFacts({ code: 0xc0000005 }) }],
  invalid: [
    { name: 'fatal app exit', facts: userFacts({ code: 0xc0000409, parameters: [7n] }), findings: [{ messageId: 'fastFail', hint: { bucketClass: 'FAIL_FAST_FATAL_APP_EXIT_c0000409' }, message: /FAST_FAIL_FATAL_APP_EXIT/ }] },
    { name: 'stack cookie', facts: userFacts({ code: 0xc0000409, parameters: [2n] }), findings: [{ messageId: 'fastFail', hint: { bucketClass: 'FAIL_FAST_STACK_COOKIE_CHECK_FAILURE_c0000409' } }] },
  ],
});
