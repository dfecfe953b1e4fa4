import rule from '../../../src/analysis/rules/unloaded-driver.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { kernelFacts, unloaded } from '../../helpers/facts.js';

ruleTester.run('unloaded-driver', rule, {
  valid: [{ name: 'fault in a loaded driver', facts: kernelFacts(0xd1, [0n, 2n, 0n, 0xfffff80003000010n], { unloadedModules: [unloaded('old.sys', 0xfffff80009000000n)] }) }],
  invalid: [
    {
      name: '0xD1 P4 in an unloaded driver range',
      facts: kernelFacts(0xd1, [0n, 2n, 8n, 0xfffff80009000040n], { unloadedModules: [unloaded('old.sys', 0xfffff80009000000n)] }),
      findings: [{ messageId: 'unloaded', hint: { blame: { module: 'old.sys' }, category: 'third-party-driver', bucketClass: 'UNLOADED_MODULE' } }],
    },
  ],
});
