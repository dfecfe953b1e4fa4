import rule from '../../../src/analysis/rules/fault-address.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { kernelFacts, userFacts } from '../../helpers/facts.js';

ruleTester.run('fault-address', rule, {
  valid: [{ name: '0xE2 has no fault parameter', facts: kernelFacts(0xe2, [0n, 0n, 0n, 0n]) }],
  invalid: [
    {
      name: '0xD1 P4 inside mydriver.sys, P1 data address ignored',
      facts: kernelFacts(0xd1, [0x10n, 2n, 0n, 0xfffff80003001234n]),
      findings: [{ messageId: 'inModule', hint: { fault: { address: 0xfffff80003001234n, kind: 'ip' } }, message: /mydriver\.sys\+0x1234/ }],
    },
    {
      name: '0x1000007E P2 (the _M variant uses the base code table)',
      facts: kernelFacts(0x1000007e, [0xffffffffc0000005n, 0xfffff80003000100n, 0n, 0n]),
      findings: [{ messageId: 'inModule', message: /mydriver\.sys/ }],
    },
    { name: 'user exception address', facts: userFacts({ address: 0x180000010n }), findings: [{ messageId: 'inModule', message: /plugin\.dll\+0x10/ }] },
    { name: 'user exception outside modules', facts: userFacts({ address: 0x1000n }), findings: [{ messageId: 'outside' }] },
  ],
});
